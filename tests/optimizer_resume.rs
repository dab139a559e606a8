//! Saving and restoring the optimizer: a run resumed from a saved network and
//! optimizer state is bit-identical to the uninterrupted run, for every
//! optimizer; a blob for another optimizer, shape or freezing is refused.

mod blob_support;

use blob_support::*;
use tinymlp::layer::Tensor;
use tinymlp::optim::Optimizer;
use tinymlp::persist::{OptimizerLayout, PersistentOptimizer};
use tinymlp::{Adam, Chain, Clip, Dense, Error, Frozen, Layer, Loss, Matrix, Mse, Network, Sgd, Tanh, Trainer, mlp};

type Net = mlp!(f32; 2 => 6 Tanh => 1 Sigmoid);

fn xor() -> (Matrix<f32, 4, 2>, Matrix<f32, 4, 1>) {
    (
        Matrix::from_array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
        Matrix::from_array([[0.0], [1.0], [1.0], [0.0]]),
    )
}

/// An Adam trainer for XOR on a network with layers `L`.
type AdamTrainer<L> = Trainer<Network<f32, L, 2, 1>, Adam<f32>, Mse, 4>;

/// An Adam trainer (learning rate 0.05) for `net` after one XOR step, and
/// its saved optimizer state.
fn adam_after_one_step<L: Layer<f32, 2, 1>>(net: Network<f32, L, 2, 1>) -> (AdamTrainer<L>, Vec<u8>)
where
    Mse: Loss<L::Activation>,
{
    let (x, y) = xor();
    let mut t = Trainer::new(net, Adam::new(0.05), Mse);
    t.step(&x, &y).unwrap();
    let mut blob = vec![0u8; AdamTrainer::<L>::OPTIMIZER_STATE_LEN];
    t.optimizer_state_to_bytes(&mut blob).unwrap();
    (t, blob)
}

/// Every bit of a trainer's state that a resumed run depends on: the
/// network, the optimizer and its slots.
fn snapshot<O>(t: &Trainer<Net, O, Mse, 4>) -> (Vec<u64>, String, String)
where
    O: Optimizer<f32> + std::fmt::Debug,
    O::Slot: std::fmt::Debug,
{
    let mut slots = String::new();
    t.for_each_optimizer_slot(|id, s| slots.push_str(&format!("{id:?} {s:?}\n")));
    (parameter_bits(t.network()), format!("{:?}", t.optimizer()), slots)
}

/// Trains `2n` steps straight, and `n` steps, save, restore into a trainer
/// built with `fresh` (other hyperparameters), `n` more steps; the losses and
/// final states must agree bit for bit. Returns the straight run's final loss.
fn resume_is_bit_identical<O>(optimizer: O, fresh: O, n: usize) -> f32
where
    O: PersistentOptimizer<f32> + std::fmt::Debug + Copy + PartialEq,
    O::Slot: std::fmt::Debug,
{
    let (x, y) = xor();
    let mut straight = Trainer::new(Net::xavier(21), optimizer, Mse);
    let mut straight_losses = Vec::new();
    for _ in 0..2 * n {
        straight_losses.push(straight.step(&x, &y).unwrap().to_bits());
    }

    let mut losses = Vec::new();
    let mut model = [0u8; Net::ENCODED_LEN];
    let mut state = vec![0u8; Trainer::<Net, O, Mse, 4>::OPTIMIZER_STATE_LEN];
    {
        let mut first = Trainer::new(Net::xavier(21), optimizer, Mse);
        for _ in 0..n {
            losses.push(first.step(&x, &y).unwrap().to_bits());
        }
        first.network().to_bytes(&mut model).unwrap();
        assert_eq!(first.optimizer_state_to_bytes(&mut state), Ok(state.len()));
    } // the "reset": only the two blobs survive

    let mut resumed = Trainer::new(Net::from_bytes(&model).unwrap(), fresh, Mse);
    resumed.load_optimizer_state(&state).unwrap();
    assert_eq!(
        resumed.optimizer(),
        &optimizer_after(optimizer, n),
        "hyperparameters and counters restored"
    );
    for _ in 0..n {
        losses.push(resumed.step(&x, &y).unwrap().to_bits());
    }
    assert_eq!(losses, straight_losses, "loss sequence");
    assert_eq!(snapshot(&resumed), snapshot(&straight), "network, optimizer and slots");
    f32::from_bits(*straight_losses.last().unwrap())
}

