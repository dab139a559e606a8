//! `Trainer::fit`: shuffled mini-batches of `M`, a partial last batch with its
//! own `m`, one shuffle per epoch, early stopping, and the on-device ring buffer.

use core::cell::RefCell;
use core::ops::ControlFlow;

use tinymlp::{Adam, Init, Matrix, Mse, Rng, Sample, SampleBuffer, Samples, Sgd, Trainer, mlp};

type Net = mlp!(f64; 2 => 3 Tanh => 1 Identity);

fn six_samples() -> Vec<Sample<f64, 2, 1>> {
    vec![
        ([0.1, 0.9], [0.5]),
        ([-0.4, 0.2], [-0.3]),
        ([0.8, -0.6], [0.9]),
        ([0.3, 0.3], [0.1]),
        ([-0.9, -0.1], [-0.8]),
        ([0.5, -0.7], [0.4]),
    ]
}

fn bits(net: &Net) -> Vec<u64> {
    let mut v = Vec::new();
    net.for_each_layer(|l| v.extend(l.weights.iter().chain(l.bias).map(|w| w.to_bits())));
    v
}

#[test]
fn a_partial_last_batch_is_a_mean_over_its_own_rows_and_its_unused_rows_are_never_read() {
    const M: usize = 4;
    let net = Net::random(5, Init::XavierUniform);
    let mut data = six_samples();
    let mut fitted = Trainer::<_, _, _, M>::new(net, Adam::new(0.05), Mse);
    let mut reported = Vec::new();
    fitted
        .fit(&mut data[..], 2, &mut Rng::new(9), |r| {
            reported.push(r.loss);
            ControlFlow::Continue(())
        })
        .unwrap();

    // The same two epochs by hand: shuffle a copy with the same generator,
    // step on rows 0..4, then on rows 4..6 alone, with NaN in the two rows a
    // batch of 4 has left over (a step that read them would fail).
    let mut manual = Trainer::<_, _, _, M>::new(net, Adam::new(0.05), Mse);
    let mut order = six_samples();
    let mut rng = Rng::new(9);
    for (epoch, &loss) in reported.iter().enumerate() {
        rng.shuffle(&mut order);
        let x = Matrix::<f64, M, 2>::from_fn(|r, c| order[r].0[c]);
        let y = Matrix::<f64, M, 1>::from_fn(|r, _| order[r].1[0]);
        let full = manual.step(&x, &y).unwrap();
        let x = Matrix::<f64, M, 2>::from_fn(|r, c| order.get(4 + r).map_or(f64::NAN, |s| s.0[c]));
        let y = Matrix::<f64, M, 1>::from_fn(|r, _| order.get(4 + r).map_or(f64::NAN, |s| s.1[0]));
        let partial = manual.step_rows(&x, &y, 2).unwrap();
        assert_eq!(
            loss,
            (4.0 * full + 2.0 * partial) / 6.0,
            "epoch {epoch}: the reported loss is the row-weighted mean of the batch losses"
        );
    }
    assert_eq!(bits(fitted.network()), bits(manual.network()));
    assert_eq!(data, order, "fit shuffled the caller's slice in place");
}

#[test]
fn a_dataset_smaller_than_the_batch_is_one_batch_of_its_own_size() {
    // One sample in a trainer of M = 8 must give exactly the step of a trainer of M = 1.
    let sample = [([0.3, -0.2], [0.7])];
    let net = Net::random(6, Init::XavierUniform);
    let mut big = Trainer::<_, _, _, 8>::new(net, Sgd::new(0.1), Mse);
    let mut data = sample;
    let summary = big
        .fit(&mut data, 3, &mut Rng::new(1), |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(summary.steps, 3);
    let mut one = Trainer::<_, _, _, 1>::new(net, Sgd::new(0.1), Mse);
    let (x, y) = (Matrix::from_array([sample[0].0]), Matrix::from_array([sample[0].1]));
    for _ in 0..3 {
        one.step(&x, &y).unwrap();
    }
    assert_eq!(bits(big.network()), bits(one.network()));
}

/// A dataset that records every shuffle and every sample read.
struct Recording<'a> {
    samples: &'a mut [Sample<f64, 2, 1>],
    shuffles: usize,
    reads: RefCell<Vec<usize>>,
}

