//! The Iris and Wine datasets from `tests/data/` (see its README for sources
//! and licences), with their stratified 80/20 train/test splits.
#![allow(dead_code)]

use tinymlp::{Sample, one_hot};

/// Train and test samples, inputs as read and targets one-hot.
pub struct Split<const IN: usize, const CLASSES: usize> {
    pub train: Vec<Sample<f32, IN, CLASSES>>,
    pub test: Vec<Sample<f32, IN, CLASSES>>,
}

pub fn iris() -> Split<4, 3> {
    split(
        include_str!("../data/iris.csv"),
        include_str!("../data/iris_train_idx.txt"),
        include_str!("../data/iris_test_idx.txt"),
    )
}

pub fn wine() -> Split<13, 3> {
    split(
        include_str!("../data/wine.csv"),
        include_str!("../data/wine_train_idx.txt"),
        include_str!("../data/wine_test_idx.txt"),
    )
}

fn split<const IN: usize, const CLASSES: usize>(csv: &str, train: &str, test: &str) -> Split<IN, CLASSES> {
    let rows = parse::<IN, CLASSES>(csv);
    let pick = |indices: &str| -> Vec<Sample<f32, IN, CLASSES>> {
        indices
            .lines()
            .map(|line| rows[line.trim().parse::<usize>().expect("a row index")])
            .collect()
    };
    let split = Split {
        train: pick(train),
        test: pick(test),
    };
    assert_eq!(
        split.train.len() + split.test.len(),
        rows.len(),
        "the split covers every row"
    );
    split
}

/// Header skipped; each line is `IN` features then an integer label.
fn parse<const IN: usize, const CLASSES: usize>(csv: &str) -> Vec<Sample<f32, IN, CLASSES>> {
    csv.lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.trim().split(',').collect();
            assert_eq!(fields.len(), IN + 1, "{line}");
            let x: [f32; IN] = core::array::from_fn(|i| fields[i].parse().expect("a number"));
            let label: usize = fields[IN].parse().expect("a class index");
            (x, one_hot(label).expect("a label below the number of classes"))
        })
        .collect()
}
