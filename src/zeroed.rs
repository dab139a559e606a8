//! A compile-time zero value, so tapes, gradients and optimizer state can be built in a `const`.

/// A type with an all-zero value usable in constant expressions.
///
/// Stable Rust cannot call trait methods in a `const fn`, but it can read
/// associated constants. Every buffer the library sizes by type (tapes,
/// gradients, optimizer slots) implements `Zeroed`, which is what lets
/// [`Trainer::new`](crate::Trainer::new) be a `const fn` and a whole trainer be
/// placed in a `static` without ever being built on the stack.
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
