//! The [`Layer`] trait: what a stack of layers from `IN` to `OUT` features must do for training.
//!
//! [`Dense`](crate::Dense) is one layer; [`Chain`](crate::Chain) joins two
//! stacks whose widths meet; nesting chains gives any depth. The widths are
//! const parameters of the trait, so a stack only implements `Layer<T, IN, OUT>`
//! when every consecutive pair of widths agrees: a mismatch is a compile error.
//!
//! The trait is sealed: its methods are the engine room of
//! [`Trainer`](crate::Trainer) and [`Network`](crate::Network), documented so
//! the design can be read, not meant to be called directly.

use crate::{Activation, Elementwise, Error, Matrix, Scalar, Zeroed};
use core::marker::PhantomData;

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// Which parameter tensor of a dense layer a value belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tensor {
    /// The weight matrix `W` (`IN × OUT`).
    Weights,
    /// The bias row `b` (`1 × OUT`).
    Bias,
}

/// Names one parameter tensor of a network: its layer (0 is the first) and which tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TensorId {
    /// The layer's position, counting from 0 at the input.
    pub layer: usize,
    /// Weights or bias.
    pub tensor: Tensor,
    /// The tensor's number of columns (the layer's output width), to turn a
    /// flat index into `(row, column)`.
    pub cols: usize,
}

impl TensorId {
    /// The `(row, column)` of the `index`-th element in row-major order.
    pub fn position(&self, index: usize) -> (usize, usize) {
        match self.cols {
            0 => (0, index),
            cols => (index / cols, index % cols),
        }
    }
}

/// A read-only view of one dense layer: its place, widths, activation and parameters.
#[derive(Clone, Copy, Debug)]
pub struct LayerView<'a, T> {
    /// The layer's position, counting from 0 at the input.
    pub index: usize,
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// The activation applied to the layer's output.
    pub activation: crate::ActivationKind,
    /// `W`, `inputs × outputs`, row-major.
    pub weights: &'a [T],
    /// `b`, `outputs` long.
    pub bias: &'a [T],
}

impl<T> LayerView<'_, T> {
    /// The id of this layer's `tensor` (both have `outputs` columns).
    pub(crate) fn tensor_id(&self, tensor: Tensor) -> TensorId {
        TensorId {
            layer: self.index,
            tensor,
            cols: self.outputs,
        }
    }
}

/// A mutable view of one dense layer's parameters.
#[derive(Debug)]
pub struct LayerViewMut<'a, T> {
    /// The layer's position, counting from 0 at the input.
    pub index: usize,
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// The activation applied to the layer's output.
    pub activation: crate::ActivationKind,
    /// `W`, `inputs × outputs`, row-major.
    pub weights: &'a mut [T],
    /// `b`, `outputs` long.
    pub bias: &'a mut [T],
}

/// What the backward pass does with each parameter's gradient: store it, or
/// apply an optimizer update on the spot (the fused path, which needs no
/// gradient buffer).
pub trait ParamUpdate<T, S> {
    /// `true` when [`update`](Self::update) never changes the parameter. A
    /// layer's input gradient `dX = dZ·Wᵀ` can then be computed after its
    /// weight gradient and written straight into the input, with no buffer
    /// to hold it while the weights change; the sums are the same. An
    /// implementation that says `true` and changes parameters gets input
    /// gradients computed from the changed weights: leave it `false` unless
    /// `update` only reads `param`.
    const KEEPS_PARAMS: bool = false;
    /// `true` when [`update_lanes`](Self::update_lanes) does better than
    /// [`update`](Self::update) on each gradient in turn; the kernels on
    /// x86-64 then hand their rows of gradients to it.
    const BY_LANES: bool = false;
    /// Handles the gradient `grad` of `param`, whose per-parameter storage is `slot`.
    fn update(&mut self, param: &mut T, grad: T, slot: &mut S);
    /// For a sink whose [`update`](Self::update) only stores `grad` in `slot`
    /// and adds `grad · grad` to a running sum: the gradient array (`slots`
    /// itself) and that sum, so that a kernel holding a block of gradients in
    /// registers can store them and add their squares (in the order it would
    /// have called `update`) without a call per element. `None`, the default,
    /// for every other sink. An internal hook of the checked step.
    #[doc(hidden)]
    #[inline(always)]
    fn gradient_store<'a, const IN: usize, const OUT: usize>(
        &'a mut self,
        _slots: &'a mut [[S; OUT]; IN],
    ) -> Option<(&'a mut [[T; OUT]; IN], &'a mut T)> {
        None
    }
    /// Handles the gradients of a run of parameters: `grads[l]` is that of
    /// `params[l]`, whose storage is `slots[l]`, for each `l` below the
    /// shortest of the three lengths. The default hands them to
    /// [`update`](Self::update) one by one, in order; a sink whose work per
    /// gradient forms one serial chain (a running sum) may regroup it, and
    /// say so with [`BY_LANES`](Self::BY_LANES).
    #[inline(always)]
    fn update_lanes<const L: usize>(&mut self, params: &mut [T], grads: &[T; L], slots: &mut [S])
    where
        T: Copy,
    {
        for ((param, &grad), slot) in params.iter_mut().zip(grads).zip(slots) {
            self.update(param, grad, slot);
        }
    }
}

