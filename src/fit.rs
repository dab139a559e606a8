//! Mini-batch training over a whole dataset ([`Trainer::fit`]) and measuring a network on one ([`Network::evaluate`]).

use core::ops::ControlFlow;

use crate::labels::argmax;
use crate::{Activation, Error, Layer, Loss, Matrix, Network, Optimizer, Rng, Samples, Scalar, Trainer};

/// What [`Trainer::fit`] tells its callback after each epoch.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct EpochReport<'a, T, N> {
    /// Epochs completed so far, counting this one (`1..=epochs`).
    pub epoch: usize,
    /// Epochs asked for.
    pub epochs: usize,
    /// This epoch's mean training loss: each batch's loss (computed before
    /// its update) weighted by its rows, divided by the number of samples.
    pub loss: T,
    /// Optimizer steps taken so far in this call to `fit`.
    pub steps: usize,
    /// The network as it is after this epoch, to measure on validation data.
    pub network: &'a N,
}

/// How a call to [`Trainer::fit`] ended.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct FitSummary<T> {
    /// Epochs completed.
    pub epochs: usize,
    /// Optimizer steps taken.
    pub steps: usize,
    /// The last epoch's mean training loss (`None` if no epoch ran).
    pub loss: Option<T>,
    /// `true` when the callback stopped training before the last epoch.
    pub stopped_early: bool,
}

/// The loss and accuracy of a network on a dataset, from [`Network::evaluate`].
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Evaluation<T> {
    /// Mean loss over the samples (the same loss a training step reports,
    /// with `m` the number of samples).
    pub loss: T,
    /// Samples whose predicted class is the target's class.
    pub correct: usize,
    /// Samples evaluated.
    pub samples: usize,
}

impl<T: Scalar> Evaluation<T> {
    /// `correct / samples`, in `[0, 1]`.
    pub fn accuracy(&self) -> T {
        T::from_usize(self.correct) / T::from_usize(self.samples.max(1))
    }
}

/// Checks every sample of `data` for NaN and infinity and returns how many there are.
fn validate<T: Scalar, D: Samples<T, IN, OUT> + ?Sized, const IN: usize, const OUT: usize>(
    data: &D,
) -> Result<usize, Error> {
    let len = data.len();
    if len == 0 {
        return Err(Error::EmptyDataset);
    }
    for index in 0..len {
        let (x, y) = data.sample(index).ok_or(Error::MissingSample { index, len })?;
        if let Some(col) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFiniteInput { row: index, col });
        }
        if let Some(col) = y.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFiniteTarget { row: index, col });
        }
    }
    Ok(len)
}

/// The class a row stands for: its [`argmax`] with several outputs, `row > 0.5` with one.
fn class_of<T: Scalar, const N: usize>(row: &[T; N]) -> usize {
    match row.as_slice() {
        [only] => usize::from(*only > T::ONE / T::TWO),
        _ => argmax(row),
    }
}

impl<T, Ls, const IN: usize, const OUT: usize> Network<T, Ls, IN, OUT>
where
    T: Scalar,
    Ls: Layer<T, IN, OUT>,
{
    /// The mean `loss` and the accuracy of this network on `data`.
    ///
    /// A sample counts as correct when its predicted class equals its
    /// target's class: the index of the largest output against the index of
    /// the largest target (one-hot rows) with several outputs; with one
    /// output, whether the output is above `0.5` against whether the target is
    /// (a sigmoid classifier). For a regressor the accuracy means nothing;
    /// read the loss.
    ///
    /// Errors: [`Error::EmptyDataset`], [`Error::NonFiniteInput`] or
    /// [`Error::NonFiniteTarget`] (sample index and feature) before anything
    /// is computed, and [`Error::NonFiniteLoss`] if the network's outputs make
    /// the loss overflow.
    ///
    /// ```
    /// use tinymlp::{mlp, one_hot, CrossEntropy, Sample};
    ///
    /// type Net = mlp!(f32; 2 => 3 Softmax);
    /// let net = Net::xavier(1);
    /// let test: [Sample<f32, 2, 3>; 2] = [([1.0, 0.0], one_hot(0)?), ([0.0, 1.0], one_hot(2)?)];
    /// let e = net.evaluate(CrossEntropy, &test)?;
    /// assert_eq!(e.samples, 2);
    /// assert!(e.loss > 0.0 && e.accuracy() <= 1.0);
    /// # Ok::<(), tinymlp::Error>(())
    /// ```
    pub fn evaluate<L, D>(&self, loss: L, data: &D) -> Result<Evaluation<T>, Error>
    where
        L: Loss<Ls::Activation>,
        D: Samples<T, IN, OUT> + ?Sized,
    {
        let _ = loss; // a loss is a zero-sized choice of formula; its functions take no `self`
        let len = validate(data)?;
        let mut total = T::ZERO;
        let mut correct = 0usize;
        for index in 0..len {
            let (x, y) = data.sample(index).ok_or(Error::MissingSample { index, len })?;
            let mut out = self.logits(x);
            total += L::row_loss(&out, y);
            Ls::Activation::forward_row(&mut out);
            if class_of(&out) == class_of(y) {
                correct += 1;
            }
        }
        let mean = total / T::from_usize(len);
        if !mean.is_finite() {
            return Err(Error::NonFiniteLoss);
        }
        Ok(Evaluation {
            loss: mean,
            correct,
            samples: len,
        })
    }
}

