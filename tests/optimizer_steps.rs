//! Three steps of SGD with momentum, Nesterov momentum and Adam, computed by
//! hand on a problem with exactly two parameters, against the trainer (f64,
//! to 1e-12). Plus weight decay and both kinds of clipping, one step each.
//!
//! The problem: a 1-input, 1-output `Identity` layer `ŷ = w·x + b` under the
//! seed's MSE on two samples `(x, y) = (1, 2), (2, 3)`, starting from
//! `w = 0.5, b = 0`. With `m = 2` and residuals `rᵢ = w·xᵢ + b − yᵢ`,
//!
//! ```text
//! f = (1/2)·(r₁² + r₂²)     ∂f/∂w = (2/2)·(r₁·1 + r₂·2) = r₁ + 2r₂     ∂f/∂b = r₁ + r₂
//! ```
//!
//! Momentum and Nesterov steps are exact in rationals (shown as decimals);
//! Adam's square roots were evaluated with 50-digit decimal arithmetic, the
//! intermediate values shown beside each step.

// The hand-computed values keep the digits they were computed to.
#![allow(clippy::excessive_precision)]

use tinymlp::{Adam, Clip, Dense, Identity, Matrix, Mse, Network, Optimizer, Sgd, Trainer};

type Line = Network<f64, Dense<f64, 1, 1, Identity>, 1, 1>;

fn start<O: Optimizer<f64>>(optimizer: O) -> Trainer<Line, O, Mse, 2> {
    Trainer::new(Network::new(Dense::from_arrays([[0.5]], [0.0])), optimizer, Mse)
}

fn data() -> (Matrix<f64, 2, 1>, Matrix<f64, 2, 1>) {
    (Matrix::from_array([[1.0], [2.0]]), Matrix::from_array([[2.0], [3.0]]))
}

/// `(∂f/∂w, ∂f/∂b)` at `(w, b)`, from the formulas above.
fn hand_gradient(w: f64, b: f64) -> (f64, f64) {
    let r1 = w * 1.0 + b - 2.0;
    let r2 = w * 2.0 + b - 3.0;
    (r1 + 2.0 * r2, r1 + r2)
}

fn params<O: Optimizer<f64>>(t: &Trainer<Line, O, Mse, 2>) -> (f64, f64) {
    let layer = t.network().layers();
    (layer.weights().as_array()[0][0], layer.bias().as_array()[0][0])
}

fn gradient<O: Optimizer<f64>>(t: &Trainer<Line, O, Mse, 2>) -> (f64, f64) {
    let mut g = Vec::new();
    t.for_each_gradient(|_, values| g.extend_from_slice(values));
    (g[0], g[1])
}

/// Takes one step and checks the gradient it used and the parameters it left.
fn step_and_check<O: Optimizer<f64>>(t: &mut Trainer<Line, O, Mse, 2>, step: usize, g: (f64, f64), wb: (f64, f64)) {
    let before = params(t);
    let hand = hand_gradient(before.0, before.1);
    let (x, y) = data();
    t.step(&x, &y).unwrap();
    let used = gradient(t);
    assert!(
        (hand.0 - g.0).abs() < 1e-12 && (hand.1 - g.1).abs() < 1e-12,
        "step {step}: the table's gradient {g:?} is not the formula's {hand:?}"
    );
    assert!(
        (used.0 - g.0).abs() < 1e-12 && (used.1 - g.1).abs() < 1e-12,
        "step {step}: gradient {used:?}, by hand {g:?}"
    );
    let after = params(t);
    assert!(
        (after.0 - wb.0).abs() < 1e-12 && (after.1 - wb.1).abs() < 1e-12,
        "step {step}: (w, b) = {after:?}, by hand {wb:?}"
    );
}

