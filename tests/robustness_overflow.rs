//! Training driven to overflow over several steps (huge learning rates,
//! exploding inputs) is refused on exactly the step that would have broken the
//! model, with the error naming what broke, and leaves the parameters and the
//! optimizer state bit-identical to before that step.
//!
//! "Exactly the step" is decided independently: before every step, the step
//! is replayed in f64 from the trainer's current f32 state by a reference
//! written out here (forward, loss, backward and optimizer update, following
//! the library's order of operations), recording the magnitude of every
//! intermediate value, not only the results. A step whose values all stay below
//! `f32::MAX / 1.01` must be accepted; one where some value exceeds
//! `f32::MAX · 1.01` must be refused; anything in between is too close to call
//! and fails the test, so the scenarios are chosen to stay clear of it.
// Indices mirror the subscripts of the formulas they implement.
#![allow(clippy::needless_range_loop)]

mod robustness_support;

use core::cell::Cell;

use robustness_support::{OptimizerBits, SlotBits, all_finite, parameter_bits, snapshot};
use tinymlp::layer::Tensor;
use tinymlp::optim::AdamSlot;
use tinymlp::{
    Adam, BinaryCrossEntropy, Clip, CrossEntropy, Error, Init, Layer, Loss, Matrix, Mse, Network, Optimizer, Sgd,
    SgdMomentum, Trainer, mlp,
};

const IN: usize = 2;
const HIDDEN: usize = 3;
const M: usize = 4;
/// The hidden layer is `LeakyRelu<100>`: slope 0.1, never 0, so an infinity
/// is never multiplied by an exact zero on the way back.
const SLOPE: f64 = 0.1;

type Regression = mlp!(f32; 2 => 3 LeakyRelu<100> => 2 Identity);
type Classifier = mlp!(f32; 2 => 3 LeakyRelu<100> => 3 Softmax);
type Tagger = mlp!(f32; 2 => 3 LeakyRelu<100> => 2 Sigmoid);

// ---------------------------------------------------------------------------
// The f64 reference.
// ---------------------------------------------------------------------------

/// Which loss (and so which output activation).
#[derive(Clone, Copy, Debug)]
enum LossKind {
    /// `Mse` over an `Identity` output.
    Mse,
    /// `CrossEntropy` over a `Softmax` output.
    CrossEntropy,
    /// `BinaryCrossEntropy` over a `Sigmoid` output.
    Binary,
}

/// An optimizer's hyperparameters, and for Adam its bias-correction products.
#[derive(Clone, Copy, Debug)]
enum Opt {
    Sgd {
        lr: f64,
        weight_decay: f64,
        clip_value: Option<f64>,
    },
    Momentum {
        lr: f64,
        momentum: f64,
        nesterov: bool,
    },
    Adam {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        powers: (f64, f64),
    },
}

/// The largest magnitude seen (∞ once a NaN is seen).
#[derive(Clone, Debug, Default)]
struct Peak(Cell<f64>);

impl Peak {
    /// Records `x` and passes it on.
    fn see(&self, x: f64) -> f64 {
        let m = if x.is_nan() { f64::INFINITY } else { x.abs() };
        if m > self.0.get() {
            self.0.set(m);
        }
        x
    }

    fn get(&self) -> f64 {
        self.0.get()
    }
}

/// Everything a reference step computes, as magnitudes.
#[derive(Debug)]
struct Replay {
    /// Per-row losses, their sum and the mean.
    loss: Peak,
    /// Logits, hidden activations, and every product and partial sum of the forward pass.
    forward: Peak,
    /// `dA` and `dZ` of the hidden layer, with their products and partial sums.
    backward: Peak,
    /// Per gradient (in visiting order): the value and every product and partial sum.
    gradients: Vec<Peak>,
    /// Per parameter: the new value, the new slot, and every intermediate of the update.
    updates: Vec<Peak>,
}

