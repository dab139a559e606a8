//! Long soaks: many thousands of training steps on noisy data in which about
//! one batch in fifty carries a corrupted sample (NaN, ±∞, or a value so huge
//! that the loss overflows). Each run must
//!
//! - refuse exactly the corrupted batches (counted independently, when they
//!   are made) with the error naming the bad value, and accept every other;
//! - end bit-identical to a control run on the same stream that simply never
//!   saw the corrupted batches (so no refused step left a trace, ever);
//! - end finite and useful on clean held-out data.
//!
//! Run with `cargo test --release --test robustness_soak -- --nocapture` for
//! the figures of a ten times longer soak.

use std::time::Instant;

use tinymlp::{
    Adam, BinaryCrossEntropy, CrossEntropy, Error, Layer, Loss, Matrix, Mse, Network, Optimizer, Rng, Sgd, Trainer, mlp,
};

const M: usize = 8;
/// Soak length multiplier: the debug build (what `cargo test` and CI run)
/// stays within a few seconds; a release build soaks ten times longer in
/// about the same time.
const LENGTH: usize = if cfg!(debug_assertions) { 1 } else { 10 };
/// One batch in this many is corrupted, on average.
const CORRUPTION_ODDS: usize = 50;

/// A labelled sample.
type Sample<const IN: usize, const OUT: usize> = ([f32; IN], [f32; OUT]);

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut Rng) -> f64 {
    let u: f64 = rng.uniform();
    let v: f64 = rng.uniform();
    (-2.0 * (1.0 - u).ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// How a batch was spoiled, and the error that must refuse it.
#[derive(Clone, Copy, Debug)]
enum Corruption {
    Input { row: usize, col: usize, value: f32 },
    Target { row: usize, col: usize, value: f32 },
}

impl Corruption {
    fn expected_error(self) -> Error {
        match self {
            Corruption::Input { row, col, value } if !value.is_finite() => Error::NonFiniteInput { row, col },
            Corruption::Target { row, col, value } if !value.is_finite() => Error::NonFiniteTarget { row, col },
            // A huge finite value is refused further in, when the loss overflows.
            _ => Error::NonFiniteLoss,
        }
    }
}

/// What a soak measured.
#[derive(Debug)]
struct Soak {
    steps: usize,
    corrupted: usize,
    rejected: usize,
}

/// Trains for `steps` batches drawn from `data`, corrupting about one batch in
/// [`CORRUPTION_ODDS`] with `corrupt`, next to a control trainer that skips
/// those batches. Counts corrupted batches as they are made and refused steps
/// as they happen; returns the trained network and the counts.
fn soak<L, G, O, const IN: usize, const OUT: usize>(
    net: Network<f32, L, IN, OUT>,
    optimizer: O,
    loss: G,
    data: &[Sample<IN, OUT>],
    steps: usize,
    seed: u64,
    corrupt: impl Fn(&mut Rng, &mut Matrix<f32, M, IN>, &mut Matrix<f32, M, OUT>) -> Corruption,
) -> (Network<f32, L, IN, OUT>, Soak)
where
    L: Layer<f32, IN, OUT> + Clone + PartialEq + core::fmt::Debug,
    G: Loss<L::Activation>,
    O: Optimizer<f32> + Clone,
{
    let mut rng = Rng::new(seed);
    let mut trainer = Trainer::<_, _, _, M>::new(net.clone(), optimizer.clone(), loss);
    let mut control = Trainer::<_, _, _, M>::new(net, optimizer, loss);
    let (mut corrupted, mut rejected) = (0, 0);
    for step in 0..steps {
        let mut x = Matrix::<f32, M, IN>::zeros();
        let mut y = Matrix::<f32, M, OUT>::zeros();
        for r in 0..M {
            let (xi, yi) = data[rng.below(data.len())];
            *x.row_mut(r).unwrap() = xi;
            *y.row_mut(r).unwrap() = yi;
        }
        let corruption = (rng.below(CORRUPTION_ODDS) == 0).then(|| corrupt(&mut rng, &mut x, &mut y));
        corrupted += usize::from(corruption.is_some());
        let result = trainer.step(&x, &y);
        rejected += usize::from(result.is_err());
        match corruption {
            Some(corruption) => {
                if let Err(error) = result {
                    assert_eq!(error, corruption.expected_error(), "step {step}: {corruption:?}");
                }
            }
            None => assert_eq!(result, control.step(&x, &y), "step {step}: the runs diverged"),
        }
    }
    let network = trainer.into_network();
    assert!(
        network == *control.network(),
        "the run with refused batches differs from the control that never saw them"
    );
    let mut finite = true;
    network.for_each_layer(|l| finite &= l.weights.iter().chain(l.bias).all(|w| w.is_finite()));
    assert!(finite);
    (
        network,
        Soak {
            steps,
            corrupted,
            rejected,
        },
    )
}

/// A poison for an input or target: NaN, ±∞, or a huge value.
fn poison(rng: &mut Rng, huge: f32) -> f32 {
    [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, huge, -huge][rng.below(5)]
}

/// Poisons one input or target of the batch, chosen at random, with a
/// non-finite value: for the classification losses, whose tanh hidden layers
/// saturate on huge inputs and whose losses need not overflow on huge
/// targets, only a non-finite value is certain to be refused.
fn non_finite_input_or_target<const IN: usize, const OUT: usize>(
    rng: &mut Rng,
    x: &mut Matrix<f32, M, IN>,
    y: &mut Matrix<f32, M, OUT>,
) -> Corruption {
    let row = rng.below(M);
    let value = poison(rng, f32::NAN);
    if rng.below(2) == 0 {
        let col = rng.below(IN);
        *x.get_mut(row, col).unwrap() = value;
        Corruption::Input { row, col, value }
    } else {
        let col = rng.below(OUT);
        *y.get_mut(row, col).unwrap() = value;
        Corruption::Target { row, col, value }
    }
}

fn report(name: &str, soak: &Soak, quality: &str, started: Instant) {
    println!(
        "{name}: {} steps, {} corrupted batches, {} rejected steps, {quality}, {:.2?}",
        soak.steps,
        soak.corrupted,
        soak.rejected,
        started.elapsed()
    );
}

// ---- regression: Adam and MSE on a noisy smooth surface ----

fn surface(x: [f32; 2]) -> f32 {
    let [a, b] = x.map(f64::from);
    ((1.5 * a).sin() + 0.5 * b * b - 0.25 * a * b) as f32
}

#[test]
fn adam_regression_soak_refuses_exactly_the_corrupted_batches() {
    let started = Instant::now();
    type Net = mlp!(f32; 2 => 16 LeakyRelu<100> => 1 Identity);
    let mut rng = Rng::new(11);
    let point = |rng: &mut Rng| [0, 1].map(|_| rng.uniform::<f32>() * 4.0 - 2.0);
    let train: Vec<Sample<2, 1>> = (0..2048)
        .map(|_| {
            let x = point(&mut rng);
            (x, [surface(x) + 0.1 * normal(&mut rng) as f32])
        })
        .collect();
    let (net, soak) = soak(
        Net::xavier(5),
        Adam::new(3e-3),
        Mse,
        &train,
        12_000 * LENGTH,
        12,
        |rng, x, y| {
            let row = rng.below(M);
            if rng.below(2) == 0 {
                // 1e30 through a leaky ReLU layer makes the output ≈ 1e29 and its square overflow.
                let (col, value) = (rng.below(2), poison(rng, 1e30));
                *x.get_mut(row, col).unwrap() = value;
                Corruption::Input { row, col, value }
            } else {
                // (a − 1e30)² overflows whatever the (finite, ordinary) output a.
                let value = poison(rng, 1e30);
                *y.get_mut(row, 0).unwrap() = value;
                Corruption::Target { row, col: 0, value }
            }
        },
    );

    // Held out: clean targets on fresh points.
    let held_out: Vec<[f32; 2]> = (0..1000).map(|_| point(&mut rng)).collect();
    let mse = |f: &dyn Fn([f32; 2]) -> f32| {
        held_out
            .iter()
            .map(|&x| (f(x) - surface(x)).powi(2) as f64)
            .sum::<f64>()
            / held_out.len() as f64
    };
    let mean = train.iter().map(|(_, y)| y[0] as f64).sum::<f64>() / train.len() as f64;
    let baseline = mse(&|_| mean as f32);
    let model = mse(&|x| net.forward(&x)[0]);
    report(
        "adam + mse",
        &soak,
        &format!("held-out MSE {model:.4} (predicting the mean: {baseline:.4})"),
        started,
    );
    assert_eq!(soak.rejected, soak.corrupted);
    assert!(soak.corrupted > 150, "{soak:?}");
    assert!(
        model < 0.02 && model < baseline / 20.0,
        "held-out MSE {model} (baseline {baseline})"
    );
}

// ---- classification: Nesterov momentum and cross-entropy on noisy blobs ----

const CENTRES: [[f64; 2]; 3] = [[-1.0, -0.5], [1.0, -0.5], [0.0, 1.0]];

/// The class whose centre is nearest: the Bayes-optimal rule for equal round blobs.
fn nearest_centre(x: [f32; 2]) -> usize {
    let d = |c: [f64; 2]| (x[0] as f64 - c[0]).powi(2) + (x[1] as f64 - c[1]).powi(2);
    (0..3).min_by(|&a, &b| d(CENTRES[a]).total_cmp(&d(CENTRES[b]))).unwrap()
}

fn argmax<const N: usize>(v: [f32; N]) -> usize {
    (0..N).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap()
}

fn blob(rng: &mut Rng, class: usize) -> [f32; 2] {
    let c = CENTRES[class];
    [(c[0] + 0.45 * normal(rng)) as f32, (c[1] + 0.45 * normal(rng)) as f32]
}

#[test]
fn momentum_classification_soak_refuses_exactly_the_corrupted_batches() {
    let started = Instant::now();
    type Net = mlp!(f32; 2 => 12 Tanh => 3 Softmax);
    let mut rng = Rng::new(21);
    // Noisy data: overlapping blobs, and 5% of labels flipped at random.
    let train: Vec<Sample<2, 3>> = (0..1500)
        .map(|i| {
            let x = blob(&mut rng, i % 3);
            let label = if rng.below(20) == 0 { rng.below(3) } else { i % 3 };
            (x, core::array::from_fn(|j| f32::from(u8::from(j == label))))
        })
        .collect();
    let (net, soak) = soak(
        Net::xavier(6),
        Sgd::new(0.05).momentum(0.9).nesterov(true),
        CrossEntropy,
        &train,
        12_000 * LENGTH,
        22,
        non_finite_input_or_target,
    );

    let held_out: Vec<[f32; 2]> = (0..3000).map(|i| blob(&mut rng, i % 3)).collect();
    let agreement = |f: &dyn Fn([f32; 2]) -> usize| {
        held_out.iter().filter(|&&x| f(x) == nearest_centre(x)).count() as f64 / held_out.len() as f64
    };
    let model = agreement(&|x| argmax(net.forward(&x)));
    let truth = held_out
        .iter()
        .enumerate()
        .filter(|&(i, &x)| nearest_centre(x) == i % 3)
        .count() as f64
        / held_out.len() as f64;
    report(
        "nesterov + cross-entropy",
        &soak,
        &format!(
            "held-out agreement with the Bayes rule {:.1}% (the Bayes rule is right on {:.1}%)",
            100.0 * model,
            100.0 * truth
        ),
        started,
    );
    assert_eq!(soak.rejected, soak.corrupted);
    assert!(soak.corrupted > 150, "{soak:?}");
    assert!(model > 0.95, "agrees with the Bayes rule on {model}");
}

// ---- tagging: plain SGD and binary cross-entropy on noisy quadrants ----

#[test]
fn sgd_binary_soak_refuses_exactly_the_corrupted_batches() {
    let started = Instant::now();
    type Net = mlp!(f32; 2 => 8 Tanh => 2 Sigmoid);
    // Two tags: "x₀ > 0" and "x₀·x₁ > 0" (XOR of the signs), from noisy inputs.
    let tags = |x: [f32; 2]| [f32::from(u8::from(x[0] > 0.0)), f32::from(u8::from(x[0] * x[1] > 0.0))];
    let mut rng = Rng::new(31);
    let point = |rng: &mut Rng| [0, 1].map(|_| rng.uniform::<f32>() * 2.0 - 1.0);
    let train: Vec<Sample<2, 2>> = (0..1024)
        .map(|_| {
            let x = point(&mut rng);
            let noisy = x.map(|v| v + 0.05 * normal(&mut rng) as f32);
            (noisy, tags(x))
        })
        .collect();
    let (net, soak) = soak(
        Net::xavier(7),
        Sgd::new(0.5),
        BinaryCrossEntropy,
        &train,
        8_000 * LENGTH,
        32,
        non_finite_input_or_target,
    );

    // Held out away from the boundaries, where the tags are unambiguous.
    let held_out: Vec<[f32; 2]> = (0..2000)
        .map(|_| point(&mut rng))
        .filter(|x| x[0].abs() > 0.1 && x[1].abs() > 0.1)
        .collect();
    let correct = held_out
        .iter()
        .filter(|&&x| {
            let out = net.forward(&x);
            let want = tags(x);
            (0..2).all(|j| (out[j] > 0.5) == (want[j] > 0.5))
        })
        .count() as f64
        / held_out.len() as f64;
    report(
        "sgd + binary cross-entropy",
        &soak,
        &format!("held-out accuracy (both tags right) {:.1}%", 100.0 * correct),
        started,
    );
    assert_eq!(soak.rejected, soak.corrupted);
    assert!(soak.corrupted > 100, "{soak:?}");
    assert!(correct > 0.95, "both tags right on {correct}");
}
