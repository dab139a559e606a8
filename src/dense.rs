//! `Dense<T, IN, OUT, G>`: a fully connected layer `A = g(X·W + b)`.

use core::marker::PhantomData;

use crate::kernel::{self, LANES, ROWS};
use crate::layer::{LayerView, LayerViewMut, ParamUpdate, ParamVisitor, Tensor, TensorId, Upstream, sealed};
use crate::{Activation, Error, Layer, Matrix, RowVector, Scalar, Zeroed};

/// A fully connected layer: `Z = X·W + b`, `A = g(Z)`, with `W: IN × OUT` (one
/// column per neuron) and `b: 1 × OUT`.
///
/// The same type with another element type holds one value per parameter:
/// `Dense<T, …>` is also the layer's gradient, and `Dense<S, …>` its optimizer
/// state.
///
/// ```
/// use tinymlp::{Dense, Layer, Relu};
///
/// // 2 inputs, 3 neurons; built in a const, so it can live in flash.
/// const LAYER: Dense<f32, 2, 3, Relu> = Dense::from_arrays(
///     [[1.0, -1.0, 0.5],
///      [2.0, 0.0, -0.5]],
///     [0.0, 0.5, 0.0],
/// );
/// let mut z = [0.0; 3];
/// LAYER.logits(&[1.0, 1.0], &mut z); // pre-activations X·W + b
/// assert_eq!(z, [3.0, -0.5, 0.0]);
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct Dense<T, const IN: usize, const OUT: usize, G> {
    weights: Matrix<T, IN, OUT>,
    bias: RowVector<T, OUT>,
    activation: PhantomData<G>,
}

impl<T, const IN: usize, const OUT: usize, G> Dense<T, IN, OUT, G> {
    /// A layer with the given weights (`IN × OUT`) and bias (`1 × OUT`).
    pub const fn new(weights: Matrix<T, IN, OUT>, bias: RowVector<T, OUT>) -> Self {
        Self {
            weights,
            bias,
            activation: PhantomData,
        }
    }

    /// A layer from plain arrays: `weights[i][j]` connects input `i` to neuron `j`.
    pub const fn from_arrays(weights: [[T; OUT]; IN], bias: [T; OUT]) -> Self {
        Self::new(Matrix::from_array(weights), Matrix::from_array([bias]))
    }

    /// The weight matrix `W`, `IN × OUT`.
    pub const fn weights(&self) -> &Matrix<T, IN, OUT> {
        &self.weights
    }

    /// The weight matrix `W`, mutably.
    pub fn weights_mut(&mut self) -> &mut Matrix<T, IN, OUT> {
        &mut self.weights
    }

    /// The bias row `b`, `1 × OUT`.
    pub const fn bias(&self) -> &RowVector<T, OUT> {
        &self.bias
    }

