//! Shared support for the robustness tests: bit-exact snapshots of everything
//! a refused training step must leave alone.
#![allow(dead_code)]

use tinymlp::optim::AdamSlot;
use tinymlp::{Adam, Layer, Network, Optimizer, Scalar, Sgd, SgdMomentum, Trainer};

/// The raw bits of an optimizer's per-parameter state.
pub trait SlotBits {
    /// Appends the bits of every value in the slot.
    fn push_bits(&self, out: &mut Vec<u64>);
}

impl SlotBits for () {
    fn push_bits(&self, _: &mut Vec<u64>) {}
}

impl SlotBits for f32 {
    fn push_bits(&self, out: &mut Vec<u64>) {
        out.push(self.to_bits().into());
    }
}

impl SlotBits for f64 {
    fn push_bits(&self, out: &mut Vec<u64>) {
        out.push(self.to_bits());
    }
}

impl<T: Scalar> SlotBits for AdamSlot<T> {
    fn push_bits(&self, out: &mut Vec<u64>) {
        out.push(self.m.to_bits_u64());
        out.push(self.v.to_bits_u64());
    }
}

/// The raw bits of an optimizer's own state: hyperparameters and counters.
pub trait OptimizerBits {
    /// Appends the bits of every value the optimizer keeps.
    fn push_bits(&self, out: &mut Vec<u64>);
}

impl<T: Scalar> OptimizerBits for Sgd<T> {
    fn push_bits(&self, out: &mut Vec<u64>) {
        out.push(self.lr().to_bits_u64());
    }
}

impl<T: Scalar> OptimizerBits for SgdMomentum<T> {
    fn push_bits(&self, out: &mut Vec<u64>) {
        out.push(self.lr().to_bits_u64());
    }
}

impl<T: Scalar> OptimizerBits for Adam<T> {
    fn push_bits(&self, out: &mut Vec<u64>) {
        let (beta1_power, beta2_power) = self.beta_powers();
        out.extend([
            self.lr().to_bits_u64(),
            beta1_power.to_bits_u64(),
            beta2_power.to_bits_u64(),
            u64::from(self.steps()),
        ]);
    }
}

/// Everything a refused step must not change, as bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Every weight and bias, layer by layer (frozen layers included).
    pub parameters: Vec<u64>,
    /// Every optimizer slot value, in the trainer's visiting order.
    pub slots: Vec<u64>,
    /// The optimizer's counters and learning rate.
    pub optimizer: Vec<u64>,
    /// The optimizer's `Debug` form: every other hyperparameter, exactly
    /// (Rust prints floats so that they read back to the same value, `-0.0` included).
    pub optimizer_debug: String,
}

/// The bits of every weight and bias of `net`.
pub fn parameter_bits<T: Scalar, L: Layer<T, IN, OUT>, const IN: usize, const OUT: usize>(
    net: &Network<T, L, IN, OUT>,
) -> Vec<u64> {
    let mut bits = Vec::new();
    net.for_each_layer(|layer| {
        bits.extend(layer.weights.iter().chain(layer.bias).map(|p| p.to_bits_u64()));
    });
    bits
}

/// Takes a [`Snapshot`] of a trainer.
pub fn snapshot<T, L, O, Lo, const IN: usize, const OUT: usize, const M: usize>(
    trainer: &Trainer<Network<T, L, IN, OUT>, O, Lo, M>,
) -> Snapshot
where
    T: Scalar,
    L: Layer<T, IN, OUT>,
    O: Optimizer<T> + OptimizerBits + core::fmt::Debug,
    O::Slot: SlotBits,
{
    let mut slots = Vec::new();
    trainer.for_each_optimizer_slot(|_, s| s.iter().for_each(|s| s.push_bits(&mut slots)));
    let mut optimizer = Vec::new();
    trainer.optimizer().push_bits(&mut optimizer);
    Snapshot {
        parameters: parameter_bits(trainer.network()),
        slots,
        optimizer,
        optimizer_debug: format!("{:?}", trainer.optimizer()),
    }
}

/// `true` when every parameter and optimizer slot of the trainer is finite.
pub fn all_finite<T, L, O, Lo, const IN: usize, const OUT: usize, const M: usize>(
    trainer: &Trainer<Network<T, L, IN, OUT>, O, Lo, M>,
) -> bool
where
    T: Scalar,
    L: Layer<T, IN, OUT>,
    O: Optimizer<T>,
{
    use tinymlp::optim::OptimizerSlot;
    let mut finite = true;
    trainer.network().for_each_layer(|layer| {
        finite &= layer.weights.iter().chain(layer.bias).all(|p| p.is_finite());
    });
    trainer.for_each_optimizer_slot(|_, s| finite &= s.iter().all(OptimizerSlot::is_finite));
    finite
}