/// The optimizer after `n` applied steps (its counters advanced).
fn optimizer_after<O: Optimizer<f32> + Copy>(mut optimizer: O, n: usize) -> O {
    for _ in 0..n {
        optimizer.finish();
    }
    optimizer
}

#[test]
fn adam_resumes_bit_for_bit() {
    let adam = Adam::new(0.05).weight_decay(1e-3).clip(Clip::Norm(2.0));
    let last = resume_is_bit_identical(adam, Adam::new(0.9), 150);
    assert!(last < 0.05, "and it learns XOR: loss {last}");
}

#[test]
fn sgd_with_nesterov_momentum_resumes_bit_for_bit() {
    let sgd = Sgd::new(0.5).momentum(0.9).nesterov(true).clip(Clip::Value(1.0));
    resume_is_bit_identical(sgd, Sgd::new(0.1).momentum(0.5), 100);
}

#[test]
fn plain_sgd_resumes_bit_for_bit() {
    resume_is_bit_identical(Sgd::new(2.0).weight_decay(1e-4), Sgd::new(0.1), 100);
}

/// The negative control: restoring only Adam's moments, with a fresh Adam
/// whose `β₁ᵗ`, `β₂ᵗ` and step count start over, gives different bits, so the
/// bit-identity above depends on restoring them.
#[test]
fn adam_without_its_running_products_diverges() {
    let (x, y) = xor();
    let adam = Adam::new(0.05);
    let mut straight = Trainer::new(Net::xavier(21), adam, Mse);
    for _ in 0..20 {
        straight.step(&x, &y).unwrap();
    }
    let mut state = vec![0u8; Trainer::<Net, Adam<f32>, Mse, 4>::OPTIMIZER_STATE_LEN];
    straight.optimizer_state_to_bytes(&mut state).unwrap();
    let mut resumed = Trainer::new(*straight.network(), adam, Mse);
    resumed.load_optimizer_state(&state).unwrap();
    *resumed.optimizer_mut() = adam; // forget t, β₁ᵗ, β₂ᵗ but keep m and v
    for _ in 0..20 {
        straight.step(&x, &y).unwrap();
        resumed.step(&x, &y).unwrap();
    }
    assert_ne!(parameter_bits(resumed.network()), parameter_bits(straight.network()));
}

