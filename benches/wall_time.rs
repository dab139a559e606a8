//! Wall time per training step and per inference (criterion): tinymlp's
//! checked step against the nalgebra baseline, for each workload of
//! `workloads/mod.rs`. Run with `cargo bench --bench wall_time`.
//!
//! Training benchmarks keep stepping the same trainer through the workload's
//! batches (step `k` uses batch `k`), so they time steady-state training.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tinymlp::{Adam, CrossEntropy, FusedTrainer, Mse};

#[path = "workloads/mod.rs"]
mod workloads;

#[path = "baseline/mod.rs"]
mod baseline;

use workloads::*;

fn w1(c: &mut Criterion) {
    let (x, y) = w1_data();
    let mut group = c.benchmark_group("w1_step");
    let mut ours = w1_trainer();
    group.bench_function("checked", |b| b.iter(|| ours.step(black_box(&x), black_box(&y))));
    let mut fused = FusedTrainer::<W1Net, _, Mse, 4>::new(network(), w1_optimizer(), Mse);
    group.bench_function("fused", |b| b.iter(|| fused.step(black_box(&x), black_box(&y))));
    let mut theirs = baseline::W1Baseline::from_network(w1_trainer().network(), 0.5);
    let (bx, by) = (baseline::batch(&x), baseline::batch(&y));
    group.bench_function("baseline", |b| b.iter(|| theirs.step(black_box(&bx), black_box(&by))));
    group.finish();
}

fn w2(c: &mut Criterion) {
    let data = w2_data();
    let batches: Vec<_> = (0..8).map(|k| w2_batch(&data, k)).collect();
    let nalgebra_batches: Vec<_> = batches
        .iter()
        .map(|(x, y)| (baseline::batch(x), baseline::batch(y)))
        .collect();
    let mut group = c.benchmark_group("w2_step");
    let mut ours = w2_trainer();
    let mut k = 0;
    group.bench_function("checked", |b| {
        b.iter(|| {
            let (x, y) = &batches[k % 8];
            k += 1;
            ours.step(black_box(x), black_box(y))
        })
    });
    let mut fused = FusedTrainer::<W2Net, Adam<f32>, CrossEntropy, 8>::new(network(), adam(), CrossEntropy);
    group.bench_function("fused", |b| {
        b.iter(|| {
            let (x, y) = &batches[k % 8];
            k += 1;
            fused.step(black_box(x), black_box(y))
        })
    });
    let mut theirs = baseline::W2Baseline::from_network(w2_trainer().network(), baseline::adam());
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let (x, y) = &nalgebra_batches[k % 8];
            k += 1;
            theirs.step(black_box(x), black_box(y))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("w2_infer");
    let net = w2_trainer().into_network();
    let sample = *data.0.row(0).unwrap();
    group.bench_function("ours", |b| b.iter(|| net.forward(black_box(&sample))));
    let theirs = baseline::W2Baseline::from_network(&net, baseline::adam());
    let sample = nalgebra::RowSVector::<f32, 4>::from_row_slice(&sample);
    group.bench_function("baseline", |b| b.iter(|| theirs.predict(black_box(&sample))));
    group.finish();
}

fn w3(c: &mut Criterion) {
    let data = w3_data();
    let batches: Vec<_> = (0..16).map(|k| w3_batch(&data, k)).collect();
    let nalgebra_batches: Vec<_> = batches
        .iter()
        .map(|(x, y)| (baseline::batch(x), baseline::batch(y)))
        .collect();
    let mut group = c.benchmark_group("w3_step");
    let mut ours = Box::new(w3_trainer());
    let mut k = 0;
    group.bench_function("checked", |b| {
        b.iter(|| {
            let (x, y) = &batches[k % 16];
            k += 1;
            ours.step(black_box(x), black_box(y))
        })
    });
    let mut fused = Box::new(FusedTrainer::<W3Net, Adam<f32>, CrossEntropy, 16>::new(
        network(),
        adam(),
        CrossEntropy,
    ));
    group.bench_function("fused", |b| {
        b.iter(|| {
            let (x, y) = &batches[k % 16];
            k += 1;
            fused.step(black_box(x), black_box(y))
        })
    });
    let mut theirs = Box::new(baseline::W3Baseline::from_network(
        w3_trainer().network(),
        baseline::adam(),
    ));
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let (x, y) = &nalgebra_batches[k % 16];
            k += 1;
            theirs.step(black_box(x), black_box(y))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("w3_infer");
    let net = w3_trainer().into_network();
    let sample = *data.0.row(0).unwrap();
    group.bench_function("ours", |b| b.iter(|| net.forward(black_box(&sample))));
    let theirs = baseline::W3Baseline::from_network(&net, baseline::adam());
    let sample = nalgebra::RowSVector::<f32, 64>::from_row_slice(&sample);
    group.bench_function("baseline", |b| b.iter(|| theirs.predict(black_box(&sample))));
    group.finish();
}

criterion_group!(benches, w1, w2, w3);
criterion_main!(benches);
