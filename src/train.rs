//! `Trainer`: the network, its optimizer, and every buffer one training step needs, sized by the types.

use crate::layer::{DataInput, ParamUpdate, ParamVisitor, TensorId};
use crate::network::Model;
use crate::optim::{Clip, Magnitudes, Optimizer, OptimizerSlot};
use crate::{Error, Layer, Loss, Matrix, Network, Scalar, Zeroed};

/// Trains a [`Network`] with optimizer `O` and loss `L` on batches of `M` rows.
///
/// It owns the network, the optimizer and its per-parameter state, the
/// training tape (each layer's activations for a batch of `M`) and the
/// gradients. All of it is sized at compile time: `size_of::<Trainer<…>>()` is
/// the whole memory cost of training, and a trainer can be a `static` that is
/// never built on the stack, initialised by the `const fn` [`Trainer::new`] or
/// with all zeros ([`Zeroed::ZEROED`], see below).
///
/// ```
/// use tinymlp::{mlp, Matrix, Mse, Sgd, Trainer};
///
/// type Net = mlp!(f64; 2 => 4 Sigmoid => 1 Sigmoid);
/// let x = Matrix::from_array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]);
/// let y = Matrix::from_array([[0.0], [1.0], [1.0], [0.0]]);
///
/// let mut trainer = Trainer::new(Net::xavier(7), Sgd::new(2.0), Mse); // batch size 4, from x
/// let first = trainer.step(&x, &y)?;
/// for _ in 0..3000 {
///     trainer.step(&x, &y)?;
/// }
/// assert!(trainer.step(&x, &y)? < first / 10.0);
/// # Ok::<(), tinymlp::Error>(())
/// ```
///
/// # A trainer in a `static`: a flash image, or zeros set up at run time
///
/// Both ways keep the trainer off the stack; they differ in where its first
/// bytes come from.
///
/// - `static TRAINER: T = Trainer::new(…)` (a `const fn`, with a `const`
///   network) is an image the compiler builds. The optimizer's
///   hyperparameters are not zero, so the linker puts the whole trainer in
///   `.data`: every byte of it, the zeroed buffers included, is stored in
///   flash and copied to RAM at start-up (7.6 KB of flash for a 4-16-16-3
///   Adam trainer with batch 8). Nothing needs setting up; use it when flash
///   is plentiful or the trainer small.
/// - `static TRAINER: T = Zeroed::ZEROED` is all zeros, so it goes to `.bss`
///   and costs no flash. The program sets the optimizer and the initial
///   weights before the first step (the network's weights then come from a
///   `const` in flash, or from [`Network::initialize`] with no flash at all).
///   Until the optimizer is set, every step is refused with
///   [`Error::InvalidHyperparameter`] (the zero optimizers are placeholders
///   that fail validation), so a forgotten set-up cannot train silently.
///
/// ```
/// use tinymlp::{mlp, Adam, CrossEntropy, Error, Matrix, Trainer, Zeroed};
///
/// type Net = mlp!(f32; 4 => 16 Relu => 3 Softmax);
/// type Fit = Trainer<Net, Adam<f32>, CrossEntropy, 8>;
/// // On a device: `static mut TRAINER: Fit = Zeroed::ZEROED;` (in `.bss`).
/// let mut trainer = Fit::ZEROED;
/// let x = Matrix::from_array([[0.5, -0.25, 1.0, 0.0]; 8]);
/// let y = Matrix::from_array([[0.0, 0.0, 1.0]; 8]);
/// assert!(matches!(
///     trainer.step(&x, &y),
///     Err(Error::InvalidHyperparameter { name: "eps", .. })
/// ));
///
/// *trainer.optimizer_mut() = Adam::with_betas(0.01, 0.9, 0.999, 1e-7);
/// *trainer.network_mut() = Net::xavier(1);
/// let first = trainer.step(&x, &y)?;
/// assert!(trainer.step(&x, &y)? < first);
/// # Ok::<(), tinymlp::Error>(())
/// ```
///
/// A batch size of zero is rejected when the program is compiled:
///
/// ```compile_fail,E0080
/// use tinymlp::{mlp, Mse, Sgd, Trainer};
/// type Net = mlp!(f32; 2 => 1 Identity);
/// let t = Trainer::<_, _, _, 0>::new(Net::xavier(1), Sgd::new(0.1), Mse);
/// ```
///
/// Targets must have the network's output shape and the batch's row count:
///
/// ```compile_fail,E0308
/// use tinymlp::{mlp, Matrix, Mse, Sgd, Trainer};
/// type Net = mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);
/// let mut t = Trainer::new(Net::xavier(1), Sgd::new(0.1), Mse);
/// let x = Matrix::<f32, 4, 2>::zeros();
/// let y = Matrix::<f32, 4, 2>::zeros(); // two outputs, the network has one
/// let _ = t.step(&x, &y);
/// ```
///
/// ```compile_fail,E0308
/// use tinymlp::{mlp, Matrix, Mse, Sgd, Trainer};
/// type Net = mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);
/// let mut t = Trainer::new(Net::xavier(1), Sgd::new(0.1), Mse);
/// let x = Matrix::<f32, 4, 2>::zeros();
/// let y = Matrix::<f32, 3, 1>::zeros(); // three rows of targets for four samples
/// let _ = t.step(&x, &y);
/// ```
pub struct Trainer<N: Model, O: Optimizer<N::Scalar>, L, const M: usize> {
    network: N,
    optimizer: O,
    loss: L,
    tape: N::Tape<M>,
    gradients: N::Slots<N::Scalar>,
    state: N::Slots<O::Slot>,
    /// Bounds on every parameter and optimizer-state value, carried from step
    /// to step (see `step_rows`); `None` when unknown. Everything that can
    /// change the network or the state from outside a step must reset it.
    bounds: Option<Magnitudes<N::Scalar>>,
}

