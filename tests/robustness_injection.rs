//! NaN and ±∞ injected into inputs, targets, weights and hyperparameters of
//! a trainer in mid-training: every step that meets one is refused with an
//! error that names it, and the parameters and the optimizer state (slots,
//! counters, hyperparameters) are bit-identical to before that step. Removing
//! the poison lets training carry on.
//!
//! Every optimizer (plain SGD, Nesterov momentum, Adam) is run with every loss.

mod robustness_support;

use robustness_support::{OptimizerBits, SlotBits, Snapshot, all_finite, snapshot};
use tinymlp::layer::Tensor;
use tinymlp::{
    Adam, BinaryCrossEntropy, Clip, CrossEntropy, Error, Init, Layer, Loss, Matrix, Mse, Network, Optimizer, Sgd,
    SgdMomentum, Trainer, mlp,
};

const M: usize = 4;
const POISONS: [f32; 3] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY];

type Regression = mlp!(f32; 3 => 4 Tanh => 2 Identity);
type Classifier = mlp!(f32; 3 => 4 Tanh => 3 Softmax);
type Tagger = mlp!(f32; 3 => 4 Tanh => 2 Sigmoid);

/// Inputs, all non-zero (so that an infinite weight cannot meet a zero input).
fn inputs() -> Matrix<f32, M, 3> {
    Matrix::from_array([
        [0.5, -1.0, 0.25],
        [1.5, 0.75, -0.5],
        [-0.75, 2.0, 1.0],
        [-1.25, -0.5, 0.125],
    ])
}

fn targets<const OUT: usize>(one_hot: bool) -> Matrix<f32, M, OUT> {
    Matrix::from_fn(|r, j| {
        if one_hot {
            f32::from(u8::from((r + 1) % OUT == j))
        } else {
            [0.2, 0.9, 0.6, 0.0][(r + j) % 4]
        }
    })
}

/// A trainer after a few good steps, so that its optimizer state is not zero.
fn warmed_up<L, G, O, const OUT: usize>(
    net: Network<f32, L, 3, OUT>,
    optimizer: O,
    loss: G,
    y: &Matrix<f32, M, OUT>,
) -> Trainer<Network<f32, L, 3, OUT>, O, G, M>
where
    L: Layer<f32, 3, OUT>,
    G: Loss<L::Activation>,
    O: Optimizer<f32>,
{
    let mut trainer = Trainer::new(net, optimizer, loss);
    for _ in 0..3 {
        trainer.step(&inputs(), y).expect("clean steps");
    }
    trainer
}

/// Steps once; asserts the step is refused with an error `expect` accepts
/// and changed nothing.
fn assert_refused<L, G, O, const OUT: usize>(
    trainer: &mut Trainer<Network<f32, L, 3, OUT>, O, G, M>,
    x: &Matrix<f32, M, 3>,
    y: &Matrix<f32, M, OUT>,
    expect: impl Fn(&Error) -> bool,
    what: &str,
) where
    L: Layer<f32, 3, OUT>,
    G: Loss<L::Activation>,
    O: Optimizer<f32> + OptimizerBits + core::fmt::Debug,
    O::Slot: SlotBits,
{
    let before: Snapshot = snapshot(trainer);
    match trainer.step(x, y) {
        Ok(loss) => panic!("{what}: accepted with loss {loss}"),
        Err(e) => assert!(expect(&e), "{what}: {e:?}"),
    }
    assert_eq!(snapshot(trainer), before, "{what}: a refused step changed the trainer");
}

fn inject_into_data<L, G, O, const OUT: usize>(
    trainer: &mut Trainer<Network<f32, L, 3, OUT>, O, G, M>,
    y: &Matrix<f32, M, OUT>,
) where
    L: Layer<f32, 3, OUT>,
    G: Loss<L::Activation>,
    O: Optimizer<f32> + OptimizerBits + core::fmt::Debug,
    O::Slot: SlotBits,
{
    for poison in POISONS {
        for (row, col) in [(0, 0), (2, 1), (3, 2)] {
            let mut x = inputs();
            *x.get_mut(row, col).unwrap() = poison;
            let want = Error::NonFiniteInput { row, col };
            assert_refused(
                trainer,
                &x,
                y,
                |e| *e == want,
                &format!("input [{row}, {col}] = {poison}"),
            );

            // The same bad row outside a partial batch is never read.
            if row > 0 {
                let loss = trainer
                    .step_rows(&x, y, row)
                    .expect("the poisoned row is not in the batch");
                assert!(loss.is_finite() && all_finite(trainer));
            }
        }
        for (row, col) in [(0, 0), (1, OUT - 1), (3, 0)] {
            let mut t = *y;
            *t.get_mut(row, col).unwrap() = poison;
            let want = Error::NonFiniteTarget { row, col };
            assert_refused(
                trainer,
                &inputs(),
                &t,
                |e| *e == want,
                &format!("target [{row}, {col}] = {poison}"),
            );
        }
    }
    // Two bad values: the first in row-major order is reported.
    let mut x = inputs();
    *x.get_mut(3, 0).unwrap() = f32::NAN;
    *x.get_mut(1, 2).unwrap() = f32::INFINITY;
    let want = Error::NonFiniteInput { row: 1, col: 2 };
    assert_refused(trainer, &x, y, |e| *e == want, "two bad inputs");
}

