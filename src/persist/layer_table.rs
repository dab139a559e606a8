//! The layer records both blob kinds carry: each dense layer's widths and activation, written and checked against a network.

use super::cursor::{Reader, Writer, narrow};
use super::format::{LayerShape, activation_code, activation_from_code};
use crate::layer::{LayerView, Tensor};
use crate::{Error, Layer, Network, Scalar};

/// Fails unless every width fits the format's `u32` fields and, if
/// `parameters_too`, every parameter is finite: what saving checks before it
/// writes a byte.
pub(crate) fn check_saveable<T, L, const IN: usize, const OUT: usize>(
    net: &Network<T, L, IN, OUT>,
    parameters_too: bool,
) -> Result<(), Error>
where
    T: Scalar,
    L: Layer<T, IN, OUT>,
{
    let mut result = Ok(());
    net.for_each_layer(|view| {
        if result.is_ok() {
            result = narrow(view.inputs).and(narrow(view.outputs)).map(|_| ());
        }
        if result.is_ok() && parameters_too {
            result = first_non_finite(&view, view.weights, Tensor::Weights).and(first_non_finite(
                &view,
                view.bias,
                Tensor::Bias,
            ));
        }
    });
    result
}

fn first_non_finite<T: Scalar>(view: &LayerView<'_, T>, values: &[T], tensor: Tensor) -> Result<(), Error> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => Err(Error::at(view.tensor_id(tensor), index, Error::stored)),
    }
}

/// Writes one record per dense layer, input side first. Widths must have
/// passed [`check_saveable`]; one that does not fit is written as `u32::MAX`.
pub(crate) fn write_layer_table<T, L, const IN: usize, const OUT: usize>(
    w: &mut Writer<'_>,
    net: &Network<T, L, IN, OUT>,
) where
    T: Scalar,
    L: Layer<T, IN, OUT>,
{
    net.for_each_layer(|view| {
        let (code, parameter) = activation_code(view.activation);
        w.u32(narrow(view.inputs).unwrap_or(u32::MAX));
        w.u32(narrow(view.outputs).unwrap_or(u32::MAX));
        w.u16(code);
        w.u16(parameter);
    });
}

/// Checks the records read by `r` against `net`'s layers, in order: each
/// activation must be known and each layer equal. A record cut off by the
/// declared length is `cut_off` (a [`Error::BadDeclaredLength`]).
pub(crate) fn check_layer_table<T, L, const IN: usize, const OUT: usize>(
    r: &mut Reader<'_>,
    net: &Network<T, L, IN, OUT>,
    cut_off: Error,
) -> Result<(), Error>
where
    T: Scalar,
    L: Layer<T, IN, OUT>,
{
    let mut result = Ok(());
    net.for_each_layer(|view| {
        if result.is_ok() {
            result = check_record(r, &view, cut_off);
        }
    });
    result
}

fn check_record<T>(r: &mut Reader<'_>, view: &LayerView<'_, T>, cut_off: Error) -> Result<(), Error> {
    let inputs = r.u32_as_usize().ok_or(cut_off)?;
    let outputs = r.u32_as_usize().ok_or(cut_off)?;
    let code = r.u16().ok_or(cut_off)?;
    let parameter = r.u16().ok_or(cut_off)?;
    let activation = activation_from_code(code, parameter).ok_or(Error::UnknownActivation {
        layer: view.index,
        code,
        parameter,
    })?;
    let found = LayerShape {
        inputs,
        outputs,
        activation,
    };
    let expected = LayerShape {
        inputs: view.inputs,
        outputs: view.outputs,
        activation: view.activation,
    };
    if found == expected {
        Ok(())
    } else {
        Err(Error::LayerMismatch {
            layer: view.index,
            expected,
            found,
        })
    }
}
