//! `Standardizer`: feature standardisation, fitted on the training rows and applied to every row.

use crate::{Error, Sample, Scalar};

/// Per-feature standardisation `x' = (x − mean) / scale`, with the mean and
/// the population standard deviation (divided by `n`, like scikit-learn's
/// `StandardScaler`) of the rows it was fitted on.
///
/// Fit it on the training rows only, then apply it to the training and the
/// test rows alike, so nothing about the test rows leaks into training.
///
/// A feature that is constant on the training rows (every value equal, or a
/// standard deviation that underflows to zero) gets `scale = 1`: it is centred,
/// not scaled, so it becomes exactly `0` on the training rows and stays finite
/// everywhere, never NaN or infinite (scikit-learn does the same).
///
/// ```
/// use tinymlp::Standardizer;
///
/// let mut train = [[1.0f32, 5.0], [3.0, 5.0]];
/// let s = Standardizer::fit(train.iter())?;
/// assert_eq!(s.mean(), &[2.0, 5.0]);
/// assert_eq!(s.scale(), &[1.0, 1.0]); // std 1, and a constant feature
/// for row in &mut train {
///     s.apply(row);
/// }
/// assert_eq!(train, [[-1.0, 0.0], [1.0, 0.0]]);
/// # Ok::<(), tinymlp::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Standardizer<T, const N: usize> {
    mean: [T; N],
    scale: [T; N],
}

impl<T: Scalar, const N: usize> Standardizer<T, N> {
    /// Fits the mean and standard deviation of each feature over `rows`.
    ///
    /// Two passes (mean, then the mean squared deviation from it), each summing
    /// in row order. Errors: [`Error::EmptyDataset`] for no rows,
    /// [`Error::NonFiniteInput`] (row, feature) for a NaN or infinite value,
    /// [`Error::FeatureOverflow`] when a feature's values are too large to sum
    /// or square in `T`.
    pub fn fit<'a, I>(rows: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = &'a [T; N]>,
        I::IntoIter: Clone,
        T: 'a,
    {
        let rows = rows.into_iter();
        let mut count = 0usize;
        let mut sum = [T::ZERO; N];
        let mut first = [T::ZERO; N];
        let mut constant = [true; N];
        for (r, row) in rows.clone().enumerate() {
            if let Some(col) = row.iter().position(|v| !v.is_finite()) {
                return Err(Error::NonFiniteInput { row: r, col });
            }
            if r == 0 {
                first = *row;
            }
            for (((s, &v), &f), c) in sum.iter_mut().zip(row).zip(&first).zip(&mut constant) {
                *s += v;
                *c &= v == f;
            }
            count = count.saturating_add(1);
        }
        if count == 0 {
            return Err(Error::EmptyDataset);
        }
        let n = T::from_usize(count);
        let mut mean = sum.map(|s| s / n);
        // A constant feature's mean is its value exactly (the rounded sum over
        // n might not be), so its training rows become exactly 0.
        for ((m, &f), &c) in mean.iter_mut().zip(&first).zip(&constant) {
            if c {
                *m = f;
            }
        }

        let mut squares = [T::ZERO; N];
        for row in rows {
            for ((sq, &v), &m) in squares.iter_mut().zip(row).zip(&mean) {
                *sq += (v - m) * (v - m);
            }
        }
        let mut scale = [T::ONE; N];
        for (feature, ((s, &sq), &m)) in scale.iter_mut().zip(&squares).zip(&mean).enumerate() {
            let std = (sq / n).sqrt();
            if !(m.is_finite() && std.is_finite()) {
                return Err(Error::FeatureOverflow { feature });
            }
            if std > T::ZERO {
                *s = std;
            }
        }
        Ok(Self { mean, scale })
    }

    /// The fitted per-feature means.
    pub const fn mean(&self) -> &[T; N] {
        &self.mean
    }

    /// The per-feature divisors: the standard deviation, or `1` for a constant feature.
    pub const fn scale(&self) -> &[T; N] {
        &self.scale
    }

    /// Standardises one row in place.
    pub fn apply(&self, row: &mut [T; N]) {
        for ((v, &m), &s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
            *v = (*v - m) / s;
        }
    }

    /// Standardises the inputs of every sample in place (the targets are left alone).
    pub fn apply_inputs<const OUT: usize>(&self, samples: &mut [Sample<T, N, OUT>]) {
        for (x, _) in samples {
            self.apply(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_population_formulas() {
        let rows = [
            [2.0f64, -1.0, 10.0],
            [4.0, 0.0, 10.0],
            [9.0, 1.0, 10.0],
            [1.0, 4.0, 10.0],
        ];
        let s = Standardizer::fit(rows.iter()).unwrap();
        // Feature 0: mean 4, deviations −2, 0, 5, −3, squares sum 38, std √(38/4).
        // Feature 1: mean 1, deviations −2, −1, 0, 3, squares sum 14, std √(14/4).
        assert_eq!(s.mean(), &[4.0, 1.0, 10.0]);
        assert!((s.scale()[0] - 9.5f64.sqrt()).abs() < 1e-15);
        assert!((s.scale()[1] - 3.5f64.sqrt()).abs() < 1e-15);
        assert_eq!(s.scale()[2], 1.0);
        let mut row = [9.0, 1.0, 10.0];
        s.apply(&mut row);
        assert!((row[0] - 5.0 / 9.5f64.sqrt()).abs() < 1e-15);
        assert_eq!(row[1], 0.0);
        assert_eq!(row[2], 0.0);
    }

    #[test]
    fn a_constant_feature_is_centred_exactly_and_never_nan() {
        // 0.1 summed ten times is not 1.0, so a naive mean would leave a
        // rounding residue and a tiny non-zero "std" to divide by.
        let rows = [[0.1f32, 1.0]; 10];
        let s = Standardizer::fit(rows.iter()).unwrap();
        assert_eq!(s.mean()[0], 0.1);
        assert_eq!(s.scale()[0], 1.0);
        let mut train = rows[0];
        s.apply(&mut train);
        assert_eq!(train, [0.0, 0.0]);
        let mut test = [0.6f32, -2.0];
        s.apply(&mut test);
        assert!(test.iter().all(|v| v.is_finite()));
        assert!((test[0] - 0.5).abs() < 1e-7);
    }

    #[test]
    fn bad_rows_are_errors() {
        let none: [[f32; 2]; 0] = [];
        assert_eq!(Standardizer::fit(none.iter()), Err(Error::EmptyDataset));
        let nan = [[1.0f32, 2.0], [3.0, f32::NAN]];
        assert_eq!(
            Standardizer::fit(nan.iter()),
            Err(Error::NonFiniteInput { row: 1, col: 1 })
        );
        let huge = [[1.0f32, 3e38], [1.0, -3e38]];
        assert_eq!(
            Standardizer::fit(huge.iter()),
            Err(Error::FeatureOverflow { feature: 1 })
        );
    }
}