/// Sets one parameter of the trainer's network; returns the old value.
fn set_parameter<L: Layer<f32, 3, OUT>, O: Optimizer<f32>, G, const OUT: usize>(
    trainer: &mut Trainer<Network<f32, L, 3, OUT>, O, G, M>,
    (layer, tensor, index): (usize, Tensor, usize),
    value: f32,
) -> f32 {
    let mut old = f32::NAN;
    trainer.network_mut().for_each_layer_mut(|view| {
        if view.index == layer {
            let t = match tensor {
                Tensor::Weights => view.weights,
                Tensor::Bias => view.bias,
            };
            old = core::mem::replace(&mut t[index], value);
        }
    });
    old
}

fn inject_into_weights<L, G, O, const OUT: usize>(
    trainer: &mut Trainer<Network<f32, L, 3, OUT>, O, G, M>,
    y: &Matrix<f32, M, OUT>,
) where
    L: Layer<f32, 3, OUT>,
    G: Loss<L::Activation>,
    O: Optimizer<f32> + OptimizerBits + core::fmt::Debug,
    O::Slot: SlotBits,
{
    // Hidden weight W₁[1, 2], hidden bias b₁[3], output weight W₂[2, 0], output bias b₂[1].
    let places = [
        (0, Tensor::Weights, 4 + 2),
        (0, Tensor::Bias, 3),
        (1, Tensor::Weights, 2 * OUT),
        (1, Tensor::Bias, 1),
    ];
    for place in places {
        for poison in POISONS {
            let old = set_parameter(trainer, place, poison);
            let (layer, tensor, _) = place;
            let expect = |e: &Error| match (poison.is_nan(), layer, e) {
                // NaN reaches every output (0·NaN is NaN), so the loss is NaN.
                (true, _, Error::NonFiniteLoss) => true,
                // ±∞ in the tanh layer saturates it (tanh(±∞) = ±1, tanh' = 0): the
                // loss and the gradients stay finite, and it is the update
                // of that very parameter, ∞ − lr·g, that is refused.
                (
                    false,
                    0,
                    Error::NonFiniteParameter {
                        layer: 0, tensor: t, ..
                    },
                ) => *t == tensor,
                // ±∞ in the output layer makes a logit infinite: the loss is
                // ∞ or NaN, or (for a −∞ logit of a class no row is labelled
                // with) the loss is finite and the update is refused.
                (false, 1, Error::NonFiniteLoss) => true,
                (
                    false,
                    1,
                    Error::NonFiniteParameter {
                        layer: 1, tensor: t, ..
                    },
                ) => *t == tensor,
                _ => false,
            };
            assert_refused(trainer, &inputs(), y, expect, &format!("{place:?} = {poison}"));
            set_parameter(trainer, place, old);
        }
    }
    // The hidden-layer case names the exact element.
    let old = set_parameter(trainer, (0, Tensor::Weights, 4 + 2), f32::INFINITY);
    let want = Error::NonFiniteParameter {
        layer: 0,
        tensor: Tensor::Weights,
        row: 1,
        col: 2,
    };
    assert_refused(trainer, &inputs(), y, |e| *e == want, "W₁[1, 2] = ∞");
    set_parameter(trainer, (0, Tensor::Weights, 4 + 2), old);
}

/// Replaces the optimizer by each of `bad`, expecting each step to be refused
/// as an invalid hyperparameter of the given name.
fn inject_into_hyperparameters<L, G, O, const OUT: usize>(
    trainer: &mut Trainer<Network<f32, L, 3, OUT>, O, G, M>,
    y: &Matrix<f32, M, OUT>,
    bad: &[(&'static str, f32, O)],
) where
    L: Layer<f32, 3, OUT>,
    G: Loss<L::Activation>,
    O: Optimizer<f32> + OptimizerBits + core::fmt::Debug + Copy,
    O::Slot: SlotBits,
{
    let good = *trainer.optimizer();
    for &(name, value, optimizer) in bad {
        *trainer.optimizer_mut() = optimizer;
        let expect = |e: &Error| match *e {
            Error::InvalidHyperparameter { name: n, value: v } => {
                n == name && (v.to_bits() == f64::from(value).to_bits() || (v.is_nan() && value.is_nan()))
            }
            _ => false,
        };
        assert_refused(trainer, &inputs(), y, expect, &format!("{name} = {value}"));
    }
    *trainer.optimizer_mut() = good;
}

/// The values a hyperparameter that must be finite and `≥ 0` must refuse.
const NOT_NON_NEGATIVE: [f32; 4] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -1e-3];
/// The values a hyperparameter that must be finite and `> 0` must refuse.
const NOT_POSITIVE: [f32; 5] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -1.0];
/// The values a β must refuse (valid: `0 ≤ β < 1`).
const NOT_A_BETA: [f32; 6] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0, 1.5, -0.1];

