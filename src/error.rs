//! The one error type: every failure is a value that says what went wrong, with the numbers.

use core::fmt;

use crate::layer::{Tensor, TensorId};

/// Everything that can go wrong in this crate. Nothing panics instead.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A batch's row count is zero or larger than the trainer's batch size.
    BatchRows {
        /// Rows asked for.
        rows: usize,
        /// The trainer's batch size `M`.
        capacity: usize,
    },
    /// An input value is NaN or infinite.
    NonFiniteInput {
        /// Row (sample) within the batch or dataset.
        row: usize,
        /// Feature.
        col: usize,
    },
    /// A target value is NaN or infinite.
    NonFiniteTarget {
        /// Row (sample) within the batch or dataset.
        row: usize,
        /// Output.
        col: usize,
    },
    /// The loss of a batch came out NaN or infinite; nothing was updated.
    NonFiniteLoss,
    /// A gradient came out NaN or infinite; nothing was updated.
    NonFiniteGradient {
        /// Layer, counting from 0 at the input.
        layer: usize,
        /// Weights or bias.
        tensor: Tensor,
        /// Row within the tensor.
        row: usize,
        /// Column within the tensor.
        col: usize,
    },
    /// An updated parameter (or its optimizer state) would be NaN or infinite;
    /// nothing was updated.
    NonFiniteParameter {
        /// Layer, counting from 0 at the input.
        layer: usize,
        /// Weights or bias.
        tensor: Tensor,
        /// Row within the tensor.
        row: usize,
        /// Column within the tensor.
        col: usize,
    },
    /// A hyperparameter is out of its valid range.
    InvalidHyperparameter {
        /// Its name, as in the optimizer's builder method.
        name: &'static str,
        /// Its value, widened to `f64`.
        value: f64,
    },
    /// The requested operation is not available with this configuration.
    Unsupported {
        /// What is not supported, and why.
        what: &'static str,
    },
    /// The buffer given to a `to_bytes` method cannot hold the encoding.
    BufferTooSmall {
        /// Bytes the encoding takes.
        needed: usize,
        /// Bytes the buffer has.
        got: usize,
    },
    /// A saved blob ends before the bytes its header promises (or before the
    /// fixed header itself): a truncated copy.
    BlobTooShort {
        /// Bytes needed: the fixed header's size, or the length the header declares.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// A blob does not start with the expected magic bytes: it is not a saved
    /// network (or optimizer state) at all, or the wrong one of the two.
    BadMagic {
        /// The magic this kind of blob starts with.
        expected: [u8; 4],
        /// The first four bytes found.
        found: [u8; 4],
    },
    /// A blob was written in a format version this build cannot read.
    UnsupportedVersion {
        /// The version in the blob.
        found: u16,
        /// The version this build reads and writes.
        supported: u16,
    },
    /// The length a blob declares for itself cannot be right: smaller than any
    /// blob, or different from the length its (matching) layers imply.
    BadDeclaredLength {
        /// The length in the blob's header.
        declared: usize,
        /// The length of a blob for the type it is loaded into.
        expected: usize,
    },
    /// A blob's CRC-32 does not match its contents: it was corrupted.
    BadChecksum {
        /// The checksum stored in the blob.
        stored: u32,
        /// The checksum of the bytes it covers.
        computed: u32,
    },
    /// A blob holds parameters of another scalar type than the network's.
    ScalarMismatch {
        /// The network's scalar type.
        expected: crate::ScalarKind,
        /// The blob's scalar type code (1 = `f32`, 2 = `f64`, anything else unknown).
        found_code: u16,
    },
    /// A blob holds a network with another number of dense layers.
    LayerCountMismatch {
        /// The network's layer count.
        expected: usize,
        /// The blob's layer count.
        found: usize,
    },
    /// A layer of the blob has other widths or another activation than the
    /// same layer of the network it is loaded into.
    LayerMismatch {
        /// Layer, counting from 0 at the input.
        layer: usize,
        /// The network's layer.
        expected: crate::persist::LayerShape,
        /// The blob's layer.
        found: crate::persist::LayerShape,
    },
    /// A blob names an activation this build does not know.
    UnknownActivation {
        /// Layer, counting from 0 at the input.
        layer: usize,
        /// The activation code.
        code: u16,
        /// The activation's parameter field (the slope of a `LeakyRelu`, zero otherwise).
        parameter: u16,
    },
    /// A saved value (parameter or optimizer state) is NaN or infinite: such a
    /// model is neither saved nor loaded.
    NonFiniteStored {
        /// Layer, counting from 0 at the input.
        layer: usize,
        /// Weights or bias.
        tensor: Tensor,
        /// Row within the tensor (`W` is `inputs × outputs`).
        row: usize,
        /// Column within the tensor.
        col: usize,
    },
    /// Optimizer state saved with other layers frozen than the trainer it is loaded into.
    FrozenLayersMismatch {
        /// Leading frozen layers of the trainer's network.
        expected: usize,
        /// Leading frozen layers in the blob.
        found: usize,
    },
    /// Optimizer state saved by another optimizer (or another layout of it).
    OptimizerMismatch {
        /// The trainer's optimizer.
        expected: crate::persist::OptimizerLayout,
        /// The blob's.
        found: crate::persist::OptimizerLayout,
    },
    /// A `safetensors` file could not be parsed.
    SafetensorsInvalid {
        /// What is wrong with it.
        what: &'static str,
    },
    /// A tensor the network needs is missing from a `safetensors` file.
    MissingTensor {
        /// Its `nn.Sequential` index: the name is `"{module}.weight"` or `"{module}.bias"`.
        module: usize,
        /// Weights or bias.
        tensor: Tensor,
    },
    /// A `safetensors` file holds a tensor the network has no place for.
    UnexpectedTensor {
        /// Its name.
        name: crate::persist::TensorName,
    },
    /// A tensor of a `safetensors` file has another element type than the network.
    TensorDtypeMismatch {
        /// Its `nn.Sequential` index.
        module: usize,
        /// Weights or bias.
        tensor: Tensor,
        /// The network's scalar type.
        expected: crate::ScalarKind,
        /// The file's element type, as `safetensors` names it (`"F16"`).
        found: &'static str,
    },
    /// A tensor of a `safetensors` file has another shape than the network's
    /// (`weight` is `out × in`, `bias` is `out`).
    TensorShapeMismatch {
        /// Its `nn.Sequential` index.
        module: usize,
        /// Weights or bias.
        tensor: Tensor,
        /// The shape the network needs.
        expected: crate::persist::TensorShape,
        /// The shape in the file.
        found: crate::persist::TensorShape,
    },
    /// A dataset (or the rows a statistic is fitted on) holds no samples.
    EmptyDataset,
    /// A class index is not below the number of classes.
    ClassOutOfRange {
        /// The class index given.
        class: usize,
        /// The number of classes (outputs).
        classes: usize,
    },
    /// A [`Samples`](crate::Samples) implementation did not return a sample
    /// below its own length.
    MissingSample {
        /// The index asked for.
        index: usize,
        /// The length the dataset reported.
        len: usize,
    },
    /// An index buffer is too short to order a dataset.
    IndexBufferTooShort {
        /// Samples to order.
        samples: usize,
        /// Entries in the index buffer.
        indices: usize,
    },
    /// A feature's mean or standard deviation is not representable in the
    /// working precision (its values are too large to square).
    FeatureOverflow {
        /// The feature.
        feature: usize,
    },
}