impl<T, Ls, O, L, const IN: usize, const OUT: usize, const M: usize> Trainer<Network<T, Ls, IN, OUT>, O, L, M>
where
    T: Scalar,
    Ls: Layer<T, IN, OUT>,
    O: Optimizer<T>,
    L: Loss<Ls::Activation>,
{
    /// Trains for up to `epochs` passes over `data` in mini-batches of `M`.
    ///
    /// Each epoch reshuffles `data` with `rng`, then steps through it in
    /// order: `⌊n / M⌋` full batches and, if `M` does not divide `n`, one
    /// last batch of the remaining `r < M` samples whose loss and gradients
    /// are means over its own `r` rows (PyTorch's `drop_last=False`; rows
    /// are never padded and the unused rows of the batch are never read).
    /// After each epoch `on_epoch` gets an [`EpochReport`]; returning
    /// [`ControlFlow::Break`] stops training there, for early stopping or a
    /// user who pressed a button.
    ///
    /// Before anything is touched, every sample is checked: an empty dataset
    /// is [`Error::EmptyDataset`], a NaN or infinite value
    /// [`Error::NonFiniteInput`] or [`Error::NonFiniteTarget`] with the
    /// sample's index in `data` as `row`. A step that fails its checks (see
    /// [`step`](Self::step)) ends training with its error; that step changed
    /// nothing, the steps before it stand.
    ///
    /// The batch being assembled lives on the stack: `M·(IN + OUT)` scalars.
    ///
    /// ```
    /// use core::ops::ControlFlow;
    /// use tinymlp::{mlp, Adam, Mse, Rng, Sample, Trainer};
    ///
    /// type Line = mlp!(f64; 1 => 1 Identity);
    /// // y = 3x − 1 at 10 points; batches of 4 (the last one has 2 rows).
    /// let mut data: [Sample<f64, 1, 1>; 10] = core::array::from_fn(|i| {
    ///     let x = i as f64 / 10.0;
    ///     ([x], [3.0 * x - 1.0])
    /// });
    /// let mut trainer = Trainer::<_, _, _, 4>::new(Line::xavier(1), Adam::new(0.05), Mse);
    /// let summary = trainer.fit(&mut data, 1000, &mut Rng::new(2), |report| {
    ///     if report.loss < 1e-8 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    /// })?;
    /// assert!(summary.stopped_early && summary.steps == 3 * summary.epochs);
    /// let net = trainer.network();
    /// assert!((net.forward(&[0.5])[0] - 0.5).abs() < 1e-3);
    /// # Ok::<(), tinymlp::Error>(())
    /// ```
    pub fn fit<D, F>(
        &mut self,
        data: &mut D,
        epochs: usize,
        rng: &mut Rng,
        mut on_epoch: F,
    ) -> Result<FitSummary<T>, Error>
    where
        D: Samples<T, IN, OUT> + ?Sized,
        F: FnMut(EpochReport<'_, T, Network<T, Ls, IN, OUT>>) -> ControlFlow<()>,
    {
        let len = validate(data)?;
        let mut x = Matrix::<T, M, IN>::zeros();
        let mut y = Matrix::<T, M, OUT>::zeros();
        let mut summary = FitSummary {
            epochs: 0,
            steps: 0,
            loss: None,
            stopped_early: false,
        };
        for epoch in 1..=epochs {
            data.shuffle(rng);
            let mut total = T::ZERO;
            let mut start = 0;
            while start < len {
                let rows = (len - start).min(M);
                let batch = x.as_array_mut().iter_mut().zip(y.as_array_mut());
                for (offset, (x_row, y_row)) in batch.take(rows).enumerate() {
                    let index = start + offset;
                    let (xs, ys) = data.sample(index).ok_or(Error::MissingSample { index, len })?;
                    *x_row = *xs;
                    *y_row = *ys;
                }
                let loss = self.step_rows(&x, &y, rows)?;
                total += loss * T::from_usize(rows);
                summary.steps = summary.steps.saturating_add(1);
                start += rows;
            }
            let loss = total / T::from_usize(len);
            summary.epochs = epoch;
            summary.loss = Some(loss);
            let report = EpochReport {
                epoch,
                epochs,
                loss,
                steps: summary.steps,
                network: self.network(),
            };
            if on_epoch(report).is_break() {
                summary.stopped_early = epoch < epochs;
                break;
            }
        }
        Ok(summary)
    }

    /// The mean loss and accuracy of the network on `data`, with the
    /// trainer's loss: [`Network::evaluate`].
    pub fn evaluate<D: Samples<T, IN, OUT> + ?Sized>(&self, data: &D) -> Result<Evaluation<T>, Error> {
        self.network().evaluate(*self.loss(), data)
    }
}
