//! Bad input to the data toolkit is an error value with the numbers, never a
//! panic, and leaves the model (and the caller's data) untouched.

use core::ops::ControlFlow;

use tinymlp::{
    Adam, CrossEntropy, Error, IndexedSamples, Init, Rng, Sample, Samples, Standardizer, Trainer, mlp, one_hot,
};

type Net = mlp!(f32; 3 => 4 Relu => 2 Softmax);

fn trainer() -> Trainer<Net, Adam<f32>, CrossEntropy, 4> {
    Trainer::new(Net::random(1, Init::HeUniform), Adam::new(0.01), CrossEntropy)
}

fn samples() -> Vec<Sample<f32, 3, 2>> {
    (0..7)
        .map(|i| {
            let v = i as f32 / 7.0;
            ([v, 1.0 - v, 0.5], one_hot(i % 2).unwrap())
        })
        .collect()
}

/// The epoch callback for input that must be refused before any epoch runs.
macro_rules! never_called {
    () => {
        |_| -> ControlFlow<()> { panic!("no epoch may run on bad input") }
    };
}

#[test]
fn an_empty_dataset_is_an_error() {
    let mut t = trainer();
    let before = *t.network();
    let mut empty: [Sample<f32, 3, 2>; 0] = [];
    assert_eq!(
        t.fit(&mut empty, 5, &mut Rng::new(1), never_called!()).unwrap_err(),
        Error::EmptyDataset
    );
    assert_eq!(t.evaluate(&empty).unwrap_err(), Error::EmptyDataset);
    assert_eq!(
        Standardizer::<f32, 3>::fit(empty.iter().map(|(x, _)| x)).unwrap_err(),
        Error::EmptyDataset
    );
    assert!(t.network() == &before);
    assert_eq!(Error::EmptyDataset.to_string(), "the dataset holds no samples");
}

#[test]
fn a_class_index_out_of_range_is_an_error_with_the_numbers() {
    let err = one_hot::<f32, 3>(3).unwrap_err();
    assert_eq!(err, Error::ClassOutOfRange { class: 3, classes: 3 });
    assert_eq!(
        err.to_string(),
        "class index 3 is out of range for 3 classes (need 0..3)"
    );
}

#[test]
fn nan_in_the_inputs_is_refused_before_training_touches_anything() {
    let mut t = trainer();
    let before = *t.network();
    let mut data = samples();
    data[5].0[2] = f32::NAN;
    let original = data.clone();
    let err = t.fit(&mut data[..], 3, &mut Rng::new(1), never_called!()).unwrap_err();
    assert_eq!(err, Error::NonFiniteInput { row: 5, col: 2 });
    assert_eq!(err.to_string(), "input row 5, feature 2 is NaN or infinite");
    assert!(t.network() == &before, "the network is untouched");
    assert_eq!(t.optimizer().steps(), 0);
    // NaN != NaN, so compare bits: the data was not even shuffled.
    let raw = |d: &[Sample<f32, 3, 2>]| -> Vec<u32> {
        d.iter()
            .flat_map(|(x, y)| x.iter().chain(y))
            .map(|v| v.to_bits())
            .collect()
    };
    assert_eq!(raw(&data), raw(&original));
    assert_eq!(
        t.evaluate(&data[..]).unwrap_err(),
        Error::NonFiniteInput { row: 5, col: 2 }
    );
}

#[test]
fn an_infinite_target_is_refused_with_its_position() {
    let mut t = trainer();
    let mut data = samples();
    data[6].1[1] = f32::INFINITY;
    assert_eq!(
        t.fit(&mut data[..], 1, &mut Rng::new(1), never_called!()).unwrap_err(),
        Error::NonFiniteTarget { row: 6, col: 1 }
    );
}

#[test]
fn a_standardizer_reports_the_row_and_feature_of_a_nan() {
    let mut data = samples();
    data[2].0[1] = f32::NAN;
    assert_eq!(
        Standardizer::fit(data.iter().map(|(x, _)| x)).unwrap_err(),
        Error::NonFiniteInput { row: 2, col: 1 }
    );
}

#[test]
fn an_invalid_hyperparameter_stops_fit_before_any_update() {
    let mut t = Trainer::<Net, _, _, 4>::new(Net::random(1, Init::HeUniform), Adam::new(f32::NAN), CrossEntropy);
    let before = *t.network();
    let err = t
        .fit(&mut samples()[..], 2, &mut Rng::new(1), never_called!())
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidHyperparameter { name: "lr", .. }),
        "{err:?}"
    );
    assert!(t.network() == &before);
}

#[test]
fn a_short_index_buffer_is_an_error() {
    let data = samples();
    let mut order = [0usize; 6];
    assert_eq!(
        IndexedSamples::new(&data, &mut order).unwrap_err(),
        Error::IndexBufferTooShort { samples: 7, indices: 6 }
    );
}

/// Claims more samples than it can produce.
struct Inconsistent(Vec<Sample<f32, 3, 2>>);

impl Samples<f32, 3, 2> for Inconsistent {
    fn len(&self) -> usize {
        self.0.len() + 1
    }
    fn sample(&self, index: usize) -> Option<(&[f32; 3], &[f32; 2])> {
        self.0.sample(index)
    }
    fn shuffle(&mut self, rng: &mut Rng) {
        self.0.shuffle(rng);
    }
}

#[test]
fn a_samples_implementation_that_miscounts_is_an_error_not_a_panic() {
    let mut t = trainer();
    let mut data = Inconsistent(samples());
    assert_eq!(
        t.fit(&mut data, 1, &mut Rng::new(1), never_called!()).unwrap_err(),
        Error::MissingSample { index: 7, len: 8 }
    );
    assert_eq!(
        t.evaluate(&data).unwrap_err(),
        Error::MissingSample { index: 7, len: 8 }
    );
}
