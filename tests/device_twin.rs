//! The host half of the bit-identity check: the firmware's training runs, executed here from the same source.
//!
//! `examples/cortex-m4/src/runs/` is compiled both into the Cortex-M4F firmware
//! and, through `#[path]`, into this test. Each test checks that its run
//! learned what it should, against math written here independently of the
//! run, and prints `checksum <run> 0x…` of the final weights.
//! `examples/cortex-m4/check.sh` runs this test and the firmware in QEMU and
//! requires the printed checksums to be equal.

#[path = "../examples/cortex-m4/src/runs/mod.rs"]
#[allow(dead_code)]
mod runs;

use runs::checksum::{Fnv1a, weights_checksum};
use runs::{Probe, classifier, sensor, shapes, xor};
use tinymlp::Zeroed;

/// Records the loss of every reported epoch.
#[derive(Default)]
struct Losses(Vec<f32>);

impl Probe for Losses {
    fn epoch(&mut self, _epoch: u32, loss: f32) {
        self.0.push(loss);
    }
}

#[test]
fn fnv1a_matches_the_published_test_vectors() {
    // From the FNV reference test suite (draft-eastlake-fnv, 64-bit FNV-1a).
    for (input, want) in [
        (&b""[..], 0xcbf2_9ce4_8422_2325u64),
        (b"a", 0xaf63_dc4c_8601_ec8c),
        (b"foobar", 0x8594_4171_f739_67e8),
    ] {
        let mut h = Fnv1a::new();
        h.write(input);
        assert_eq!(h.finish(), want, "{:?}", core::str::from_utf8(input));
    }
}

#[test]
fn weights_checksum_covers_every_parameter_bit() {
    let net = xor::initial_network();
    let base = weights_checksum(&net);
    let mut count = 0;
    for layer in 0..2 {
        for (tensor, len) in [(0, if layer == 0 { 8 } else { 4 }), (1, if layer == 0 { 4 } else { 1 })] {
            for i in 0..len {
                let mut changed = net;
                let mut index = 0;
                changed.for_each_layer_mut(|l| {
                    if index == layer {
                        let p = if tensor == 0 { &mut l.weights[i] } else { &mut l.bias[i] };
                        *p = f32::from_bits(p.to_bits() ^ 1); // flip the lowest bit
                    }
                    index += 1;
                });
                assert_ne!(
                    weights_checksum(&changed),
                    base,
                    "layer {layer} tensor {tensor} element {i}"
                );
                count += 1;
            }
        }
    }
    assert_eq!(count, 17, "2·4 + 4 + 4·1 + 1 parameters");
}

#[test]
fn xavier_limits_built_at_compile_time_match_the_square_roots() {
    for (fan_in, fan_out) in [(2usize, 4usize), (4, 1), (4, 16), (16, 16), (16, 3)] {
        let want = (6.0f64 / (fan_in + fan_out) as f64).sqrt();
        assert_eq!(runs::xorshift::const_sqrt(6.0 / (fan_in + fan_out) as f64), want);
    }
}

#[test]
fn xorshift_matches_marsaglias_recurrence() {
    let mut rng = runs::xorshift::XorShift32::new(1);
    // x = 1: x ^= x << 13 → 0x2001; x ^= x >> 17 → 0x2001; x ^= x << 5 → 0x42021.
    assert_eq!(rng.next_u32(), 0x0004_2021);
    let mut rng = runs::xorshift::XorShift32::new(0x1234_5678);
    let first = rng.next_u32();
    let mut x: u32 = 0x1234_5678;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    assert_eq!(first, x);
}

#[test]
fn xor_run_learns_the_truth_table() {
    // As on the device: an all-zero trainer that the run sets up.
    let mut trainer = xor::XorTrainer::ZEROED;
    let mut losses = Losses::default();
    let last = xor::run(&mut trainer, &mut losses).unwrap();
    let net = trainer.network();
    let mut squared = 0.0;
    for (a, b, want) in [(0.0, 0.0, 0.0), (0.0, 1.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 0.0f32)] {
        let [out] = net.forward(&[a, b]);
        assert!((out - want).abs() < 0.2, "XOR({a}, {b}) = {out}");
        squared += (out - want) * (out - want);
    }
    assert!(xor::learned(net));
    // The last reported loss is the seed's MSE of the step before the last update.
    assert!((squared / 4.0 - last).abs() < 1e-3, "{} vs {last}", squared / 4.0);
    assert!(losses.0.first().unwrap() > losses.0.last().unwrap(), "{:?}", losses.0);
    println!("checksum xor {:#018x}", weights_checksum(net));
}