/// All zeros: a network of zeros, the optimizer's placeholder (a step with it
/// is refused with [`Error::InvalidHyperparameter`]) and empty buffers. A
/// `static` initialised with it sits in `.bss`; set the optimizer and the
/// initial weights at run time (see [`Trainer`]).
impl<N, O, L, const M: usize> Zeroed for Trainer<N, O, L, M>
where
    N: Model + Zeroed,
    O: Optimizer<N::Scalar> + Zeroed,
    L: Zeroed,
{
    const ZEROED: Self = Self::new(N::ZEROED, O::ZEROED, L::ZEROED);
}

impl<N: Model, O: Optimizer<N::Scalar>, L, const M: usize> Trainer<N, O, L, M> {
    /// A trainer for `network`, with zeroed tape, gradients and optimizer state.
    pub const fn new(network: N, optimizer: O, loss: L) -> Self {
        const { assert!(M > 0, "the batch size M must be at least 1") };
        Self {
            network,
            optimizer,
            loss,
            tape: Zeroed::ZEROED,
            gradients: Zeroed::ZEROED,
            state: Zeroed::ZEROED,
            bounds: None,
        }
    }

    /// The network being trained.
    pub const fn network(&self) -> &N {
        &self.network
    }

    /// The network, mutably (optimizer state is kept; reset it with
    /// [`reset_optimizer_state`](Self::reset_optimizer_state) if the change is large).
    pub fn network_mut(&mut self) -> &mut N {
        self.bounds = None;
        &mut self.network
    }

    /// Ends training and gives the network back.
    pub fn into_network(self) -> N {
        self.network
    }

    /// The optimizer.
    pub const fn optimizer(&self) -> &O {
        &self.optimizer
    }

    /// The optimizer, mutably (to change its learning rate, say).
    pub fn optimizer_mut(&mut self) -> &mut O {
        &mut self.optimizer
    }

    /// The loss.
    pub const fn loss(&self) -> &L {
        &self.loss
    }

