//! Adam's loop over one tensor whose gradients need no transform (no
//! clipping, scaling or weight decay): the common case, and all of the
//! optimizer's cost per parameter. A trait, so that one type on one target
//! can have a loop of its own.

use super::{AdamSlot, AdamStep, adam_rule};
use crate::Scalar;

/// Adam over a whole tensor with untransformed gradients. A supertrait of
/// [`Scalar`] (through its seal), so generic code reaches each type's loop.
pub trait AdamLoop: Sized {
    /// For each `i` below the shortest of the three lengths, sets
    /// `(params[i], slots[i])` to `adam_rule(step, params[i], grads[i], slots[i])`;
    /// elements past it are left alone.
    fn adam_loop(step: &AdamStep<Self>, params: &mut [Self], grads: &[Self], slots: &mut [AdamSlot<Self>]);
}

/// The loop in Rust.
#[inline(always)]
fn rust_loop<T: Scalar>(step: &AdamStep<T>, params: &mut [T], grads: &[T], slots: &mut [AdamSlot<T>]) {
    for ((p, &g), s) in params.iter_mut().zip(grads).zip(slots.iter_mut()) {
        (*p, *s) = adam_rule(step, *p, g, *s);
    }
}

impl AdamLoop for f64 {
    #[inline(always)]
    fn adam_loop(step: &AdamStep<f64>, params: &mut [f64], grads: &[f64], slots: &mut [AdamSlot<f64>]) {
        rust_loop(step, params, grads, slots);
    }
}

impl AdamLoop for f32 {
    #[inline(always)]
    fn adam_loop(step: &AdamStep<f32>, params: &mut [f32], grads: &[f32], slots: &mut [AdamSlot<f32>]) {
        rust_loop(step, params, grads, slots);
    }
}
