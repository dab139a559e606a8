//! Instructions per training step and per inference (callgrind through
//! gungraun): tinymlp's checked step against the nalgebra baseline, for each
//! workload of `workloads/mod.rs`. Run with `cargo bench --bench instructions`
//! (needs valgrind and `gungraun-runner` of the same version as the library).
//!
//! Each training benchmark is one step in steady state: setup builds the
//! workload's initial state and takes step 0 (batch 0), the measured call is
//! step 1 (batch 1). `*_first_step` measures step 0 itself, which for tinymlp
//! includes a one-off scan of the weights (see `Trainer::step`). Setup is not
//! counted.

use std::hint::black_box;

use gungraun::prelude::*;
use nalgebra::{RowSVector, SMatrix};
use tinymlp::{Adam, CrossEntropy, FusedTrainer, Matrix, Mse};

#[path = "workloads/mod.rs"]
mod workloads;

#[path = "baseline/mod.rs"]
mod baseline;

use workloads::*;

type Input<T, const M: usize, const IN: usize, const OUT: usize> = Box<(T, Matrix<f32, M, IN>, Matrix<f32, M, OUT>)>;
type BaselineInput<T, const M: usize, const IN: usize, const OUT: usize> =
    Box<(T, SMatrix<f32, M, IN>, SMatrix<f32, M, OUT>)>;

// ------------------------------------------------------------------ inputs

/// Step 0 taken in setup, or not (`first`).
fn w1_ours_at(first: bool) -> Input<W1Trainer, 4, 2, 1> {
    let (x, y) = w1_data();
    let mut trainer = w1_trainer();
    if !first {
        trainer.step(&x, &y).expect("step 0");
    }
    Box::new((trainer, x, y))
}

fn w1_ours() -> Input<W1Trainer, 4, 2, 1> {
    w1_ours_at(false)
}

fn w1_theirs() -> BaselineInput<baseline::W1Baseline, 4, 2, 1> {
    let (x, y) = w1_data();
    let mut net = baseline::W1Baseline::from_network(w1_trainer().network(), 0.5);
    let (x, y) = (baseline::batch(&x), baseline::batch(&y));
    net.step(&x, &y);
    Box::new((net, x, y))
}

fn w2_ours_at(first: bool) -> Input<W2Trainer, 8, 4, 3> {
    let data = w2_data();
    let mut trainer = w2_trainer();
    if first {
        let (x, y) = w2_batch(&data, 0);
        return Box::new((trainer, x, y));
    }
    let (x, y) = w2_batch(&data, 0);
    trainer.step(&x, &y).expect("step 0");
    let (x, y) = w2_batch(&data, 1);
    Box::new((trainer, x, y))
}

fn w2_ours() -> Input<W2Trainer, 8, 4, 3> {
    w2_ours_at(false)
}

fn w2_theirs() -> BaselineInput<baseline::W2Baseline, 8, 4, 3> {
    let data = w2_data();
    let mut net = baseline::W2Baseline::from_network(w2_trainer().network(), baseline::adam());
    let (x, y) = w2_batch(&data, 0);
    net.step(&baseline::batch(&x), &baseline::batch(&y));
    let (x, y) = w2_batch(&data, 1);
    Box::new((net, baseline::batch(&x), baseline::batch(&y)))
}

fn w3_ours() -> Input<W3Trainer, 16, 64, 10> {
    let data = w3_data();
    let mut trainer = w3_trainer();
    let (x, y) = w3_batch(&data, 0);
    trainer.step(&x, &y).expect("step 0");
    let (x, y) = w3_batch(&data, 1);
    Box::new((trainer, x, y))
}

fn w3_theirs() -> BaselineInput<baseline::W3Baseline, 16, 64, 10> {
    let data = w3_data();
    let mut net = baseline::W3Baseline::from_network(w3_trainer().network(), baseline::adam());
    let (x, y) = w3_batch(&data, 0);
    net.step(&baseline::batch(&x), &baseline::batch(&y));
    let (x, y) = w3_batch(&data, 1);
    Box::new((net, baseline::batch(&x), baseline::batch(&y)))
}

type W1Fused = FusedTrainer<W1Net, W1Optimizer, Mse, 4>;
type W2Fused = FusedTrainer<W2Net, Adam<f32>, CrossEntropy, 8>;
type W3Fused = FusedTrainer<W3Net, Adam<f32>, CrossEntropy, 16>;

fn w1_fused() -> Input<W1Fused, 4, 2, 1> {
    let (x, y) = w1_data();
    let mut trainer = W1Fused::new(network(), w1_optimizer(), Mse);
    trainer.step(&x, &y).expect("step 0");
    Box::new((trainer, x, y))
}

fn w2_fused() -> Input<W2Fused, 8, 4, 3> {
    let data = w2_data();
    let mut trainer = W2Fused::new(network(), workloads::adam(), CrossEntropy);
    let (x, y) = w2_batch(&data, 0);
    trainer.step(&x, &y).expect("step 0");
    let (x, y) = w2_batch(&data, 1);
    Box::new((trainer, x, y))
}

fn w3_fused() -> Input<W3Fused, 16, 64, 10> {
    let data = w3_data();
    let mut trainer = W3Fused::new(network(), workloads::adam(), CrossEntropy);
    let (x, y) = w3_batch(&data, 0);
    trainer.step(&x, &y).expect("step 0");
    let (x, y) = w3_batch(&data, 1);
    Box::new((trainer, x, y))
}

// --------------------------------------------------------- training steps