#[test]
fn optimizer_blob_layout_matches_the_documented_table() {
    let (t, blob) = adam_after_one_step(Net::xavier(3));
    assert_eq!(blob.len(), 28 + 2 * 12 + 2 * 4 + (8 + 2 * Net::PARAMETERS) * 4 + 4);
    assert_eq!(&blob[MAGIC], b"TMOS");
    assert_eq!(u16_at(&blob, VERSION.start), 1);
    assert_eq!(u16_at(&blob, SCALAR.start), 1);
    assert_eq!(declared_len(&blob), blob.len());
    assert_eq!(u32_at(&blob, 12), 2, "layers");
    assert_eq!(u32_at(&blob, 16), 0, "frozen layers");
    assert_eq!(
        [20, 22, 24, 26].map(|at| u16_at(&blob, at)),
        [3, 8, 2, 2],
        "Adam: id, values, counters, slot values"
    );
    assert_eq!((u32_at(&blob, 28), u32_at(&blob, 32)), (2, 6), "layer 0 widths");
    let counters_at = OPTIMIZER_HEADER_LEN + 2 * LAYER_RECORD_LEN;
    assert_eq!(
        (u32_at(&blob, counters_at), u32_at(&blob, counters_at + 4)),
        (0, 1),
        "no clipping, one step"
    );
    let f = |at: usize| f32::from_le_bytes(blob[at..at + 4].try_into().unwrap());
    let values_at = counters_at + 8;
    // lr, β₁, β₂, ε, λ, clip threshold, β₁ᵗ, β₂ᵗ after one step.
    let values: Vec<f32> = (0..8).map(|i| f(values_at + 4 * i)).collect();
    assert_eq!(values, [0.05, 0.9, 0.999, 1e-8, 0.0, 0.0, 0.9, 0.999]);
    // Then (m, v) per parameter: after one step from zero, m = 0.1·g and v = 0.001·g².
    let slots_at = values_at + 8 * 4;
    let mut grads = Vec::new();
    t.for_each_gradient(|_, g| grads.extend_from_slice(g));
    for (i, g) in grads.iter().enumerate() {
        let (m, v) = (f(slots_at + 8 * i), f(slots_at + 8 * i + 4));
        assert!((m - 0.1 * g).abs() <= 1e-7 * g.abs(), "m[{i}] = {m}, g = {g}");
        assert!((v - 0.001 * g * g).abs() <= 1e-6 * g * g, "v[{i}] = {v}, g = {g}");
    }
}

#[test]
fn a_state_for_another_optimizer_is_refused_and_changes_nothing() {
    let (adam, blob) = adam_after_one_step(Net::xavier(1));

    let (x, y) = xor();
    let mut momentum = Trainer::new(Net::xavier(1), Sgd::new(0.1).momentum(0.9), Mse);
    momentum.step(&x, &y).unwrap();
    let before = snapshot(&momentum);
    assert_eq!(
        momentum.load_optimizer_state(&blob),
        Err(Error::OptimizerMismatch {
            expected: OptimizerLayout {
                id: 2,
                values: 4,
                counters: 2,
                slot_values: 1
            },
            found: OptimizerLayout {
                id: 3,
                values: 8,
                counters: 2,
                slot_values: 2
            },
        })
    );
    assert_eq!(snapshot(&momentum), before);

    // A network blob is not an optimizer state.
    let mut model = [0u8; Net::ENCODED_LEN];
    adam.network().to_bytes(&mut model).unwrap();
    assert_eq!(
        momentum.load_optimizer_state(&model),
        Err(Error::BadMagic {
            expected: *b"TMOS",
            found: *b"TMLP"
        })
    );
}

#[test]
fn a_state_saved_with_other_frozen_layers_is_refused() {
    type Frozen0 = Network<f32, Chain<Frozen<Dense<f32, 2, 6, Tanh>>, Dense<f32, 6, 1, tinymlp::Sigmoid>, 6>, 2, 1>;
    let net = Net::xavier(2);
    let frozen: Frozen0 = Network::new(net.into_layers().freeze_front());
    let (t, blob) = adam_after_one_step(frozen);
    type FitFrozen = Trainer<Frozen0, Adam<f32>, Mse, 4>;
    // Only the head has slots: 6 + 1 parameters.
    assert_eq!(
        FitFrozen::OPTIMIZER_STATE_LEN,
        28 + 2 * 12 + 2 * 4 + (8 + 2 * 7) * 4 + 4
    );
    assert_eq!(u32_at(&blob, 16), 1, "one frozen layer");

    let mut unfrozen: Trainer<Net, _, _, 4> = Trainer::new(Net::xavier(2), Adam::new(0.05), Mse);
    assert_eq!(
        unfrozen.load_optimizer_state(&blob),
        Err(Error::FrozenLayersMismatch { expected: 0, found: 1 })
    );
    let mut same: FitFrozen = Trainer::new(frozen, Adam::new(0.5), Mse);
    same.load_optimizer_state(&blob).unwrap();
    assert_eq!(same.optimizer(), t.optimizer());
}