    /// The gradients computed by the most recent step that got as far as the
    /// backward pass, in the network's own shape: scratch, and also written by
    /// a step that was then refused, so the culprit can be inspected.
    pub const fn gradients(&self) -> &N::Slots<N::Scalar> {
        &self.gradients
    }

    /// The optimizer's per-parameter state, in the network's own shape.
    pub const fn optimizer_state(&self) -> &N::Slots<O::Slot> {
        &self.state
    }

    /// Zeroes the optimizer's per-parameter state (momenta, moment estimates).
    pub fn reset_optimizer_state(&mut self) {
        self.bounds = None;
        self.state = Zeroed::ZEROED;
    }

    /// The optimizer's per-parameter state, mutably (for restoring a saved
    /// state); forgets the carried bounds, which no longer describe it.
    pub(crate) fn optimizer_state_mut(&mut self) -> &mut N::Slots<O::Slot> {
        self.bounds = None;
        &mut self.state
    }
}

impl<T, Ls, O, L, const IN: usize, const OUT: usize, const M: usize> Trainer<Network<T, Ls, IN, OUT>, O, L, M>
where
    T: Scalar,
    Ls: Layer<T, IN, OUT>,
    O: Optimizer<T>,
{
    /// Calls `f` with each trainable tensor's gradients (see
    /// [`gradients`](Self::gradients)), layer by layer from the input, weights
    /// (row-major) before bias.
    pub fn for_each_gradient(&self, mut f: impl FnMut(TensorId, &[T])) {
        Ls::visit_slots(&self.gradients, 0, &mut f);
    }

    /// Calls `f` with each trainable tensor's optimizer state, in the same order.
    pub fn for_each_optimizer_slot(&self, mut f: impl FnMut(TensorId, &[O::Slot])) {
        Ls::visit_slots(&self.state, 0, &mut f);
    }

    /// One training step on a full batch: forward, loss, backward, update.
    /// Returns the batch's loss before the update.
    ///
    /// The step is checked: if an input or target is not finite, a
    /// hyperparameter is out of range, or the loss, any gradient or any updated
    /// parameter or optimizer state would be NaN or infinite, it returns the
    /// error and leaves the network, the optimizer and its per-parameter state
    /// bit-for-bit as they were (see the crate's Guarantees).
    pub fn step(&mut self, x: &Matrix<T, M, IN>, y: &Matrix<T, M, OUT>) -> Result<T, Error>
    where
        L: Loss<Ls::Activation>,
    {
        self.step_rows(x, y, M)
    }

    /// Like [`step`](Self::step) on the first `rows` rows only (a partial last
    /// batch): the loss and gradients are means over `rows`, and the other
    /// rows are never read.
    pub fn step_rows(&mut self, x: &Matrix<T, M, IN>, y: &Matrix<T, M, OUT>, rows: usize) -> Result<T, Error>
    where
        L: Loss<Ls::Activation>,
    {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if crate::cpu::has_avx2() {
            // SAFETY: `step_rows_avx2` needs AVX2 and nothing else, and `has_avx2`
            // (std's detection: CPUID, and XGETBV for the OS saving YMM) says it is usable.
            #[allow(unsafe_code)]
            return unsafe { self.step_rows_avx2(x, y, rows) };
        }
        self.checked_step(x, y, rows)
    }

    /// [`step_rows`](Self::step_rows) compiled for AVX2 (see `cpu`).
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[target_feature(enable = "avx2")]
    fn step_rows_avx2(&mut self, x: &Matrix<T, M, IN>, y: &Matrix<T, M, OUT>, rows: usize) -> Result<T, Error>
    where
        L: Loss<Ls::Activation>,
    {
        self.checked_step(x, y, rows)
    }

    /// The checked step itself, inlined whole into its AVX2 copy (see `cpu`).
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    fn checked_step(&mut self, x: &Matrix<T, M, IN>, y: &Matrix<T, M, OUT>, rows: usize) -> Result<T, Error>
    where
        L: Loss<Ls::Activation>,
    {
        check_batch(x, y, rows, &self.optimizer)?;
        let layers = self.network.layers_mut();
        let loss = forward_and_loss::<_, _, L, IN, OUT, M>(layers, &mut self.tape, x, y, rows)?;
        let mut store = StoreGradient::new();
        layers.backward(&mut DataInput(x), rows, &mut self.tape, &mut self.gradients, &mut store);

        let grad_scale = match self.optimizer.clip() {
            Clip::Norm(max_norm) => norm_clip_coefficient(layers, &self.gradients, &mut self.state, max_norm)?,
            Clip::None | Clip::Value(_) => T::ONE,
        };
        let step = self.optimizer.prepare(grad_scale);

        // All-or-nothing without computing every update twice: when bounds on
        // the values before the step and on the gradients prove every update
        // finite, the dry run is skipped; otherwise it computes them all.
        // Either way nothing is written before every result is known finite.
        if self.bounds.is_none() {
            let mut scan = MagnitudeScan::<O, T>::new();
            visit_cold(layers, &self.gradients, &mut self.state, &mut scan)?;
            self.bounds = scan.bounds;
        }
        let certified = match (self.bounds, gradient_bound(store.sum())) {
            (Some(before), Some(gradient)) => O::bound_step(&step, before, gradient),
            _ => None,
        };
        if certified.is_none()
            && let Err(error) = visit_cold(layers, &self.gradients, &mut self.state, &mut DryRun::<O, T>(step))
        {
            // Report a non-finite gradient in preference to the parameter it spoilt.
            visit_cold(layers, &self.gradients, &mut self.state, &mut FiniteGradients)?;
            return Err(error);
        }
        layers.visit_params(0, &self.gradients, &mut self.state, &mut Commit::<O, T>(step))?;
        self.optimizer.finish();
        self.bounds = certified;
        Ok(loss)
    }
}