    /// The bias row `b`, mutably.
    pub fn bias_mut(&mut self) -> &mut RowVector<T, OUT> {
        &mut self.bias
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize, G> Dense<T, IN, OUT, G> {
    /// A layer with all weights and biases zero.
    pub const fn zeros() -> Self {
        Self::new(Matrix::zeros(), Matrix::zeros())
    }
}

impl<T: Zeroed + Copy, const IN: usize, const OUT: usize, G> Zeroed for Dense<T, IN, OUT, G> {
    const ZEROED: Self = Self::new(Matrix::ZEROED, Matrix::ZEROED);
}

impl<T: core::fmt::Debug, const IN: usize, const OUT: usize, G: Activation> core::fmt::Debug for Dense<T, IN, OUT, G> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Dense")
            .field("activation", &G::KIND)
            .field("weights", &self.weights)
            .field("bias", &self.bias)
            .finish()
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize, G: Activation> Dense<T, IN, OUT, G> {
    /// [`Layer::backward`] behind a call boundary on 32-bit Arm, when `update`
    /// keeps `W` (the checked step).
    ///
    /// As for the forward kernels (`kernel::affine_batch_typed`), a function of its
    /// own gets `X`, `dZ`, `W` and the gradient as separate base pointers;
    /// inlined into the trainer, every operand was addressed from the
    /// trainer's one base and each load beyond `vldr`'s 1020-byte offset range
    /// cost an extra `add` (W2 on the Cortex-M4F: about 1,500 instructions
    /// per step). The call is per layer, not per block, so block widths stay
    /// compile-time constants. The fused path inlines the optimizer into
    /// every block, which the call made slower (W2: +800), so it stays inline,
    /// as do layers of fewer than 16 weights, whose few loads do not pay for
    /// the call (W1's 2-4-1: +21), and everything on x86-64, which addresses
    /// any offset in one instruction.
    #[cfg_attr(target_arch = "arm", inline(never))]
    #[cfg_attr(not(target_arch = "arm"), inline(always))]
    fn backward_apart<const M: usize, I, S, U>(
        &mut self,
        input: &mut I,
        rows: usize,
        dz: &[[T; OUT]; M],
        slots: &mut Dense<S, IN, OUT, G>,
        update: &mut U,
    ) where
        I: Upstream<T, M, IN>,
        S: Zeroed + Copy,
        U: ParamUpdate<T, S>,
    {
        self.backward_blocks(input, rows, dz, slots, update);
    }

    /// [`Layer::backward`]'s body: every block of input columns (some layers
    /// whole on x86-64, `backward_whole`), then the bias.
    #[inline(always)]
    fn backward_blocks<const M: usize, I, S, U>(
        &mut self,
        input: &mut I,
        rows: usize,
        dz: &[[T; OUT]; M],
        slots: &mut Dense<S, IN, OUT, G>,
        update: &mut U,
    ) where
        I: Upstream<T, M, IN>,
        S: Zeroed + Copy,
        U: ParamUpdate<T, S>,
    {
        #[cfg(target_arch = "x86_64")]
        let whole = U::KEEPS_PARAMS && (Self::NARROW || (I::WANTS_GRADIENT && IN > ROWS && IN <= 16));
        #[cfg(not(target_arch = "x86_64"))]
        let whole = false;
        if whole {
            #[cfg(target_arch = "x86_64")]
            self.backward_whole(input, rows, dz, slots, update);
        } else {
            for block in 0..IN / ROWS {
                self.backward_columns(input, rows, dz, slots, update, block * ROWS, ROWS);
            }
            if !IN.is_multiple_of(ROWS) {
                self.backward_columns(input, rows, dz, slots, update, IN - IN % ROWS, IN % ROWS);
            }
        }
        let bias = &mut self.bias.as_array_mut()[0];
        let bias_slots = &mut slots.bias.as_array_mut()[0];
        kernel::column_sums::<T, S, U, LANES, M, OUT>(dz, rows, bias, bias_slots, update);
    }

    /// Fewer than 4 outputs (an output layer's classes) and at most 48
    /// weights: on x86-64, `dW` whole with lanes along `k`.
    ///
    /// In blocks of 4 input columns, such a layer's 12 gradients (and its
    /// `dX` block's weights) lie in memory in an order no lane layout
    /// matches, and LLVM packed them with shuffles: W2's 16 × 3 output layer
    /// cost 2.8 instructions per multiply-add. Whole, `dW` runs its lanes
    /// along `k` (each row of `X` is `IN / 4` vector loads); the accumulators
    /// fit SSE's 16 registers up to 48 weights.
    #[cfg(target_arch = "x86_64")]
    const NARROW: bool = OUT < 4 && IN * OUT <= 48;

    /// [`Layer::backward`]'s body on x86-64, when `update` keeps `W`, for a
    /// [`NARROW`](Self::NARROW) layer or a hidden layer's input of 5 to 16
    /// columns: all of `dW`, then all of `dX` at once (the caller adds the
    /// bias).
    ///
    /// `dX = dZ·Wᵀ` a row at a time with lanes along `k`, from a copy of `W`
    /// transposed once (`kernel::input_gradient_transposed`): a row's 16
    /// sums are four vectors, each `j` a broadcast of `dz[r][j]` times four
    /// loads, where blocks of 4 columns gathered each `j`'s four weights
    /// with seven instructions (W2's 16 × 16 layer: 134 fewer a step). `W`
    /// does not change during the pass, so `dX` may come after all of `dW`;
    /// the sums are the same.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn backward_whole<const M: usize, I, S, U>(
        &mut self,
        input: &mut I,
        rows: usize,
        dz: &[[T; OUT]; M],
        slots: &mut Dense<S, IN, OUT, G>,
        update: &mut U,
    ) where
        I: Upstream<T, M, IN>,
        S: Zeroed + Copy,
        U: ParamUpdate<T, S>,
    {
        let (w, w_slots) = (self.weights.as_array_mut(), slots.weights.as_array_mut());
        let x = input.input().as_array();
        if Self::NARROW {
            kernel::weight_gradient_whole::<T, S, U, M, IN, OUT>(x, dz, rows, w, w_slots, update);
        } else {
            for block in 0..IN / ROWS {
                let k0 = block * ROWS;
                kernel::weight_gradient::<T, S, U, LANES, M, IN, OUT>(x, dz, rows, k0, ROWS, w, w_slots, update);
            }
            if !IN.is_multiple_of(ROWS) {
                let k0 = IN - IN % ROWS;
                kernel::weight_gradient::<T, S, U, LANES, M, IN, OUT>(x, dz, rows, k0, IN % ROWS, w, w_slots, update);
            }
        }
        if I::WANTS_GRADIENT {
            input.accept_input_gradient(dz, self.weights.as_array(), rows, 0, IN);
        }
    }

    /// The backward pass for input columns `k0 .. k0 + kw` (at most
    /// [`ROWS`]): `dX[:, k]` from `W[k, :]` before any update, then `dW[k, :]`
    /// to `update` (which may now change `W[k, :]`), then `dX[:, k]` to `input`
    /// (which may now overwrite `X[:, k]`). When `update` keeps `W`, `dW[k, :]`
    /// comes first and `dX[:, k]` goes straight into `input`, unbuffered.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn backward_columns<const M: usize, I, S, U>(
        &mut self,
        input: &mut I,
        rows: usize,
        dz: &[[T; OUT]; M],
        slots: &mut Dense<S, IN, OUT, G>,
        update: &mut U,
        k0: usize,
        kw: usize,
    ) where
        I: Upstream<T, M, IN>,
        S: Zeroed + Copy,
        U: ParamUpdate<T, S>,
    {
        if U::KEEPS_PARAMS {
            let (w, w_slots) = (self.weights.as_array_mut(), slots.weights.as_array_mut());
            let x = input.input().as_array();
            kernel::weight_gradient::<T, S, U, LANES, M, IN, OUT>(x, dz, rows, k0, kw, w, w_slots, update);
            if I::WANTS_GRADIENT {
                input.accept_input_gradient(dz, self.weights.as_array(), rows, k0, kw);
            }
            return;
        }
        let mut dx = [[T::ZERO; M]; ROWS];
        if I::WANTS_GRADIENT {
            // A closure: no asm blocks here (see `kernel::InputGradientSink`).
            kernel::input_gradient::<T, M, IN, OUT>(
                dz,
                self.weights.as_array(),
                rows,
                k0,
                kw,
                &mut |r: usize, kk: usize, value: T| {
                    if let Some(d) = dx.get_mut(kk).and_then(|col| col.get_mut(r)) {
                        *d = value;
                    }
                },
            );
        }
        let (w, w_slots) = (self.weights.as_array_mut(), slots.weights.as_array_mut());
        let x = input.input().as_array();
        kernel::weight_gradient::<T, S, U, LANES, M, IN, OUT>(x, dz, rows, k0, kw, w, w_slots, update);
        if I::WANTS_GRADIENT {
            input.accept_gradient_columns(k0, kw, rows, &dx);
        }
    }
}

