//! Saved networks: the byte layout is the documented one, saving then loading
//! is bit-exact, and every kind of wrong blob is refused with its own error
//! while the target network stays untouched.

mod blob_support;

use blob_support::*;
use proptest::prelude::*;
use tinymlp::layer::Tensor;
use tinymlp::persist::LayerShape;
use tinymlp::{ActivationKind, Chain, Dense, Error, Network, ScalarKind, mlp};

type Small = mlp!(f32; 3 => 5 Tanh => 4 LeakyRelu<200> => 2 Softmax);
type Small64 = mlp!(f64; 2 => 3 Relu => 1 Identity);
type Xor = mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);

fn encode<T: tinymlp::Scalar, L: tinymlp::Layer<T, IN, OUT>, const IN: usize, const OUT: usize>(
    net: &Network<T, L, IN, OUT>,
) -> Vec<u8> {
    let mut blob = vec![0u8; Network::<T, L, IN, OUT>::ENCODED_LEN];
    assert_eq!(net.to_bytes(&mut blob), Ok(blob.len()));
    blob
}

#[test]
fn encoded_len_counts_header_records_parameters_and_crc() {
    // 16-byte header + 12 bytes per layer + parameters + 4-byte CRC, by hand.
    assert_eq!(Xor::ENCODED_LEN, 16 + 2 * 12 + (2 * 4 + 4 + 4 + 1) * 4 + 4);
    assert_eq!(
        Small::ENCODED_LEN,
        16 + 3 * 12 + (3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2) * 4 + 4
    );
    assert_eq!(Small64::ENCODED_LEN, 16 + 2 * 12 + (2 * 3 + 3 + 3 + 1) * 8 + 4);
    // Usable as an array length for a concrete type.
    let buffer = [0u8; Xor::ENCODED_LEN];
    assert_eq!(buffer.len(), 112);
}

#[test]
fn blob_layout_matches_the_documented_table() {
    let net = Small::xavier(11);
    let blob = encode(&net);
    assert_eq!(&blob[MAGIC], b"TMLP");
    assert_eq!(u16_at(&blob, VERSION.start), 1);
    assert_eq!(u16_at(&blob, SCALAR.start), 1, "f32 is scalar code 1");
    assert_eq!(declared_len(&blob), blob.len());
    assert_eq!(u32_at(&blob, 12), 3, "layer count");
    // (inputs, outputs, activation code, parameter) per layer.
    let records: Vec<(u32, u32, u16, u16)> = (0..3)
        .map(|i| {
            let at = MODEL_HEADER_LEN + i * LAYER_RECORD_LEN;
            (
                u32_at(&blob, at),
                u32_at(&blob, at + 4),
                u16_at(&blob, at + 8),
                u16_at(&blob, at + 10),
            )
        })
        .collect();
    assert_eq!(records, [(3, 5, 3, 0), (5, 4, 5, 200), (4, 2, 6, 0)]);
    // Parameters little-endian, layer by layer, W row-major then b.
    let params_at = MODEL_HEADER_LEN + 3 * LAYER_RECORD_LEN;
    let stored: Vec<u64> = blob[params_at..blob.len() - 4]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()) as u64)
        .collect();
    assert_eq!(stored, parameter_bits(&net));
    // CRC-32 (IEEE) of everything before it, computed by another crate.
    assert_eq!(u32_at(&blob, blob.len() - 4), crc32fast::hash(&blob[..blob.len() - 4]));

    let blob64 = encode(&Small64::xavier(1));
    assert_eq!(u16_at(&blob64, SCALAR.start), 2, "f64 is scalar code 2");
}

#[test]
fn to_bytes_refuses_a_short_buffer_and_writes_nothing() {
    let net = Xor::xavier(1);
    let mut short = [0xAAu8; Xor::ENCODED_LEN - 1];
    assert_eq!(
        net.to_bytes(&mut short),
        Err(Error::BufferTooSmall {
            needed: Xor::ENCODED_LEN,
            got: Xor::ENCODED_LEN - 1
        })
    );
    assert!(short.iter().all(|&b| b == 0xAA));
    // A longer buffer is fine; only the blob's bytes are written.
    let mut long = [0xAAu8; Xor::ENCODED_LEN + 8];
    assert_eq!(net.to_bytes(&mut long), Ok(Xor::ENCODED_LEN));
    assert!(long[Xor::ENCODED_LEN..].iter().all(|&b| b == 0xAA));
}

#[test]
fn to_bytes_refuses_a_non_finite_parameter() {
    let mut net = Small::xavier(2);
    net.for_each_layer_mut(|layer| {
        if layer.index == 1 {
            layer.weights[2 * 4 + 3] = f32::NAN; // row 2, column 3 of a 5 × 4 W
        }
    });
    let mut blob = [0xAAu8; Small::ENCODED_LEN];
    let expected = Error::NonFiniteStored {
        layer: 1,
        tensor: Tensor::Weights,
        row: 2,
        col: 3,
    };
    assert_eq!(net.to_bytes(&mut blob), Err(expected));
    assert!(blob.iter().all(|&b| b == 0xAA), "nothing written");
}