fn sgd_family_bad<O>(make: impl Fn(f32, f32, Clip<f32>) -> O) -> Vec<(&'static str, f32, O)> {
    let mut bad = Vec::new();
    for v in NOT_NON_NEGATIVE {
        bad.push(("lr", v, make(v, 0.0, Clip::None)));
        bad.push(("weight_decay", v, make(0.1, v, Clip::None)));
    }
    for v in NOT_POSITIVE {
        bad.push(("clip value", v, make(0.1, 0.0, Clip::Value(v))));
        bad.push(("clip norm", v, make(0.1, 0.0, Clip::Norm(v))));
    }
    bad
}

fn sgd_bad() -> Vec<(&'static str, f32, Sgd<f32>)> {
    sgd_family_bad(|lr, wd, clip| Sgd::new(lr).weight_decay(wd).clip(clip))
}

fn momentum_bad() -> Vec<(&'static str, f32, SgdMomentum<f32>)> {
    let make = |lr, wd, clip, mu| Sgd::new(lr).momentum(mu).nesterov(true).weight_decay(wd).clip(clip);
    let mut bad = sgd_family_bad(|lr, wd, clip| make(lr, wd, clip, 0.9));
    for v in NOT_NON_NEGATIVE {
        bad.push(("momentum", v, make(0.1, 0.0, Clip::None, v)));
    }
    bad
}

fn adam_bad() -> Vec<(&'static str, f32, Adam<f32>)> {
    let make = |lr, wd, clip| Adam::new(lr).weight_decay(wd).clip(clip);
    let mut bad = sgd_family_bad(make);
    for v in NOT_A_BETA {
        bad.push(("beta1", v, Adam::with_betas(1e-2, v, 0.999, 1e-8)));
        bad.push(("beta2", v, Adam::with_betas(1e-2, 0.9, v, 1e-8)));
    }
    for v in NOT_POSITIVE {
        bad.push(("eps", v, Adam::with_betas(1e-2, 0.9, 0.999, v)));
    }
    bad
}

/// The whole battery on one network, optimizer and loss; ends with a clean
/// step to show the trainer is still fine.
fn battery<L, G, O, const OUT: usize>(
    net: Network<f32, L, 3, OUT>,
    optimizer: O,
    loss: G,
    one_hot: bool,
    bad: &[(&'static str, f32, O)],
) where
    L: Layer<f32, 3, OUT>,
    G: Loss<L::Activation>,
    O: Optimizer<f32> + OptimizerBits + core::fmt::Debug + Copy,
    O::Slot: SlotBits,
{
    let y = targets::<OUT>(one_hot);
    let mut trainer = warmed_up(net, optimizer, loss, &y);
    inject_into_data(&mut trainer, &y);
    inject_into_weights(&mut trainer, &y);
    inject_into_hyperparameters(&mut trainer, &y, bad);
    let loss = trainer.step(&inputs(), &y).expect("training carries on");
    assert!(loss.is_finite() && all_finite(&trainer));
}

macro_rules! batteries {
    ($($name:ident: $optimizer:expr, $bad:expr;)*) => {$(
        mod $name {
            use super::*;

            #[test]
            fn with_mse() {
                battery(Regression::random(1, Init::XavierUniform), $optimizer, Mse, false, &$bad);
            }

            #[test]
            fn with_cross_entropy() {
                battery(Classifier::random(2, Init::XavierUniform), $optimizer, CrossEntropy, true, &$bad);
            }

            #[test]
            fn with_binary_cross_entropy() {
                battery(Tagger::random(3, Init::XavierUniform), $optimizer, BinaryCrossEntropy, false, &$bad);
            }
        }
    )*};
}

batteries! {
    sgd_refuses_poison: Sgd::new(0.1), sgd_bad();
    momentum_refuses_poison: Sgd::new(0.05).momentum(0.9).nesterov(true), momentum_bad();
    adam_refuses_poison: Adam::new(0.01), adam_bad();
}
