//! `safetensors` files in PyTorch's layout, both ways: files written by Python
//! (`tests/fixtures/make_safetensors.py`) load and predict what numpy
//! computed; files we write load in Python (`tests/fixtures/check_safetensors.py`)
//! with the same values bit for bit; wrong files are refused with their own errors.
//!
//! The Python checks need `python3` (or `$TINYMLP_PYTHON`) with numpy and
//! safetensors; `.ci/install.sh` installs them. Without them these tests fail.

mod blob_support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use blob_support::parameter_bits;
use safetensors::Dtype;
use safetensors::tensor::TensorView;
use tinymlp::layer::Tensor;
use tinymlp::persist::{TensorName, TensorShape};
use tinymlp::{Adam, CrossEntropy, Error, Layer, Matrix, Network, Rng, Scalar, ScalarKind, Trainer, mlp};

type FromPython = mlp!(f32; 3 => 8 Tanh => 6 LeakyRelu<200> => 4 Relu => 2 Sigmoid);
type IdentityHidden = mlp!(f64; 2 => 3 Identity => 3 Relu => 1 Identity);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// `inputs -> outputs` per line, as `make_safetensors.py` writes them.
fn expected_predictions(name: &str) -> Vec<(Vec<f64>, Vec<f64>)> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let numbers = |s: &str| {
        s.split_whitespace()
            .map(|w| w.parse::<f64>().unwrap())
            .collect::<Vec<_>>()
    };
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (x, y) = l.split_once("->").unwrap();
            (numbers(x), numbers(y))
        })
        .collect()
}

#[test]
fn a_file_written_by_python_predicts_what_numpy_computes() {
    let net = FromPython::from_safetensors(&std::fs::read(fixture("sequential_f32.safetensors")).unwrap()).unwrap();
    let expected = expected_predictions("sequential_f32.expected.txt");
    assert_eq!(expected.len(), 5);
    for (x, y) in expected {
        let out = net.forward(&[x[0] as f32, x[1] as f32, x[2] as f32]);
        for (got, want) in out.iter().zip(&y) {
            assert!((*got as f64 - want).abs() <= 1e-6, "x = {x:?}: {out:?} vs numpy {y:?}");
        }
    }
}

#[test]
fn identity_layers_take_no_module_index() {
    // nn.Sequential(Linear, Linear, ReLU, Linear): tensors 0.*, 1.*, 3.*.
    let bytes = std::fs::read(fixture("identity_hidden_f64.safetensors")).unwrap();
    let net = IdentityHidden::from_safetensors(&bytes).unwrap();
    for (x, y) in expected_predictions("identity_hidden_f64.expected.txt") {
        let out = net.forward(&[x[0], x[1]]);
        assert!((out[0] - y[0]).abs() <= 1e-12, "x = {x:?}: {out:?} vs numpy {y:?}");
    }
    // Counting the hidden Identity as a module would look for 2.weight.
    type ReluFirst = mlp!(f64; 2 => 3 Relu => 3 Relu => 1 Identity);
    assert_eq!(
        ReluFirst::from_safetensors(&bytes),
        Err(Error::MissingTensor {
            module: 2,
            tensor: Tensor::Weights
        })
    );
}

/// A manifest for `check_safetensors.py`: the network in this crate's terms,
/// every value as its bit pattern, and our predictions for `inputs`.
fn manifest<T: Scalar, L: Layer<T, IN, OUT>, const IN: usize, const OUT: usize>(
    net: &Network<T, L, IN, OUT>,
    modules: &[usize],
    inputs: &[[T; IN]],
) -> String {
    let hex = |v: &T| format!("{:x}", v.to_bits_u64());
    let words = |vs: &[T]| vs.iter().map(hex).collect::<Vec<_>>().join(" ");
    let mut text = format!("dtype {}\n", if T::KIND == ScalarKind::F32 { "f32" } else { "f64" });
    net.for_each_layer(|layer| {
        let act = format!("{:?}", layer.activation);
        let act = match layer.activation {
            tinymlp::ActivationKind::LeakyRelu { slope_per_mille } => format!("LeakyRelu<{slope_per_mille}>"),
            _ => act,
        };
        text += &format!(
            "layer {} {} {} {act}\n",
            modules[layer.index], layer.inputs, layer.outputs
        );
        text += &format!("W {}\nb {}\n", words(layer.weights), words(layer.bias));
    });
    for x in inputs {
        text += &format!("predict {} -> {}\n", words(x), words(&net.forward(x)));
    }
    text
}

