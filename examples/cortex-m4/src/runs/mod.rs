//! The training runs the firmware performs, written once for the device and the host.
//!
//! This module uses only `core` and `tinymlp`. The firmware
//! compiles it as part of its library; the repository's `tests/device_twin.rs`
//! compiles the same files on the host with `#[path]`. Both run the same
//! source on the same seeds and data in `f32`, print the FNV-1a checksum of the
//! final weights, and `examples/cortex-m4/check.sh` requires the checksums to be
//! equal: training is bit-identical on x86-64 and on the Cortex-M4F.
//!
//! Every run keeps its trainer in storage the caller provides and never
//! allocates. On the device that storage is a `static` initialised with
//! `Zeroed::ZEROED` (all zeros, so it sits in `.bss` and costs no flash); each
//! run begins by setting the optimizer, the initial weights and the optimizer
//! state, so it starts from the same state whatever the trainer held.

pub mod checksum;
pub mod classifier;
pub mod sensor;
pub mod shapes;
pub mod xor;
pub mod xorshift;

/// What happens around a run besides training: the firmware wraps step 1 in
/// the instruction counter's markers and prints each epoch; the host collects.
pub trait Probe {
    /// Runs training step `index` (counting from 0 over the whole run); the
    /// sensor run, which trains with `Trainer::fit`, passes each call to `fit`
    /// instead, a fixed number of steps.
    fn step<R>(&mut self, index: u32, step: impl FnOnce() -> R) -> R {
        let _ = index;
        step()
    }

    /// Reports the mean training loss of epoch `epoch` (counting from 0).
    fn epoch(&mut self, epoch: u32, loss: f32) {
        let _ = (epoch, loss);
    }
}

/// A probe that does nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Probe for Silent {}
