//! Writing a network as Rust source (`pub const MODEL: … = …;`) built with the `const fn` constructors, every parameter as its exact bit pattern.

use core::fmt::Write;

use super::format::write_activation;
use crate::layer::sealed::Sealed;
use crate::{Activation, Chain, Dense, Frozen, Layer, Network, Scalar, ScalarKind};

/// A layer stack that can be written as Rust source: its type, and a
/// constant expression that builds it. Implemented by [`Dense`], [`Chain`]
/// and [`Frozen`]; used by [`Network::to_rust_source`].
pub trait RustSource: Sealed {
    /// Appends the stack's type, with `tinymlp::` paths.
    fn write_type(out: &mut String);
    /// Appends a constant expression building this stack, its lines indented by `indent` levels.
    fn write_value(&self, out: &mut String, indent: usize);
}

fn scalar_name<T: Scalar>() -> &'static str {
    match T::KIND {
        ScalarKind::F32 => "f32",
        ScalarKind::F64 => "f64",
    }
}

/// `f32::from_bits(0x3f800000)`: exact, whatever the value (subnormals and `-0.0` included).
fn write_scalar<T: Scalar>(out: &mut String, value: T) {
    let digits = 2 * T::BYTES;
    let _ = write!(
        out,
        "{}::from_bits({:#0width$x})",
        scalar_name::<T>(),
        value.to_bits_u64(),
        width = digits + 2
    );
}

fn write_row<T: Scalar>(out: &mut String, row: &[T]) {
    out.push('[');
    for (i, &value) in row.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_scalar(out, value);
    }
    out.push(']');
}

fn newline(out: &mut String, indent: usize) {
    out.push('\n');
    for _ in 0..indent {
        out.push_str("    ");
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize, G: Activation> RustSource for Dense<T, IN, OUT, G> {
    fn write_type(out: &mut String) {
        let _ = write!(out, "tinymlp::Dense<{}, {IN}, {OUT}, tinymlp::", scalar_name::<T>());
        let _ = write_activation(out, G::KIND);
        out.push('>');
    }

    fn write_value(&self, out: &mut String, indent: usize) {
        out.push_str("tinymlp::Dense::from_arrays(");
        newline(out, indent + 1);
        out.push('[');
        for row in self.weights().as_array() {
            newline(out, indent + 2);
            write_row(out, row);
            out.push(',');
        }
        newline(out, indent + 1);
        out.push_str("],");
        newline(out, indent + 1);
        write_row(out, self.bias().as_slice());
        out.push(',');
        newline(out, indent);
        out.push(')');
    }
}

impl<A: RustSource, B: RustSource, const H: usize> RustSource for Chain<A, B, H> {
    fn write_type(out: &mut String) {
        out.push_str("tinymlp::Chain<");
        A::write_type(out);
        out.push_str(", ");
        B::write_type(out);
        let _ = write!(out, ", {H}>");
    }

    fn write_value(&self, out: &mut String, indent: usize) {
        out.push_str("tinymlp::Chain::new(");
        newline(out, indent + 1);
        self.front().write_value(out, indent + 1);
        out.push(',');
        newline(out, indent + 1);
        self.back().write_value(out, indent + 1);
        out.push(',');
        newline(out, indent);
        out.push(')');
    }
}

impl<L: RustSource> RustSource for Frozen<L> {
    fn write_type(out: &mut String) {
        out.push_str("tinymlp::Frozen<");
        L::write_type(out);
        out.push('>');
    }

    fn write_value(&self, out: &mut String, indent: usize) {
        out.push_str("tinymlp::Frozen::new(");
        newline(out, indent + 1);
        self.get().write_value(out, indent + 1);
        out.push(',');
        newline(out, indent);
        out.push(')');
    }
}

/// The network as the [`mlp!`](crate::mlp) macro would spell it: `2 => 4 Sigmoid => 1 Sigmoid`.
pub(crate) fn architecture<T, L, const IN: usize, const OUT: usize>(net: &Network<T, L, IN, OUT>) -> String
where
    T: Scalar,
    L: Layer<T, IN, OUT>,
{
    let mut text = String::new();
    let _ = write!(text, "{IN}");
    net.for_each_layer(|view| {
        let _ = write!(text, " => {} ", view.outputs);
        let _ = write_activation(&mut text, view.activation);
    });
    text
}

impl<T: Scalar, L: Layer<T, IN, OUT> + RustSource, const IN: usize, const OUT: usize> Network<T, L, IN, OUT> {
    /// The network as Rust source: one item, `pub const {name}: <type> = <value>;`,
    /// built with the `const fn` constructors, so firmware can `include!` it
    /// and have the trained weights compiled into flash. Every parameter is
    /// written as its bit pattern (`f32::from_bits(0x3f800000)`), so the
    /// constant equals this network bit for bit. Paths are absolute
    /// (`tinymlp::…`), so the file can be included anywhere.
    ///
    /// A `const` is copied wherever it is used by value; bind it to a
    /// `static` (`static NET: Net = MODEL;`) to keep exactly one copy, in flash.
    ///
    /// ```
    /// use tinymlp::{mlp, Network};
    /// type Net = mlp!(f32; 2 => 1 Sigmoid);
    ///
    /// let source = Net::xavier(1).to_rust_source("MODEL");
    /// assert!(source.contains(
    ///     "pub const MODEL: tinymlp::Network<f32, tinymlp::Dense<f32, 2, 1, tinymlp::Sigmoid>, 2, 1> ="
    /// ));
    /// assert!(source.contains("f32::from_bits(0x"));
    /// ```
    pub fn to_rust_source(&self, name: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "// A tinymlp network: {}, {}, {} parameters.",
            architecture(self),
            scalar_name::<T>(),
            L::PARAMETERS
        );
        out.push_str(
            "// Written by `tinymlp::Network::to_rust_source`: every parameter is its exact bit pattern.\n\
             // Include it with `include!(…)`; keep one copy in flash with `static NET: <its type> = MODEL;`.\n",
        );
        out.push_str("#[rustfmt::skip]\n");
        let _ = write!(out, "pub const {name}: tinymlp::Network<{}, ", scalar_name::<T>());
        L::write_type(&mut out);
        let _ = write!(out, ", {IN}, {OUT}> = tinymlp::Network::new(");
        newline(&mut out, 1);
        self.layers().write_value(&mut out, 1);
        out.push_str(",\n);\n");
        out
    }
}
