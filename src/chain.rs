//! `Chain<A, B, H>` joins two layer stacks through `H` hidden features; `Frozen<L>` stops training a stack.

use core::marker::PhantomData;

use crate::layer::{
    DataInput, HiddenInput, LayerView, LayerViewMut, ParamUpdate, ParamVisitor, TensorId, Upstream, sealed,
};
use crate::{Activation, Elementwise, Error, Layer, Matrix, Scalar, Zeroed};

/// Stack `A` (`IN → H`) followed by stack `B` (`H → OUT`).
///
/// `Chain<A, B, H>` implements [`Layer<T, IN, OUT>`] only when `A` implements
/// `Layer<T, IN, H>` and `B` implements `Layer<T, H, OUT>`: the type system
/// checks that the widths meet. `A`'s output activation must be
/// [`Elementwise`] (a hidden layer). The [`mlp!`](crate::mlp) macro writes
/// these types for you.
///
/// A chain whose widths do not meet is rejected, with a message that says so:
///
/// ```compile_fail,E0277
/// use tinymlp::{Chain, Dense, Network, Sigmoid};
/// let layers = Chain::<_, _, 4>::new(
///     Dense::<f32, 2, 4, Sigmoid>::zeros(),
///     Dense::<f32, 3, 1, Sigmoid>::zeros(), // takes 3 inputs, gets 4
/// );
/// let net: Network<f32, _, 2, 1> = Network::new(layers);
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct Chain<A, B, const H: usize> {
    front: A,
    back: B,
}

impl<A, B, const H: usize> Chain<A, B, H> {
    /// Joins `front` and `back`; usable in `const` and `static` items.
    pub const fn new(front: A, back: B) -> Self {
        Self { front, back }
    }

    /// The input-side stack.
    pub const fn front(&self) -> &A {
        &self.front
    }

    /// The input-side stack, mutably.
    pub fn front_mut(&mut self) -> &mut A {
        &mut self.front
    }

    /// The output-side stack.
    pub const fn back(&self) -> &B {
        &self.back
    }

    /// The output-side stack, mutably.
    pub fn back_mut(&mut self) -> &mut B {
        &mut self.back
    }

    /// Splits the chain into its two stacks.
    pub fn into_parts(self) -> (A, B) {
        (self.front, self.back)
    }

    /// Freezes the input-side stack: training then updates only `back`, and
    /// the frozen part costs no tape, gradient or optimizer memory.
    pub fn freeze_front(self) -> Chain<Frozen<A>, B, H> {
        Chain::new(Frozen::new(self.front), self.back)
    }
}

impl<A: Zeroed, B: Zeroed, const H: usize> Zeroed for Chain<A, B, H> {
    const ZEROED: Self = Self::new(A::ZEROED, B::ZEROED);
}

impl<A: core::fmt::Debug, B: core::fmt::Debug, const H: usize> core::fmt::Debug for Chain<A, B, H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entry(&self.front).entry(&self.back).finish()
    }
}

impl<A, B, const H: usize> sealed::Sealed for Chain<A, B, H> {}

