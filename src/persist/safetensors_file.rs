//! Reading and writing `safetensors` files in PyTorch's `nn.Sequential` of `nn.Linear` layout.
//!
//! The naming rule is in the [module docs](crate::persist#safetensors-files).

use std::collections::HashMap;

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensorError, SafeTensors};

use super::format::torch_name;
use super::layer_table::check_saveable;
use super::rust_source::architecture;
use super::tensor_description::{TensorName, TensorShape};
use crate::layer::{Tensor, TensorId};
use crate::{ActivationKind, Error, Layer, Network, Scalar, ScalarKind, Zeroed};

/// The `nn.Sequential` index of each dense layer, input side first.
fn module_indices<T, L, const IN: usize, const OUT: usize>(net: &Network<T, L, IN, OUT>) -> Vec<usize>
where
    T: Scalar,
    L: Layer<T, IN, OUT>,
{
    let mut indices = Vec::new();
    let mut next = 0;
    net.for_each_layer(|view| {
        indices.push(next);
        next += 1;
        if view.activation != ActivationKind::Identity {
            next += 1;
        }
    });
    indices
}

fn dtype_of<T: Scalar>() -> Dtype {
    match T::KIND {
        ScalarKind::F32 => Dtype::F32,
        ScalarKind::F64 => Dtype::F64,
    }
}

fn dtype_name(dtype: Dtype) -> &'static str {
    match dtype {
        Dtype::BOOL => "BOOL",
        Dtype::U8 => "U8",
        Dtype::I8 => "I8",
        Dtype::I16 => "I16",
        Dtype::U16 => "U16",
        Dtype::F16 => "F16",
        Dtype::BF16 => "BF16",
        Dtype::I32 => "I32",
        Dtype::U32 => "U32",
        Dtype::F32 => "F32",
        Dtype::F64 => "F64",
        Dtype::I64 => "I64",
        Dtype::U64 => "U64",
        _ => "a sub-byte, 8-bit float or complex type",
    }
}

fn invalid(error: &SafeTensorError) -> Error {
    let what = match error {
        SafeTensorError::InvalidHeader(_) => "the header is not valid UTF-8",
        SafeTensorError::InvalidHeaderDeserialization(_) => "the header is not valid safetensors JSON",
        SafeTensorError::HeaderTooLarge => "the header is larger than 100 MB",
        SafeTensorError::HeaderTooSmall => "the file is shorter than its 8-byte header length",
        SafeTensorError::InvalidHeaderLength => "the header length points past the end of the file",
        SafeTensorError::TensorNotFound(_) => "a tensor is missing",
        SafeTensorError::TensorInvalidInfo => "a tensor's shape, dtype and offsets disagree",
        SafeTensorError::InvalidOffset(_) => "a tensor's data offsets are invalid",
        SafeTensorError::IoError(_) => "an I/O error",
        SafeTensorError::JsonError(_) => "a JSON error",
        SafeTensorError::InvalidTensorView(..) => "a tensor's data does not match its shape and dtype",
        SafeTensorError::MetadataIncompleteBuffer => "the tensors do not cover the data exactly",
        SafeTensorError::ValidationOverflow => "a tensor's size overflows",
        SafeTensorError::MisalignedSlice => "a tensor is not byte-aligned",
    };
    Error::SafetensorsInvalid { what }
}

/// Appends `value`'s little-endian bytes.
fn push_le<T: Scalar>(out: &mut Vec<u8>, value: T) {
    let mut bytes = [0u8; 8];
    if let Some(dst) = bytes.get_mut(..T::BYTES) {
        value.write_le(dst);
        out.extend_from_slice(dst);
    }
}

/// One tensor's values in this crate's layout, read from the file and checked.
struct Loaded<T> {
    values: Vec<T>,
    /// The first non-finite value's index in `values`, reported once every
    /// name, dtype and shape has been checked.
    first_non_finite: Option<usize>,
}

