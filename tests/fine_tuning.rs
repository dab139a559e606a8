//! Fine-tuning with frozen layers: feature layers trained first, then only a
//! fresh head trained on top of them. The frozen weights do not change by a
//! bit, and the trainer is smaller by exactly the tape, gradient and optimizer
//! memory the frozen layers would have needed.

mod datasets;

use core::mem::size_of;
use core::ops::ControlFlow;
use core::ops::Range;

use tinymlp::optim::{AdamSlot, Magnitudes};
use tinymlp::{
    Adam, Chain, CrossEntropy, Dense, Frozen, Init, Layer, Network, Relu, Rng, Sgd, SgdMomentum, Softmax, Trainer, mlp,
};

const M: usize = 16;
type Full = mlp!(f32; 4 => 16 Relu => 16 Relu => 3 Softmax);
type Front = Chain<Dense<f32, 4, 16, Relu>, Dense<f32, 16, 16, Relu>, 16>;
type Head = Dense<f32, 16, 3, Softmax>;
type FineTuned = Network<f32, Chain<Frozen<Front>, Head, 16>, 4, 3>;

const FRONT_PARAMETERS: usize = 4 * 16 + 16 + 16 * 16 + 16;
const HEAD_PARAMETERS: usize = 16 * 3 + 3;

/// Every weight and bias of the layers in `layers` (0 is the input side), as bits.
fn layer_bits<L: Layer<f32, 4, 3>>(net: &Network<f32, L, 4, 3>, layers: Range<usize>) -> Vec<u32> {
    let mut bits = Vec::new();
    net.for_each_layer(|l| {
        if layers.contains(&l.index) {
            bits.extend(l.weights.iter().chain(l.bias).map(|v| v.to_bits()));
        }
    });
    bits
}

#[test]
fn a_frozen_front_keeps_its_bits_while_a_fresh_head_learns() {
    let mut data = datasets::iris();
    let mut rng = Rng::new(11);

    // Feature layers trained "on the host" for a few epochs.
    let mut pretraining = Trainer::<_, _, _, M>::new(Full::random(5, Init::HeUniform), Adam::new(0.01), CrossEntropy);
    pretraining
        .fit(&mut data.train[..], 20, &mut rng, |_| ControlFlow::Continue(()))
        .unwrap();
    let pretrained = pretraining.into_network();

    // A fresh head on the frozen features.
    let (front, _) = pretrained.into_layers().into_parts();
    let head = Network::<f32, Head, 16, 3>::random(6, Init::XavierUniform).into_layers();
    let net: FineTuned = Network::new(Chain::new(front, head).freeze_front());
    let frozen_before = layer_bits(&pretrained, 0..2);
    let head_before = layer_bits(&net, 2..3);
    assert_eq!(layer_bits(&net, 0..2), frozen_before);

    let mut fine_tuning = Trainer::<_, _, _, M>::new(net, Adam::new(0.01), CrossEntropy);
    let untrained = fine_tuning.evaluate(&data.train[..]).unwrap();
    fine_tuning
        .fit(&mut data.train[..], 40, &mut rng, |_| ControlFlow::Continue(()))
        .unwrap();
    let train = fine_tuning.evaluate(&data.train[..]).unwrap();
    let test = fine_tuning.evaluate(&data.test[..]).unwrap();
    println!(
        "fine-tuned head: train loss {:.4} -> {:.4}, train {}/{}, test {}/{}",
        untrained.loss, train.loss, train.correct, train.samples, test.correct, test.samples
    );

    let net = fine_tuning.network();
    assert_eq!(layer_bits(net, 0..2), frozen_before, "frozen layers changed");
    assert_ne!(layer_bits(net, 2..3), head_before, "the head did not train");
    assert!(
        train.loss < untrained.loss / 2.0,
        "{} vs {}",
        train.loss,
        untrained.loss
    );

    // Only the head has gradients and optimizer state at all.
    let mut trained_layers = Vec::new();
    fine_tuning.for_each_gradient(|id, g| trained_layers.push((id.layer, g.len())));
    assert_eq!(trained_layers, [(2, 16 * 3), (2, 3)]);
    let mut slots = 0;
    fine_tuning.for_each_optimizer_slot(|_, s| slots += s.len());
    assert_eq!(slots, HEAD_PARAMETERS);
}

#[test]
fn freezing_saves_exactly_the_frozen_layers_tape_gradients_and_optimizer_state() {
    let f = size_of::<f32>();
    // What the frozen front would have cost to train: a gradient and an
    // optimizer slot per parameter, and its first layer's activations for a
    // batch (its last layer's activations are the head's input, kept either way).
    let saving = |slot: usize| FRONT_PARAMETERS * (f + slot) + M * 16 * f;

    let adam = size_of::<AdamSlot<f32>>();
    assert_eq!(adam, 2 * f);
    let full = size_of::<Trainer<Full, Adam<f32>, CrossEntropy, M>>();
    let frozen = size_of::<Trainer<FineTuned, Adam<f32>, CrossEntropy, M>>();
    // And each size on its own: weights, optimizer, tape (M rows × every width),
    // gradients, state, and the magnitude bounds the checked step carries.
    let parameters = (FRONT_PARAMETERS + HEAD_PARAMETERS) * f;
    let fixed = size_of::<Adam<f32>>() + size_of::<Option<Magnitudes<f32>>>();
    assert_eq!(
        full,
        parameters + fixed + M * (16 + 16 + 3) * f + (FRONT_PARAMETERS + HEAD_PARAMETERS) * (f + adam)
    );
    assert_eq!(
        frozen,
        parameters + fixed + M * (16 + 3) * f + HEAD_PARAMETERS * (f + adam)
    );
    assert_eq!(full - frozen, saving(adam));

    // SGD with momentum keeps one velocity per parameter; plain SGD nothing.
    assert_eq!(
        size_of::<Trainer<Full, SgdMomentum<f32>, CrossEntropy, M>>()
            - size_of::<Trainer<FineTuned, SgdMomentum<f32>, CrossEntropy, M>>(),
        saving(f)
    );
    assert_eq!(
        size_of::<Trainer<Full, Sgd<f32>, CrossEntropy, M>>()
            - size_of::<Trainer<FineTuned, Sgd<f32>, CrossEntropy, M>>(),
        saving(0)
    );
    println!(
        "Iris 4-16-16-3, Adam, M = {M}, f32: trainer {full} bytes; with the front frozen {frozen} bytes; saved {} = {FRONT_PARAMETERS} params x (4 B gradient + 8 B Adam) + {M} x 16 activations x 4 B",
        full - frozen
    );
}