#[library_benchmark]
#[bench::step1(w1_fused())]
fn w1_step_fused(mut input: Input<W1Fused, 4, 2, 1>) -> Input<W1Fused, 4, 2, 1> {
    let (trainer, x, y) = &mut *input;
    let _ = black_box(trainer.step(black_box(x), black_box(y)));
    input
}

#[library_benchmark]
#[bench::step1(w2_fused())]
fn w2_step_fused(mut input: Input<W2Fused, 8, 4, 3>) -> Input<W2Fused, 8, 4, 3> {
    let (trainer, x, y) = &mut *input;
    let _ = black_box(trainer.step(black_box(x), black_box(y)));
    input
}

#[library_benchmark]
#[bench::step1(w3_fused())]
fn w3_step_fused(mut input: Input<W3Fused, 16, 64, 10>) -> Input<W3Fused, 16, 64, 10> {
    let (trainer, x, y) = &mut *input;
    let _ = black_box(trainer.step(black_box(x), black_box(y)));
    input
}

#[library_benchmark]
#[bench::step1(w1_ours())]
fn w1_step_checked(mut input: Input<W1Trainer, 4, 2, 1>) -> Input<W1Trainer, 4, 2, 1> {
    let (trainer, x, y) = &mut *input;
    let _ = black_box(trainer.step(black_box(x), black_box(y)));
    input
}

#[library_benchmark]
#[bench::step1(w1_theirs())]
fn w1_step_baseline(
    mut input: BaselineInput<baseline::W1Baseline, 4, 2, 1>,
) -> BaselineInput<baseline::W1Baseline, 4, 2, 1> {
    let (net, x, y) = &mut *input;
    black_box(net.step(black_box(x), black_box(y)));
    input
}

#[library_benchmark]
#[bench::step1(w2_ours())]
fn w2_step_checked(mut input: Input<W2Trainer, 8, 4, 3>) -> Input<W2Trainer, 8, 4, 3> {
    let (trainer, x, y) = &mut *input;
    let _ = black_box(trainer.step(black_box(x), black_box(y)));
    input
}

#[library_benchmark]
#[bench::step0(w1_ours_at(true))]
fn w1_first_step_checked(mut input: Input<W1Trainer, 4, 2, 1>) -> Input<W1Trainer, 4, 2, 1> {
    let (trainer, x, y) = &mut *input;
    let _ = black_box(trainer.step(black_box(x), black_box(y)));
    input
}

#[library_benchmark]
#[bench::step0(w2_ours_at(true))]
fn w2_first_step_checked(mut input: Input<W2Trainer, 8, 4, 3>) -> Input<W2Trainer, 8, 4, 3> {
    let (trainer, x, y) = &mut *input;
    let _ = black_box(trainer.step(black_box(x), black_box(y)));
    input
}

#[library_benchmark]
#[bench::step1(w2_theirs())]
fn w2_step_baseline(
    mut input: BaselineInput<baseline::W2Baseline, 8, 4, 3>,
) -> BaselineInput<baseline::W2Baseline, 8, 4, 3> {
    let (net, x, y) = &mut *input;
    black_box(net.step(black_box(x), black_box(y)));
    input
}

#[library_benchmark]
#[bench::step1(w3_ours())]
fn w3_step_checked(mut input: Input<W3Trainer, 16, 64, 10>) -> Input<W3Trainer, 16, 64, 10> {
    let (trainer, x, y) = &mut *input;
    let _ = black_box(trainer.step(black_box(x), black_box(y)));
    input
}

#[library_benchmark]
#[bench::step1(w3_theirs())]
fn w3_step_baseline(
    mut input: BaselineInput<baseline::W3Baseline, 16, 64, 10>,
) -> BaselineInput<baseline::W3Baseline, 16, 64, 10> {
    let (net, x, y) = &mut *input;
    black_box(net.step(black_box(x), black_box(y)));
    input
}

// -------------------------------------------------------------- inference

#[library_benchmark]
#[bench::one_sample(w2_ours())]
fn w2_infer_ours(input: Input<W2Trainer, 8, 4, 3>) -> [f32; 3] {
    let x = input.1.as_array()[0];
    black_box(input.0.network().forward(black_box(&x)))
}

#[library_benchmark]
#[bench::one_sample(w2_theirs())]
fn w2_infer_baseline(input: BaselineInput<baseline::W2Baseline, 8, 4, 3>) -> RowSVector<f32, 3> {
    let x: RowSVector<f32, 4> = input.1.row(0).into_owned();
    black_box(input.0.predict(black_box(&x)))
}

#[library_benchmark]
#[bench::one_sample(w3_ours())]
fn w3_infer_ours(input: Input<W3Trainer, 16, 64, 10>) -> [f32; 10] {
    let x = input.1.as_array()[0];
    black_box(input.0.network().forward(black_box(&x)))
}

#[library_benchmark]
#[bench::one_sample(w3_theirs())]
fn w3_infer_baseline(input: BaselineInput<baseline::W3Baseline, 16, 64, 10>) -> RowSVector<f32, 10> {
    let x: RowSVector<f32, 64> = input.1.row(0).into_owned();
    black_box(input.0.predict(black_box(&x)))
}

library_benchmark_group!(
    name = training,
    benchmarks = [
        w1_step_checked,
        w1_step_fused,
        w1_first_step_checked,
        w1_step_baseline,
        w2_step_checked,
        w2_step_fused,
        w2_first_step_checked,
        w2_step_baseline,
        w3_step_checked,
        w3_step_fused,
        w3_step_baseline
    ]
);

library_benchmark_group!(
    name = inference,
    benchmarks = [w2_infer_ours, w2_infer_baseline, w3_infer_ours, w3_infer_baseline]
);

main!(library_benchmark_groups = training, inference);