/// `Σ a·b` in the order given, recording every product and partial sum.
fn dot(start: f64, terms: impl Iterator<Item = (f64, f64)>, peak: &Peak) -> f64 {
    let mut sum = peak.see(start);
    for (a, b) in terms {
        sum = peak.see(sum + peak.see(a * b));
    }
    sum
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// One training step in f64 on a `2 → 3 LeakyRelu → OUT` network whose
/// parameters are `params` in visiting order (`W1`, `b1`, `W2`, `b2`, each row-major).
fn replay<const OUT: usize>(
    params: &[f64],
    slots: &[[f64; 2]],
    x: &[[f64; IN]; M],
    y: &[[f64; OUT]; M],
    loss_kind: LossKind,
    opt: Opt,
) -> Replay {
    let (w1, rest) = params.split_at(IN * HIDDEN);
    let (b1, rest) = rest.split_at(HIDDEN);
    let (w2, b2) = rest.split_at(HIDDEN * OUT);
    let m = M as f64;
    let loss = Peak::default();
    let forward = Peak::default();
    let backward = Peak::default();

    // Forward, row by row; the loss and dZ of the output layer.
    let mut a1 = [[0.0; HIDDEN]; M];
    let mut dz2 = [[0.0; OUT]; M];
    let mut total = 0.0;
    for r in 0..M {
        for j in 0..HIDDEN {
            let z = dot(b1[j], (0..IN).map(|k| (x[r][k], w1[k * HIDDEN + j])), &forward);
            a1[r][j] = forward.see(if z > 0.0 { z } else { SLOPE * z });
        }
        let z2: [f64; OUT] =
            core::array::from_fn(|j| dot(b2[j], (0..HIDDEN).map(|k| (a1[r][k], w2[k * OUT + j])), &forward));
        let row_loss = match loss_kind {
            LossKind::Mse => {
                let mut sum = 0.0;
                for j in 0..OUT {
                    let d = loss.see(z2[j] - y[r][j]);
                    sum = loss.see(sum + loss.see(d * d));
                    dz2[r][j] = 2.0 / m * d;
                }
                sum
            }
            LossKind::CrossEntropy => {
                let max = z2.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let e = z2.map(|z| (z - max).exp());
                let sum_e: f64 = e.iter().sum();
                let y_sum: f64 = y[r].iter().sum();
                let mut sum = 0.0;
                for j in 0..OUT {
                    if y[r][j] != 0.0 {
                        let minus_log_a = loss.see(max - z2[j]) + sum_e.ln();
                        sum = loss.see(sum + loss.see(y[r][j] * minus_log_a));
                    }
                    dz2[r][j] = (e[j] / sum_e * y_sum - y[r][j]) / m;
                }
                sum
            }
            LossKind::Binary => {
                let mut sum = 0.0;
                for j in 0..OUT {
                    let (z, t) = (z2[j], y[r][j]);
                    let linear = loss.see(if z > 0.0 { z * (1.0 - t) } else { -z * t });
                    sum = loss.see(sum + linear + (-z.abs()).exp().ln_1p());
                    dz2[r][j] = (sigmoid(z) - t) / m;
                }
                sum
            }
        };
        total = loss.see(total + row_loss);
    }
    loss.see(total / m);

    // Backward: the output layer's dW, db and the hidden layer's dA → dZ, then the hidden layer's dW, db.
    let gradients = vec![Peak::default(); params.len()];
    let mut grads = vec![0.0; params.len()];
    let mut gradient = |i: usize, terms: &mut dyn Iterator<Item = (f64, f64)>| {
        let peak = &gradients[i];
        grads[i] = peak.see(dot(0.0, terms, peak));
    };
    let (layer1_w, layer1_b) = (IN * HIDDEN + HIDDEN, IN * HIDDEN + HIDDEN + HIDDEN * OUT);
    let mut dz1 = [[0.0; HIDDEN]; M];
    for k in 0..HIDDEN {
        for r in 0..M {
            let da = dot(0.0, (0..OUT).map(|j| (dz2[r][j], w2[k * OUT + j])), &backward);
            let slope = if a1[r][k] > 0.0 { 1.0 } else { SLOPE };
            dz1[r][k] = backward.see(da * slope);
        }
        for j in 0..OUT {
            gradient(layer1_w + k * OUT + j, &mut (0..M).map(|r| (a1[r][k], dz2[r][j])));
        }
    }
    for j in 0..OUT {
        gradient(layer1_b + j, &mut (0..M).map(|r| (1.0, dz2[r][j])));
    }
    for k in 0..IN {
        for j in 0..HIDDEN {
            gradient(k * HIDDEN + j, &mut (0..M).map(|r| (x[r][k], dz1[r][j])));
        }
    }
    for j in 0..HIDDEN {
        gradient(IN * HIDDEN + j, &mut (0..M).map(|r| (1.0, dz1[r][j])));
    }

    // The optimizer's update of every parameter, with PyTorch's formulas.
    let updates = params
        .iter()
        .zip(&grads)
        .zip(slots)
        .map(|((&p, &g), s)| {
            let u = Peak::default();
            match opt {
                Opt::Sgd {
                    lr,
                    weight_decay,
                    clip_value,
                } => {
                    let g = clip_value.map_or(g, |c| g.clamp(-c, c));
                    let g = u.see(g + u.see(weight_decay * p));
                    u.see(p - u.see(lr * g));
                }
                Opt::Momentum { lr, momentum, nesterov } => {
                    let v = u.see(u.see(momentum * s[0]) + g);
                    let direction = if nesterov { u.see(g + u.see(momentum * v)) } else { v };
                    u.see(p - u.see(lr * direction));
                }
                Opt::Adam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    powers,
                } => {
                    let m1 = u.see(u.see(beta1 * s[0]) + u.see((1.0 - beta1) * g));
                    let v = u.see(u.see(beta2 * s[1]) + u.see(u.see((1.0 - beta2) * g) * g));
                    let step_size = u.see(lr / (1.0 - powers.0 * beta1));
                    let denom = u.see(v.sqrt() / (1.0 - powers.1 * beta2).sqrt() + eps);
                    u.see(p - u.see(step_size * u.see(m1 / denom)));
                }
            }
            u
        })
        .collect();
    Replay {
        loss,
        forward,
        backward,
        gradients,
        updates,
    }
}

