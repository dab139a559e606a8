//! tinymlp on an emulated Cortex-M4F: the training runs, and what the firmware binaries share.
//!
//! The binaries in `src/bin/` train on the device (`train-xor`,
//! `train-sensor`, `train-classifier`, `train-classifier-fused` with the
//! fused fast path, and `train-shapes`, which reaches every block shape of
//! the kernels), run inference only (`infer`), measure
//! the harness alone (`baseline`), or train without any output under a panic
//! handler that cannot link (`train-silent`). See `README.md` next to this
//! crate for the scripts that build, run and measure them.
#![no_std]

pub mod board;
pub mod console;
pub mod printed_run;
pub mod runs;