/// Visits every tensor with a visitor off the steady step's path (the scans,
/// the dry run, norm clipping): through `dyn`, so that one copy of the walk
/// over the network's tensors serves all of them, and each visitor's `visit`
/// is compiled once instead of once per tensor. What it costs, an indirect
/// call per tensor, is paid only in the steps that run them: the first, one
/// after a refused or uncertified update, and, under `Clip::Norm`, every
/// step (its sum of squares is one of these passes).
#[inline(never)]
fn visit_cold<T, Ls, S, const IN: usize, const OUT: usize>(
    layers: &mut Ls,
    grads: &Ls::Slots<T>,
    slots: &mut Ls::Slots<S>,
    visitor: &mut dyn ParamVisitor<T, S>,
) -> Result<(), Error>
where
    T: Scalar,
    Ls: Layer<T, IN, OUT>,
    S: Zeroed + Copy,
{
    layers.visit_params(0, grads, slots, visitor)
}

/// `min(1, max_norm / (‖g‖₂ + 1e-6))` over all gradients, PyTorch's `clip_grad_norm_` coefficient.
fn norm_clip_coefficient<T, Ls, S, const IN: usize, const OUT: usize>(
    layers: &mut Ls,
    grads: &Ls::Slots<T>,
    slots: &mut Ls::Slots<S>,
    max_norm: T,
) -> Result<T, Error>
where
    T: Scalar,
    Ls: Layer<T, IN, OUT>,
    S: Zeroed + Copy,
{
    let mut sum = SquaredNorm(T::ZERO);
    visit_cold(layers, grads, slots, &mut sum)?;
    let norm = sum.0.sqrt();
    let coefficient = if norm.is_finite() {
        max_norm / (norm + T::from_f64(1e-6))
    } else {
        // Squares of finite gradients beyond √MAX overflow, which would make the
        // coefficient 0 and the step a silent no-op: divide by the largest first.
        let mut largest = LargestMagnitude(T::ZERO);
        visit_cold(layers, grads, slots, &mut largest)?;
        let largest = largest.0;
        if !largest.is_finite() || largest == T::ZERO {
            return Ok(T::ONE); // a non-finite gradient, which the dry run refuses
        }
        let mut scaled = ScaledSquaredNorm {
            divisor: largest,
            sum: T::ZERO,
        };
        visit_cold(layers, grads, slots, &mut scaled)?;
        let root = scaled.sum.sqrt(); // in [1, √parameters]
        let norm = largest * root;
        if norm.is_finite() {
            max_norm / (norm + T::from_f64(1e-6))
        } else {
            // ‖g‖ > MAX: the coefficient may be subnormal (fewer significant
            // bits), and is 0 only if max_norm / ‖g‖ itself underflows.
            max_norm / root / largest
        }
    };
    Ok(if coefficient < T::ONE { coefficient } else { T::ONE })
}

