//! `FusedTrainer`: the unchecked path, which applies each optimizer update inside the backward pass and keeps no gradients.

use crate::layer::{DataInput, ParamUpdate};
use crate::network::Model;
use crate::optim::{Clip, Optimizer};
use crate::train::{check_batch, forward_and_loss};
use crate::{Error, Layer, Loss, Matrix, Network, Scalar, Zeroed};

/// Trains like [`Trainer`](crate::Trainer), but applies each parameter's
/// optimizer update the moment the backward pass has its gradient, so it keeps
/// no gradient buffer: it needs one copy of the parameters less RAM, and it
/// makes one pass fewer over them.
///
/// The price is the all-or-nothing guarantee. Inputs, targets,
/// hyperparameters and the loss are still checked before anything changes,
/// but an update that overflows is written like any other: if a step's
/// gradients or updates come out NaN or infinite, the network and optimizer
/// state are left partly updated and non-finite. On a normal run the two
/// trainers compute the same updates and end with bit-identical weights.
/// Clipping by global norm needs every gradient before the first update, so
/// it is refused with [`Error::Unsupported`].
///
/// Choose it for the RAM, not for speed. Issue 5 planned it as the fast
/// path, but the checked step's kernels store their gradients a block at a
/// time and it runs the optimizer over whole tensors (vectorised, and Adam
/// in asm on the Cortex-M4F), where this one updates parameter by parameter
/// inside the backward kernels. On the benchmarks' W2 (4-16-16-3, Adam,
/// batch 8) it takes 35,156 instructions a step against the checked step's
/// 24,684 on a Cortex-M4F at opt-level `"s"`, and 17,491 against 8,334 on
/// x86-64 with AVX2 (BENCHMARKS.md); on W1 (SGD) the two are level.
///
/// Like a `Trainer`, it can be a
/// `static` built by the `const fn` [`new`](Self::new) (an image in flash) or
/// initialised with [`Zeroed::ZEROED`] (in `.bss`, set up at run time; see
/// [`Trainer`](crate::Trainer#a-trainer-in-a-static-a-flash-image-or-zeros-set-up-at-run-time)).
///
/// ```
/// use tinymlp::{mlp, FusedTrainer, Matrix, Mse, Sgd, Trainer};
///
/// type Net = mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);
/// let x = Matrix::from_array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]);
/// let y = Matrix::from_array([[0.0], [1.0], [1.0], [0.0]]);
///
/// let mut fused = FusedTrainer::new(Net::xavier(7), Sgd::new(2.0), Mse);
/// let mut checked = Trainer::new(Net::xavier(7), Sgd::new(2.0), Mse);
/// for _ in 0..100 {
///     fused.step(&x, &y)?;
///     checked.step(&x, &y)?;
/// }
/// assert!(fused.network() == checked.network()); // the same bits
/// assert!(size_of_val(&fused) < size_of_val(&checked)); // no gradient buffer
/// # Ok::<(), tinymlp::Error>(())
/// ```
pub struct FusedTrainer<N: Model, O: Optimizer<N::Scalar>, L, const M: usize> {
    network: N,
    optimizer: O,
    loss: L,
    tape: N::Tape<M>,
    state: N::Slots<O::Slot>,
}

/// All zeros, as [`Trainer`](crate::Trainer)'s `ZEROED`: a placeholder for
/// a `static` in `.bss`, whose optimizer and weights are set at run time; a
/// step before the optimizer is set is refused.
impl<N, O, L, const M: usize> Zeroed for FusedTrainer<N, O, L, M>
where
    N: Model + Zeroed,
    O: Optimizer<N::Scalar> + Zeroed,
    L: Zeroed,
{
    const ZEROED: Self = Self::new(N::ZEROED, O::ZEROED, L::ZEROED);
}

