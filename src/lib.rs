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
//! - No heap, no `std`, no `unsafe`.
//! - No panics on any input a caller can construct: failures are [`Error`]
//!   values that carry the numbers explaining them.
//! - [`Trainer::step`] is all-or-nothing: if the loss, a gradient, or an
//!   updated parameter or optimizer state would be non-finite, it returns the
//!   error and the network and optimizer are left bit-for-bit as they were.
//!   [`FusedTrainer`] is the fast path without that guarantee (and without a
//!   gradient buffer); on a normal run both end with the same bits.
//! - One summation order on every target: training is bit-identical on an
//!   x86-64 host and a Cortex-M4F for the same seed and data.
//!
//! # Features
//! - `approx` (default): `approx::{AbsDiffEq, RelativeEq, UlpsEq}` for
//!   [`Matrix`].
//! - `std` (off): host conveniences; nothing firmware needs.
//!
//! Square roots use the compiler's intrinsic (one `vsqrt.f32` on a
//! Cortex-M4F; vectorised on x86-64) with the `std` feature, or where the
//! compiler accepts `core::f32::math` (a nightly compiler, or
//! `RUSTC_BOOTSTRAP=1` as `-Z build-std` needs; the build script detects it);
//! otherwise libm 0.2, which computes them in software on 32-bit Arm (~70
//! instructions; Adam takes one per parameter). All round correctly, so the
//! bits are the same either way.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![cfg_attr(
    all(tinymlp_core_float_math, not(any(test, feature = "std"))),
    feature(core_float_math)
)]
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod activation;
mod chain;
mod dense;
mod error;
mod fused;
mod init;
mod kernel;
pub mod layer;
mod loss;
mod matrix;
mod network;
pub mod optim;
mod scalar;
mod train;
mod zeroed;

pub use activation::{Activation, ActivationKind, Elementwise, Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh};
pub use chain::{Chain, Frozen};
pub use dense::Dense;
pub use error::Error;
pub use fused::FusedTrainer;
pub use init::{Init, Rng};
pub use layer::Layer;
pub use loss::{BinaryCrossEntropy, CrossEntropy, Loss, Mse};
pub use matrix::{Matrix, RowVector};
pub use network::{Model, Network};
pub use optim::{Adam, Clip, Optimizer, Sgd, SgdMomentum};
pub use scalar::{Scalar, ScalarKind};
pub use train::Trainer;
pub use zeroed::Zeroed;