/// The backward pass's sink in the checked step: stores each gradient and adds
/// up their squares, for [`gradient_bound`].
struct StoreGradient<T> {
    sum: T,
    /// Sums of the squares handed over in runs, one per position in a run
    /// (see `update_lanes`).
    #[cfg(target_arch = "x86_64")]
    lanes: [T; 8],
}

impl<T: Scalar> StoreGradient<T> {
    #[inline(always)]
    fn new() -> Self {
        Self {
            sum: T::ZERO,
            #[cfg(target_arch = "x86_64")]
            lanes: [T::ZERO; 8],
        }
    }

    /// The sum of the squares of every gradient so far, in some order.
    #[inline(always)]
    fn sum(&self) -> T {
        #[cfg(target_arch = "x86_64")]
        return self.lanes.iter().fold(self.sum, |sum, &lane| sum + lane);
        #[cfg(not(target_arch = "x86_64"))]
        self.sum
    }
}

impl<T: Scalar> ParamUpdate<T, T> for StoreGradient<T> {
    const KEEPS_PARAMS: bool = true;
    #[cfg(target_arch = "x86_64")]
    const BY_LANES: bool = true;
    #[inline(always)]
    fn update(&mut self, _param: &mut T, grad: T, slot: &mut T) {
        *slot = grad;
        self.sum += grad * grad;
    }
    /// Each square joins the sum of its position in the run: one addition
    /// after another into one sum is a serial chain of scalar adds (each
    /// with a shuffle to reach its lane on x86-64), where a run of 8 adds to
    /// its 8 sums with two vector adds. [`gradient_bound`] takes the sum in
    /// any order.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn update_lanes<const L: usize>(&mut self, params: &mut [T], grads: &[T; L], slots: &mut [T]) {
        for (l, ((slot, &grad), _)) in slots.iter_mut().zip(grads).zip(params.iter()).enumerate() {
            *slot = grad;
            match self.lanes.get_mut(l) {
                Some(sum) => *sum += grad * grad,
                None => self.sum += grad * grad, // runs longer than 8
            }
        }
    }
    #[inline(always)]
    fn gradient_store<'a, const IN: usize, const OUT: usize>(
        &'a mut self,
        slots: &'a mut [[T; OUT]; IN],
    ) -> Option<(&'a mut [[T; OUT]; IN], &'a mut T)> {
        Some((slots, &mut self.sum))
    }
}

/// A bound on every `|g|` from the sum of all `g²` (in any order); `None` when
/// that sum is not finite. `g²` rounds to within `(1 ± u)` unless it is below
/// the smallest normal number, which needs `|g| < ε²`, the added term. Adding
/// non-negative values never gives less than any one of them (rounding is
/// monotonic), so the sum is at least each rounded `g²` whatever the order
/// and the number of terms: the slack does not grow with the parameters.
fn gradient_bound<T: Scalar>(sum_of_squares: T) -> Option<T> {
    if !sum_of_squares.is_finite() {
        return None;
    }
    let slack = T::ONE + T::EPSILON * T::from_usize(16);
    Some(sum_of_squares.sqrt() * slack + T::EPSILON * T::EPSILON)
}

