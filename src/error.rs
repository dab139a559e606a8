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
