//! Train and run small multilayer perceptrons on microcontrollers, with every
//! matrix shape checked at compile time.
//!
//! `tinymlp` is `#![no_std]`, never allocates, and sizes every buffer with
//! const generics: each layer's `W`, `Z` and `A`, and every transpose of the
//! backward pass, is a type the compiler checks. The same code trains a
//! network on a Cortex-M and in a host-side `cargo test`, to the same bits.
//!
//! # The math
//! Rows are examples. For a batch `X` of `m` rows and layers `l = 1…L`:
//! `Z[l] = A[l−1]·W[l] + b[l]`, `A[l] = g(Z[l])`, and the loss
//! `f = (1/m)·‖A[L] − Y‖_F²`. Backpropagation is the matrix-calculus
//! derivation: `dA[L] = (2/m)(A[L] − Y)`, `dZ[l] = dA[l] ⊙ g'(Z[l])`,
//! `dW[l] = A[l−1]ᵀ·dZ[l]`, `db[l]` = column sums of `dZ[l]`,
//! `dA[l−1] = dZ[l]·W[l]ᵀ`, then `W ← W − α·dW` (or [`Adam`]).
//!
//! # Example
//! ```
//! use tinymlp::{mlp, Matrix, Mse, Sgd, Trainer};
//!
//! // 2 inputs → 4 sigmoid neurons → 1 sigmoid output.
//! type Xor = mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);
//!
//! let x = Matrix::from_array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]);
//! let y = Matrix::from_array([[0.0], [1.0], [1.0], [0.0]]);
//!
//! let mut trainer = Trainer::new(Xor::xavier(1), Sgd::new(2.0), Mse);
//! for _ in 0..4000 {
//!     trainer.step(&x, &y)?; // checked: a NaN anywhere is an error, not a ruined model
//! }
//! let net = trainer.network();
//! assert!(net.forward(&[0.0, 1.0])[0] > 0.5);
//! assert!(net.forward(&[1.0, 1.0])[0] < 0.5);
//! # Ok::<(), tinymlp::Error>(())
//! ```
//!
//! # Where values live
//! A [`Network`] is its weights, inline. A [`Trainer`] adds the optimizer
//! state, the gradients and the training tape for a batch of `M` rows:
//! `core::mem::size_of::<Trainer<…>>()` is the whole memory cost of training,
//! and [`Trainer::new`] is a `const fn`, so a trainer can be a `static` built
//! at compile time rather than on a small stack. Hidden layers keep only their
//! activations `A` on the tape (every hidden activation's derivative is a
//! function of `A`); the output layer keeps its logits, from which the loss is
//! computed stably.
//!
//! # Guarantees
//! - No heap, no `std`. `unsafe` appears only in inline asm on hard-float
//!   Arm (`target_abi = "eabihf"`), each with its invariant beside it: the
//!   FPU's `vsqrt.f32`, because libm computes square roots in software there
//!   and Adam takes one per parameter (29k of a 74k-instruction step on a
//!   Cortex-M4F); Adam's `f32` loop over a tensor, which the compiler cannot
//!   write as tightly there (13.5 instructions a parameter instead of 24);
//!   and the 4 × 4 `f32` blocks of the dense layer's three products, whose
//!   loads the compiler does not merge into `vldm`. Each computes exactly what the
//!   portable Rust code computes, in the same order, so results are
//!   bit-identical. The other `unsafe` is three calls, host-only: with
//!   `std` on x86-64, the two training steps and [`Network::logits`] call a
//!   copy of themselves compiled for AVX2 after std's run-time detection
//!   found it usable (the same operations in the same order, so the same
//!   bits; W2's checked step 16,071 → 8,334 instructions).
//! - No panics on any input a caller can construct (NaN, ±∞, subnormals,
//!   any row count, any index): failures are [`Error`] values that carry the
//!   numbers explaining them.
//! - [`Trainer::step`] and [`Trainer::step_rows`] are all-or-nothing. A step
//!   is refused, with an error naming the culprit, if an input or target in
//!   the rows used is NaN or infinite ([`Error::NonFiniteInput`],
//!   [`Error::NonFiniteTarget`], checked before anything is computed), a
//!   hyperparameter is out of range, or the loss, any gradient, or any updated
//!   parameter or optimizer state would be NaN or infinite (a non-finite
//!   gradient is reported in preference to the parameter it spoils, and
//!   gradient clipping does not hide one). A refused step leaves the
//!   network, the optimizer's per-parameter state and the optimizer itself
//!   (learning rate, Adam's step count and `βᵗ` products) bit-for-bit as they
//!   were; only scratch buffers (the tape, and the gradients shown by
//!   [`Trainer::gradients`]) change. A later good batch trains as if the
//!   refused one had never been offered.
//! - So a step never writes a non-finite value into a trainable parameter or
//!   optimizer state. Frozen layers are never written; a NaN in one is
//!   refused as a non-finite loss or gradient, but an infinity that a
//!   saturating activation absorbs (`tanh(∞) = 1`) is not an error.
//! - Finite is not the same as sensible: a huge but finite input or target is
//!   trained on unless it makes something overflow. Screen outliers yourself.
//! - The losses are computed from the logits, stably: sigmoid, tanh,
//!   softmax, [`CrossEntropy`] and [`BinaryCrossEntropy`] give finite values
//!   and gradients within `1e-6` absolute or `1e-4` relative of the exact ones
//!   for pre-activations up to `±1e30` and at subnormals (a loss too large for
//!   the type is `+∞`, and the step is refused).
//!   [`FusedTrainer`] is the unchecked path without that guarantee (and
//!   without a gradient buffer, so it needs less RAM; it is not faster on the
//!   benchmarks); on a normal run both end with the same bits.
//! - One summation order on every target: training is bit-identical on an
//!   x86-64 host and a Cortex-M4F for the same seed and data.
//!
//! # Features
//! - `approx` (default): `approx::{AbsDiffEq, RelativeEq, UlpsEq}` for
//!   [`Matrix`].
//! - `std` (off): host conveniences; nothing firmware needs: writing a trained
//!   network as Rust source, and reading and writing PyTorch `safetensors`
//!   files (see [`persist`]); on x86-64, training and inference in AVX2 where
//!   the CPU has it (`--cfg tinymlp_portable` turns that off).
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod activation;
mod chain;
mod cpu;
mod dense;
mod error;
mod exp;
mod fit;
mod fused;
mod init;
mod kernel;
mod labels;
pub mod layer;
mod loss;
mod matrix;
mod network;
pub mod optim;
pub mod persist;
mod sample_buffer;
mod samples;
mod scalar;
mod standardize;
mod train;
mod zeroed;

pub use activation::{Activation, ActivationKind, Elementwise, Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh};
pub use chain::{Chain, Frozen};
pub use dense::Dense;
pub use error::Error;
pub use fit::{EpochReport, Evaluation, FitSummary};
pub use fused::FusedTrainer;
pub use init::{Init, Rng};
pub use labels::{argmax, one_hot};
pub use layer::Layer;
pub use loss::{BinaryCrossEntropy, CrossEntropy, Loss, Mse};
pub use matrix::{Matrix, RowVector};
pub use network::{Model, Network};
pub use optim::{Adam, Clip, Optimizer, Sgd, SgdMomentum};
pub use sample_buffer::SampleBuffer;
pub use samples::{IndexedSamples, Sample, Samples};
pub use scalar::{Scalar, ScalarKind};
pub use standardize::Standardizer;
pub use train::Trainer;
pub use zeroed::Zeroed;
