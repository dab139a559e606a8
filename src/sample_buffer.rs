//! `SampleBuffer`: the most recent `CAP` samples of a stream, for a device that keeps learning from its sensors.

use crate::{Error, Rng, Sample, Samples, Scalar};

/// A fixed-capacity ring buffer of samples: once full, each new sample
/// replaces the oldest. [`Trainer::fit`](crate::Trainer::fit) accepts it.
///
/// Training visits the samples in a random order, but shuffling them in place
/// would forget which is oldest. So the samples stay in the slot they were
/// written to (a [`heapless::Vec`] that fills up, then a write position that
/// goes round it and marks the oldest) and an epoch shuffles a permutation of
/// their slots instead: `CAP` indices beside the samples.
///
/// Its memory is `CAP` samples (`CAP·(IN + OUT)` scalars), `CAP` slot indices
/// and two words of bookkeeping, all inline; [`new`](Self::new) is a
/// `const fn`, so the buffer can be a `static`.
///
/// ```
/// use tinymlp::{SampleBuffer, Samples};
///
/// let mut buffer = SampleBuffer::<f32, 1, 1, 3>::new();
/// for t in 0..5 {
///     buffer.push([t as f32], [0.0])?; // t = 0 and 1 are replaced by 3 and 4
/// }
/// let ages: Vec<f32> = buffer.oldest_first().map(|(x, _)| x[0]).collect();
/// assert_eq!(ages, [2.0, 3.0, 4.0]);
/// assert_eq!(buffer.len(), 3);
/// # Ok::<(), tinymlp::Error>(())
/// ```
pub struct SampleBuffer<T, const IN: usize, const OUT: usize, const CAP: usize> {
    /// The samples by slot, in the order they arrived until the buffer is full.
    samples: heapless::Vec<Sample<T, IN, OUT>, CAP>,
    /// Once full: the slot of the oldest sample, which the next push replaces;
    /// `0` before. Kept in `0..CAP` without a division, so nothing can panic.
    next: usize,
    /// Slot of the sample at each position of the training order. Invariant:
    /// `order[..len]` is a permutation of `0..len`, and `order[len..]` is
    /// `len, len + 1, …, CAP − 1`; so when the next sample fills slot `len`,
    /// `order[..=len]` is again a permutation, and nothing needs updating.
    order: [usize; CAP],
}

impl<T: Scalar, const IN: usize, const OUT: usize, const CAP: usize> SampleBuffer<T, IN, OUT, CAP> {
    /// An empty buffer for up to `CAP` samples (`CAP` must be at least 1).
    pub const fn new() -> Self {
        Self {
            samples: heapless::Vec::new(),
            next: 0,
            order: identity(),
        }
    }

    /// Adds a sample, replacing the oldest one if the buffer is full.
    ///
    /// A sample with a NaN or infinite value is refused with
    /// [`Error::NonFiniteInput`] or [`Error::NonFiniteTarget`] (row `0`: it is
    /// a batch of one), and the buffer is left as it was: a glitch in the
    /// sensor stream never pushes out a good sample.
    pub fn push(&mut self, x: [T; IN], y: [T; OUT]) -> Result<(), Error> {
        if let Some(col) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFiniteInput { row: 0, col });
        }
        if let Some(col) = y.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFiniteTarget { row: 0, col });
        }
        if let Err(sample) = self.samples.push((x, y)) {
            // Full: replace the oldest and move on to the next oldest.
            if let Some(oldest) = self.samples.get_mut(self.next) {
                *oldest = sample;
            }
            let after = self.next.saturating_add(1);
            self.next = if after < CAP { after } else { 0 };
        }
        Ok(())
    }

    /// Number of samples held.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// `true` when no sample has been pushed since the buffer was made or cleared.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// `true` once the next push will replace the oldest sample.
    pub fn is_full(&self) -> bool {
        self.samples.is_full()
    }

    /// The number of samples the buffer holds when full, `CAP`.
    pub const fn capacity(&self) -> usize {
        CAP
    }

    /// Removes every sample.
    pub fn clear(&mut self) {
        self.samples.clear();
        self.next = 0;
        self.order = identity();
    }

    /// The oldest sample (the next to be replaced once full).
    pub fn oldest(&self) -> Option<&Sample<T, IN, OUT>> {
        self.oldest_first().next()
    }

    /// The most recently pushed sample.
    pub fn newest(&self) -> Option<&Sample<T, IN, OUT>> {
        self.oldest_first().next_back()
    }

    /// The samples from the oldest to the newest, whatever the training order.
    pub fn oldest_first(&self) -> impl DoubleEndedIterator<Item = &Sample<T, IN, OUT>> {
        let (newer, older) = self.by_age();
        older.iter().chain(newer)
    }

    /// The filled slots split at the oldest: `(newer, older)`, where `older`
    /// starts with the oldest sample and `newer` ends with the newest.
    fn by_age(&self) -> (&[Sample<T, IN, OUT>], &[Sample<T, IN, OUT>]) {
        // `next` is 0 until the buffer is full, so never beyond its length.
        self.samples
            .split_at_checked(self.next)
            .unwrap_or((&[], self.samples.as_slice()))
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize, const CAP: usize> Default for SampleBuffer<T, IN, OUT, CAP> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize, const CAP: usize> core::fmt::Debug
    for SampleBuffer<T, IN, OUT, CAP>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SampleBuffer")
            .field("capacity", &CAP)
            .field("oldest_first", &{
                let (newer, older) = self.by_age();
                (older, newer)
            })
            .finish()
    }
}

/// `[0, 1, …, CAP − 1]`, in a `const fn`.
const fn identity<const CAP: usize>() -> [usize; CAP] {
    let mut order = [0; CAP];
    let mut i = 0;
    while i < CAP {
        order[i] = i;
        i += 1;
    }
    order
}