/// Reads tensor `{module}.{weight|bias}`: `rows × cols` in the file
/// (`out × in` for a weight, `out` for a bias), transposed into `W: in × out`.
fn read_tensor<T: Scalar>(
    file: &SafeTensors<'_>,
    module: usize,
    tensor: Tensor,
    inputs: usize,
    outputs: usize,
) -> Result<Loaded<T>, Error> {
    let name = format!("{module}.{}", torch_name(tensor));
    let view = file.tensor(&name).map_err(|e| match e {
        SafeTensorError::TensorNotFound(_) => Error::MissingTensor { module, tensor },
        other => invalid(&other),
    })?;
    if view.dtype() != dtype_of::<T>() {
        return Err(Error::TensorDtypeMismatch {
            module,
            tensor,
            expected: T::KIND,
            found: dtype_name(view.dtype()),
        });
    }
    let expected: &[usize] = match tensor {
        Tensor::Weights => &[outputs, inputs],
        Tensor::Bias => &[outputs],
    };
    if view.shape() != expected {
        return Err(Error::TensorShapeMismatch {
            module,
            tensor,
            expected: TensorShape::new(expected),
            found: TensorShape::new(view.shape()),
        });
    }
    let file_values: Vec<T> = view.data().chunks_exact(T::BYTES).filter_map(T::read_le).collect();
    let values: Vec<T> = match tensor {
        // Row `o`, column `i` of the file's `out × in` weight is `W[i][o]`.
        Tensor::Weights => (0..inputs)
            .flat_map(|i| (0..outputs).map(move |o| o * inputs + i))
            .filter_map(|k| file_values.get(k).copied())
            .collect(),
        Tensor::Bias => file_values,
    };
    let count = match tensor {
        Tensor::Weights => inputs * outputs,
        Tensor::Bias => outputs,
    };
    if values.len() != count {
        return Err(Error::SafetensorsInvalid {
            what: "a tensor's data does not match its shape and dtype",
        });
    }
    let first_non_finite = values.iter().position(|v| !v.is_finite());
    Ok(Loaded {
        values,
        first_non_finite,
    })
}