/// The largest parameter and optimizer-state magnitudes; `None` if any value
/// is not finite or outside the optimizer's domain.
struct MagnitudeScan<O, T> {
    bounds: Option<Magnitudes<T>>,
    optimizer: core::marker::PhantomData<O>,
}

impl<O, T: Scalar> MagnitudeScan<O, T> {
    fn new() -> Self {
        Self {
            bounds: Some(Magnitudes {
                param: T::ZERO,
                slot: T::ZERO,
            }),
            optimizer: core::marker::PhantomData,
        }
    }
}

impl<T: Scalar, O: Optimizer<T>> ParamVisitor<T, O::Slot> for MagnitudeScan<O, T> {
    fn visit(&mut self, _: TensorId, params: &mut [T], _: &[T], slots: &mut [O::Slot]) -> Result<(), Error> {
        for (&p, s) in params.iter().zip(slots.iter()) {
            let Some(bounds) = self.bounds.as_mut() else {
                return Ok(());
            };
            let (p, s) = (p.abs(), O::slot_magnitude(s));
            match s {
                Some(s) if p.is_finite() => {
                    bounds.param = if p > bounds.param { p } else { bounds.param };
                    bounds.slot = if s > bounds.slot { s } else { bounds.slot };
                }
                _ => self.bounds = None,
            }
        }
        Ok(())
    }
}

/// What both trainers check before a step touches anything: the row count
/// (`1..=M`), every input and target of the rows used, the hyperparameters.
#[inline(always)]
pub(crate) fn check_batch<T: Scalar, O: Optimizer<T>, const M: usize, const IN: usize, const OUT: usize>(
    x: &Matrix<T, M, IN>,
    y: &Matrix<T, M, OUT>,
    rows: usize,
    optimizer: &O,
) -> Result<(), Error> {
    if rows == 0 || rows > M {
        return Err(Error::BatchRows { rows, capacity: M });
    }
    check_finite(x, rows, |row, col| Error::NonFiniteInput { row, col })?;
    check_finite(y, rows, |row, col| Error::NonFiniteTarget { row, col })?;
    optimizer.validate()
}

/// The forward pass and the loss of the first `rows` rows, which leave
/// `∂f/∂Z` of the output layer on the tape; a non-finite loss is refused
/// before anything else changes.
#[inline(always)]
pub(crate) fn forward_and_loss<T, Ls, L, const IN: usize, const OUT: usize, const M: usize>(
    layers: &Ls,
    tape: &mut Ls::Tape<M>,
    x: &Matrix<T, M, IN>,
    y: &Matrix<T, M, OUT>,
    rows: usize,
) -> Result<T, Error>
where
    T: Scalar,
    Ls: Layer<T, IN, OUT>,
    L: Loss<Ls::Activation>,
{
    layers.forward_tape(x, rows, tape);
    let loss = L::batch_loss_and_gradient(Ls::tape_output_mut(tape), y, rows);
    if loss.is_finite() {
        Ok(loss)
    } else {
        Err(Error::NonFiniteLoss)
    }
}