#[test]
fn sgd_momentum_matches_three_hand_computed_steps() {
    // PyTorch's SGD (dampening 0): v = μ·v + g, p −= lr·v, with lr = 0.1, μ = 0.9, v₀ = 0.
    let mut t = start(Sgd::new(0.1).momentum(0.9));
    // 1: r = (−1.5, −2),       g = (−5.5, −3.5)
    //    v = (−5.5, −3.5)                                   w = 0.5 + 0.55 = 1.05,  b = 0 + 0.35 = 0.35
    step_and_check(&mut t, 1, (-5.5, -3.5), (1.05, 0.35));
    // 2: r = (−0.6, −0.55),    g = (−0.6 − 1.1, −0.6 − 0.55) = (−1.7, −1.15)
    //    v = (0.9·−5.5 − 1.7, 0.9·−3.5 − 1.15) = (−6.65, −4.3)  w = 1.05 + 0.665 = 1.715,  b = 0.35 + 0.43 = 0.78
    step_and_check(&mut t, 2, (-1.7, -1.15), (1.715, 0.78));
    // 3: r = (0.495, 1.21),    g = (0.495 + 2.42, 0.495 + 1.21) = (2.915, 1.705)
    //    v = (0.9·−6.65 + 2.915, 0.9·−4.3 + 1.705) = (−3.07, −2.165)
    //                                                        w = 1.715 + 0.307 = 2.022,  b = 0.78 + 0.2165 = 0.9965
    step_and_check(&mut t, 3, (2.915, 1.705), (2.022, 0.9965));
}

#[test]
fn sgd_nesterov_matches_three_hand_computed_steps() {
    // PyTorch's Nesterov: v = μ·v + g, p −= lr·(g + μ·v), with lr = 0.1, μ = 0.9.
    let mut t = start(Sgd::new(0.1).momentum(0.9).nesterov(true));
    // 1: g = (−5.5, −3.5), v = g, g + μv = (−5.5 − 4.95, −3.5 − 3.15) = (−10.45, −6.65)
    //    w = 0.5 + 1.045 = 1.545, b = 0.665
    step_and_check(&mut t, 1, (-5.5, -3.5), (1.545, 0.665));
    // 2: r = (1.545 + 0.665 − 2, 3.09 + 0.665 − 3) = (0.21, 0.755), g = (0.21 + 1.51, 0.965) = (1.72, 0.965)
    //    v = (−4.95 + 1.72, −3.15 + 0.965) = (−3.23, −2.185)
    //    g + μv = (1.72 − 2.907, 0.965 − 1.9665) = (−1.187, −1.0015)
    //    w = 1.545 + 0.1187 = 1.6637, b = 0.665 + 0.10015 = 0.76515
    step_and_check(&mut t, 2, (1.72, 0.965), (1.6637, 0.76515));
    // 3: r = (0.42885, 1.09255), g = (0.42885 + 2.1851, 1.5214) = (2.61395, 1.5214)
    //    v = (−2.907 + 2.61395, −1.9665 + 1.5214) = (−0.29305, −0.4451)
    //    g + μv = (2.61395 − 0.263745, 1.5214 − 0.40059) = (2.350205, 1.12081)
    //    w = 1.6637 − 0.2350205 = 1.4286795, b = 0.76515 − 0.112081 = 0.653069
    step_and_check(&mut t, 3, (2.61395, 1.5214), (1.4286795, 0.653069));
}

