//! Saving and loading: a checked byte format for a network's parameters and for an optimizer's state, and (with `std`) Rust-source and `safetensors` export.
//!
//! # The byte format
//! A blob starts with magic bytes (`TMLP` for a network, `TMOS` for an
//! optimizer state), a format version, the scalar type and the blob's
//! length; then the layer widths and activations; then the values,
//! little-endian; and ends with a CRC-32 (IEEE) of everything before it.
//! `ARCHITECTURE.md` has the layouts byte by byte.
//!
//! - [`Network::to_bytes`](crate::Network::to_bytes) and
//!   [`Network::ENCODED_LEN`](crate::Network::ENCODED_LEN) save a network;
//!   [`Network::load_into`](crate::Network::load_into) loads one in place,
//!   after checking the whole blob, and
//!   [`Network::from_bytes`](crate::Network::from_bytes) builds one.
//! - [`Trainer::optimizer_state_to_bytes`](crate::Trainer::optimizer_state_to_bytes)
//!   and [`Trainer::load_optimizer_state`](crate::Trainer::load_optimizer_state)
//!   save and restore the optimizer (hyperparameters, step counters, every
//!   per-parameter slot), so training resumes after a reset exactly as if it
//!   had never stopped. Optimizers opt in through [`PersistentOptimizer`].
//!
//! Everything here is `no_std` and allocation-free, and loading never
//! panics: every way a blob can be wrong is an [`Error`](crate::Error) value
//! carrying the numbers, and a failed load leaves the target untouched.
//!
//! # Flash-resident models
//! [`Network::new`](crate::Network::new), [`Chain::new`](crate::Chain::new),
//! [`Dense::from_arrays`](crate::Dense::from_arrays) and
//! [`Frozen::new`](crate::Frozen::new) are `const fn`s, so trained weights can
//! be a `const` or `static` that compiles into flash:
//!
//! ```
//! use tinymlp::{mlp, Chain, Dense, Network};
//!
//! type Net = mlp!(f32; 2 => 2 Relu => 1 Identity);
//!
//! static MODEL: Net = Network::new(Chain::new(
//!     Dense::from_arrays([[1.0, -1.0], [1.0, -1.0]], [0.0, 0.0]),
//!     Dense::from_arrays([[1.0], [1.0]], [0.0]),
//! ));
//!
//! // |x0 + x1|, computed from flash.
//! assert_eq!(MODEL.forward(&[2.0, 3.0]), [5.0]);
//! assert_eq!(MODEL.forward(&[-2.0, -3.0]), [5.0]);
//! ```
//!
//! With the `std` feature, `Network::to_rust_source` writes such an item for
//! a trained network.
//!
//! # `safetensors` files
//! With the `std` feature, `Network::to_safetensors` and
//! `Network::load_safetensors_into` (or `from_safetensors`) write and read
//! `safetensors` files that PyTorch loads into, and saves from, an
//! `nn.Sequential` of `nn.Linear` layers.
//!
//! A network is stored as `nn.Sequential` stores its `state_dict`: each dense
//! layer is an `nn.Linear` with `"{i}.weight"` (`out × in`, the transpose of
//! this crate's `W: in × out`) and `"{i}.bias"` (`out`), where `i` is the
//! module's index in the `Sequential`. Activation modules take indices too,
//! so the index of a dense layer is the number of modules before it, counting
//! one per dense layer and one per activation **other than `Identity`** (for
//! which PyTorch has no module in a plain `Sequential`):
//!
//! | network | `nn.Sequential` | tensors |
//! |---|---|---|
//! | `mlp!(f32; 4 => 8 Relu => 3 Identity)` | `Linear, ReLU, Linear` | `0.*`, `2.*` |
//! | `mlp!(f32; 4 => 8 Tanh => 3 Softmax)` | `Linear, Tanh, Linear, Softmax` | `0.*`, `2.*` |
//! | `mlp!(f32; 4 => 8 Identity => 8 Relu => 1 Identity)` | `Linear, Linear, ReLU, Linear` | `0.*`, `1.*`, `3.*` |
//!
//! The element type must match exactly (`F32` for `f32`, `F64` for `f64`):
//! converting silently would hide a precision change.

mod crc32;
mod cursor;
mod decode;
mod encode;
mod envelope;
mod format;
mod layer_table;
mod optimizer;
mod optimizer_blob;
#[cfg(feature = "std")]
mod rust_source;
#[cfg(feature = "std")]
mod safetensors_file;
mod tensor_description;

pub use crc32::{Crc32, crc32};
pub use format::{FORMAT_VERSION, LayerShape, MODEL_MAGIC, OPTIMIZER_MAGIC, OptimizerLayout};
pub use optimizer::PersistentOptimizer;
#[cfg(feature = "std")]
pub use rust_source::RustSource;
pub use tensor_description::{TensorName, TensorShape};

pub(crate) use format::{MagicText, ScalarCodeText, scalar_code, torch_name};
