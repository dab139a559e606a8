//! A compile-time zero value, so tapes, gradients and optimizer state can be built in a `const`.

/// A type with an all-zero value usable in constant expressions.
///
/// Stable Rust cannot call trait methods in a `const fn`, but it can read
/// associated constants. Every buffer the library sizes by type (tapes,
/// gradients, optimizer slots) implements `Zeroed`, which is what lets
/// [`Trainer::new`](crate::Trainer::new) be a `const fn` and a whole trainer be
/// placed in a `static` without ever being built on the stack.
///
/// The trainers themselves, the optimizers and the losses implement it too, so
/// `static mut TRAINER: T = Zeroed::ZEROED;` is all zeros and sits in `.bss`
/// (no flash image, unlike a `static` built by `Trainer::new`, whose non-zero
/// hyperparameters put the whole trainer in `.data`). The zero optimizers are
/// placeholders that every step refuses; set the real one and the initial
/// weights at run time (see [`Trainer`](crate::Trainer)).
pub trait Zeroed: Sized {
    /// The zero value.
    const ZEROED: Self;
}

impl Zeroed for () {
    const ZEROED: Self = ();
}

impl<A: Zeroed, B: Zeroed> Zeroed for (A, B) {
    const ZEROED: Self = (A::ZEROED, B::ZEROED);
}

impl<A: Zeroed + Copy, const N: usize> Zeroed for [A; N] {
    const ZEROED: Self = [A::ZEROED; N];
}