/// The first non-finite element among the first `rows` rows, as an error.
///
/// `x·0` is `±0` for finite `x` and NaN otherwise, so one sum of them tells
/// whether all are finite without a branch per value; only then is the
/// culprit searched for. One running sum over the rows as one flat slice,
/// four values a pass, keeps the loop to a load and a multiply-add per value
/// (a sum per column kept them in memory on 32-bit Arm). On x86-64 the flat
/// loop keeps one value a pass, and rows of 8 values or more
/// go to 8 sums instead, one per position in each run of 8: the one sum is
/// a serial chain of scalar adds, the 8 are two vector adds per run (W3's
/// 16 × 64 inputs: 3,200 instructions fewer). Narrower rows go through the
/// flat slice in runs of 4 with 4 sums (W2's 4 and 3 columns: 65 fewer
/// with AVX2, 43 with SSE2). Runs of 8 there cost W2's AVX2 step 1,200
/// more elsewhere: LLVM then left Adam's loop over the 48 output weights
/// scalar and kept the 256 hidden ones' a loop; so did runs of 4 added in
/// place (`lanes.iter_mut().zip(run)`) rather than as a fold (sums per
/// row's run, earlier, 150 more through register allocation).
fn check_finite<T: Scalar, const M: usize, const N: usize>(
    m: &Matrix<T, M, N>,
    rows: usize,
    error: fn(usize, usize) -> Error,
) -> Result<(), Error> {
    let used = m.as_array().get(..rows).unwrap_or(&[]);
    // Four values a pass: the order of the sum does not matter (any NaN or
    // ±∞ makes it NaN), and the loop's own instructions are paid once per four.
    #[cfg(not(target_arch = "x86_64"))]
    let sum = {
        let (blocks, tail) = used.as_flattened().as_chunks::<4>();
        let mut sum = T::ZERO;
        for &[a, b, c, d] in blocks {
            sum = sum + a * T::ZERO + b * T::ZERO + c * T::ZERO + d * T::ZERO;
        }
        for &x in tail {
            sum += x * T::ZERO;
        }
        sum
    };
    #[cfg(target_arch = "x86_64")]
    let sum = if N < 8 {
        let (runs, rest) = used.as_flattened().as_chunks::<4>();
        let lanes = runs
            .iter()
            .fold([T::ZERO; 4], |s, run| core::array::from_fn(|l| s[l] + run[l] * T::ZERO));
        let sum = rest.iter().fold(T::ZERO, |s, &x| s + x * T::ZERO);
        lanes.iter().fold(sum, |s, &l| s + l)
    } else {
        let mut lanes = [T::ZERO; 8];
        for row in used {
            let (runs, rest) = row.as_chunks::<8>();
            for run in runs {
                for (s, &x) in lanes.iter_mut().zip(run) {
                    *s += x * T::ZERO;
                }
            }
            for (s, &x) in lanes.iter_mut().zip(rest) {
                *s += x * T::ZERO;
            }
        }
        lanes.iter().fold(T::ZERO, |s, &l| s + l)
    };
    if sum.is_finite() {
        return Ok(());
    }
    for (r, row) in used.iter().enumerate() {
        if let Some(c) = row.iter().position(|x| !x.is_finite()) {
            return Err(error(r, c));
        }
    }
    Ok(())
}

/// Adds up the squares of all gradients.
struct SquaredNorm<T>(T);

impl<T: Scalar, S> ParamVisitor<T, S> for SquaredNorm<T> {
    fn visit(&mut self, _: TensorId, _: &mut [T], grads: &[T], _: &mut [S]) -> Result<(), Error> {
        for &g in grads {
            self.0 += g * g;
        }
        Ok(())
    }
}

/// The largest gradient magnitude (NaN if any gradient is NaN).
struct LargestMagnitude<T>(T);

impl<T: Scalar, S> ParamVisitor<T, S> for LargestMagnitude<T> {
    fn visit(&mut self, _: TensorId, _: &mut [T], grads: &[T], _: &mut [S]) -> Result<(), Error> {
        for &g in grads {
            let magnitude = g.abs();
            if magnitude > self.0 || magnitude.is_nan() {
                self.0 = magnitude;
            }
        }
        Ok(())
    }
}

/// Adds up the squares of all gradients divided by `divisor`.
struct ScaledSquaredNorm<T> {
    divisor: T,
    sum: T,
}

impl<T: Scalar, S> ParamVisitor<T, S> for ScaledSquaredNorm<T> {
    fn visit(&mut self, _: TensorId, _: &mut [T], grads: &[T], _: &mut [S]) -> Result<(), Error> {
        for &g in grads {
            let g = g / self.divisor;
            self.sum += g * g;
        }
        Ok(())
    }
}