// ---------------------------------------------------------------------------
// From the replay to a verdict.
// ---------------------------------------------------------------------------

/// What the reference says the checked step must do.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Verdict {
    Accept,
    /// Refuse: the loss overflows.
    Loss,
    /// Refuse: a logit or hidden activation overflows, so the loss or a gradient is non-finite.
    LossOrGradient,
    /// Refuse: this gradient (in visiting order) is the first to overflow, or
    /// any if only `dA`/`dZ` of the hidden layer overflow.
    Gradient(Option<usize>),
    /// Refuse: this parameter's update is the first to overflow.
    Parameter(usize),
}

/// `true` beyond `f32::MAX · 1.01`, `false` below `f32::MAX / 1.01`; a panic in between.
fn overflows(peak: &Peak, what: &str) -> bool {
    let max = f32::MAX as f64;
    if peak.get() >= max * 1.01 {
        true
    } else if peak.get() <= max / 1.01 {
        false
    } else {
        panic!(
            "{what} reaches {:e}, too close to f32::MAX to call: retune the scenario",
            peak.get()
        )
    }
}

fn verdict(replay: &Replay) -> Verdict {
    let first = |peaks: &[Peak], what: &str| {
        let flags: Vec<bool> = peaks.iter().map(|p| overflows(p, what)).collect();
        flags.iter().position(|&f| f)
    };
    if overflows(&replay.loss, "the loss") {
        return Verdict::Loss;
    }
    if overflows(&replay.forward, "the forward pass") {
        return Verdict::LossOrGradient;
    }
    let backward = overflows(&replay.backward, "the hidden layer's dA");
    if let Some(i) = first(&replay.gradients, "a gradient") {
        return Verdict::Gradient(Some(i));
    }
    if backward {
        return Verdict::Gradient(None);
    }
    match first(&replay.updates, "an update") {
        Some(i) => Verdict::Parameter(i),
        None => Verdict::Accept,
    }
}

/// `(layer, tensor, row, col)` of parameter `i` in visiting order.
fn position<const OUT: usize>(i: usize) -> (usize, Tensor, usize, usize) {
    let layer0 = IN * HIDDEN + HIDDEN;
    match i {
        i if i < IN * HIDDEN => (0, Tensor::Weights, i / HIDDEN, i % HIDDEN),
        i if i < layer0 => (0, Tensor::Bias, 0, i - IN * HIDDEN),
        i if i < layer0 + HIDDEN * OUT => (1, Tensor::Weights, (i - layer0) / OUT, (i - layer0) % OUT),
        i => (1, Tensor::Bias, 0, i - layer0 - HIDDEN * OUT),
    }
}

