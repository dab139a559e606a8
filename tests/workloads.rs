//! The benchmark workloads are the ones issue 5 specifies, and the nalgebra
//! baseline computes the same training as tinymlp, so the benchmarks compare
//! like with like.

#[path = "../benches/workloads/mod.rs"]
mod workloads;

#[path = "../benches/baseline/mod.rs"]
mod baseline;

use tinymlp::Matrix;
use workloads::*;

// The expected values below were transcribed independently of the Rust code,
// from this Python 3 script (f32 rounding via struct):
//
//     import struct, math
//     def xs(seed):
//         x = seed
//         while True:
//             x ^= (x << 13) & 0xffffffff; x ^= x >> 17; x ^= (x << 5) & 0xffffffff
//             yield x
//     f32 = lambda v: struct.unpack('f', struct.pack('f', v))[0]
//     g = xs(0x12345678)
//     print([hex(next(g)) for _ in range(5)])
//     g = xs(0x12345678)
//     s1 = f32(math.sqrt(f32(6 / 6)))   # W1 layer 1: in 2, out 4
//     print([f32(f32(2 * ((next(g) >> 8) / 2**24) - 1) * s1) for _ in range(8)])
//     s2 = f32(math.sqrt(f32(6 / 5)))   # W1 layer 2: in 4, out 1
//     print([f32(f32(2 * ((next(g) >> 8) / 2**24) - 1) * s2) for _ in range(4)])
//     g = xs(0x9E3779B9)
//     print([[f32(2 * ((next(g) >> 8) / 2**24) - 1) for _ in range(4)] for _ in range(2)])

#[test]
fn xorshift32_matches_the_reference_stream() {
    let mut rng = XorShift32::new(WEIGHT_SEED);
    let got: Vec<u32> = (0..5).map(|_| rng.next_u32()).collect();
    assert_eq!(got, [0x87985aa5, 0x155b24a3, 0x4820f4c4, 0x81b3ac98, 0x703a0788]);
}

#[test]
fn weights_are_drawn_out_major_from_one_stream_over_all_layers() {
    let net: W1Net = network();
    let mut layers = Vec::new();
    net.for_each_layer(|l| layers.push((l.weights.to_vec(), l.bias.to_vec())));
    // Layer 1 is W: 2 × 4, drawn out-major: (i0,o0), (i1,o0), (i0,o1), …
    let drawn = [
        0.05933690071105957,
        -0.8331561088562012,
        -0.4364943504333496,
        0.013295650482177734,
    ];
    let w1 = &layers[0].0;
    assert_eq!(w1[0], drawn[0] as f32); // W[0][0]
    assert_eq!(w1[4], drawn[1] as f32); // W[1][0]
    assert_eq!(w1[1], drawn[2] as f32); // W[0][1]
    assert_eq!(w1[5], drawn[3] as f32); // W[1][1]
    // Layer 2 continues the same stream after layer 1's 8 draws.
    let second = [
        0.7143521308898926,
        -0.5931445956230164,
        -0.19044464826583862,
        -0.42740198969841003,
    ];
    for (got, want) in layers[1].0.iter().zip(second) {
        assert_eq!(*got, want as f32);
    }
    assert!(layers.iter().all(|(_, b)| b.iter().all(|&b| b == 0.0)));
}

#[test]
fn data_is_drawn_sample_after_sample_with_argmax_labels() {
    let (x, y) = w2_data();
    let first = [
        -0.36681294441223145,
        0.7514139413833618,
        -0.03339970111846924,
        -0.9881696701049805,
    ];
    let second = [
        0.798444390296936,
        0.9495184421539307,
        0.4542590379714966,
        0.9764381647109985,
    ];
    assert_eq!(x.row(0).unwrap(), &first.map(|v| v as f32));
    assert_eq!(x.row(1).unwrap(), &second.map(|v| v as f32));
    // argmax(x0, x1, x2): feature 1 for both (x3 is not a candidate in the second).
    assert_eq!(y.row(0).unwrap(), &[0.0, 1.0, 0.0]);
    assert_eq!(y.row(1).unwrap(), &[0.0, 1.0, 0.0]);
    for (xr, yr) in x.as_array().iter().zip(y.as_array()) {
        let label = yr.iter().position(|&v| v == 1.0).unwrap();
        assert!(xr[..3].iter().all(|&v| v <= xr[label]));
        assert_eq!(yr.iter().sum::<f32>(), 1.0);
    }
    // W3 draws from the same stream: its first 4 features are W2's first sample.
    let (x3, _) = w3_data();
    assert_eq!(&x3.row(0).unwrap()[..4], x.row(0).unwrap());
}

#[test]
fn batches_cycle_through_the_samples() {
    let data = w2_data();
    let (x0, _) = w2_batch(&data, 0);
    let (x9, y9) = w2_batch(&data, 9);
    assert_eq!(x0.row(0), data.0.row(0));
    assert_eq!(x9.row(0), data.0.row(8));
    assert_eq!(x9.row(7), data.0.row(15));
    assert_eq!(y9.row(7), data.1.row(15));
    let data3 = w3_data();
    let (x3, _) = w3_batch(&data3, 17);
    assert_eq!(x3.row(0), data3.0.row(16));
}

