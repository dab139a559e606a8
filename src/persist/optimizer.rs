//! `PersistentOptimizer`: how an optimizer's scalar state (hyperparameters, running products, step counters, per-parameter slots) is saved and restored.

use crate::optim::{AdamParts, AdamSlot, Clip, Optimizer};
use crate::{Adam, Error, Scalar, Sgd, SgdMomentum};

/// An optimizer whose complete state can be saved and restored, so that a
/// training run resumed from a saved state continues bit for bit as if it had
/// never stopped.
///
/// The state is a fixed list of scalars ([`VALUE_NAMES`](Self::VALUE_NAMES):
/// hyperparameters and running products such as Adam's `β₁ᵗ`), a fixed list
/// of integers ([`COUNTER_NAMES`](Self::COUNTER_NAMES): flags and step
/// counters) and [`SLOT_VALUES`](Self::SLOT_VALUES) scalars per trainable
/// parameter. The optimizer blob stores them in that order (see
/// [`Trainer::optimizer_state_to_bytes`](crate::Trainer::optimizer_state_to_bytes)).
///
/// Implemented for [`Sgd`] (id 1), [`SgdMomentum`] (id 2) and [`Adam`] (id 3).
/// An optimizer of your own may implement it with an id of `0x8000` or above.
pub trait PersistentOptimizer<T: Scalar>: Optimizer<T> + Sized {
    /// Names this optimizer in a saved state.
    const ID: u16;
    /// The scalars [`save`](Self::save) passes on, in order (also the names
    /// in [`Error::InvalidHyperparameter`] when a restored one is invalid).
    const VALUE_NAMES: &'static [&'static str];
    /// The integers [`save`](Self::save) passes on, in order.
    const COUNTER_NAMES: &'static [&'static str];
    /// Scalars per trainable parameter.
    const SLOT_VALUES: usize;

    /// Passes every scalar to `value` and every integer to `counter`, in the
    /// orders the names give.
    fn save(&self, value: &mut impl FnMut(T), counter: &mut impl FnMut(u32));

    /// Rebuilds the optimizer from the values [`save`](Self::save) passed on,
    /// in the same order; fails with [`Error::InvalidHyperparameter`] for a
    /// combination the optimizer would refuse to step with.
    fn restore(value: &mut impl FnMut() -> T, counter: &mut impl FnMut() -> u32) -> Result<Self, Error>;

    /// Passes a parameter's slot on as [`SLOT_VALUES`](Self::SLOT_VALUES) scalars.
    fn save_slot(slot: &Self::Slot, value: &mut impl FnMut(T));

    /// Rebuilds a slot from the scalars [`save_slot`](Self::save_slot) passed on.
    fn restore_slot(value: &mut impl FnMut() -> T) -> Self::Slot;
}

/// Clipping as `(kind, threshold)`: 0 none, 1 by value, 2 by global norm.
fn clip_parts<T: Scalar>(clip: Clip<T>) -> (u32, T) {
    match clip {
        Clip::None => (0, T::ZERO),
        Clip::Value(c) => (1, c),
        Clip::Norm(c) => (2, c),
    }
}

/// The inverse of [`clip_parts`]. Without clipping the threshold must be the
/// zero `clip_parts` writes: an accepted state always re-encodes to itself.
fn clip_from_parts<T: Scalar>(kind: u32, threshold: T) -> Result<Clip<T>, Error> {
    match kind {
        0 if threshold.to_bits_u64() == 0 => Ok(Clip::None),
        0 => Err(Error::InvalidHyperparameter {
            name: "clip threshold",
            value: threshold.to_f64(),
        }),
        1 => Ok(Clip::Value(threshold)),
        2 => Ok(Clip::Norm(threshold)),
        _ => Err(Error::InvalidHyperparameter {
            name: "clip kind",
            value: f64::from(kind),
        }),
    }
}

impl<T: Scalar> PersistentOptimizer<T> for Sgd<T> {
    const ID: u16 = 1;
    const VALUE_NAMES: &'static [&'static str] = &["lr", "weight_decay", "clip threshold"];
    const COUNTER_NAMES: &'static [&'static str] = &["clip kind"];
    const SLOT_VALUES: usize = 0;

    fn save(&self, value: &mut impl FnMut(T), counter: &mut impl FnMut(u32)) {
        let (lr, weight_decay, clip) = self.parts();
        let (clip_kind, clip_threshold) = clip_parts(clip);
        value(lr);
        value(weight_decay);
        value(clip_threshold);
        counter(clip_kind);
    }

    fn restore(value: &mut impl FnMut() -> T, counter: &mut impl FnMut() -> u32) -> Result<Self, Error> {
        let (lr, weight_decay, clip_threshold) = (value(), value(), value());
        let clip = clip_from_parts(counter(), clip_threshold)?;
        let sgd = Sgd::from_parts(lr, weight_decay, clip);
        sgd.validate()?;
        Ok(sgd)
    }

    fn save_slot(_: &(), _: &mut impl FnMut(T)) {}

    fn restore_slot(_: &mut impl FnMut() -> T) {}
}