impl<T: Scalar, const IN: usize, const OUT: usize, const CAP: usize> Samples<T, IN, OUT>
    for SampleBuffer<T, IN, OUT, CAP>
{
    fn len(&self) -> usize {
        self.samples.len()
    }

    /// Position `index` of the training order (not of the age order; see
    /// [`oldest_first`](SampleBuffer::oldest_first) for that).
    fn sample(&self, index: usize) -> Option<(&[T; IN], &[T; OUT])> {
        let slot = *self.order.get(..self.len())?.get(index)?;
        self.samples.get(slot).map(|(x, y)| (x, y))
    }

    fn shuffle(&mut self, rng: &mut Rng) {
        if let Some(filled) = self.order.get_mut(..self.samples.len()) {
            rng.shuffle(filled);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ages<const CAP: usize>(buffer: &SampleBuffer<f64, 1, 1, CAP>) -> Vec<f64> {
        buffer.oldest_first().map(|(x, _)| x[0]).collect()
    }

    fn training_order<const CAP: usize>(buffer: &SampleBuffer<f64, 1, 1, CAP>) -> Vec<f64> {
        (0..buffer.len()).map(|i| buffer.sample(i).unwrap().0[0]).collect()
    }

    #[test]
    fn shuffling_between_pushes_keeps_the_true_oldest_next_in_line() {
        let mut buffer = SampleBuffer::<f64, 1, 1, 4>::new();
        let mut rng = Rng::new(8);
        for t in 0..3 {
            buffer.push([t as f64], [-(t as f64)]).unwrap();
        }
        buffer.shuffle(&mut rng); // shuffled while not yet full
        buffer.push([3.0], [-3.0]).unwrap();
        assert!(buffer.is_full());
        let mut seen = training_order(&buffer);
        seen.sort_by(f64::total_cmp);
        assert_eq!(
            seen,
            [0.0, 1.0, 2.0, 3.0],
            "the slot filled after a shuffle is visited too"
        );

        for t in 4..11 {
            buffer.shuffle(&mut rng);
            buffer.push([t as f64], [-(t as f64)]).unwrap();
            let want: Vec<f64> = (t - 3..=t).map(|a| a as f64).collect();
            assert_eq!(ages(&buffer), want, "after pushing {t}");
            let mut seen = training_order(&buffer);
            seen.sort_by(f64::total_cmp);
            assert_eq!(seen, want, "training visits exactly the samples held");
        }
        for i in 0..4 {
            let (x, y) = buffer.sample(i).unwrap();
            assert_eq!(y[0], -x[0], "inputs and targets stay paired");
        }
        assert_eq!(buffer.sample(4), None);
    }

    #[test]
    fn oldest_and_newest_follow_the_stream_across_wraps() {
        let mut buffer = SampleBuffer::<f64, 1, 1, 3>::new();
        assert_eq!((buffer.oldest(), buffer.newest()), (None, None));
        for t in 0..10usize {
            buffer.push([t as f64], [0.0]).unwrap();
            let oldest = t.saturating_sub(2) as f64;
            assert_eq!(buffer.oldest().map(|s| s.0[0]), Some(oldest), "after pushing {t}");
            assert_eq!(buffer.newest().map(|s| s.0[0]), Some(t as f64), "after pushing {t}");
            assert_eq!(buffer.len(), (t + 1).min(3));
            assert_eq!(buffer.is_full(), t >= 2);
        }
    }

    #[test]
    fn a_non_finite_sample_is_refused_and_evicts_nothing() {
        let mut buffer = SampleBuffer::<f32, 2, 1, 2>::new();
        buffer.push([1.0, 1.0], [1.0]).unwrap();
        buffer.push([2.0, 2.0], [2.0]).unwrap();
        assert_eq!(
            buffer.push([3.0, f32::NAN], [3.0]),
            Err(Error::NonFiniteInput { row: 0, col: 1 })
        );
        assert_eq!(
            buffer.push([3.0, 3.0], [f32::INFINITY]),
            Err(Error::NonFiniteTarget { row: 0, col: 0 })
        );
        assert_eq!(buffer.oldest(), Some(&([1.0, 1.0], [1.0])));
        assert_eq!(buffer.newest(), Some(&([2.0, 2.0], [2.0])));
    }

    #[test]
    fn an_empty_buffer_is_a_constant_of_known_size() {
        const EMPTY: SampleBuffer<f32, 4, 3, 64> = SampleBuffer::new();
        assert!(EMPTY.is_empty() && EMPTY.sample(0).is_none());
        let samples = 64 * (4 + 3) * core::mem::size_of::<f32>();
        let indices = 64 * core::mem::size_of::<usize>();
        // The Vec's length and the write position.
        let bookkeeping = 2 * core::mem::size_of::<usize>();
        assert_eq!(core::mem::size_of_val(&EMPTY), samples + indices + bookkeeping);
    }

    #[test]
    fn clear_starts_over() {
        let mut buffer = SampleBuffer::<f64, 1, 1, 3>::new();
        let mut rng = Rng::new(1);
        for t in 0..5 {
            buffer.push([t as f64], [0.0]).unwrap();
        }
        buffer.shuffle(&mut rng);
        buffer.clear();
        assert!(buffer.is_empty());
        assert_eq!(buffer.sample(0), None);
        buffer.push([7.0], [0.0]).unwrap();
        buffer.push([8.0], [0.0]).unwrap();
        let mut seen = training_order(&buffer);
        seen.sort_by(f64::total_cmp);
        assert_eq!(seen, [7.0, 8.0]);
        assert_eq!(buffer.capacity(), 3);
    }
}