fn error_matches<const OUT: usize>(verdict: Verdict, error: Error) -> bool {
    let at = |i| {
        let (layer, tensor, row, col) = position::<OUT>(i);
        (layer, tensor, row, col)
    };
    match (verdict, error) {
        (Verdict::Loss, Error::NonFiniteLoss) => true,
        (Verdict::LossOrGradient, Error::NonFiniteLoss | Error::NonFiniteGradient { .. }) => true,
        (Verdict::Gradient(None), Error::NonFiniteGradient { .. }) => true,
        (
            Verdict::Gradient(Some(i)),
            Error::NonFiniteGradient {
                layer,
                tensor,
                row,
                col,
            },
        ) => at(i) == (layer, tensor, row, col),
        (
            Verdict::Parameter(i),
            Error::NonFiniteParameter {
                layer,
                tensor,
                row,
                col,
            },
        ) => at(i) == (layer, tensor, row, col),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Driving a real trainer next to the reference.
// ---------------------------------------------------------------------------

/// The optimizers under test, as the reference sees them.
trait Described: Optimizer<f32> + OptimizerBits + core::fmt::Debug
where
    Self::Slot: SlotBits,
{
    fn describe(&self) -> Opt;
    fn set_learning_rate(&mut self, lr: f32);
    /// The slot's values as `[first, second]` (zeros where the slot has fewer).
    fn widen_slot(slot: &Self::Slot) -> [f64; 2];
}

/// Plain SGD with weight decay `1e-3`.
const SGD_DECAY: f32 = 1e-3;
const MOMENTUM: f32 = 0.9;

impl Described for Sgd<f32> {
    fn describe(&self) -> Opt {
        Opt::Sgd {
            lr: self.lr() as f64,
            weight_decay: SGD_DECAY as f64,
            clip_value: match self.clip() {
                Clip::Value(c) => Some(c as f64),
                _ => None,
            },
        }
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.set_lr(lr);
    }
    fn widen_slot(_: &()) -> [f64; 2] {
        [0.0; 2]
    }
}

impl Described for SgdMomentum<f32> {
    fn describe(&self) -> Opt {
        Opt::Momentum {
            lr: self.lr() as f64,
            momentum: MOMENTUM as f64,
            nesterov: true,
        }
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.set_lr(lr);
    }
    fn widen_slot(v: &f32) -> [f64; 2] {
        [*v as f64, 0.0]
    }
}

impl Described for Adam<f32> {
    fn describe(&self) -> Opt {
        let (p1, p2) = self.beta_powers();
        Opt::Adam {
            lr: self.lr() as f64,
            beta1: 0.9f32 as f64,
            beta2: 0.999f32 as f64,
            eps: 1e-8f32 as f64,
            powers: (p1 as f64, p2 as f64),
        }
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.set_lr(lr);
    }
    fn widen_slot(s: &AdamSlot<f32>) -> [f64; 2] {
        [s.m as f64, s.v as f64]
    }
}

fn sgd() -> Sgd<f32> {
    Sgd::new(0.0).weight_decay(SGD_DECAY)
}

fn sgd_clipped(value: f32) -> Sgd<f32> {
    sgd().clip(Clip::Value(value))
}

fn momentum() -> SgdMomentum<f32> {
    Sgd::new(0.0).momentum(MOMENTUM).nesterov(true)
}

fn adam() -> Adam<f32> {
    Adam::new(0.0)
}

/// How a scenario drives training towards overflow.
#[derive(Clone, Copy, Debug)]
struct Drive {
    /// Initial weights' seed (He uniform).
    seed: u64,
    /// The learning rate of step `k` is `lr · lr_growth^k`.
    lr: f32,
    lr_growth: f32,
    /// Feature `c` of the inputs of step `k` is the base input times `input_growth[c]^k`.
    input_growth: [f32; IN],
    /// Whether to zero the first layer's weights from feature 0 and multiply
    /// the output layer's weights by 1000, so that an exploding feature 0
    /// reaches the first layer's gradients (`x · dZ₁`, with `dZ₁` amplified by
    /// the output weights) long before the outputs.
    mute_feature_0: bool,
}

/// Base inputs (all non-zero) and targets (the row's class, one-hot, or a
/// value in [0, 1] for regression and tagging).
const X: [[f32; IN]; M] = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [-1.25, -0.5]];

fn targets<const OUT: usize>(kind: LossKind) -> [[f32; OUT]; M] {
    core::array::from_fn(|r| {
        core::array::from_fn(|j| match kind {
            LossKind::CrossEntropy => f32::from(u8::from((r + 1) % OUT == j)),
            LossKind::Mse | LossKind::Binary => [0.2, 0.9, 0.6, 0.0][(r + j) % 4],
        })
    })
}

/// The first refused step of a scenario.
#[derive(Debug)]
struct Refusal {
    step: usize,
    error: Error,
    /// The refused step's gradient of the parameter the error names, if it names one.
    gradient: Option<f32>,
}

/// Runs the scenario until the first refused step, checking every step's
/// outcome against the reference.
fn drive<L, G, O, const OUT: usize>(
    net: Network<f32, L, IN, OUT>,
    optimizer: O,
    loss: G,
    kind: LossKind,
    d: Drive,
) -> Refusal
where
    L: Layer<f32, IN, OUT>,
    G: Loss<L::Activation>,
    O: Described,
    O::Slot: SlotBits,
{
    let y64 = targets::<OUT>(kind).map(|r| r.map(f64::from));
    let y = Matrix::from_array(targets::<OUT>(kind));
    let mut trainer = Trainer::<_, _, _, M>::new(net, optimizer, loss);
    if d.mute_feature_0 {
        trainer.network_mut().for_each_layer_mut(|layer| {
            if layer.index == 0 {
                layer.weights[..HIDDEN].fill(0.0);
            } else {
                layer.weights.iter_mut().for_each(|w| *w *= 1000.0);
            }
        });
    }
    let mut lr = d.lr;
    let mut scale = [1.0f32; IN];
    for step in 0..200 {
        trainer.optimizer_mut().set_learning_rate(lr);
        let x = X.map(|r| core::array::from_fn(|c| r[c] * scale[c]));
        assert!(x.iter().flatten().all(|v| v.is_finite()), "inputs overflowed first");

        let params: Vec<f64> = parameter_bits(trainer.network())
            .iter()
            .map(|&b| f32::from_bits(b as u32) as f64)
            .collect();
        let mut slots = Vec::new();
        trainer.for_each_optimizer_slot(|_, s| slots.extend(s.iter().map(O::widen_slot)));
        let replay = replay::<OUT>(
            &params,
            &slots,
            &x.map(|r| r.map(f64::from)),
            &y64,
            kind,
            trainer.optimizer().describe(),
        );
        let want = verdict(&replay);

        let before = snapshot(&trainer);
        let got = trainer.step(&Matrix::from_array(x), &y);
        match (want, got) {
            (Verdict::Accept, Ok(loss)) => {
                assert!(loss.is_finite() && all_finite(&trainer));
            }
            (Verdict::Accept, Err(e)) => panic!("step {step}: refused with {e:?}, but the f64 replay is finite"),
            (want, Ok(_)) => panic!("step {step}: accepted, but the f64 replay says {want:?}: {replay:?}"),
            (want, Err(e)) => {
                assert!(error_matches::<OUT>(want, e), "step {step}: {e:?}, want {want:?}");
                assert_eq!(
                    snapshot(&trainer),
                    before,
                    "step {step} was refused but changed something"
                );
                // Refusing again is just as clean.
                assert_eq!(trainer.step(&Matrix::from_array(x), &y), Err(e));
                assert_eq!(snapshot(&trainer), before);
                let mut gradient = None;
                if let Error::NonFiniteParameter {
                    layer,
                    tensor,
                    row,
                    col,
                } = e
                {
                    trainer.for_each_gradient(|id, g| {
                        if id.layer == layer && id.tensor == tensor {
                            gradient = g.get(row * id.cols + col).copied();
                        }
                    });
                }
                return Refusal {
                    step,
                    error: e,
                    gradient,
                };
            }
        }
        lr *= d.lr_growth;
        for (s, g) in scale.iter_mut().zip(d.input_growth) {
            *s *= g;
        }
    }
    panic!("{d:?} never overflowed");
}

fn regression<O: Described>(optimizer: O, d: Drive) -> Refusal
where
    O::Slot: SlotBits,
{
    drive(
        Regression::random(d.seed, Init::HeUniform),
        optimizer,
        Mse,
        LossKind::Mse,
        d,
    )
}

fn classifier<O: Described>(optimizer: O, d: Drive) -> Refusal
where
    O::Slot: SlotBits,
{
    drive(
        Classifier::random(d.seed, Init::HeUniform),
        optimizer,
        CrossEntropy,
        LossKind::CrossEntropy,
        d,
    )
}

fn tagger<O: Described>(optimizer: O, d: Drive) -> Refusal
where
    O::Slot: SlotBits,
{
    drive(
        Tagger::random(d.seed, Init::HeUniform),
        optimizer,
        BinaryCrossEntropy,
        LossKind::Binary,
        d,
    )
}

/// Asserts the scenario broke after several good steps, with an error of the given kind.
fn assert_broke(Refusal { step, error, .. }: &Refusal, kind: fn(&Error) -> bool) {
    assert!(
        *step >= 3,
        "refused already at step {step} ({error:?}): not a run of several steps"
    );
    assert!(kind(error), "refused at step {step} with {error:?}");
    println!("refused at step {step}: {error}");
}

fn is_loss(e: &Error) -> bool {
    matches!(e, Error::NonFiniteLoss)
}

fn is_gradient(e: &Error) -> bool {
    matches!(e, Error::NonFiniteGradient { .. })
}

fn is_parameter(e: &Error) -> bool {
    matches!(e, Error::NonFiniteParameter { .. })
}

fn exploding_inputs(seed: u64, lr: f32, growth: f32) -> Drive {
    Drive {
        seed,
        lr,
        lr_growth: 1.0,
        input_growth: [growth; IN],
        mute_feature_0: false,
    }
}

/// Feature 0 explodes; the first layer starts deaf to it.
fn exploding_muted_feature(seed: u64, lr: f32, growth: f32) -> Drive {
    Drive {
        seed,
        lr,
        lr_growth: 1.0,
        input_growth: [growth, 1.0],
        mute_feature_0: true,
    }
}

fn huge_learning_rates(seed: u64, lr: f32, growth: f32) -> Drive {
    Drive {
        seed,
        lr,
        lr_growth: growth,
        input_growth: [1.0; IN],
        mute_feature_0: false,
    }
}

#[test]
fn sgd_under_exploding_inputs_is_refused_when_the_mse_loss_would_overflow() {
    assert_broke(&regression(sgd(), exploding_inputs(1, 1e-3, 10.0)), is_loss);
}

#[test]
fn sgd_under_growing_learning_rates_is_refused_when_a_parameter_would_overflow() {
    assert_broke(&tagger(sgd(), huge_learning_rates(1, 0.01, 1e8)), is_parameter);
}

#[test]
fn clipped_sgd_under_an_exploding_feature_is_refused_when_a_gradient_would_overflow() {
    // Value clipping would turn the infinite gradient into a finite update;
    // the step must be refused all the same.
    assert_broke(
        &classifier(sgd_clipped(1.0), exploding_muted_feature(1, 1e-4, 100.0)),
        is_gradient,
    );
}

#[test]
fn momentum_under_exploding_inputs_is_refused_when_the_cross_entropy_would_overflow() {
    assert_broke(&classifier(momentum(), exploding_inputs(4, 1e-4, 10.0)), is_loss);
}

#[test]
fn momentum_under_growing_learning_rates_is_refused_when_a_parameter_would_overflow() {
    assert_broke(&tagger(momentum(), huge_learning_rates(1, 1e-6, 1e10)), is_parameter);
}

#[test]
fn momentum_with_mse_under_growing_learning_rates_is_refused_when_the_loss_would_overflow() {
    assert_broke(&regression(momentum(), huge_learning_rates(5, 1e-2, 1e5)), is_loss);
}

#[test]
fn adam_under_exploding_inputs_is_refused_when_its_second_moment_would_overflow() {
    // Adam's step is bounded by about lr, so the parameters stay finite; what
    // overflows first is v = β₂·v + (1 − β₂)·g², once |g| passes ≈ 5.8e20.
    for refusal in [
        tagger(adam(), exploding_inputs(7, 1e-3, 10.0)),
        classifier(adam(), exploding_inputs(9, 1e-3, 10.0)),
    ] {
        assert_broke(&refusal, is_parameter);
        let g = refusal.gradient.expect("the refused step's gradient") as f64;
        let one_minus_beta2 = (1.0 - 0.999f32) as f64;
        assert!(
            g.is_finite() && one_minus_beta2 * g * g > f32::MAX as f64,
            "{refusal:?}"
        );
    }
}

#[test]
fn adam_under_growing_learning_rates_is_refused_when_a_parameter_would_overflow() {
    assert_broke(&regression(adam(), huge_learning_rates(8, 1.0, 1e4)), is_parameter);
}
