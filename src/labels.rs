//! Class labels to one-hot target rows and back: [`one_hot`] and [`argmax`].

use crate::{Error, Scalar};

/// The one-hot row for class `class` of `N`: `1` at `class`, `0` elsewhere.
///
/// Returns [`Error::ClassOutOfRange`] when `class >= N`.
///
/// ```
/// use tinymlp::{argmax, one_hot, Error};
///
/// let y: [f32; 3] = one_hot(2)?;
/// assert_eq!(y, [0.0, 0.0, 1.0]);
/// assert_eq!(argmax(&y), 2);
/// assert_eq!(one_hot::<f32, 3>(3), Err(Error::ClassOutOfRange { class: 3, classes: 3 }));
/// # Ok::<(), Error>(())
/// ```
pub fn one_hot<T: Scalar, const N: usize>(class: usize) -> Result<[T; N], Error> {
    let mut row = [T::ZERO; N];
    match row.get_mut(class) {
        Some(hot) => {
            *hot = T::ONE;
            Ok(row)
        }
        None => Err(Error::ClassOutOfRange { class, classes: N }),
    }
}

/// The index of the largest value in `row` (the first one on a tie): the
/// predicted class of a classifier's output, or the class of a one-hot target.
///
/// NaN never compares larger, so it is never chosen unless it comes first;
/// an empty row gives `0`.
pub fn argmax<T: Scalar, const N: usize>(row: &[T; N]) -> usize {
    let mut best = 0;
    let mut best_value = T::NEG_INFINITY;
    for (i, &v) in row.iter().enumerate() {
        if i == 0 || v > best_value {
            best = i;
            best_value = v;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hot_sets_exactly_one_entry() {
        assert_eq!(one_hot::<f64, 4>(0), Ok([1.0, 0.0, 0.0, 0.0]));
        assert_eq!(one_hot::<f64, 4>(3), Ok([0.0, 0.0, 0.0, 1.0]));
        assert_eq!(
            one_hot::<f32, 4>(usize::MAX),
            Err(Error::ClassOutOfRange {
                class: usize::MAX,
                classes: 4
            })
        );
        assert_eq!(
            one_hot::<f32, 0>(0),
            Err(Error::ClassOutOfRange { class: 0, classes: 0 })
        );
    }

    #[test]
    fn argmax_takes_the_first_of_equal_maxima() {
        assert_eq!(argmax(&[0.1f32, 0.7, 0.2]), 1);
        assert_eq!(argmax(&[0.5f32, 0.5, 0.2]), 0);
        assert_eq!(argmax(&[-3.0f64, -1.0, -2.0]), 1);
        assert_eq!(argmax::<f32, 0>(&[]), 0);
        assert_eq!(argmax(&[0.2f32, f32::NAN, 0.3]), 2);
    }
}