impl<T, A, B, const IN: usize, const H: usize, const OUT: usize> Layer<T, IN, OUT> for Chain<A, B, H>
where
    T: Scalar,
    A: Layer<T, IN, H>,
    A::Activation: Elementwise,
    B: Layer<T, H, OUT>,
{
    type Activation = B::Activation;
    type Tape<const M: usize> = (A::Tape<M>, B::Tape<M>);
    type Slots<S: Zeroed + Copy> = Chain<A::Slots<S>, B::Slots<S>, H>;
    const LAYERS: usize = A::LAYERS + B::LAYERS;
    const PARAMETERS: usize = A::PARAMETERS + B::PARAMETERS;
    const TRAINABLE: bool = A::TRAINABLE || B::TRAINABLE;
    const TRAINABLE_LAYERS: usize = A::TRAINABLE_LAYERS + B::TRAINABLE_LAYERS;
    const TRAINABLE_PARAMETERS: usize = A::TRAINABLE_PARAMETERS + B::TRAINABLE_PARAMETERS;

    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    fn logits(&self, x: &[T; IN], out: &mut [T; OUT]) {
        let mut hidden = [T::ZERO; H];
        self.front.logits(x, &mut hidden);
        A::Activation::forward_row(&mut hidden);
        self.back.logits(&hidden, out);
    }

    /// The front stack's last layer applies its (elementwise) activation as it
    /// stores its output, so the hidden activations cost no extra pass.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    fn forward_tape_with<const M: usize, G: Elementwise>(
        &self,
        x: &Matrix<T, M, IN>,
        rows: usize,
        tape: &mut Self::Tape<M>,
    ) {
        let (front_tape, back_tape) = tape;
        self.front.forward_tape_with::<M, A::Activation>(x, rows, front_tape);
        self.back
            .forward_tape_with::<M, G>(A::tape_output(front_tape), rows, back_tape);
    }

    #[inline(always)]
    fn tape_output<const M: usize>(tape: &Self::Tape<M>) -> &Matrix<T, M, OUT> {
        B::tape_output(&tape.1)
    }

    #[inline(always)]
    fn tape_output_mut<const M: usize>(tape: &mut Self::Tape<M>) -> &mut Matrix<T, M, OUT> {
        B::tape_output_mut(&mut tape.1)
    }

    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
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
        U: ParamUpdate<T, S>,
    {
        const {
            assert!(
                B::TRAINABLE || !A::TRAINABLE,
                "a frozen stack must come before every trainable layer, not after one"
            )
        };
        let (front_tape, back_tape) = tape;
        if !B::TRAINABLE {
            return;
        }
        if A::TRAINABLE {
            let mut hidden = HiddenInput::<T, A::Activation, M, H>(A::tape_output_mut(front_tape), PhantomData);
            self.back
                .backward(&mut hidden, rows, back_tape, &mut slots.back, update);
            self.front.backward(input, rows, front_tape, &mut slots.front, update);
        } else {
            let mut hidden = DataInput(A::tape_output(front_tape));
            self.back
                .backward(&mut hidden, rows, back_tape, &mut slots.back, update);
        }
    }

    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    fn visit_params<S: Zeroed + Copy, V: ParamVisitor<T, S> + ?Sized>(
        &mut self,
        first_layer: usize,
        grads: &Self::Slots<T>,
        slots: &mut Self::Slots<S>,
        visitor: &mut V,
    ) -> Result<(), Error> {
        self.front
            .visit_params(first_layer, &grads.front, &mut slots.front, visitor)?;
        self.back.visit_params(
            first_layer.saturating_add(A::LAYERS),
            &grads.back,
            &mut slots.back,
            visitor,
        )
    }

    fn visit_slots<S: Zeroed + Copy, F: FnMut(TensorId, &[S])>(slots: &Self::Slots<S>, first_layer: usize, f: &mut F) {
        A::visit_slots(&slots.front, first_layer, f);
        B::visit_slots(&slots.back, first_layer.saturating_add(A::LAYERS), f);
    }

    fn visit_slots_mut<S: Zeroed + Copy, F: FnMut(TensorId, &mut [S])>(
        slots: &mut Self::Slots<S>,
        first_layer: usize,
        f: &mut F,
    ) {
        A::visit_slots_mut(&mut slots.front, first_layer, f);
        B::visit_slots_mut(&mut slots.back, first_layer.saturating_add(A::LAYERS), f);
    }

    fn for_each_layer<F: FnMut(LayerView<'_, T>)>(&self, first_layer: usize, f: &mut F) {
        self.front.for_each_layer(first_layer, f);
        self.back.for_each_layer(first_layer.saturating_add(A::LAYERS), f);
    }

    fn for_each_layer_mut<F: FnMut(LayerViewMut<'_, T>)>(&mut self, first_layer: usize, f: &mut F) {
        self.front.for_each_layer_mut(first_layer, f);
        self.back.for_each_layer_mut(first_layer.saturating_add(A::LAYERS), f);
    }
}

