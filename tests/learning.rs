//! Real data is learned from fixed seeds: Iris and Wine (stratified 80/20
//! splits, `tests/data/`) and the regression `y = sin(x)` on [−π, π], in f32
//! as a device would train them. The thresholds are floors; the figures each
//! run reaches are printed (`cargo test --test learning -- --nocapture`).

mod datasets;

use core::f32::consts::PI;
use core::ops::ControlFlow;

use datasets::Split;
use tinymlp::{
    Adam, CrossEntropy, Evaluation, Init, Layer, Loss, Mse, Network, Rng, Sample, Standardizer, Trainer, mlp,
};

type IrisNet = mlp!(f32; 4 => 16 Relu => 16 Relu => 3 Softmax);
type WineNet = mlp!(f32; 13 => 16 Relu => 3 Softmax);
type SineNet = mlp!(f32; 1 => 16 Tanh => 16 Tanh => 1 Identity);

const BATCH: usize = 16;

/// Trains `net` on `data.train` for `epochs` epochs (Adam at 0.01,
/// cross-entropy, batches of [`BATCH`], shuffled from seed 1), prints the
/// figures it reaches on both splits, and returns its evaluation on the test split.
fn train_classifier<L, const IN: usize, const CLASSES: usize>(
    name: &str,
    net: Network<f32, L, IN, CLASSES>,
    data: &mut Split<IN, CLASSES>,
    epochs: usize,
) -> Evaluation<f32>
where
    L: Layer<f32, IN, CLASSES>,
    CrossEntropy: Loss<L::Activation>,
{
    let mut trainer = Trainer::<_, _, _, BATCH>::new(net, Adam::new(0.01), CrossEntropy);
    let summary = trainer
        .fit(&mut data.train[..], epochs, &mut Rng::new(1), |_| {
            ControlFlow::Continue(())
        })
        .unwrap();
    let train = trainer.evaluate(&data.train[..]).unwrap();
    let test = trainer.evaluate(&data.test[..]).unwrap();
    println!(
        "{name}: {} epochs, final epoch loss {:.4}; train {}/{} ({:.1}%), loss {:.4}; test {}/{} ({:.1}%), loss {:.4}",
        summary.epochs,
        summary.loss.unwrap(),
        train.correct,
        train.samples,
        100.0 * train.accuracy(),
        train.loss,
        test.correct,
        test.samples,
        100.0 * test.accuracy(),
        test.loss
    );
    test
}

#[test]
fn iris_4_16_16_3_relu_softmax_adam_reaches_93_percent_on_the_test_split() {
    let mut data = datasets::iris();
    let test = train_classifier("iris", IrisNet::random(7, Init::HeUniform), &mut data, 100);
    assert_eq!(test.samples, 30);
    assert!(test.accuracy() >= 0.93, "test accuracy {}", test.accuracy());
}

#[test]
fn wine_standardised_13_16_3_relu_softmax_adam_reaches_97_percent_on_the_test_split() {
    let mut data = datasets::wine();
    let standardizer = Standardizer::fit(data.train.iter().map(|(x, _)| x)).unwrap();
    standardizer.apply_inputs(&mut data.train);
    standardizer.apply_inputs(&mut data.test);

    let test = train_classifier("wine", WineNet::random(7, Init::HeUniform), &mut data, 30);
    assert_eq!(test.samples, 36);
    assert!(test.accuracy() >= 0.97, "test accuracy {}", test.accuracy());
}

/// `n` points `x` evenly spaced over [−π, π] (both ends included), with `sin(x)`.
fn sine_points<const N: usize>() -> Vec<Sample<f32, 1, 1>> {
    (0..N)
        .map(|i| {
            let x = -PI + 2.0 * PI * i as f32 / (N - 1) as f32;
            ([x], [x.sin()])
        })
        .collect()
}

#[test]
fn sine_1_16_16_1_tanh_mse_falls_below_1e_3_between_the_training_points() {
    let mut train = sine_points::<32>();
    let probe = train.clone(); // `fit` shuffles `train`; the callback measures this copy
    // A grid that interleaves the training points, so this measures the curve, not memory.
    let test = sine_points::<201>();
    let mut trainer = Trainer::<_, _, _, BATCH>::new(SineNet::random(3, Init::XavierUniform), Adam::new(0.01), Mse);
    // Adam at a fixed learning rate wanders around its minimum; stop once the
    // training MSE is well inside the bound (checked every 10 epochs).
    let summary = trainer
        .fit(&mut train[..], 3000, &mut Rng::new(1), |report| {
            let done = report.epoch % 10 == 0 && report.network.evaluate(Mse, &probe[..]).unwrap().loss < 2.5e-4;
            if done {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert!(
        summary.stopped_early,
        "the training MSE never reached 2.5e-4 in 3000 epochs"
    );
    let train_mse = trainer.evaluate(&probe[..]).unwrap().loss;
    let test_mse = trainer.evaluate(&test[..]).unwrap().loss;
    // The crate's MSE sums over outputs and divides by m: with one output it is the usual mean.
    let recomputed: f64 = test
        .iter()
        .map(|(x, y)| {
            let e = f64::from(trainer.network().forward(x)[0]) - f64::from(y[0]);
            e * e
        })
        .sum::<f64>()
        / test.len() as f64;
    println!(
        "sine: stopped after {} epochs ({} steps); train MSE {train_mse:.3e}; MSE on a 201-point grid {test_mse:.3e} (f64 recomputation {recomputed:.3e})",
        summary.epochs, summary.steps
    );
    assert!((f64::from(test_mse) - recomputed).abs() <= 1e-6 * recomputed.max(1e-3));
    assert!(test_mse < 1e-3, "MSE {test_mse}");
}