impl Samples<f64, 2, 1> for Recording<'_> {
    fn len(&self) -> usize {
        self.samples.len()
    }
    fn sample(&self, index: usize) -> Option<(&[f64; 2], &[f64; 1])> {
        self.reads.borrow_mut().push(index);
        self.samples.sample(index)
    }
    fn shuffle(&mut self, rng: &mut Rng) {
        self.shuffles += 1;
        self.samples.shuffle(rng);
    }
}

#[test]
fn every_epoch_reshuffles_once_and_visits_every_sample_once() {
    let mut storage = six_samples();
    let mut data = Recording {
        samples: &mut storage,
        shuffles: 0,
        reads: RefCell::new(Vec::new()),
    };
    let mut trainer = Trainer::<_, _, _, 4>::new(Net::random(1, Init::XavierUniform), Sgd::new(0.01), Mse);
    let summary = trainer
        .fit(&mut data, 3, &mut Rng::new(4), |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(data.shuffles, 3);
    assert_eq!(summary.steps, 3 * 2);
    // One validation pass over all six, then each epoch reads 0..6 in order.
    let reads = data.reads.into_inner();
    assert_eq!(reads, [0, 1, 2, 3, 4, 5].repeat(4));

    // And the order differs from epoch to epoch: record what each epoch saw.
    let mut storage = six_samples();
    let mut seen: Vec<Vec<f64>> = Vec::new();
    let mut trainer = Trainer::<_, _, _, 6>::new(Net::random(1, Init::XavierUniform), Sgd::new(0.0), Mse);
    let mut rng = Rng::new(4);
    for _ in 0..3 {
        trainer
            .fit(&mut storage[..], 1, &mut rng, |_| ControlFlow::Continue(()))
            .unwrap();
        seen.push(storage.iter().map(|(x, _)| x[0]).collect());
    }
    assert_ne!(seen[0], seen[1]);
    assert_ne!(seen[1], seen[2]);
}

#[test]
fn the_callback_stops_training_early() {
    let mut data = six_samples();
    let mut trainer = Trainer::<_, _, _, 4>::new(Net::random(2, Init::XavierUniform), Adam::new(0.01), Mse);
    let mut epochs_seen = Vec::new();
    let summary = trainer
        .fit(&mut data[..], 10, &mut Rng::new(1), |report| {
            epochs_seen.push((report.epoch, report.epochs, report.steps));
            if report.epoch == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(epochs_seen, [(1, 10, 2), (2, 10, 4), (3, 10, 6)]);
    assert_eq!((summary.epochs, summary.steps, summary.stopped_early), (3, 6, true));
    assert_eq!(trainer.optimizer().steps(), 6);

    let none = trainer
        .fit(&mut data[..], 0, &mut Rng::new(1), |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(
        (none.epochs, none.steps, none.loss, none.stopped_early),
        (0, 0, None, false)
    );
}

type Follower = mlp!(f32; 1 => 1 Identity);

#[test]
fn a_sample_buffer_forgets_old_data_so_training_follows_a_drifting_stream() {
    // A sensor stream whose relation flips from y = 2x to y = −2x halfway.
    // The buffer holds the 16 newest samples; after the flip has filled it,
    // training sees only the new relation and learns it.
    let mut buffer = SampleBuffer::<f32, 1, 1, 16>::new();
    let mut trainer = Trainer::<_, _, _, 4>::new(Follower::xavier(3), Adam::new(0.05), Mse);
    let mut rng = Rng::new(7);
    let x_at = |t: usize| ((t * 7) % 20) as f32 / 10.0 - 1.0;
    for t in 0..40 {
        let slope = if t < 20 { 2.0 } else { -2.0 };
        buffer.push([x_at(t)], [slope * x_at(t)]).unwrap();
        if t == 19 || t == 39 {
            trainer
                .fit(&mut buffer, 300, &mut rng, |_| ControlFlow::Continue(()))
                .unwrap();
            let w = trainer.network().layers().weights().as_array()[0][0];
            assert!((w - slope).abs() < 1e-2, "after {t} samples: w = {w}, want {slope}");
        }
    }
    // Training shuffled the visiting order, not the age order.
    let ages: Vec<f32> = buffer.oldest_first().map(|(x, _)| x[0]).collect();
    let want: Vec<f32> = (24..40).map(x_at).collect();
    assert_eq!(ages, want);
}