#[test]
fn bytes_after_the_blob_are_ignored() {
    let net = Xor::xavier(3);
    let mut page = encode(&net);
    page.resize(4096, 0xFF); // erased flash after the blob
    assert_eq!(Xor::from_bytes(&page), Ok(net));
}

#[test]
fn frozen_layers_load_from_an_unfrozen_blob_and_back() {
    let net = Xor::xavier(4);
    let blob = encode(&net);
    type FrozenXor = Network<
        f32,
        Chain<tinymlp::Frozen<Dense<f32, 2, 4, tinymlp::Sigmoid>>, Dense<f32, 4, 1, tinymlp::Sigmoid>, 4>,
        2,
        1,
    >;
    assert_eq!(FrozenXor::ENCODED_LEN, Xor::ENCODED_LEN);
    let frozen = FrozenXor::from_bytes(&blob).unwrap();
    assert_eq!(encode(&frozen), blob);
}

/// Loads `blob` into a copy of `target` and checks it fails with `expected`
/// and leaves the copy bit for bit as it was.
fn refused<L: tinymlp::Layer<f32, IN, OUT> + Clone, const IN: usize, const OUT: usize>(
    target: &Network<f32, L, IN, OUT>,
    blob: &[u8],
    expected: Error,
) {
    let mut net = target.clone();
    assert_eq!(net.load_into(blob), Err(expected));
    assert_eq!(
        parameter_bits(&net),
        parameter_bits(target),
        "a refused load changed the network"
    );
}

/// The shape record of a layer, as [`Error::LayerMismatch`] reports it.
fn shape(inputs: usize, outputs: usize, activation: ActivationKind) -> LayerShape {
    LayerShape {
        inputs,
        outputs,
        activation,
    }
}

#[test]
fn header_mismatches_are_reported_in_the_documented_order() {
    let target = Small::xavier(5);
    let good = encode(&Small::xavier(6));
    let records = MODEL_HEADER_LEN;

    let b = resealed(&good, |b| put_u16(b, SCALAR.start, 2));
    refused(
        &target,
        &b,
        Error::ScalarMismatch {
            expected: ScalarKind::F32,
            found_code: 2,
        },
    );

    let b = resealed(&good, |b| put_u32(b, 12, 4));
    refused(&target, &b, Error::LayerCountMismatch { expected: 3, found: 4 });

    // Layer 1's output width 4 → 7 (the next layer's input left alone: the first difference is reported).
    let b = resealed(&good, |b| put_u32(b, records + LAYER_RECORD_LEN + 4, 7));
    let leaky = ActivationKind::LeakyRelu { slope_per_mille: 200 };
    refused(
        &target,
        &b,
        Error::LayerMismatch {
            layer: 1,
            expected: shape(5, 4, leaky),
            found: shape(5, 7, leaky),
        },
    );

    // Layer 0's activation Tanh → Relu.
    let b = resealed(&good, |b| put_u16(b, records + 8, 4));
    refused(
        &target,
        &b,
        Error::LayerMismatch {
            layer: 0,
            expected: shape(3, 5, ActivationKind::Tanh),
            found: shape(3, 5, ActivationKind::Relu),
        },
    );

    // LeakyRelu's slope is part of the layer.
    let b = resealed(&good, |b| put_u16(b, records + LAYER_RECORD_LEN + 10, 10));
    refused(
        &target,
        &b,
        Error::LayerMismatch {
            layer: 1,
            expected: shape(5, 4, leaky),
            found: shape(5, 4, ActivationKind::LeakyRelu { slope_per_mille: 10 }),
        },
    );

    let b = resealed(&good, |b| put_u16(b, records + 2 * LAYER_RECORD_LEN + 8, 99));
    refused(
        &target,
        &b,
        Error::UnknownActivation {
            layer: 2,
            code: 99,
            parameter: 0,
        },
    );

    // A well-formed, checksummed blob whose length field disagrees with its layers.
    let b = resealed(&good, |b| {
        b.push(0);
        put_u32(b, LENGTH.start, good.len() as u32 + 1);
    });
    refused(
        &target,
        &b,
        Error::BadDeclaredLength {
            declared: good.len() + 1,
            expected: good.len(),
        },
    );

    // The scalar type is checked before the layers.
    let b = resealed(&good, |b| {
        put_u16(b, SCALAR.start, 9);
        put_u32(b, 12, 4);
    });
    refused(
        &target,
        &b,
        Error::ScalarMismatch {
            expected: ScalarKind::F32,
            found_code: 9,
        },
    );
}

#[test]
fn a_blob_for_another_shape_names_the_first_differing_layer() {
    type Wider = mlp!(f32; 3 => 6 Tanh => 4 LeakyRelu<200> => 2 Softmax);
    let blob = encode(&Wider::xavier(1));
    refused(
        &Small::xavier(1),
        &blob,
        Error::LayerMismatch {
            layer: 0,
            expected: shape(3, 5, ActivationKind::Tanh),
            found: shape(3, 6, ActivationKind::Tanh),
        },
    );
    // And an f64 blob into an f32 network of the same shape.
    type Small64Same = mlp!(f64; 3 => 5 Tanh => 4 LeakyRelu<200> => 2 Softmax);
    let blob = encode(&Small64Same::xavier(1));
    refused(
        &Small::xavier(1),
        &blob,
        Error::ScalarMismatch {
            expected: ScalarKind::F32,
            found_code: 2,
        },
    );
}