/// Stores each gradient in its slot and leaves the parameter alone.
#[derive(Clone, Copy, Debug, Default)]
pub struct StoreGradient;

impl<T: Copy> ParamUpdate<T, T> for StoreGradient {
    const KEEPS_PARAMS: bool = true;
    #[inline(always)]
    fn update(&mut self, _param: &mut T, grad: T, slot: &mut T) {
        *slot = grad;
    }
}

/// Visits the parameter tensors of a network together with their gradients and
/// per-parameter optimizer storage, one tensor at a time.
pub trait ParamVisitor<T, S> {
    /// Called once per tensor, in layer order, weights before bias.
    fn visit(&mut self, id: TensorId, params: &mut [T], grads: &[T], slots: &mut [S]) -> Result<(), Error>;
}

/// Where a layer's backward pass reads its input and sends `∂f/∂input`.
///
/// The gradient arrives one input column at a time, after that column was last
/// read, so it can overwrite the input in place: the previous layer's output
/// `A` becomes its `dZ` without any extra buffer.
pub trait Upstream<T, const M: usize, const N: usize> {
    /// Whether the gradient is wanted at all (not for the network's input).
    const WANTS_GRADIENT: bool;
    /// The layer's input.
    fn input(&self) -> &Matrix<T, M, N>;
    /// Receives columns `k0 .. k0 + kw` of `∂f/∂input` for the first `rows`
    /// rows: column `k0 + kk` is `da[kk]` (so `kw ≤ K`).
    fn accept_gradient_columns<const K: usize>(&mut self, k0: usize, kw: usize, rows: usize, da: &[[T; M]; K]);
    /// Computes columns `k0 .. k0 + kw` of `∂f/∂input = dZ·Wᵀ` (at most 4,
    /// except all of them at once on x86-64 for a layer of fewer than 4
    /// outputs or of at most 16 inputs)
    /// for the first `rows` rows, from the layer's `dZ` and weights `W`, and
    /// takes them in without a buffer. Called after every other read of those
    /// input columns, and only when `W` is the one the forward pass used (so
    /// not on the fused path, which changes `W` during the pass and hands the
    /// columns to [`accept_gradient_columns`](Self::accept_gradient_columns)).
    fn accept_input_gradient<const OUT: usize>(
        &mut self,
        dz: &[[T; OUT]; M],
        w: &[[T; OUT]; N],
        rows: usize,
        k0: usize,
        kw: usize,
    ) where
        T: Scalar;
}

/// The network's input: read, never differentiated.
#[derive(Debug)]
pub struct DataInput<'a, T, const M: usize, const N: usize>(pub &'a Matrix<T, M, N>);

impl<T, const M: usize, const N: usize> Upstream<T, M, N> for DataInput<'_, T, M, N> {
    const WANTS_GRADIENT: bool = false;
    #[inline(always)]
    fn input(&self) -> &Matrix<T, M, N> {
        self.0
    }
    #[inline(always)]
    fn accept_gradient_columns<const K: usize>(&mut self, _: usize, _: usize, _: usize, _: &[[T; M]; K]) {}
    #[inline(always)]
    fn accept_input_gradient<const OUT: usize>(
        &mut self,
        _: &[[T; OUT]; M],
        _: &[[T; OUT]; N],
        _: usize,
        _: usize,
        _: usize,
    ) where
        T: Scalar,
    {
    }
}

/// A hidden layer's output `A` (activation `G`), turned into its `dZ = dA ⊙ g'(A)` in place.
#[derive(Debug)]
pub struct HiddenInput<'a, T, G, const M: usize, const N: usize>(pub &'a mut Matrix<T, M, N>, pub PhantomData<G>);

impl<T: Scalar, G: Elementwise, const M: usize, const N: usize> Upstream<T, M, N> for HiddenInput<'_, T, G, M, N> {
    const WANTS_GRADIENT: bool = true;
    #[inline(always)]
    fn input(&self) -> &Matrix<T, M, N> {
        self.0
    }
    #[inline(always)]
    fn accept_gradient_columns<const K: usize>(&mut self, k0: usize, kw: usize, rows: usize, da: &[[T; M]; K]) {
        crate::kernel::scale_by_derivative::<T, G, M, N, K>(self.0.as_array_mut(), rows, k0, kw, da);
    }
    /// Each element of `dA` goes from the registers straight into `A`, as
    /// `dA · g'(A)`: no buffer, no second pass over the columns.
    #[inline(always)]
    fn accept_input_gradient<const OUT: usize>(
        &mut self,
        dz: &[[T; OUT]; M],
        w: &[[T; OUT]; N],
        rows: usize,
        k0: usize,
        kw: usize,
    ) {
        let mut sink = crate::kernel::IntoHidden::<T, G, M, N> {
            a: self.0.as_array_mut(),
            k0,
            activation: PhantomData,
        };
        crate::kernel::input_gradient::<T, M, N, OUT>(dz, w, rows, k0, kw, &mut sink);
    }
}