impl<T: Scalar, L: Layer<T, IN, OUT>, const IN: usize, const OUT: usize> Network<T, L, IN, OUT> {
    /// The network as a `safetensors` file in PyTorch's `nn.Sequential` of
    /// `nn.Linear` layout (see the [module docs](crate::persist#safetensors-files) for the names),
    /// loadable with `safetensors.torch.load_file` into a matching `Sequential`.
    /// The metadata records `"format": "pt"` and the architecture
    /// (`"tinymlp": "2 => 4 Sigmoid => 1 Sigmoid"`). Fails on a non-finite
    /// parameter ([`Error::NonFiniteStored`]).
    ///
    /// ```
    /// use tinymlp::mlp;
    /// type Net = mlp!(f32; 3 => 4 Relu => 2 Identity);
    ///
    /// let net = Net::xavier(1);
    /// let file = net.to_safetensors()?;
    /// assert_eq!(Net::from_safetensors(&file)?, net);
    /// # Ok::<(), tinymlp::Error>(())
    /// ```
    pub fn to_safetensors(&self) -> Result<Vec<u8>, Error> {
        check_saveable(self, true)?;
        let modules = module_indices(self);
        let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        let mut layer = 0;
        self.for_each_layer(|view| {
            let module = modules.get(layer).copied().unwrap_or(layer);
            layer += 1;
            let (inputs, outputs) = (view.inputs, view.outputs);
            // Row `o`, column `i` of the file's `out × in` weight is `W[i][o]`.
            let mut weight = Vec::with_capacity(inputs * outputs * T::BYTES);
            for o in 0..outputs {
                for i in 0..inputs {
                    if let Some(&w) = view.weights.get(i * outputs + o) {
                        push_le(&mut weight, w);
                    }
                }
            }
            let mut bias = Vec::with_capacity(outputs * T::BYTES);
            for &b in view.bias {
                push_le(&mut bias, b);
            }
            tensors.push((format!("{module}.weight"), vec![outputs, inputs], weight));
            tensors.push((format!("{module}.bias"), vec![outputs], bias));
        });
        let views = tensors
            .iter()
            .map(|(name, shape, data)| {
                TensorView::new(dtype_of::<T>(), shape.clone(), data)
                    .map(|view| (name.clone(), view))
                    .map_err(|e| invalid(&e))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let metadata = HashMap::from([
            ("format".to_string(), "pt".to_string()),
            ("tinymlp".to_string(), architecture(self)),
        ]);
        safetensors::serialize(views, Some(metadata)).map_err(|e| invalid(&e))
    }

    /// Loads a `safetensors` file in PyTorch's `nn.Sequential` of `nn.Linear`
    /// layout (as [`to_safetensors`](Self::to_safetensors) writes it, or
    /// `safetensors.torch.save_file(model.state_dict(), …)`) into this network.
    ///
    /// Checks everything before writing anything: the file parses
    /// ([`Error::SafetensorsInvalid`]); each layer's `weight` and `bias`
    /// exist ([`Error::MissingTensor`]) with the network's element type
    /// ([`Error::TensorDtypeMismatch`]) and shape
    /// ([`Error::TensorShapeMismatch`]); no other tensor is in the file
    /// ([`Error::UnexpectedTensor`]); every value is finite
    /// ([`Error::NonFiniteStored`]). Activations are not stored in the file:
    /// they come from the network's type.
    pub fn load_safetensors_into(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let file = SafeTensors::deserialize(bytes).map_err(|e| invalid(&e))?;
        let modules = module_indices(self);
        let mut loaded: Vec<(usize, Loaded<T>, Loaded<T>)> = Vec::new();
        let mut result = Ok(());
        self.for_each_layer(|view| {
            if result.is_err() {
                return;
            }
            let module = modules.get(view.index).copied().unwrap_or(view.index);
            let read = |tensor| read_tensor::<T>(&file, module, tensor, view.inputs, view.outputs);
            match (read(Tensor::Weights), read(Tensor::Bias)) {
                (Ok(weights), Ok(bias)) => loaded.push((view.outputs, weights, bias)),
                (Err(e), _) | (_, Err(e)) => result = Err(e),
            }
        });
        result?;

        let mut expected: Vec<String> = modules
            .iter()
            .flat_map(|m| [format!("{m}.weight"), format!("{m}.bias")])
            .collect();
        expected.sort();
        let mut names = file.names();
        names.sort();
        if let Some(extra) = names.iter().find(|n| expected.binary_search(&n.to_string()).is_err()) {
            return Err(Error::UnexpectedTensor {
                name: TensorName::new(extra),
            });
        }
        for (layer, (outputs, weights, bias)) in loaded.iter().enumerate() {
            let id = |tensor| TensorId {
                layer,
                tensor,
                cols: *outputs,
            };
            if let Some(index) = weights.first_non_finite {
                return Err(Error::at(id(Tensor::Weights), index, Error::stored));
            }
            if let Some(index) = bias.first_non_finite {
                return Err(Error::at(id(Tensor::Bias), index, Error::stored));
            }
        }

        let mut layers = loaded.into_iter();
        self.for_each_layer_mut(|view| {
            if let Some((_, weights, bias)) = layers.next() {
                for (p, &v) in view.weights.iter_mut().zip(&weights.values) {
                    *p = v;
                }
                for (p, &v) in view.bias.iter_mut().zip(&bias.values) {
                    *p = v;
                }
            }
        });
        Ok(())
    }

    /// A network loaded from a `safetensors` file by
    /// [`load_safetensors_into`](Self::load_safetensors_into).
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self, Error>
    where
        L: Zeroed,
    {
        let mut net = <Self as Zeroed>::ZEROED;
        net.load_safetensors_into(bytes)?;
        Ok(net)
    }
}