/// A layer stack that training leaves alone: fine-tune a head on top of
/// feature layers trained elsewhere.
///
/// Its tape is only its output (the head's input); it has no gradients and no
/// optimizer state (`Slots<S> = ()`), and no gradient is sent back into it.
/// It must come before every trainable layer.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Frozen<L>(L);

impl<L> Frozen<L> {
    /// Freezes `layers`.
    pub const fn new(layers: L) -> Self {
        Self(layers)
    }

    /// The frozen layers.
    pub const fn get(&self) -> &L {
        &self.0
    }

    /// Unfreezes: gives the layers back.
    pub fn into_inner(self) -> L {
        self.0
    }
}

impl<L: Zeroed> Zeroed for Frozen<L> {
    const ZEROED: Self = Self(L::ZEROED);
}

impl<L> sealed::Sealed for Frozen<L> {}

impl<T: Scalar, L: Layer<T, IN, OUT>, const IN: usize, const OUT: usize> Layer<T, IN, OUT> for Frozen<L> {
    type Activation = L::Activation;
    type Tape<const M: usize> = Matrix<T, M, OUT>;
    type Slots<S: Zeroed + Copy> = ();
    const LAYERS: usize = L::LAYERS;
    const PARAMETERS: usize = L::PARAMETERS;
    const TRAINABLE: bool = false;

    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    fn logits(&self, x: &[T; IN], out: &mut [T; OUT]) {
        self.0.logits(x, out);
    }

    /// Row by row through the frozen layers: intermediate activations live on
    /// the stack one row at a time, never in the tape.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    fn forward_tape_with<const M: usize, G: Elementwise>(
        &self,
        x: &Matrix<T, M, IN>,
        rows: usize,
        tape: &mut Matrix<T, M, OUT>,
    ) {
        for (x_row, out_row) in x.as_array().iter().zip(tape.as_array_mut()).take(rows) {
            self.0.logits(x_row, out_row);
            for z in out_row.iter_mut() {
                *z = G::apply(*z);
            }
        }
    }

    #[inline(always)]
    fn tape_output<const M: usize>(tape: &Matrix<T, M, OUT>) -> &Matrix<T, M, OUT> {
        tape
    }

    #[inline(always)]
    fn tape_output_mut<const M: usize>(tape: &mut Matrix<T, M, OUT>) -> &mut Matrix<T, M, OUT> {
        tape
    }

    #[inline(always)]
    fn backward<const M: usize, I, S, U>(
        &mut self,
        _: &mut I,
        _: usize,
        _: &mut Matrix<T, M, OUT>,
        _: &mut (),
        _: &mut U,
    ) where
        I: Upstream<T, M, IN>,
        S: Zeroed + Copy,
        U: ParamUpdate<T, S>,
    {
    }

    fn visit_params<S: Zeroed + Copy, V: ParamVisitor<T, S> + ?Sized>(
        &mut self,
        _: usize,
        _: &(),
        _: &mut (),
        _: &mut V,
    ) -> Result<(), Error> {
        Ok(())
    }

    fn visit_slots<S: Zeroed + Copy, F: FnMut(TensorId, &[S])>(_: &(), _: usize, _: &mut F) {}

    fn visit_slots_mut<S: Zeroed + Copy, F: FnMut(TensorId, &mut [S])>(_: &mut (), _: usize, _: &mut F) {}

    fn for_each_layer<F: FnMut(LayerView<'_, T>)>(&self, first_layer: usize, f: &mut F) {
        self.0.for_each_layer(first_layer, f);
    }

    fn for_each_layer_mut<F: FnMut(LayerViewMut<'_, T>)>(&mut self, first_layer: usize, f: &mut F) {
        self.0.for_each_layer_mut(first_layer, f);
    }
}