/// Finds the first non-finite gradient.
struct FiniteGradients;

impl<T: Scalar, S> ParamVisitor<T, S> for FiniteGradients {
    fn visit(&mut self, id: TensorId, _: &mut [T], grads: &[T], _: &mut [S]) -> Result<(), Error> {
        match grads.iter().position(|g| !g.is_finite()) {
            Some(i) => Err(Error::at(id, i, Error::gradient)),
            None => Ok(()),
        }
    }
}

/// Computes every update without writing it; fails on the first non-finite
/// gradient or result.
struct DryRun<O: Optimizer<T>, T: Scalar>(O::Step);

impl<T: Scalar, O: Optimizer<T>> ParamVisitor<T, O::Slot> for DryRun<O, T> {
    fn visit(&mut self, id: TensorId, params: &mut [T], grads: &[T], slots: &mut [O::Slot]) -> Result<(), Error> {
        // The raw gradient too: value clipping would clamp ±∞ to a finite update.
        let spoils = |(&p, &g, &s): (&T, &T, &O::Slot)| {
            let (p, s) = O::update(&self.0, p, g, s);
            !(g.is_finite() & p.is_finite() & s.is_finite())
        };
        let elements = || params.iter().zip(grads).zip(slots.iter()).map(|((p, g), s)| (p, g, s));
        // On x86-64, a branch-free pass over the whole tensor (the common,
        // all-finite case), which LLVM vectorises, then a search for the
        // first culprit only when there is one. Elsewhere the search alone:
        // a branch per element costs what the fold's `or` does, and the
        // update is compiled once instead of twice (W2 on the Cortex-M4F at
        // opt-level "s": 300 bytes).
        #[cfg(target_arch = "x86_64")]
        if !elements().fold(false, |spoilt, e| spoilt | spoils(e)) {
            return Ok(());
        }
        match elements().position(spoils) {
            Some(i) => Err(Error::at(id, i, Error::parameter)),
            None => Ok(()),
        }
    }
}

/// Writes every update.
struct Commit<O: Optimizer<T>, T: Scalar>(O::Step);

impl<T: Scalar, O: Optimizer<T>> ParamVisitor<T, O::Slot> for Commit<O, T> {
    #[inline(always)]
    fn visit(&mut self, _: TensorId, params: &mut [T], grads: &[T], slots: &mut [O::Slot]) -> Result<(), Error> {
        O::update_tensor(&self.0, params, grads, slots);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every position of a wide matrix (runs of 8 and a rest, as x86-64
    /// sums them) and of a narrow one is found, first in row order, and
    /// rows past `rows` are never looked at.
    #[test]
    fn check_finite_finds_the_first_non_finite_value() {
        fn check<const M: usize, const N: usize>() {
            let error = |row, col| Error::NonFiniteInput { row, col };
            let clean = Matrix::<f32, M, N>::from_array(core::array::from_fn(|r| {
                core::array::from_fn(|c| (r * N + c) as f32 - 7.5)
            }));
            assert_eq!(check_finite(&clean, M, error), Ok(()));
            for poison in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                for row in 0..M {
                    for col in 0..N {
                        let mut m = clean;
                        *m.get_mut(row, col).unwrap() = poison;
                        assert_eq!(
                            check_finite(&m, M, error),
                            Err(error(row, col)),
                            "{poison} at [{row}, {col}]"
                        );
                        assert_eq!(
                            check_finite(&m, row, error),
                            Ok(()),
                            "{poison} at [{row}, {col}], {row} rows"
                        );
                        if row + 1 < M {
                            *m.get_mut(row + 1, 0).unwrap() = poison;
                            assert_eq!(check_finite(&m, M, error), Err(error(row, col)));
                        }
                    }
                }
            }
        }
        check::<3, 19>();
        check::<2, 8>();
        check::<4, 3>();
    }
}
