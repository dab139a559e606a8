//! The fused fast path trains to exactly the same bits as the checked step on
//! normal runs, needs no gradient buffer, and refuses what it cannot do.

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use tinymlp::{Adam, Clip, CrossEntropy, Error, FusedTrainer, Layer, Mse, Network, Optimizer, Sgd, Trainer};
use workloads::*;

fn bits<L: Layer<f32, IN, OUT>, const IN: usize, const OUT: usize>(net: &Network<f32, L, IN, OUT>) -> Vec<u32> {
    let mut out = Vec::new();
    net.for_each_layer(|l| out.extend(l.weights.iter().chain(l.bias).map(|v| v.to_bits())));
    out
}

/// Trains both trainers on the W2 data with `optimizer` and compares every
/// loss and, at the end, every weight, bit for bit.
fn w2_agrees<O: Optimizer<f32> + Clone>(optimizer: O, steps: usize) {
    let data = w2_data();
    let mut checked = Trainer::<W2Net, O, CrossEntropy, 8>::new(network(), optimizer.clone(), CrossEntropy);
    let mut fused = FusedTrainer::<W2Net, O, CrossEntropy, 8>::new(network(), optimizer, CrossEntropy);
    for k in 0..steps {
        let (x, y) = w2_batch(&data, k);
        let a = checked.step(&x, &y).expect("checked step");
        let b = fused.step(&x, &y).expect("fused step");
        assert_eq!(a.to_bits(), b.to_bits(), "loss of step {k}");
    }
    assert_eq!(bits(checked.network()), bits(fused.network()));
}

#[test]
fn fused_adam_matches_the_checked_step_bit_for_bit() {
    w2_agrees(adam(), 64);
}

#[test]
fn fused_step_with_decay_and_value_clipping_matches_bit_for_bit() {
    w2_agrees(adam().weight_decay(1e-3).clip(Clip::Value(0.05)), 64);
    w2_agrees(Sgd::new(0.05f32).momentum(0.9).nesterov(true).weight_decay(1e-4), 64);
}

#[test]
fn fused_sgd_matches_the_checked_step_bit_for_bit_on_xor() {
    let (x, y) = w1_data();
    let mut checked = w1_trainer();
    let mut fused = FusedTrainer::<W1Net, _, Mse, 4>::new(network(), w1_optimizer(), Mse);
    for _ in 0..500 {
        assert_eq!(
            checked.step(&x, &y).unwrap().to_bits(),
            fused.step(&x, &y).unwrap().to_bits()
        );
    }
    assert_eq!(bits(checked.network()), bits(fused.network()));
}

#[test]
fn fused_w3_matches_the_checked_step_bit_for_bit() {
    let data = w3_data();
    let mut checked = Box::new(w3_trainer());
    let mut fused = Box::new(FusedTrainer::<W3Net, Adam<f32>, CrossEntropy, 16>::new(
        network(),
        adam(),
        CrossEntropy,
    ));
    for k in 0..24 {
        let (x, y) = w3_batch(&data, k);
        assert_eq!(
            checked.step(&x, &y).unwrap().to_bits(),
            fused.step(&x, &y).unwrap().to_bits()
        );
    }
    assert_eq!(bits(checked.network()), bits(fused.network()));
}

#[test]
fn fused_trainer_saves_exactly_the_gradient_buffer() {
    let checked = core::mem::size_of::<W2Trainer>();
    let fused = core::mem::size_of::<FusedTrainer<W2Net, Adam<f32>, CrossEntropy, 8>>();
    let gradients = W2Net::PARAMETERS * core::mem::size_of::<f32>();
    // The checked trainer also carries its bounds (an Option of two floats).
    assert!(checked - fused >= gradients, "{checked} - {fused} < {gradients}");
    assert!(
        checked - fused <= gradients + 16,
        "{checked} - {fused} > {gradients} + 16"
    );
}

#[test]
fn fused_trainer_refuses_global_norm_clipping_and_bad_inputs_without_changes() {
    let data = w2_data();
    let (x, y) = w2_batch(&data, 0);
    let mut fused = FusedTrainer::<W2Net, _, _, 8>::new(network(), adam().clip(Clip::Norm(1.0)), CrossEntropy);
    let before = bits(fused.network());
    assert!(matches!(fused.step(&x, &y), Err(Error::Unsupported { .. })));
    assert_eq!(bits(fused.network()), before);

    let mut fused = FusedTrainer::<W2Net, _, _, 8>::new(network(), adam(), CrossEntropy);
    let mut bad = x;
    bad.as_array_mut()[3][2] = f32::NAN;
    assert_eq!(fused.step(&bad, &y), Err(Error::NonFiniteInput { row: 3, col: 2 }));
    assert_eq!(bits(fused.network()), before);
    assert_eq!(fused.optimizer().steps(), 0);
}
