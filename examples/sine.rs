//! Fits `y = sin(x)` on [−π, π] with a 1-16-16-1 tanh network (Adam, MSE,
//! mini-batches of 16), then draws the learned curve and the loss curve as SVG.
//!
//! Run with `cargo run --release --example sine [DIR]`. The plots go to `DIR`
//! (default: the repository's `docs/`, where the README shows them).

use core::f32::consts::PI;
use core::ops::ControlFlow;
use std::path::PathBuf;

use plotters::prelude::*;
use tinymlp::{Adam, Init, Mse, Rng, Sample, Trainer, mlp};

/// 1 input → 16 tanh → 16 tanh → 1 linear output.
type Regressor = mlp!(f32; 1 => 16 Tanh => 16 Tanh => 1 Identity);

const TRAINING_POINTS: usize = 32;
const MAX_EPOCHS: usize = 3000;
/// Stop once the training MSE is this low (checked every 10 epochs).
const TARGET_MSE: f32 = 2.5e-4;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/docs")),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir)?;

    let mut train = points(TRAINING_POINTS);
    let probe = train.clone(); // `fit` shuffles `train`
    let grid = points(201);
    let mut trainer = Trainer::<_, _, _, 16>::new(Regressor::random(3, Init::XavierUniform), Adam::new(0.01), Mse);
    let mut losses = Vec::new();
    let summary = trainer.fit(&mut train[..], MAX_EPOCHS, &mut Rng::new(1), |report| {
        losses.push(report.loss);
        let done = report.epoch % 10 == 0
            && report
                .network
                .evaluate(Mse, &probe[..])
                .is_ok_and(|e| e.loss < TARGET_MSE);
        if done {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    let on_grid = trainer.evaluate(&grid[..])?;
    println!(
        "stopped after {} epochs ({} steps); MSE on a 201-point grid over [-pi, pi]: {:.3e}",
        summary.epochs, summary.steps, on_grid.loss
    );

    let fit_path = dir.join("sine_fit.svg");
    let curve: Vec<(f32, f32, f32)> = grid
        .iter()
        .map(|(x, y)| (x[0], y[0], trainer.network().forward(x)[0]))
        .collect();
    plot_fit(&fit_path, &curve, &probe)?;
    let loss_path = dir.join("sine_loss.svg");
    plot_loss(&loss_path, &losses)?;
    println!("wrote {}\nwrote {}", fit_path.display(), loss_path.display());
    Ok(())
}

/// `n` evenly spaced points over [−π, π], ends included, with `sin(x)`.
fn points(n: usize) -> Vec<Sample<f32, 1, 1>> {
    (0..n)
        .map(|i| {
            let x = -PI + 2.0 * PI * i as f32 / (n - 1) as f32;
            ([x], [x.sin()])
        })
        .collect()
}

/// `sin(x)` and the network's curve over the grid `(x, sin x, net(x))`, with the training points.
fn plot_fit(
    path: &PathBuf,
    curve: &[(f32, f32, f32)],
    train: &[Sample<f32, 1, 1>],
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (640, 400)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("y = sin(x): a 1-16-16-1 tanh network", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(-PI..PI, -1.2f32..1.2f32)?;
    chart.configure_mesh().max_light_lines(0).x_desc("x").draw()?;
    chart
        .draw_series(LineSeries::new(
            curve.iter().map(|&(x, y, _)| (x, y)),
            BLUE.stroke_width(2),
        ))?
        .label("sin(x)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            curve.iter().map(|&(x, _, a)| (x, a)),
            RED.stroke_width(1),
        ))?
        .label("network")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED));
    chart
        .draw_series(train.iter().map(|(x, y)| Circle::new((x[0], y[0]), 3, BLACK.filled())))?
        .label("training points")
        .legend(|(x, y)| Circle::new((x + 10, y), 3, BLACK.filled()));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Each epoch's mean training loss, on a log scale.
fn plot_loss(path: &PathBuf, losses: &[f32]) -> Result<(), Box<dyn std::error::Error>> {
    let low = losses.iter().copied().fold(f32::INFINITY, f32::min);
    let high = losses.iter().copied().fold(0.0, f32::max);
    let root = SVGBackend::new(path, (640, 400)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("training loss (MSE) per epoch", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(1..losses.len(), (low / 2.0..high * 2.0).log_scale())?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .x_desc("epoch")
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()?;
    chart.draw_series(LineSeries::new(
        losses.iter().enumerate().map(|(i, &l)| (i + 1, l)),
        BLUE.stroke_width(2),
    ))?;
    root.present()?;
    Ok(())
}