impl<T, const IN: usize, const OUT: usize, G> sealed::Sealed for Dense<T, IN, OUT, G> {}

impl<T: Scalar, const IN: usize, const OUT: usize, G: Activation> Layer<T, IN, OUT> for Dense<T, IN, OUT, G> {
    type Activation = G;
    type Tape<const M: usize> = Matrix<T, M, OUT>;
    type Slots<S: Zeroed + Copy> = Dense<S, IN, OUT, G>;
    const LAYERS: usize = 1;
    const PARAMETERS: usize = IN * OUT + OUT;
    const TRAINABLE: bool = true;

    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    fn logits(&self, x: &[T; IN], out: &mut [T; OUT]) {
        let (w, b) = (self.weights.as_array(), &self.bias.as_array()[0]);
        kernel::affine::<T, crate::Identity, LANES, 1, IN, OUT>(
            core::array::from_ref(x),
            w,
            b,
            core::array::from_mut(out),
            1,
        );
    }

    /// `out(X·W + b)`, each element summed in ascending `k` from the bias.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    fn forward_tape_with<const M: usize, H: crate::Elementwise>(
        &self,
        x: &Matrix<T, M, IN>,
        rows: usize,
        tape: &mut Matrix<T, M, OUT>,
    ) {
        let (w, b) = (self.weights.as_array(), &self.bias.as_array()[0]);
        kernel::affine_batch::<T, H, LANES, M, IN, OUT>(x.as_array(), w, b, tape.as_array_mut(), rows);
    }

    #[inline(always)]
    fn tape_output<const M: usize>(tape: &Matrix<T, M, OUT>) -> &Matrix<T, M, OUT> {
        tape
    }

    #[inline(always)]
    fn tape_output_mut<const M: usize>(tape: &mut Matrix<T, M, OUT>) -> &mut Matrix<T, M, OUT> {
        tape
    }

    /// The seed's equations for one layer, one input column `k` at a time:
    ///
    /// 1. `dA_prev[:, k] = dZ · W[k, :]ᵀ` (with `W` before any update),
    /// 2. `dW[k, :] = X[:, k]ᵀ · dZ`, handed to `update` (which may now change `W[k, :]`),
    /// 3. `dA_prev[:, k]` handed to `input`, which may overwrite `X[:, k]` with it.
    ///
    /// Column `k` of the input is read only in steps 1–2 and row `k` of `W`
    /// only in steps 1–2, so neither a copy of `W` nor a separate `dA_prev`
    /// buffer is needed; then `db = column sums of dZ`.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    fn backward<const M: usize, I, S, U>(
        &mut self,
        input: &mut I,
        rows: usize,
        dz: &mut Matrix<T, M, OUT>,
        slots: &mut Dense<S, IN, OUT, G>,
        update: &mut U,
    ) where
        I: Upstream<T, M, IN>,
        S: Zeroed + Copy,
        U: ParamUpdate<T, S>,
    {
        if U::KEEPS_PARAMS && IN * OUT >= 16 {
            self.backward_apart(input, rows, dz.as_array(), slots, update);
        } else {
            self.backward_blocks(input, rows, dz.as_array(), slots, update);
        }
    }

    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    fn visit_params<S: Zeroed + Copy, V: ParamVisitor<T, S> + ?Sized>(
        &mut self,
        first_layer: usize,
        grads: &Dense<T, IN, OUT, G>,
        slots: &mut Dense<S, IN, OUT, G>,
        visitor: &mut V,
    ) -> Result<(), Error> {
        let id = |tensor| TensorId {
            layer: first_layer,
            tensor,
            cols: OUT,
        };
        visitor.visit(
            id(Tensor::Weights),
            self.weights.as_mut_slice(),
            grads.weights.as_slice(),
            slots.weights.as_mut_slice(),
        )?;
        visitor.visit(
            id(Tensor::Bias),
            self.bias.as_mut_slice(),
            grads.bias.as_slice(),
            slots.bias.as_mut_slice(),
        )
    }

    fn visit_slots<S: Zeroed + Copy, F: FnMut(TensorId, &[S])>(
        slots: &Dense<S, IN, OUT, G>,
        first_layer: usize,
        f: &mut F,
    ) {
        f(
            TensorId {
                layer: first_layer,
                tensor: Tensor::Weights,
                cols: OUT,
            },
            slots.weights.as_slice(),
        );
        f(
            TensorId {
                layer: first_layer,
                tensor: Tensor::Bias,
                cols: OUT,
            },
            slots.bias.as_slice(),
        );
    }

    fn visit_slots_mut<S: Zeroed + Copy, F: FnMut(TensorId, &mut [S])>(
        slots: &mut Dense<S, IN, OUT, G>,
        first_layer: usize,
        f: &mut F,
    ) {
        f(
            TensorId {
                layer: first_layer,
                tensor: Tensor::Weights,
                cols: OUT,
            },
            slots.weights.as_mut_slice(),
        );
        f(
            TensorId {
                layer: first_layer,
                tensor: Tensor::Bias,
                cols: OUT,
            },
            slots.bias.as_mut_slice(),
        );
    }

    fn for_each_layer<F: FnMut(LayerView<'_, T>)>(&self, first_layer: usize, f: &mut F) {
        f(LayerView {
            index: first_layer,
            inputs: IN,
            outputs: OUT,
            activation: G::KIND,
            weights: self.weights.as_slice(),
            bias: self.bias.as_slice(),
        });
    }

    fn for_each_layer_mut<F: FnMut(LayerViewMut<'_, T>)>(&mut self, first_layer: usize, f: &mut F) {
        f(LayerViewMut {
            index: first_layer,
            inputs: IN,
            outputs: OUT,
            activation: G::KIND,
            weights: self.weights.as_mut_slice(),
            bias: self.bias.as_mut_slice(),
        });
    }
}