impl Error {
    /// The error for element `index` of a tensor, built by `make` from `(layer, tensor, row, col)`.
    pub(crate) fn at(id: TensorId, index: usize, make: fn(usize, Tensor, usize, usize) -> Error) -> Error {
        let (row, col) = id.position(index);
        make(id.layer, id.tensor, row, col)
    }

    pub(crate) fn gradient(layer: usize, tensor: Tensor, row: usize, col: usize) -> Error {
        Error::NonFiniteGradient {
            layer,
            tensor,
            row,
            col,
        }
    }

    pub(crate) fn parameter(layer: usize, tensor: Tensor, row: usize, col: usize) -> Error {
        Error::NonFiniteParameter {
            layer,
            tensor,
            row,
            col,
        }
    }

    pub(crate) fn stored(layer: usize, tensor: Tensor, row: usize, col: usize) -> Error {
        Error::NonFiniteStored {
            layer,
            tensor,
            row,
            col,
        }
    }
}

impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tensor::Weights => "weights",
            Tensor::Bias => "bias",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::BatchRows { rows, capacity } => {
                write!(
                    f,
                    "a batch of {rows} rows does not fit a trainer with batch size {capacity} (need 1..={capacity})"
                )
            }
            Error::NonFiniteInput { row, col } => write!(f, "input row {row}, feature {col} is NaN or infinite"),
            Error::NonFiniteTarget { row, col } => write!(f, "target row {row}, output {col} is NaN or infinite"),
            Error::NonFiniteLoss => f.write_str("the loss is NaN or infinite; the model was not updated"),
            Error::NonFiniteGradient {
                layer,
                tensor,
                row,
                col,
            } => write!(
                f,
                "the gradient of layer {layer} {tensor} [{row}, {col}] is NaN or infinite; the model was not updated"
            ),
            Error::NonFiniteParameter {
                layer,
                tensor,
                row,
                col,
            } => write!(
                f,
                "the update would make layer {layer} {tensor} [{row}, {col}] NaN or infinite; the model was not updated"
            ),
            Error::InvalidHyperparameter { name, value } => {
                write!(f, "hyperparameter `{name}` = {value} is out of range")
            }
            Error::Unsupported { what } => write!(f, "not supported: {what}"),
            Error::BufferTooSmall { needed, got } => {
                write!(f, "the buffer holds {got} bytes; the encoding needs {needed}")
            }
            Error::BlobTooShort { needed, got } => {
                write!(f, "the blob is too short: {got} bytes, it needs {needed} (truncated?)")
            }
            Error::BadMagic { expected, found } => write!(
                f,
                "the blob starts with {found:02x?}, not the magic {expected:02x?} ({}): not this kind of saved data",
                crate::persist::MagicText(&expected)
            ),
            Error::UnsupportedVersion { found, supported } => write!(
                f,
                "the blob has format version {found}; this build reads version {supported}"
            ),
            Error::BadDeclaredLength { declared, expected } => write!(
                f,
                "the blob declares a length of {declared} bytes, which cannot be right: a blob for this type is {expected} bytes"
            ),
            Error::BadChecksum { stored, computed } => write!(
                f,
                "the blob is corrupted: its CRC-32 is {computed:#010x}, the stored one {stored:#010x}"
            ),
            Error::ScalarMismatch { expected, found_code } => write!(
                f,
                "the blob holds {} parameters; the network is {}",
                crate::persist::ScalarCodeText(found_code),
                crate::persist::ScalarCodeText(crate::persist::scalar_code(expected))
            ),
            Error::LayerCountMismatch { expected, found } => {
                write!(f, "the blob holds {found} dense layers; the network has {expected}")
            }
            Error::LayerMismatch { layer, expected, found } => {
                write!(f, "layer {layer} is {found} in the blob but {expected} in the network")
            }
            Error::UnknownActivation { layer, code, parameter } => write!(
                f,
                "layer {layer} has an unknown activation (code {code}, parameter {parameter})"
            ),
            Error::NonFiniteStored {
                layer,
                tensor,
                row,
                col,
            } => write!(
                f,
                "layer {layer} {tensor} [{row}, {col}] is NaN or infinite, so it is neither saved nor loaded"
            ),
            Error::FrozenLayersMismatch { expected, found } => write!(
                f,
                "the optimizer state was saved with {found} leading frozen layers; the trainer has {expected}"
            ),
            Error::OptimizerMismatch { expected, found } => write!(
                f,
                "the optimizer state was saved by {found}; the trainer uses {expected}"
            ),
            Error::SafetensorsInvalid { what } => write!(f, "not a valid safetensors file: {what}"),
            Error::MissingTensor { module, tensor } => write!(
                f,
                "the safetensors file has no tensor `{module}.{}`",
                crate::persist::torch_name(tensor)
            ),
            Error::UnexpectedTensor { name } => write!(
                f,
                "the safetensors file holds a tensor `{name}` that the network has no place for"
            ),
            Error::TensorDtypeMismatch {
                module,
                tensor,
                expected,
                found,
            } => write!(
                f,
                "tensor `{module}.{}` is {found}; the network needs {}",
                crate::persist::torch_name(tensor),
                crate::persist::ScalarCodeText(crate::persist::scalar_code(expected))
            ),
            Error::TensorShapeMismatch {
                module,
                tensor,
                expected,
                found,
            } => write!(
                f,
                "tensor `{module}.{}` has shape {found}; the network needs {expected}",
                crate::persist::torch_name(tensor)
            ),
            Error::EmptyDataset => f.write_str("the dataset holds no samples"),
            Error::ClassOutOfRange { class, classes } => {
                write!(
                    f,
                    "class index {class} is out of range for {classes} classes (need 0..{classes})"
                )
            }
            Error::MissingSample { index, len } => write!(
                f,
                "sample {index} of a dataset of {len} could not be read (its `Samples` implementation is inconsistent)"
            ),
            Error::IndexBufferTooShort { samples, indices } => write!(
                f,
                "an index buffer of {indices} entries cannot order {samples} samples (need at least {samples})"
            ),
            Error::FeatureOverflow { feature } => write!(
                f,
                "feature {feature}'s mean or standard deviation overflows the working precision; rescale it first"
            ),
        }
    }
}

impl core::error::Error for Error {}