/// How many of the 64 samples `net` labels with the largest of the first
/// three features (the rule, computed here from the features).
fn argmax_rule_correct(net: &classifier::Classifier) -> usize {
    let mut correct = 0;
    for (xs, ys) in classifier::DATASET.x.iter().zip(&classifier::DATASET.y) {
        for (x, y) in xs.as_array().iter().zip(ys.as_array()) {
            let want = (0..3).max_by(|&i, &j| x[i].total_cmp(&x[j])).unwrap();
            assert_eq!(y[want], 1.0);
            assert_eq!(y.iter().sum::<f32>(), 1.0);
            let out = net.forward(x);
            let got = (0..3).max_by(|&i, &j| out[i].total_cmp(&out[j])).unwrap();
            correct += usize::from(got == want);
        }
    }
    correct
}

#[test]
fn classifier_run_learns_the_argmax_rule() {
    let mut trainer = Box::new(classifier::ClassifierTrainer::ZEROED);
    let mut losses = Losses::default();
    classifier::run(&mut trainer, &mut losses).unwrap();
    let net = trainer.network();
    let correct = argmax_rule_correct(net);
    assert_eq!(correct, classifier::correct(net));
    assert!(correct >= 60, "{correct}/64 correct; losses {:?}", losses.0);
    assert!(losses.0[0] > 3.0 * losses.0.last().unwrap(), "{:?}", losses.0);
    println!("checksum classifier {:#018x}", weights_checksum(net));
}

#[test]
fn fused_classifier_run_learns_and_ends_with_the_checked_runs_bits() {
    let mut fused = Box::new(classifier::FusedClassifierTrainer::ZEROED);
    let mut fused_losses = Losses::default();
    classifier::run_fused(&mut fused, &mut fused_losses).unwrap();
    let net = fused.network();
    let correct = argmax_rule_correct(net);
    assert_eq!(correct, classifier::correct(net));
    assert!(correct >= 60, "{correct}/64 correct; losses {:?}", fused_losses.0);

    // No overflow on this run, so the fused updates are the checked step's,
    // in the same order: every epoch loss and every weight bit agree.
    let mut checked = Box::new(classifier::ClassifierTrainer::ZEROED);
    let mut checked_losses = Losses::default();
    classifier::run(&mut checked, &mut checked_losses).unwrap();
    let bits = |l: &Losses| l.0.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&fused_losses), bits(&checked_losses));
    assert!(net == checked.network());
    assert_eq!(weights_checksum(net), weights_checksum(checked.network()));
    println!("checksum classifier-fused {:#018x}", weights_checksum(net));
}

#[test]
fn a_run_starts_from_its_initial_state_whatever_the_trainer_held() {
    // The firmware's trainers are all zeros; a run must not depend on that.
    let mut reused = Box::new(classifier::ClassifierTrainer::ZEROED);
    classifier::run(&mut reused, &mut runs::Silent).unwrap();
    classifier::run(&mut reused, &mut runs::Silent).unwrap();
    let mut fresh = Box::new(classifier::ClassifierTrainer::ZEROED);
    classifier::run(&mut fresh, &mut runs::Silent).unwrap();
    assert!(reused.network() == fresh.network());
    assert_eq!(reused.optimizer(), fresh.optimizer());
}

/// The thermistor's temperature from its divider ratio, from the β equation in `f64`.
fn exact_celsius(ratio: f64) -> f64 {
    let resistance = 10_000.0 * ratio / (1.0 - ratio);
    1.0 / (1.0 / 298.15 + (resistance / 10_000.0).ln() / 3950.0) - 273.15
}

