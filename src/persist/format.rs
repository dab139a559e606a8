//! The byte layout shared by saved networks and optimizer states: magic bytes, version, sizes and codes.
//!
//! Every multi-byte field is little-endian. The tables in `ARCHITECTURE.md`
//! give the layouts byte by byte; the constants here are their single source.

use core::fmt;

use crate::layer::Tensor;
use crate::{ActivationKind, ScalarKind};

/// The first four bytes of a saved network.
pub const MODEL_MAGIC: [u8; 4] = *b"TMLP";
/// The first four bytes of a saved optimizer state.
pub const OPTIMIZER_MAGIC: [u8; 4] = *b"TMOS";
/// The format version this build writes, and the only one it reads.
pub const FORMAT_VERSION: u16 = 1;

/// Magic, version, scalar code and declared length: the fields every blob starts with.
pub(crate) const PREFIX_LEN: usize = 12;
/// The CRC-32 at the end of every blob.
pub(crate) const CRC_LEN: usize = 4;
/// Inputs (u32), outputs (u32), activation code (u16), activation parameter (u16).
pub(crate) const LAYER_RECORD_LEN: usize = 12;
/// A saved network's header before its layer records: the prefix and the layer count.
pub(crate) const MODEL_HEADER_LEN: usize = PREFIX_LEN + 4;
/// A saved optimizer state's header before its layer records: the prefix,
/// layer count, frozen layer count, and the optimizer's id and three counts.
pub(crate) const OPTIMIZER_HEADER_LEN: usize = PREFIX_LEN + 4 + 4 + 4 * 2;

/// Offsets of the prefix fields.
pub(crate) const VERSION_AT: usize = 4;
pub(crate) const SCALAR_AT: usize = 6;
pub(crate) const LENGTH_AT: usize = 8;

/// The exact size of a saved network with `layers` dense layers and
/// `parameters` scalars of `scalar_bytes` bytes each.
pub(crate) const fn model_len(layers: usize, parameters: usize, scalar_bytes: usize) -> usize {
    MODEL_HEADER_LEN + LAYER_RECORD_LEN * layers + parameters * scalar_bytes + CRC_LEN
}

/// The exact size of a saved optimizer state.
pub(crate) const fn optimizer_len(
    layers: usize,
    counters: usize,
    values: usize,
    slot_values: usize,
    trainable_parameters: usize,
    scalar_bytes: usize,
) -> usize {
    OPTIMIZER_HEADER_LEN
        + LAYER_RECORD_LEN * layers
        + 4 * counters
        + (values + slot_values * trainable_parameters) * scalar_bytes
        + CRC_LEN
}

/// The code a blob records for a scalar type: 1 for `f32`, 2 for `f64`.
pub(crate) const fn scalar_code(kind: ScalarKind) -> u16 {
    match kind {
        ScalarKind::F32 => 1,
        ScalarKind::F64 => 2,
    }
}

/// Displays a scalar type code by its type's name.
pub(crate) struct ScalarCodeText(pub u16);

impl fmt::Display for ScalarCodeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("f32"),
            2 => f.write_str("f64"),
            code => write!(f, "an unknown scalar type (code {code})"),
        }
    }
}

/// The name PyTorch's `nn.Linear` gives a tensor: `weight` or `bias`.
pub(crate) const fn torch_name(tensor: Tensor) -> &'static str {
    match tensor {
        Tensor::Weights => "weight",
        Tensor::Bias => "bias",
    }
}

/// Displays magic bytes as text where they are printable ASCII.
pub(crate) struct MagicText<'a>(pub &'a [u8; 4]);