#[test]
fn adam_matches_three_hand_computed_steps() {
    // PyTorch's Adam: m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ),
    // p −= lr·m̂/(√v̂ + ε), with lr = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    let mut t = start(Adam::new(0.1));
    // 1: g = (−5.5, −3.5); m = (−0.55, −0.35), v = (0.03025, 0.01225);
    //    m̂ = g, v̂ = g², √v̂ = |g|, so the update is lr·g/(|g| + ε):
    //    w = 0.5 + 0.1·5.5/(5.5 + 1e-8) = 0.59999999981818181851…
    //    b = 0.0 + 0.1·3.5/(3.5 + 1e-8) = 0.09999999971428571510…
    step_and_check(
        &mut t,
        1,
        (-5.5, -3.5),
        (
            0.59999999981818181851239669361382419,
            0.099999999714285715102040813994169103,
        ),
    );
    // 2: r = (−1.30000000046753246639, −1.70000000064935064787)
    //    g = (−4.70000000176623376213, −3.00000000111688311426)
    //    m = (−0.965000000176623376213, −0.615000000111688311426)
    //    v = (0.0523097500166025973672, 0.0212377500067012986868)
    //    m̂ = m/0.19 = (−5.07894736935064934849, −3.23684210585099111277)
    //    v̂ = v/0.001999 = (26.1679589877951962817, 10.6241870968990988928)
    //    √v̂ = (5.11546273447429155267, 3.25947650657265804028)
    //    update = (−0.0992861765015670183595, −0.0993055814144822547435)
    step_and_check(
        &mut t,
        2,
        (
            -4.7000000017662337621318940899483717,
            -3.0000000011168831142587282911701892,
        ),
        (
            0.69928617631974883687189757398320348,
            0.19930558112876796984556859527842343,
        ),
    );
    // 3: r = (−1.10140824255148319328, −1.40212206623173435641)
    //    g = (−3.90565237501495190610, −2.50353030878321754969)
    //    m = (−1.25906523766045622920, −0.803853030978841235253)
    //    v = (0.0675115607410459292900, 0.0274841762636907899996)
    //    m̂ = m/0.271 = (−4.64599718693895287529, −2.96624734678539201200)
    //    v̂ = v/0.002997001 = (22.5263724440018302596, 9.17055959063436748922)
    //    √v̂ = (4.74619557582721513577, 3.02829318108969883293)
    //    update = (−0.0978888691568575830906, −0.0979511282300251684295)
    step_and_check(
        &mut t,
        3,
        (
            -3.9056523750149519061038063442487123,
            -2.5035303087832175496931700874935427,
        ),
        (
            0.79717504547660641996248160922657007,
            0.29725670935879313827511540865865804,
        ),
    );
    assert_eq!(t.optimizer().steps(), 3);
}

#[test]
fn weight_decay_adds_lambda_times_the_parameter_to_the_gradient() {
    // PyTorch's L2 weight_decay: g ← g + λ·p, on every parameter. λ = 0.1, lr = 0.1:
    // w = 0.5 − 0.1·(−5.5 + 0.05) = 1.045, b = 0 − 0.1·(−3.5 + 0) = 0.35.
    let mut t = start(Sgd::new(0.1).weight_decay(0.1));
    step_and_check(&mut t, 1, (-5.5, -3.5), (1.045, 0.35));
}

#[test]
fn clipping_by_value_clamps_each_gradient() {
    // Clip to [−2, 2]: g = (−2, −2), so w = 0.5 + 0.2 = 0.7, b = 0.2.
    // (The stored gradients are the raw ones; clipping happens in the update.)
    let mut t = start(Sgd::new(0.1).clip(Clip::Value(2.0)));
    step_and_check(&mut t, 1, (-5.5, -3.5), (0.7, 0.2));
}

#[test]
fn clipping_by_norm_scales_all_gradients_together() {
    // PyTorch's clip_grad_norm_: ‖g‖ = √(5.5² + 3.5²) = √42.5, scale = 1/(√42.5 + 1e-6) < 1.
    let scale = 1.0 / (42.5f64.sqrt() + 1e-6);
    let mut t = start(Sgd::new(0.1).clip(Clip::Norm(1.0)));
    step_and_check(&mut t, 1, (-5.5, -3.5), (0.5 + 0.1 * 5.5 * scale, 0.1 * 3.5 * scale));
    // A norm bound above ‖g‖ leaves the step alone.
    let mut t = start(Sgd::new(0.1).clip(Clip::Norm(10.0)));
    step_and_check(&mut t, 1, (-5.5, -3.5), (1.05, 0.35));
}