impl<N: Model, O: Optimizer<N::Scalar>, L, const M: usize> FusedTrainer<N, O, L, M> {
    /// A trainer for `network`, with a zeroed tape and optimizer state.
    pub const fn new(network: N, optimizer: O, loss: L) -> Self {
        const { assert!(M > 0, "the batch size M must be at least 1") };
        Self {
            network,
            optimizer,
            loss,
            tape: Zeroed::ZEROED,
            state: Zeroed::ZEROED,
        }
    }

    /// The network being trained.
    pub const fn network(&self) -> &N {
        &self.network
    }

    /// The network, mutably.
    pub fn network_mut(&mut self) -> &mut N {
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

    /// The optimizer's per-parameter state, in the network's own shape.
    pub const fn optimizer_state(&self) -> &N::Slots<O::Slot> {
        &self.state
    }

    /// Zeroes the optimizer's per-parameter state.
    pub fn reset_optimizer_state(&mut self) {
        self.state = Zeroed::ZEROED;
    }
}

impl<T, Ls, O, L, const IN: usize, const OUT: usize, const M: usize> FusedTrainer<Network<T, Ls, IN, OUT>, O, L, M>
where
    T: Scalar,
    Ls: Layer<T, IN, OUT>,
    O: Optimizer<T>,
{
    /// One training step on a full batch: forward, loss, then the backward
    /// pass with every update applied as soon as its gradient is known.
    /// Returns the batch's loss before the update.
    ///
    /// Refused, with nothing changed: non-finite inputs or targets, an invalid
    /// hyperparameter, clipping by global norm ([`Error::Unsupported`]), a
    /// non-finite loss. Not checked: the gradients and updates themselves.
    pub fn step(&mut self, x: &Matrix<T, M, IN>, y: &Matrix<T, M, OUT>) -> Result<T, Error>
    where
        L: Loss<Ls::Activation>,
    {
        self.step_rows(x, y, M)
    }

    /// Like [`step`](Self::step) on the first `rows` rows only.
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
        self.fused_step(x, y, rows)
    }

    /// [`step_rows`](Self::step_rows) compiled for AVX2 (see `cpu`).
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[target_feature(enable = "avx2")]
    fn step_rows_avx2(&mut self, x: &Matrix<T, M, IN>, y: &Matrix<T, M, OUT>, rows: usize) -> Result<T, Error>
    where
        L: Loss<Ls::Activation>,
    {
        self.fused_step(x, y, rows)
    }

    /// The fused step itself, inlined whole into its AVX2 copy (see `cpu`).
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    fn fused_step(&mut self, x: &Matrix<T, M, IN>, y: &Matrix<T, M, OUT>, rows: usize) -> Result<T, Error>
    where
        L: Loss<Ls::Activation>,
    {
        check_batch(x, y, rows, &self.optimizer)?;
        if let Clip::Norm(_) = self.optimizer.clip() {
            return Err(Error::Unsupported {
                what: "clipping by global norm in FusedTrainer: it needs every gradient before the first update; use Trainer",
            });
        }

        let layers = self.network.layers_mut();
        let loss = forward_and_loss::<_, _, L, IN, OUT, M>(layers, &mut self.tape, x, y, rows)?;
        let mut apply = ApplyUpdate::<O, T>(self.optimizer.prepare(T::ONE));
        layers.backward(&mut DataInput(x), rows, &mut self.tape, &mut self.state, &mut apply);
        self.optimizer.finish();
        Ok(loss)
    }
}

/// The backward pass's sink in the fused step: the optimizer update, on the spot.
struct ApplyUpdate<O: Optimizer<T>, T: Scalar>(O::Step);

impl<T: Scalar, O: Optimizer<T>> ParamUpdate<T, O::Slot> for ApplyUpdate<O, T> {
    #[inline(always)]
    fn update(&mut self, param: &mut T, grad: T, slot: &mut O::Slot) {
        (*param, *slot) = O::update(&self.0, *param, grad, *slot);
    }
}