#[test]
fn a_state_for_another_shape_names_the_layer() {
    type Wider = mlp!(f32; 2 => 7 Tanh => 1 Sigmoid);
    let (_, blob) = adam_after_one_step(Wider::xavier(1));
    let mut target: Trainer<Net, _, _, 4> = Trainer::new(Net::xavier(1), Adam::new(0.05), Mse);
    assert!(matches!(
        target.load_optimizer_state(&blob),
        Err(Error::LayerMismatch { layer: 0, .. })
    ));
}

#[test]
fn invalid_restored_values_are_refused() {
    let (_, blob) = adam_after_one_step(Net::xavier(1));
    let counters_at = OPTIMIZER_HEADER_LEN + 2 * LAYER_RECORD_LEN;
    let values_at = counters_at + 8;
    let slots_at = values_at + 8 * 4;
    let mut target = Trainer::new(Net::xavier(1), Adam::new(0.01), Mse);
    let before = snapshot(&target);
    let mut check = |edit: &dyn Fn(&mut Vec<u8>), expected: Error| {
        let b = resealed(&blob, edit);
        assert_eq!(target.load_optimizer_state(&b), Err(expected));
        assert_eq!(snapshot(&target), before);
    };
    check(
        &|b| b[values_at + 4..values_at + 8].copy_from_slice(&f32::INFINITY.to_le_bytes()),
        Error::InvalidHyperparameter {
            name: "beta1",
            value: f64::INFINITY,
        },
    );
    check(
        &|b| b[values_at..values_at + 4].copy_from_slice(&(-1.0f32).to_le_bytes()),
        Error::InvalidHyperparameter {
            name: "lr",
            value: -1.0,
        },
    );
    check(
        &|b| b[values_at + 24..values_at + 28].copy_from_slice(&2.0f32.to_le_bytes()),
        Error::InvalidHyperparameter {
            name: "beta1_power",
            value: 2.0,
        },
    );
    check(
        &|b| put_u32(b, counters_at, 7),
        Error::InvalidHyperparameter {
            name: "clip kind",
            value: 7.0,
        },
    );
    // v of layer 0's W[1][2] (parameter 1·6 + 2 = 8).
    check(
        &|b| b[slots_at + 8 * 8 + 4..slots_at + 8 * 8 + 8].copy_from_slice(&f32::INFINITY.to_le_bytes()),
        Error::NonFiniteStored {
            layer: 0,
            tensor: Tensor::Weights,
            row: 1,
            col: 2,
        },
    );
}

/// A loaded optimizer state replaces every slot, so what the trainer knew
/// about the old slots' magnitudes (which lets it skip computing every update
/// twice) must be forgotten: a loaded first moment large enough to overflow
/// the next update is refused, not written.
#[test]
fn loaded_state_with_an_overflowing_moment_is_refused_not_written() {
    type Line = mlp!(f32; 1 => 1 Identity);
    let x = Matrix::from_array([[1.0f32]]);
    let y = Matrix::from_array([[2.0f32]]);
    let mut trainer = Trainer::new(Line::xavier(3), Adam::new(10.0), Mse);
    trainer.step(&x, &y).unwrap(); // moderate values: the next steps are provably finite

    let mut blob = vec![0u8; Trainer::<Line, Adam<f32>, Mse, 1>::OPTIMIZER_STATE_LEN];
    trainer.optimizer_state_to_bytes(&mut blob).unwrap();
    // The slots are the last 16 bytes before the CRC: w's (m, v), then b's.
    let huge = resealed(&blob, |b| {
        let at = b.len() - 4 - 16;
        b[at..at + 4].copy_from_slice(&3.0e38f32.to_le_bytes());
    });
    trainer.load_optimizer_state(&huge).unwrap();
    let before = *trainer.network();
    // m' ≈ 2.7e38 over a denominator of a few units, times a step size of
    // 10 / (1 − 0.9²) ≈ 53: the update of w overflows.
    let err = trainer.step(&x, &y).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFiniteParameter {
                layer: 0,
                tensor: Tensor::Weights,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(trainer.network(), &before);
}