#[test]
fn sensor_run_learns_the_thermistor_curve() {
    let mut trainer = Box::new(sensor::CalibrationTrainer::ZEROED);
    let mut device = Box::new(sensor::OnlineCalibration::new());
    let mut losses = Losses::default();
    let trained = sensor::run(&mut trainer, &mut device, &mut losses).unwrap();
    // 240 trainings of 2 epochs, each over a full buffer of 64 in batches of 8.
    assert_eq!(trained.steps, 240 * 2 * 8);
    assert_eq!(losses.0.len(), 240 * 2);
    assert_eq!(losses.0.last(), Some(&trained.loss));
    assert!(losses.0[0] > 100.0 * trained.loss, "{:?}", losses.0);
    let net = trainer.network();
    let mut worst: f64 = 0.0;
    let mut squared = 0.0;
    let mut n = 0.0;
    for i in 0..=100 {
        let celsius = -20.0 + f64::from(i);
        // The divider ratio from the β model, in f64.
        let r = 10_000.0 * (3950.0 * (1.0 / (celsius + 273.15) - 1.0 / 298.15)).exp();
        let ratio = r / (r + 10_000.0);
        assert!((exact_celsius(ratio) - celsius).abs() < 1e-9);
        let [out] = net.forward(&[(2.0 * ratio - 1.0) as f32]);
        let error = (30.0 + 50.0 * f64::from(out)) - celsius;
        worst = worst.max(error.abs());
        squared += error * error;
        n += 1.0;
    }
    let rms = (squared / n).sqrt();
    println!("sensor calibration: rms error {rms:.3} °C, worst {worst:.3} °C");
    assert!(rms < 1.0, "rms error {rms} °C");
    assert!(worst < 3.0, "worst error {worst} °C");
    assert!((f64::from(sensor::rms_error_celsius(net)) - rms).abs() < 0.2);
    println!("checksum sensor {:#018x}", weights_checksum(net));
}

#[test]
fn sensor_run_ends_with_the_newest_samples_of_the_stream_in_its_buffer() {
    let mut trainer = Box::new(sensor::CalibrationTrainer::ZEROED);
    let mut device = Box::new(sensor::OnlineCalibration::new());
    sensor::run(&mut trainer, &mut device, &mut runs::Silent).unwrap();
    // The buffer is filled with 64 readings, then 16 more arrive before each of
    // the other 239 trainings: 3,888 readings, of which the last 64 remain.
    let mut stream = sensor::Thermistor::new(7);
    let readings: Vec<_> = (0..64 + 239 * 16).map(|_| stream.read()).collect();
    let kept: Vec<_> = device.buffer.oldest_first().copied().collect();
    assert_eq!(kept, readings[readings.len() - 64..]);
}

/// The shapes run's error over its 32 samples, with the targets computed
/// here in `f64` from the features (not from the run's table).
fn shapes_mse(net: &shapes::ShapesNet) -> f64 {
    let mut total = 0.0;
    let mut n = 0.0;
    for xs in &shapes::DATASET.x {
        for x in xs.as_array() {
            let [a, b, c, d] = x.map(f64::from);
            let want = [0.5 + 0.3 * a * b, 0.5 + 0.15 * (c - d), 0.5 + 0.075 * (a + b + c + d)];
            for (out, want) in net.forward(x).iter().zip(want) {
                total += (f64::from(*out) - want).powi(2);
            }
            n += 1.0;
        }
    }
    total / n
}

#[test]
fn shapes_run_learns_its_targets() {
    // Steps of 8 rows and, every other step, of 6, 7, 5, 3 and 1, as the
    // firmware takes them.
    assert_eq!(
        (0..10).map(shapes::rows).collect::<Vec<_>>(),
        [8, 6, 8, 7, 8, 5, 8, 3, 8, 1]
    );
    let mut trainer = Box::new(shapes::ShapesTrainer::ZEROED);
    let mut losses = Losses::default();
    shapes::run(&mut trainer, &mut losses).unwrap();
    let net = trainer.network();
    let (before, after) = (shapes_mse(&shapes::INITIAL), shapes_mse(net));
    println!("shapes: dataset MSE {before:.5} -> {after:.5}");
    assert!(after < 0.25 * before, "{before} -> {after}; losses {:?}", losses.0);
    assert!((f64::from(shapes::dataset_mse(net)) - after).abs() < 1e-5 * (1.0 + after));
    assert!(shapes::learned(net));
    println!("checksum shapes {:#018x}", weights_checksum(net));
}