/// A stack of layers mapping `IN` features to `OUT` outputs in scalar type `T`.
///
/// Implemented by [`Dense`](crate::Dense), [`Chain`](crate::Chain) of two
/// stacks whose widths meet, and [`Frozen`](crate::Frozen). Everything a
/// training step needs is sized by the associated types, so
/// `size_of::<Trainer<…>>()` is the whole memory cost of training.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a layer stack from {IN} inputs to {OUT} outputs",
    label = "the layer widths do not line up here",
    note = "each layer's output width must equal the next layer's input width (the `H` of `Chain<A, B, H>`)"
)]
pub trait Layer<T: Scalar, const IN: usize, const OUT: usize>: sealed::Sealed {
    /// The activation of the last layer in the stack.
    type Activation: Activation;
    /// What the forward pass keeps for the backward pass, for a batch of `M`
    /// rows: each hidden layer's activated output, and the last layer's
    /// pre-activations (which the loss turns into `∂f/∂Z` in place).
    type Tape<const M: usize>: Zeroed;
    /// One `S` per parameter, in the network's own shape: gradients are
    /// `Slots<T>`, optimizer state is `Slots<O::Slot>`.
    type Slots<S: Zeroed + Copy>: Zeroed;
    /// Number of dense layers.
    const LAYERS: usize;
    /// Number of scalar parameters (weights and biases).
    const PARAMETERS: usize;
    /// `false` for a frozen stack: no gradients, no optimizer state, nothing sent back into it.
    const TRAINABLE: bool;
    /// Number of dense layers that training updates (frozen ones excluded).
    const TRAINABLE_LAYERS: usize = if Self::TRAINABLE { Self::LAYERS } else { 0 };
    /// Number of parameters that training updates: the length of `Slots<S>` in `S`s.
    const TRAINABLE_PARAMETERS: usize = if Self::TRAINABLE { Self::PARAMETERS } else { 0 };

    /// Pre-activations of the last layer for one sample.
    fn logits(&self, x: &[T; IN], out: &mut [T; OUT]);

    /// Forward pass over the first `rows` rows of a batch, filling the tape
    /// (the last layer's buffer gets its pre-activations `Z`).
    #[inline(always)]
    fn forward_tape<const M: usize>(&self, x: &Matrix<T, M, IN>, rows: usize, tape: &mut Self::Tape<M>) {
        self.forward_tape_with::<M, crate::Identity>(x, rows, tape);
    }

    /// [`forward_tape`](Self::forward_tape) with the activation `G` applied to
    /// each element of the last layer's result as it is stored: a hidden
    /// layer's activation, applied without a second pass over its output (and
    /// by the kernel itself where it knows `G`, see `kernel::affine_block`).
    fn forward_tape_with<const M: usize, G: Elementwise>(
        &self,
        x: &Matrix<T, M, IN>,
        rows: usize,
        tape: &mut Self::Tape<M>,
    );

    /// The last layer's buffer in the tape.
    fn tape_output<const M: usize>(tape: &Self::Tape<M>) -> &Matrix<T, M, OUT>;

    /// The last layer's buffer in the tape, mutably.
    fn tape_output_mut<const M: usize>(tape: &mut Self::Tape<M>) -> &mut Matrix<T, M, OUT>;

    /// Backward pass over the first `rows` rows. On entry the tape's output
    /// buffer holds `∂f/∂Z` of the last layer; every parameter's gradient goes
    /// to `update`, and `∂f/∂input` to `input` if it wants it.
    fn backward<const M: usize, I, S, U>(
        &mut self,
        input: &mut I,
        rows: usize,
        tape: &mut Self::Tape<M>,
        slots: &mut Self::Slots<S>,
        update: &mut U,
    ) where
        I: Upstream<T, M, IN>,
        S: Zeroed + Copy,
        U: ParamUpdate<T, S>;

    /// Visits every trainable tensor with its gradients and slots; stops at the first error.
    fn visit_params<S: Zeroed + Copy, V: ParamVisitor<T, S> + ?Sized>(
        &mut self,
        first_layer: usize,
        grads: &Self::Slots<T>,
        slots: &mut Self::Slots<S>,
        visitor: &mut V,
    ) -> Result<(), Error>;

    /// Calls `f` on every trainable tensor's slots (gradients, optimizer state), in layer order.
    fn visit_slots<S: Zeroed + Copy, F: FnMut(TensorId, &[S])>(slots: &Self::Slots<S>, first_layer: usize, f: &mut F);

    /// Calls `f` on every trainable tensor's slots mutably, in layer order.
    fn visit_slots_mut<S: Zeroed + Copy, F: FnMut(TensorId, &mut [S])>(
        slots: &mut Self::Slots<S>,
        first_layer: usize,
        f: &mut F,
    );

    /// Calls `f` on every dense layer, input side first (frozen ones included).
    fn for_each_layer<F: FnMut(LayerView<'_, T>)>(&self, first_layer: usize, f: &mut F);

    /// Calls `f` on every dense layer mutably, input side first (frozen ones included).
    fn for_each_layer_mut<F: FnMut(LayerViewMut<'_, T>)>(&mut self, first_layer: usize, f: &mut F);
}
