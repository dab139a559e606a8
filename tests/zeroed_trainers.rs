//! All-zero trainers (`Zeroed::ZEROED`, what a `static` in `.bss` holds): the
//! zero optimizers are placeholders that every step refuses, and a trainer set
//! up at run time trains exactly like one built by `new`.

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use tinymlp::optim::{AdamSlot, PLACEHOLDER_LR};
use tinymlp::{
    Adam, BinaryCrossEntropy, CrossEntropy, Error, FusedTrainer, Layer, Mse, Network, Optimizer, Sgd, SgdMomentum,
    Trainer, Zeroed,
};
use workloads::*;

/// Compile-time evaluable: these are the items the firmware declares.
static CHECKED: W2Trainer = Zeroed::ZEROED;
static FUSED: FusedTrainer<W2Net, Adam<f32>, CrossEntropy, 8> = Zeroed::ZEROED;

fn w2_network() -> W2Net {
    network()
}

fn bits<L: Layer<f32, IN, OUT>, const IN: usize, const OUT: usize>(net: &Network<f32, L, IN, OUT>) -> Vec<u32> {
    let mut out = Vec::new();
    net.for_each_layer(|l| out.extend(l.weights.iter().chain(l.bias).map(|v| v.to_bits())));
    out
}

/// The name a step with `O`'s placeholder is refused under.
fn refused_as<O: Optimizer<f32> + Zeroed>(name: &'static str) {
    let data = w2_data();
    let (x, y) = w2_batch(&data, 0);
    let want = Err(Error::InvalidHyperparameter { name, value: 0.0 });

    let mut checked = Box::new(Trainer::<W2Net, O, CrossEntropy, 8>::ZEROED);
    assert_eq!(checked.step(&x, &y), want);
    assert!(
        bits(checked.network()).iter().all(|&b| b == 0),
        "the network stays all zeros"
    );

    // A real network does not make the placeholder usable, and is left as it was.
    let mut fused = Box::new(FusedTrainer::<W2Net, O, CrossEntropy, 8>::ZEROED);
    *fused.network_mut() = w2_network();
    assert_eq!(fused.step(&x, &y), want);
    assert_eq!(bits(fused.network()), bits(&w2_network()));
}

#[test]
fn zeroed_optimizers_are_placeholders_every_step_refuses() {
    refused_as::<Sgd<f32>>(PLACEHOLDER_LR);
    refused_as::<SgdMomentum<f32>>(PLACEHOLDER_LR);
    refused_as::<Adam<f32>>("eps");
    assert_eq!(
        Sgd::<f32>::ZEROED.validate(),
        Err(Error::InvalidHyperparameter {
            name: PLACEHOLDER_LR,
            value: 0.0
        })
    );
}

#[test]
fn a_zero_learning_rate_is_still_an_optimizer_not_a_placeholder() {
    // lr 0 is how the gradient checks read gradients without moving anything;
    // only the placeholder is refused, though both have lr 0.
    let data = w2_data();
    let (x, y) = w2_batch(&data, 0);
    for optimizer in [Sgd::new(0.0f32), Sgd::ZEROED] {
        assert_eq!(optimizer.lr(), 0.0);
    }
    let mut trainer = Box::new(Trainer::<W2Net, _, _, 8>::new(network(), Sgd::new(0.0), CrossEntropy));
    trainer.step(&x, &y).expect("a zero learning rate steps");
    assert_eq!(bits(trainer.network()), bits(&w2_network()));
    let mut moved = false;
    trainer.for_each_gradient(|_, g| moved |= g.iter().any(|&g| g != 0.0));
    assert!(moved, "the step computed non-zero gradients");
    assert_ne!(Sgd::new(0.0f32), Sgd::ZEROED);
    assert_ne!(Sgd::new(0.0f32).momentum(0.0), SgdMomentum::ZEROED);
}

#[test]
fn zeroed_trainers_hold_zeros_and_a_placeholder_optimizer() {
    let adam = CHECKED.optimizer();
    assert_eq!((adam.lr(), adam.beta_powers(), adam.steps()), (0.0, (0.0, 0.0), 0));
    assert!(adam.validate().is_err());
    assert!(bits(CHECKED.network()).iter().all(|&b| b == 0));
    assert!(bits(FUSED.network()).iter().all(|&b| b == 0));
    let mut slots = 0;
    CHECKED.for_each_optimizer_slot(|_, s| {
        assert!(s.iter().all(|s| *s == AdamSlot { m: 0.0, v: 0.0 }));
        slots += s.len();
    });
    assert_eq!(slots, W2Net::PARAMETERS);
    let (Mse, (CrossEntropy, BinaryCrossEntropy)) = Zeroed::ZEROED; // the losses are zero-sized
}

#[test]
fn a_zeroed_trainer_set_up_at_run_time_trains_like_one_built_by_new() {
    let data = w2_data();
    let mut built = Box::new(w2_trainer());
    let mut zeroed = Box::new(W2Trainer::ZEROED);
    *zeroed.optimizer_mut() = adam();
    *zeroed.network_mut() = network();
    let mut fused = Box::new(FusedTrainer::<W2Net, Adam<f32>, CrossEntropy, 8>::ZEROED);
    *fused.optimizer_mut() = adam();
    *fused.network_mut() = network();
    for k in 0..64 {
        let (x, y) = w2_batch(&data, k);
        let want = built.step(&x, &y).unwrap().to_bits();
        assert_eq!(zeroed.step(&x, &y).unwrap().to_bits(), want, "step {k}");
        assert_eq!(fused.step(&x, &y).unwrap().to_bits(), want, "step {k}");
    }
    assert_eq!(bits(zeroed.network()), bits(built.network()));
    assert_eq!(bits(fused.network()), bits(built.network()));
    assert_eq!(zeroed.optimizer(), built.optimizer());

    // SGD on XOR, the other firmware trainer.
    let (x, y) = w1_data();
    let mut built = w1_trainer();
    let mut zeroed = W1Trainer::ZEROED;
    *zeroed.optimizer_mut() = w1_optimizer();
    *zeroed.network_mut() = network();
    for _ in 0..200 {
        assert_eq!(
            built.step(&x, &y).unwrap().to_bits(),
            zeroed.step(&x, &y).unwrap().to_bits()
        );
    }
    assert_eq!(bits(zeroed.network()), bits(built.network()));
}

#[test]
fn a_placeholder_optimizer_state_is_not_saved() {
    let trainer = Box::new(W2Trainer::ZEROED);
    let mut blob = vec![0u8; W2Trainer::OPTIMIZER_STATE_LEN];
    assert_eq!(
        trainer.optimizer_state_to_bytes(&mut blob),
        Err(Error::InvalidHyperparameter {
            name: "eps",
            value: 0.0
        })
    );
    assert!(blob.iter().all(|&b| b == 0), "nothing written");

    let trainer = Trainer::<W1Net, Sgd<f32>, Mse, 4>::ZEROED;
    let mut blob = vec![0u8; Trainer::<W1Net, Sgd<f32>, Mse, 4>::OPTIMIZER_STATE_LEN];
    assert_eq!(
        trainer.optimizer_state_to_bytes(&mut blob),
        Err(Error::InvalidHyperparameter {
            name: PLACEHOLDER_LR,
            value: 0.0
        })
    );
}