impl fmt::Display for MagicText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.0 {
            let c = if b.is_ascii_graphic() { char::from(b) } else { '.' };
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// The `(code, parameter)` a blob records for an activation.
pub(crate) const fn activation_code(kind: ActivationKind) -> (u16, u16) {
    match kind {
        ActivationKind::Identity => (1, 0),
        ActivationKind::Sigmoid => (2, 0),
        ActivationKind::Tanh => (3, 0),
        ActivationKind::Relu => (4, 0),
        ActivationKind::LeakyRelu { slope_per_mille } => (5, slope_per_mille),
        ActivationKind::Softmax => (6, 0),
    }
}

/// The activation a `(code, parameter)` pair stands for, if any. Only
/// `LeakyRelu` has a parameter; for the others it must be zero.
pub(crate) const fn activation_from_code(code: u16, parameter: u16) -> Option<ActivationKind> {
    match (code, parameter) {
        (1, 0) => Some(ActivationKind::Identity),
        (2, 0) => Some(ActivationKind::Sigmoid),
        (3, 0) => Some(ActivationKind::Tanh),
        (4, 0) => Some(ActivationKind::Relu),
        (5, slope_per_mille) => Some(ActivationKind::LeakyRelu { slope_per_mille }),
        (6, 0) => Some(ActivationKind::Softmax),
        _ => None,
    }
}

/// Writes an activation as its type is spelled (`LeakyRelu<200>`).
pub(crate) fn write_activation(f: &mut impl fmt::Write, kind: ActivationKind) -> fmt::Result {
    match kind {
        ActivationKind::Identity => f.write_str("Identity"),
        ActivationKind::Sigmoid => f.write_str("Sigmoid"),
        ActivationKind::Tanh => f.write_str("Tanh"),
        ActivationKind::Relu => f.write_str("Relu"),
        ActivationKind::LeakyRelu { slope_per_mille } => write!(f, "LeakyRelu<{slope_per_mille}>"),
        ActivationKind::Softmax => f.write_str("Softmax"),
    }
}

/// One dense layer as a saved blob describes it, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LayerShape {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// Activation.
    pub activation: ActivationKind,
}

impl fmt::Display for LayerShape {
    /// `4 → 8 Relu`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} → {} ", self.inputs, self.outputs)?;
        write_activation(f, self.activation)
    }
}

/// Which optimizer a saved optimizer state belongs to, and the counts that fix its layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OptimizerLayout {
    /// The optimizer's id ([`PersistentOptimizer::ID`](crate::persist::PersistentOptimizer::ID)).
    pub id: u16,
    /// Scalar values (hyperparameters, running products).
    pub values: u16,
    /// Integer values (flags, step counters).
    pub counters: u16,
    /// Scalar values per parameter.
    pub slot_values: u16,
}

impl fmt::Display for OptimizerLayout {
    /// `Adam (id 3: 8 values, 2 counters, 2 per parameter)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.id {
            1 => "Sgd",
            2 => "SgdMomentum",
            3 => "Adam",
            _ => "an optimizer",
        };
        write!(
            f,
            "{name} (id {}: {} values, {} counters, {} per parameter)",
            self.id, self.values, self.counters, self.slot_values
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_activation_code_decodes_to_itself() {
        for kind in [
            ActivationKind::Identity,
            ActivationKind::Sigmoid,
            ActivationKind::Tanh,
            ActivationKind::Relu,
            ActivationKind::LeakyRelu { slope_per_mille: 0 },
            ActivationKind::LeakyRelu { slope_per_mille: 200 },
            ActivationKind::LeakyRelu {
                slope_per_mille: u16::MAX,
            },
            ActivationKind::Softmax,
        ] {
            let (code, parameter) = activation_code(kind);
            assert_eq!(activation_from_code(code, parameter), Some(kind));
        }
        assert_eq!(activation_from_code(0, 0), None);
        assert_eq!(activation_from_code(7, 0), None);
        assert_eq!(activation_from_code(4, 1), None, "Relu has no parameter");
    }

    #[test]
    fn layer_shape_reads_like_the_mlp_macro() {
        let shape = LayerShape {
            inputs: 4,
            outputs: 8,
            activation: ActivationKind::LeakyRelu { slope_per_mille: 200 },
        };
        assert_eq!(shape.to_string(), "4 → 8 LeakyRelu<200>");
    }

    #[test]
    fn sizes_add_up() {
        // 2 => 4 => 1 in f32: 16-byte header, 2 records, 17 parameters, CRC.
        assert_eq!(model_len(2, 17, 4), 16 + 24 + 68 + 4);
    }
}
