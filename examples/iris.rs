//! Trains a 4-16-16-3 ReLU/softmax classifier on Iris with Adam and mini-batches
//! of 16, drawing a progress bar, then prints the confusion matrix on the
//! held-out 20%.
//!
//! Run with `cargo run --release --example iris`. The data and its licence
//! note are in `tests/data/`.

use core::ops::ControlFlow;

use indicatif::{ProgressBar, ProgressStyle};
use tinymlp::{Adam, CrossEntropy, Init, Rng, Sample, Trainer, argmax, mlp, one_hot};

/// 4 measurements (cm) → 16 ReLU → 16 ReLU → 3 species.
type Classifier = mlp!(f32; 4 => 16 Relu => 16 Relu => 3 Softmax);

const CLASSES: [&str; 3] = ["setosa", "versicolor", "virginica"];
const EPOCHS: usize = 100;
const BATCH: usize = 16;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows = parse(include_str!("../tests/data/iris.csv"))?;
    let mut train = pick(&rows, include_str!("../tests/data/iris_train_idx.txt"))?;
    let test = pick(&rows, include_str!("../tests/data/iris_test_idx.txt"))?;
    println!("Iris: {} training and {} test samples", train.len(), test.len());

    let mut trainer =
        Trainer::<_, _, _, BATCH>::new(Classifier::random(7, Init::HeUniform), Adam::new(0.01), CrossEntropy);
    let bar = ProgressBar::new(EPOCHS as u64)
        .with_style(ProgressStyle::with_template("{bar:40} epoch {pos:>3}/{len}  {msg}")?);
    let summary = trainer.fit(&mut train[..], EPOCHS, &mut Rng::new(1), |report| {
        let test_accuracy = report
            .network
            .evaluate(CrossEntropy, &test[..])
            .map_or(f32::NAN, |e| e.accuracy());
        bar.set_message(format!(
            "loss {:.4}  test accuracy {:5.1}%",
            report.loss,
            100.0 * test_accuracy
        ));
        bar.inc(1);
        ControlFlow::Continue(())
    })?;
    bar.finish_and_clear();

    let on_train = trainer.evaluate(&train[..])?;
    let on_test = trainer.evaluate(&test[..])?;
    println!(
        "after {} epochs ({} steps): train accuracy {:.1}% (loss {:.4}), test accuracy {:.1}% (loss {:.4})",
        summary.epochs,
        summary.steps,
        100.0 * on_train.accuracy(),
        on_train.loss,
        100.0 * on_test.accuracy(),
        on_test.loss
    );

    let mut confusion = [[0usize; 3]; 3];
    for (x, y) in &test {
        confusion[argmax(y)][argmax(&trainer.network().forward(x))] += 1;
    }
    println!("\nconfusion matrix on the test split (rows: true species, columns: predicted)");
    print!("{:>12}", "");
    for name in CLASSES {
        print!("{name:>12}");
    }
    println!();
    for (name, row) in CLASSES.iter().zip(&confusion) {
        print!("{name:>12}");
        for count in row {
            print!("{count:>12}");
        }
        println!();
    }
    Ok(())
}

/// The CSV below its header: 4 features, then the class index.
fn parse(csv: &str) -> Result<Vec<Sample<f32, 4, 3>>, Box<dyn std::error::Error>> {
    let mut rows = Vec::new();
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.trim().split(',').collect();
        let [a, b, c, d, label] = fields[..] else {
            return Err(format!("expected 5 fields: {line}").into());
        };
        let x = [a.parse()?, b.parse()?, c.parse()?, d.parse()?];
        rows.push((x, one_hot(label.parse()?)?));
    }
    Ok(rows)
}

/// The rows whose 0-based indices are listed one per line.
fn pick(rows: &[Sample<f32, 4, 3>], indices: &str) -> Result<Vec<Sample<f32, 4, 3>>, Box<dyn std::error::Error>> {
    indices
        .lines()
        .map(|line| {
            let i: usize = line.trim().parse()?;
            rows.get(i).copied().ok_or_else(|| format!("no row {i}").into())
        })
        .collect()
}