/// The largest `|a − b| / max(1, |b|)` over all parameters.
fn max_relative_difference(ours: &[(Vec<f32>, Vec<f32>)], theirs: &[(Vec<f32>, Vec<f32>)]) -> f32 {
    assert_eq!(ours.len(), theirs.len());
    let mut worst = 0.0f32;
    for ((ow, ob), (tw, tb)) in ours.iter().zip(theirs) {
        assert_eq!((ow.len(), ob.len()), (tw.len(), tb.len()));
        for (a, b) in ow.iter().chain(ob).zip(tw.iter().chain(tb)) {
            worst = worst.max((a - b).abs() / b.abs().max(1.0));
        }
    }
    worst
}

fn parameters<L: tinymlp::Layer<f32, IN, OUT>, const IN: usize, const OUT: usize>(
    net: &tinymlp::Network<f32, L, IN, OUT>,
) -> Vec<(Vec<f32>, Vec<f32>)> {
    let mut out = Vec::new();
    net.for_each_layer(|l| out.push((l.weights.to_vec(), l.bias.to_vec())));
    out
}

#[test]
fn baseline_trains_w1_like_tinymlp() {
    let mut ours = w1_trainer();
    let mut theirs = baseline::W1Baseline::from_network(ours.network(), 0.5);
    let (x, y) = w1_data();
    let (bx, by) = (baseline::batch(&x), baseline::batch(&y));
    for step in 0..200 {
        let a = ours.step(&x, &y).unwrap();
        let b = theirs.step(&bx, &by);
        assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "step {step}: loss {a} vs {b}");
    }
    let diff = max_relative_difference(&parameters(ours.network()), &theirs.layers());
    assert!(diff < 1e-5, "parameters differ by {diff} after 200 steps");
}

fn check_classifier_agreement<const M: usize, const IN: usize, const OUT: usize>(
    steps: usize,
    mut ours: impl FnMut(&Matrix<f32, M, IN>, &Matrix<f32, M, OUT>) -> f32,
    mut theirs: impl FnMut(&Matrix<f32, M, IN>, &Matrix<f32, M, OUT>) -> f32,
    batch: impl Fn(usize) -> (Matrix<f32, M, IN>, Matrix<f32, M, OUT>),
) {
    for step in 0..steps {
        let (x, y) = batch(step);
        let a = ours(&x, &y);
        let b = theirs(&x, &y);
        assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "step {step}: loss {a} vs {b}");
    }
}

#[test]
fn baseline_trains_w2_like_tinymlp() {
    let data = w2_data();
    let mut ours = w2_trainer();
    let mut theirs = baseline::W2Baseline::from_network(ours.network(), baseline::adam());
    check_classifier_agreement(
        64,
        |x, y| ours.step(x, y).unwrap(),
        |x, y| theirs.step(&baseline::batch(x), &baseline::batch(y)),
        |k| w2_batch(&data, k),
    );
    let diff = max_relative_difference(&parameters(ours.network()), &theirs.layers());
    assert!(diff < 1e-5, "parameters differ by {diff} after 64 steps");
}

#[test]
fn baseline_trains_w3_like_tinymlp() {
    let data = w3_data();
    let mut ours = w3_trainer();
    let mut theirs = baseline::W3Baseline::from_network(ours.network(), baseline::adam());
    check_classifier_agreement(
        32,
        |x, y| ours.step(x, y).unwrap(),
        |x, y| theirs.step(&baseline::batch(x), &baseline::batch(y)),
        |k| w3_batch(&data, k),
    );
    let diff = max_relative_difference(&parameters(ours.network()), &theirs.layers());
    assert!(diff < 1e-5, "parameters differ by {diff} after 32 steps");
}

#[test]
fn baseline_inference_matches_tinymlp() {
    let (x, _) = w2_data();
    let ours = w2_trainer().into_network();
    let theirs = baseline::W2Baseline::from_network(&ours, baseline::adam());
    for row in x.as_array() {
        let a = ours.forward(row);
        let b = theirs.predict(&nalgebra::RowSVector::from_row_slice(row));
        for (a, b) in a.iter().zip(b.iter()) {
            assert!((a - b).abs() <= 1e-6, "{a} vs {b}");
        }
    }
}

/// Prints what the Cortex-M4F benchmark firmware must print for the same runs
/// (steps 0–2 of W1 and W2, three W2 inferences): `benches/cortex-m4/measure.sh`
/// compares them line by line, so the device is checked bit for bit against
/// the host. Run it with `-- --ignored --exact reference_outputs --nocapture`.
#[test]
#[ignore = "prints reference outputs for benches/cortex-m4/measure.sh"]
fn reference_outputs() {
    let (x, y) = w1_data();
    let mut w1 = w1_trainer();
    for k in 0..3 {
        println!("w1: step {k}: loss bits {:#010x}", w1.step(&x, &y).unwrap().to_bits());
    }
    println!("w1: weights checksum: {:#010x}", checksum(w1.network()));

    let data = w2_data();
    let mut w2 = w2_trainer();
    for k in 0..3 {
        let (x, y) = w2_batch(&data, k);
        println!("w2: step {k}: loss bits {:#010x}", w2.step(&x, &y).unwrap().to_bits());
    }
    println!("w2: weights checksum: {:#010x}", checksum(w2.network()));

    let net: W2Net = network();
    for k in 0..3 {
        let out = net.forward(data.0.row(k).unwrap()).map(f32::to_bits);
        println!(
            "w2-infer: window {k}: outputs {:#010x} {:#010x} {:#010x}",
            out[0], out[1], out[2]
        );
    }
}