#[test]
fn a_non_finite_parameter_is_refused_even_in_the_last_place() {
    let target = Small::xavier(7);
    let good = encode(&Small::xavier(8));
    let last = good.len() - 4 - 4; // the last parameter: layer 2 bias [0, 1]
    for (value, name) in [(f32::NAN, "NaN"), (f32::INFINITY, "+inf"), (f32::NEG_INFINITY, "-inf")] {
        let b = resealed(&good, |b| b[last..last + 4].copy_from_slice(&value.to_le_bytes()));
        let expected = Error::NonFiniteStored {
            layer: 2,
            tensor: Tensor::Bias,
            row: 0,
            col: 1,
        };
        assert_eq!(Small::from_bytes(&b), Err(expected), "{name}");
        refused(&target, &b, expected);
    }
    // The first weight of layer 1 (row 0, column 0).
    let first_of_layer1 = MODEL_HEADER_LEN + 3 * LAYER_RECORD_LEN + (3 * 5 + 5) * 4;
    let b = resealed(&good, |b| {
        b[first_of_layer1..first_of_layer1 + 4].copy_from_slice(&f32::NAN.to_le_bytes())
    });
    refused(
        &target,
        &b,
        Error::NonFiniteStored {
            layer: 1,
            tensor: Tensor::Weights,
            row: 0,
            col: 0,
        },
    );
}

#[test]
fn the_optimizer_blob_is_not_a_network() {
    use tinymlp::{Mse, Sgd, Trainer};
    let trainer: Trainer<Xor, Sgd<f32>, Mse, 4> = Trainer::new(Xor::xavier(1), Sgd::new(0.1), Mse);
    let mut blob = vec![0u8; Trainer::<Xor, Sgd<f32>, Mse, 4>::OPTIMIZER_STATE_LEN];
    trainer.optimizer_state_to_bytes(&mut blob).unwrap();
    assert_eq!(
        Xor::from_bytes(&blob),
        Err(Error::BadMagic {
            expected: *b"TMLP",
            found: *b"TMOS"
        })
    );
}

/// A network in a `const` and a `static`: the constructors are `const fn`s, so
/// trained weights can compile into flash.
#[test]
fn a_whole_network_can_be_a_const_and_a_static() {
    const NET: Xor = Network::new(Chain::new(
        Dense::from_arrays([[1.0, -1.0, 0.5, 0.0], [2.0, 0.0, -0.5, 1.0]], [0.0, 0.5, 0.0, -1.0]),
        Dense::from_arrays([[1.0], [-1.0], [2.0], [0.5]], [0.25]),
    ));
    static IN_FLASH: Xor = NET;
    const LEN: usize = Xor::ENCODED_LEN;
    let mut blob = [0u8; LEN];
    IN_FLASH.to_bytes(&mut blob).unwrap();
    assert_eq!(Xor::from_bytes(&blob).unwrap(), NET);
    // The forward pass from the static, against the hand-computed value:
    // z = [1 + 2, -1 + 0.5, 0.5 - 0.5, 1 - 1] = [3, -0.5, 0, 0] → sigmoid → · [1, -1, 2, 0.5] + 0.25.
    let s = |z: f64| 1.0 / (1.0 + (-z).exp());
    let hidden = [s(3.0), s(-0.5), s(0.0), s(0.0)];
    let want = s(hidden[0] - hidden[1] + 2.0 * hidden[2] + 0.5 * hidden[3] + 0.25);
    assert!((IN_FLASH.forward(&[1.0, 1.0])[0] as f64 - want).abs() < 1e-6);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn f32_networks_round_trip_bit_for_bit(bits in proptest::collection::vec(any::<u32>(), Small::PARAMETERS)) {
        let values: Vec<f32> = bits.iter().map(|&b| finite_f32(b)).collect();
        let mut net = Small::xavier(0);
        set_parameters(&mut net, &values);
        let blob = encode(&net);
        let decoded = Small::from_bytes(&blob).unwrap();
        prop_assert_eq!(parameter_bits(&decoded), values.iter().map(|v| v.to_bits() as u64).collect::<Vec<_>>());
        prop_assert_eq!(encode(&decoded), blob);
    }

    #[test]
    fn f64_networks_round_trip_bit_for_bit(bits in proptest::collection::vec(any::<u64>(), Small64::PARAMETERS)) {
        let values: Vec<f64> = bits.iter().map(|&b| finite_f64(b)).collect();
        let mut net = Small64::xavier(0);
        set_parameters(&mut net, &values);
        let blob = encode(&net);
        let mut decoded = Small64::xavier(99);
        decoded.load_into(&blob).unwrap();
        prop_assert_eq!(parameter_bits(&decoded), values.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        prop_assert_eq!(encode(&decoded), blob);
    }
}