fn python() -> String {
    std::env::var("TINYMLP_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Runs `check_safetensors.py` on `file`; panics with its message if it fails
/// or cannot run.
fn check_in_python(name: &str, file: &[u8], manifest: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("safetensors_interop");
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join(format!("{name}.safetensors"));
    let listing = dir.join(format!("{name}.manifest.txt"));
    std::fs::write(&model, file).unwrap();
    std::fs::write(&listing, manifest).unwrap();
    let python = python();
    let output = Command::new(&python)
        .arg(fixture("check_safetensors.py"))
        .arg(&model)
        .arg(&listing)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{python}` ({e}): install Python 3 with numpy and safetensors (.ci/install.sh does)")
        });
    assert!(
        output.status.success(),
        "check_safetensors.py refused {}:\n{}{}",
        model.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprint!("{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn a_file_we_write_loads_in_python_with_the_same_values() {
    // A small classifier trained for a few steps, with every kind of layer the
    // naming rule distinguishes: a hidden Identity (no module), LeakyRelu, Softmax.
    type Classifier = mlp!(f32; 3 => 5 Identity => 4 LeakyRelu<100> => 3 Softmax);
    let mut rng = Rng::new(8);
    let x: Matrix<f32, 16, 3> = Matrix::from_fn(|_, _| rng.uniform::<f32>() * 2.0 - 1.0);
    let y: Matrix<f32, 16, 3> = Matrix::from_fn(|r, c| if (r % 3) == c { 1.0 } else { 0.0 });
    let mut trainer = Trainer::new(Classifier::xavier(3), Adam::new(0.05), CrossEntropy);
    for _ in 0..50 {
        trainer.step(&x, &y).unwrap();
    }
    let net = trainer.network();
    let file = net.to_safetensors().unwrap();
    let inputs: Vec<[f32; 3]> = x.as_array()[..6].to_vec();
    check_in_python("classifier_f32", &file, &manifest(net, &[0, 1, 3], &inputs));
    assert_eq!(
        Classifier::from_safetensors(&file).as_ref().map(parameter_bits),
        Ok(parameter_bits(net))
    );

    let net64 = IdentityHidden::xavier(5);
    let file = net64.to_safetensors().unwrap();
    check_in_python(
        "identity_hidden_f64",
        &file,
        &manifest(&net64, &[0, 1, 3], &[[0.5, -2.0], [3.0, 1.0]]),
    );
}

#[test]
fn writing_then_reading_is_bit_exact_and_names_follow_sequential() {
    let net = FromPython::xavier(12);
    let file = net.to_safetensors().unwrap();
    let parsed = safetensors::SafeTensors::deserialize(&file).unwrap();
    let mut names = parsed.names();
    names.sort();
    assert_eq!(
        names,
        [
            "0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight", "6.bias", "6.weight"
        ]
    );
    // weight is out × in: row o, column i is W[i][o].
    let w = parsed.tensor("2.weight").unwrap();
    assert_eq!((w.dtype(), w.shape()), (Dtype::F32, &[6usize, 8][..]));
    let at = |o: usize, i: usize| f32::from_le_bytes(w.data()[(o * 8 + i) * 4..][..4].try_into().unwrap());
    net.for_each_layer(|layer| {
        if layer.index == 1 {
            for i in 0..8 {
                for o in 0..6 {
                    assert_eq!(at(o, i).to_bits(), layer.weights[i * 6 + o].to_bits());
                }
            }
        }
    });
    let loaded = FromPython::from_safetensors(&file).unwrap();
    assert_eq!(parameter_bits(&loaded), parameter_bits(&net));
}

/// Serialises `tensors` (name, dtype, shape, values as f64) with the `safetensors` crate.
fn file_with(tensors: &[(&str, Dtype, Vec<usize>, Vec<f64>)]) -> Vec<u8> {
    let data: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, dtype, _, values)| match dtype {
            Dtype::F64 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            _ => values.iter().flat_map(|&v| (v as f32).to_le_bytes()).collect(),
        })
        .collect();
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .zip(&data)
        .map(|((name, dtype, shape, _), bytes)| {
            (name.to_string(), TensorView::new(*dtype, shape.clone(), bytes).unwrap())
        })
        .collect();
    safetensors::serialize(views, None::<HashMap<String, String>>).unwrap()
}

#[test]
fn wrong_names_dtypes_shapes_and_values_are_refused_and_change_nothing() {
    type Small = mlp!(f32; 3 => 2 Relu => 1 Identity);
    let good = |w0: Vec<usize>| {
        vec![
            ("0.weight", Dtype::F32, w0, vec![0.5; 6]),
            ("0.bias", Dtype::F32, vec![2], vec![0.0; 2]),
            ("2.weight", Dtype::F32, vec![1, 2], vec![1.0; 2]),
            ("2.bias", Dtype::F32, vec![1], vec![0.25]),
        ]
    };
    let target = Small::xavier(1);
    let refuse = |tensors: Vec<(&str, Dtype, Vec<usize>, Vec<f64>)>, expected: Error| {
        let mut net = target;
        assert_eq!(net.load_safetensors_into(&file_with(&tensors)), Err(expected));
        assert_eq!(net, target, "a refused file changed the network");
    };

    let mut net = target;
    net.load_safetensors_into(&file_with(&good(vec![2, 3]))).unwrap();
    assert_eq!(net.forward(&[1.0, 1.0, 1.0]), [0.25 + 2.0 * 1.5]);

    refuse(
        good(vec![2, 3])[..3].to_vec(),
        Error::MissingTensor {
            module: 2,
            tensor: Tensor::Bias,
        },
    );
    refuse(
        good(vec![3, 2]), // the classic mistake: in × out
        Error::TensorShapeMismatch {
            module: 0,
            tensor: Tensor::Weights,
            expected: TensorShape::new(&[2, 3]),
            found: TensorShape::new(&[3, 2]),
        },
    );
    let mut t = good(vec![2, 3]);
    t[1] = ("0.bias", Dtype::F64, vec![2], vec![0.0; 2]);
    refuse(
        t,
        Error::TensorDtypeMismatch {
            module: 0,
            tensor: Tensor::Bias,
            expected: ScalarKind::F32,
            found: "F64",
        },
    );
    let mut t = good(vec![2, 3]);
    t.push(("4.weight", Dtype::F32, vec![1, 1], vec![1.0]));
    refuse(
        t,
        Error::UnexpectedTensor {
            name: TensorName::new("4.weight"),
        },
    );
    let mut t = good(vec![2, 3]);
    t[0].3[4] = f64::NAN; // file row 1, column 1: W[1][1]
    refuse(
        t,
        Error::NonFiniteStored {
            layer: 0,
            tensor: Tensor::Weights,
            row: 1,
            col: 1,
        },
    );

    let mut net = target;
    assert!(matches!(
        net.load_safetensors_into(b"not a safetensors file"),
        Err(Error::SafetensorsInvalid { .. })
    ));
    assert!(matches!(
        net.load_safetensors_into(&[]),
        Err(Error::SafetensorsInvalid { .. })
    ));
    assert_eq!(net, target);

    let mut bad = target;
    bad.for_each_layer_mut(|l| l.bias[0] = f32::INFINITY);
    assert_eq!(
        bad.to_safetensors(),
        Err(Error::NonFiniteStored {
            layer: 0,
            tensor: Tensor::Bias,
            row: 0,
            col: 0
        })
    );
}