impl<T: Scalar> PersistentOptimizer<T> for SgdMomentum<T> {
    const ID: u16 = 2;
    const VALUE_NAMES: &'static [&'static str] = &["lr", "weight_decay", "clip threshold", "momentum"];
    const COUNTER_NAMES: &'static [&'static str] = &["clip kind", "nesterov"];
    const SLOT_VALUES: usize = 1;

    fn save(&self, value: &mut impl FnMut(T), counter: &mut impl FnMut(u32)) {
        let (sgd, momentum, nesterov) = self.parts();
        sgd.save(value, counter);
        value(momentum);
        counter(u32::from(nesterov));
    }

    fn restore(value: &mut impl FnMut() -> T, counter: &mut impl FnMut() -> u32) -> Result<Self, Error> {
        let sgd = Sgd::restore(value, counter)?;
        let momentum = value();
        let nesterov = match counter() {
            0 => false,
            1 => true,
            other => {
                return Err(Error::InvalidHyperparameter {
                    name: "nesterov",
                    value: f64::from(other),
                });
            }
        };
        let optimizer = SgdMomentum::from_parts(sgd, momentum, nesterov);
        optimizer.validate()?;
        Ok(optimizer)
    }

    fn save_slot(velocity: &T, value: &mut impl FnMut(T)) {
        value(*velocity);
    }

    fn restore_slot(value: &mut impl FnMut() -> T) -> T {
        value()
    }
}

impl<T: Scalar> PersistentOptimizer<T> for Adam<T> {
    const ID: u16 = 3;
    const VALUE_NAMES: &'static [&'static str] = &[
        "lr",
        "beta1",
        "beta2",
        "eps",
        "weight_decay",
        "clip threshold",
        "beta1_power",
        "beta2_power",
    ];
    const COUNTER_NAMES: &'static [&'static str] = &["clip kind", "steps"];
    const SLOT_VALUES: usize = 2;

    /// The running products `β₁ᵗ`, `β₂ᵗ` are saved as they are, not recomputed
    /// from the step count: recomputing would round differently, and the
    /// resumed run would drift from the uninterrupted one.
    fn save(&self, value: &mut impl FnMut(T), counter: &mut impl FnMut(u32)) {
        let p = self.parts();
        let (clip_kind, clip_threshold) = clip_parts(p.clip);
        for v in [
            p.lr,
            p.beta1,
            p.beta2,
            p.eps,
            p.weight_decay,
            clip_threshold,
            p.beta1_power,
            p.beta2_power,
        ] {
            value(v);
        }
        counter(clip_kind);
        counter(p.steps);
    }

    fn restore(value: &mut impl FnMut() -> T, counter: &mut impl FnMut() -> u32) -> Result<Self, Error> {
        let (lr, beta1, beta2, eps, weight_decay) = (value(), value(), value(), value(), value());
        let (clip_threshold, beta1_power, beta2_power) = (value(), value(), value());
        let clip = clip_from_parts(counter(), clip_threshold)?;
        let steps = counter();
        for (name, power) in [("beta1_power", beta1_power), ("beta2_power", beta2_power)] {
            // A product of betas in [0, 1) stays in [0, 1].
            if !(power >= T::ZERO && power <= T::ONE) {
                return Err(Error::InvalidHyperparameter {
                    name,
                    value: power.to_f64(),
                });
            }
        }
        let adam = Adam::from_parts(AdamParts {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            clip,
            beta1_power,
            beta2_power,
            steps,
        });
        adam.validate()?;
        Ok(adam)
    }

    fn save_slot(slot: &AdamSlot<T>, value: &mut impl FnMut(T)) {
        value(slot.m);
        value(slot.v);
    }

    fn restore_slot(value: &mut impl FnMut() -> T) -> AdamSlot<T> {
        let m = value();
        let v = value();
        AdamSlot { m, v }
    }
}
