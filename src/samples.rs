//! The [`Samples`] trait: a dataset that [`Trainer::fit`](crate::Trainer::fit) can visit in a fresh random order each epoch.
//!
//! A sample is an input row and its target row, `([T; IN], [T; OUT])`
//! ([`Sample`]). There is no heap, so a dataset is storage the caller owns:
//!
//! | dataset | storage | how an epoch is shuffled |
//! |---|---|---|
//! | `[Sample<T, IN, OUT>]`, `[Sample<T, IN, OUT>; N]` | a slice or array in RAM | in place |
//! | [`IndexedSamples`] | a read-only slice (in flash, say) and a caller-provided `[usize]` | the index buffer |
//! | [`SampleBuffer`](crate::SampleBuffer) | a fixed-capacity ring buffer for a sensor stream | an internal index permutation, so the age order survives |

use crate::Rng;

/// One training example: an input row and its target row.
pub type Sample<T, const IN: usize, const OUT: usize> = ([T; IN], [T; OUT]);

/// A dataset of samples with `IN` features and `OUT` targets, visited in the
/// current order by index and reshuffled by [`shuffle`](Self::shuffle).
///
/// Implemented for slices and arrays of [`Sample`]s (shuffled in place), for
/// [`IndexedSamples`] (shuffled through an index buffer, so the samples
/// themselves can be read-only), and for [`SampleBuffer`](crate::SampleBuffer).
/// Implement it for your own storage if none of these fits.
///
/// ```
/// use tinymlp::{Rng, Samples};
///
/// let mut data = [([0.0f32], [0.0f32]), ([1.0], [2.0]), ([2.0], [4.0])];
/// assert_eq!(Samples::len(&data[..]), 3);
/// data[..].shuffle(&mut Rng::new(1));
/// let (x, y) = data[..].sample(0).unwrap();
/// assert_eq!(y[0], 2.0 * x[0]); // pairs stay together
/// ```
pub trait Samples<T, const IN: usize, const OUT: usize> {
    /// Number of samples.
    fn len(&self) -> usize;

    /// `true` when there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sample at position `index` of the current order, or `None` when
    /// `index >= len()`.
    fn sample(&self, index: usize) -> Option<(&[T; IN], &[T; OUT])>;

    /// Puts the samples in a new uniformly random order drawn from `rng`.
    fn shuffle(&mut self, rng: &mut Rng);
}

impl<T, const IN: usize, const OUT: usize> Samples<T, IN, OUT> for [Sample<T, IN, OUT>] {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }

    fn sample(&self, index: usize) -> Option<(&[T; IN], &[T; OUT])> {
        self.get(index).map(|(x, y)| (x, y))
    }

    fn shuffle(&mut self, rng: &mut Rng) {
        rng.shuffle(self);
    }
}

impl<T, const IN: usize, const OUT: usize, const N: usize> Samples<T, IN, OUT> for [Sample<T, IN, OUT>; N] {
    fn len(&self) -> usize {
        N
    }

    fn sample(&self, index: usize) -> Option<(&[T; IN], &[T; OUT])> {
        self.as_slice().sample(index)
    }

    fn shuffle(&mut self, rng: &mut Rng) {
        rng.shuffle(self);
    }
}

/// Read-only samples visited through an index buffer the caller provides:
/// shuffling permutes the indices, never the samples, so the samples can be a
/// `static` table in flash.
///
/// ```
/// use tinymlp::{IndexedSamples, Rng, Sample, Samples};
///
/// static TABLE: [Sample<f32, 1, 1>; 4] = [([0.0], [0.0]), ([1.0], [1.0]), ([2.0], [4.0]), ([3.0], [9.0])];
/// let mut order = [0usize; 4];
/// let mut data = IndexedSamples::new(&TABLE, &mut order)?;
/// data.shuffle(&mut Rng::new(5));
/// let (x, y) = data.sample(0).unwrap();
/// assert_eq!(y[0], x[0] * x[0]);
/// # Ok::<(), tinymlp::Error>(())
/// ```
#[derive(Debug)]
pub struct IndexedSamples<'a, T, const IN: usize, const OUT: usize> {
    samples: &'a [Sample<T, IN, OUT>],
    order: &'a mut [usize],
}

impl<'a, T, const IN: usize, const OUT: usize> IndexedSamples<'a, T, IN, OUT> {
    /// Visits `samples` through the first `samples.len()` entries of `order`,
    /// which are reset to `0, 1, 2, …` (the samples' own order).
    ///
    /// Returns [`Error::IndexBufferTooShort`](crate::Error::IndexBufferTooShort)
    /// when `order` is shorter than `samples`.
    pub fn new(samples: &'a [Sample<T, IN, OUT>], order: &'a mut [usize]) -> Result<Self, crate::Error> {
        let indices = order.len();
        let Some(order) = order.get_mut(..samples.len()) else {
            return Err(crate::Error::IndexBufferTooShort {
                samples: samples.len(),
                indices,
            });
        };
        for (i, slot) in order.iter_mut().enumerate() {
            *slot = i;
        }
        Ok(Self { samples, order })
    }

    /// The current order: position `i` visits `samples[order()[i]]`.
    pub fn order(&self) -> &[usize] {
        self.order
    }
}

impl<T, const IN: usize, const OUT: usize> Samples<T, IN, OUT> for IndexedSamples<'_, T, IN, OUT> {
    fn len(&self) -> usize {
        self.order.len()
    }

    fn sample(&self, index: usize) -> Option<(&[T; IN], &[T; OUT])> {
        let &i = self.order.get(index)?;
        self.samples.sample(i)
    }

    fn shuffle(&mut self, rng: &mut Rng) {
        rng.shuffle(self.order);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn indexed_samples_shuffle_the_indices_and_leave_the_samples_alone() {
        let samples: [Sample<f64, 1, 1>; 5] = core::array::from_fn(|i| ([i as f64], [10.0 * i as f64]));
        let mut order = [99usize; 7];
        let mut data = IndexedSamples::new(&samples, &mut order).unwrap();
        assert_eq!(data.order(), &[0, 1, 2, 3, 4]);
        data.shuffle(&mut Rng::new(2));
        let mut seen = [false; 5];
        for i in 0..5 {
            let (x, y) = data.sample(i).unwrap();
            assert_eq!(y[0], 10.0 * x[0]);
            seen[x[0] as usize] = true;
        }
        assert_eq!(seen, [true; 5]);
        assert_ne!(data.order(), &[0, 1, 2, 3, 4], "seed 2 moves something");
        assert_eq!(data.sample(5), None);
        assert_eq!(order[5..], [99, 99], "entries past the samples are not touched");
    }

    #[test]
    fn a_short_index_buffer_is_an_error_with_both_lengths() {
        let samples = [([0.0f32], [0.0f32]); 3];
        let mut order = [0usize; 2];
        assert_eq!(
            IndexedSamples::new(&samples, &mut order).unwrap_err(),
            Error::IndexBufferTooShort { samples: 3, indices: 2 }
        );
    }

    #[test]
    fn slices_and_arrays_read_out_of_range_as_none() {
        let data = [([1.0f32, 2.0], [3.0f32])];
        assert_eq!(data.sample(0), Some((&[1.0, 2.0], &[3.0])));
        assert_eq!(data.sample(1), None);
        assert_eq!(data[..].sample(1), None);
        assert!(!Samples::is_empty(&data));
        let empty: [Sample<f32, 2, 1>; 0] = [];
        assert!(Samples::is_empty(&empty[..]));
    }
}
