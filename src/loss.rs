//! Losses, each computed from the output layer's logits `Z` and turning them into `∂f/∂Z` in place.
//!
//! | loss | output activation | `f` over a batch of `m` rows | `∂f/∂Z` |
//! |---|---|---|---|
//! | [`Mse`] | any | `(1/m)·‖A − Y‖_F²` (the seed's) | `dA = (2/m)(A − Y)`, then `dA ⊙ g'(Z)` |
//! | [`CrossEntropy`] | [`Softmax`] | `(1/m)·Σᵢ Σⱼ −yᵢⱼ ln aᵢⱼ` | `(A·rowsum(Y) − Y)/m` |
//! | [`BinaryCrossEntropy`] | [`Sigmoid`] | `(1/m)·Σᵢ Σⱼ −(y ln a + (1−y) ln(1−a))` | `(A − Y)/m` |
//!
//! The two cross-entropies are computed from the logits (log-sum-exp with the
//! row maximum subtracted; `max(z,0) − z·y + ln(1 + e^(−|z|))`), never as `ln`
//! of a probability that can round to zero, so they stay finite however
//! confident the network is.
//!
//! [`BinaryCrossEntropy`] sums over outputs and divides by `m` only, like the
//! seed's MSE; PyTorch's `BCEWithLogitsLoss` (mean reduction) divides by
//! `m · outputs`, so with several outputs its loss and gradients are ours
//! divided by the number of outputs.

use crate::activation::row_max;
use crate::{Activation, Elementwise, Matrix, Scalar, Sigmoid, Softmax, Zeroed};

/// A loss for networks whose output activation is `G`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the loss of a network whose output activation is `{G}`",
    note = "CrossEntropy needs a Softmax output layer, BinaryCrossEntropy a Sigmoid one; Mse takes any"
)]
pub trait Loss<G: Activation>: Copy + Default + core::fmt::Debug {
    /// The loss of one row before dividing by the batch size, from its logits `z`.
    fn row_loss<T: Scalar, const N: usize>(z: &[T; N], y: &[T; N]) -> T;

    /// Like [`row_loss`](Self::row_loss), and overwrites `z` with `∂f/∂z` for a
    /// batch of `m` rows.
    fn row_loss_and_gradient<T: Scalar, const N: usize>(z: &mut [T; N], y: &[T; N], m: T) -> T;

    /// The mean loss of the first `rows` rows, turning their logits into `∂f/∂Z`.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    fn batch_loss_and_gradient<T: Scalar, const M: usize, const N: usize>(
        z: &mut Matrix<T, M, N>,
        y: &Matrix<T, M, N>,
        rows: usize,
    ) -> T {
        let m = T::from_usize(rows);
        let mut total = T::ZERO;
        for (z_row, y_row) in z.as_array_mut().iter_mut().zip(y.as_array()).take(rows) {
            total += Self::row_loss_and_gradient(z_row, y_row, m);
        }
        total / m
    }
}

/// The seed's mean squared error, `f = (1/m)·‖A − Y‖_F²`: summed over outputs,
/// divided by the batch size only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mse;

/// Zero-sized: lets a trainer using it be [`Zeroed`].
impl Zeroed for Mse {
    const ZEROED: Self = Mse;
}

impl<G: Activation> Loss<G> for Mse {
    #[inline]
    fn row_loss<T: Scalar, const N: usize>(z: &[T; N], y: &[T; N]) -> T {
        let mut a = *z;
        G::forward_row(&mut a);
        let mut sum = T::ZERO;
        for (&a, &y) in a.iter().zip(y) {
            sum += (a - y) * (a - y);
        }
        sum
    }

    #[inline]
    fn row_loss_and_gradient<T: Scalar, const N: usize>(z: &mut [T; N], y: &[T; N], m: T) -> T {
        G::forward_row(z); // z now holds A
        let two_over_m = T::TWO / m;
        let mut da = [T::ZERO; N];
        let mut sum = T::ZERO;
        for ((d, &a), &y) in da.iter_mut().zip(z.iter()).zip(y) {
            sum += (a - y) * (a - y);
            *d = two_over_m * (a - y);
        }
        G::backward_row(z, &mut da);
        *z = da;
        sum
    }
}

/// Categorical cross-entropy over a [`Softmax`] output: `−Σⱼ yⱼ ln aⱼ` per row,
/// averaged over the batch.
///
/// Rows of `Y` are usually one-hot. They need not sum to one: the gradient is
/// `(A·rowsum(Y) − Y)/m`, which is the familiar `(A − Y)/m` when they do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrossEntropy;

/// Zero-sized: lets a trainer using it be [`Zeroed`].
impl Zeroed for CrossEntropy {
    const ZEROED: Self = CrossEntropy;
}

impl Loss<Softmax> for CrossEntropy {
    #[inline]
    fn row_loss<T: Scalar, const N: usize>(z: &[T; N], y: &[T; N]) -> T {
        let max = row_max(z);
        // ln Σ e^(z−max) = ln(1 + Σ of the others), the maximum's own term being
        // exactly 1: ln_1p keeps the digits of a confident prediction's tiny loss.
        let mut others = T::ZERO;
        let mut skipped_max = false;
        for &z in z {
            if z == max && !skipped_max {
                skipped_max = true;
            } else {
                others += (z - max).exp();
            }
        }
        let log_sum = others.ln_1p();
        // −ln aⱼ = (max − zⱼ) + ln Σ e^(z−max): no cancellation of large logits.
        let mut loss = T::ZERO;
        for (&z, &y) in z.iter().zip(y) {
            if y != T::ZERO {
                loss += y * ((max - z) + log_sum);
            }
        }
        loss
    }

    /// [`row_loss`](Self::row_loss) followed by `Softmax::forward_row`, with
    /// each `e^(z−max)` computed once for both. Unlike `row_loss`, it takes
    /// `ln Σ e^(z−max)` directly rather than `ln_1p` of the other terms, so
    /// the loss a step reports can differ from `evaluate`'s in the last bits.
    #[inline]
    fn row_loss_and_gradient<T: Scalar, const N: usize>(z: &mut [T; N], y: &[T; N], m: T) -> T {
        let max = row_max(z);
        let mut sum = T::ZERO;
        let mut exps = [T::ZERO; N];
        for (e, &z) in exps.iter_mut().zip(z.iter()) {
            // The maximum's own term is e^±0 = 1 exactly (`Scalar::exp`
            // returns it): no call for it. A NaN difference still goes to `exp`.
            let shifted = z - max;
            *e = if shifted == T::ZERO { T::ONE } else { shifted.exp() };
            sum += *e;
        }
        cross_entropy_row(z, y, &exps, max, sum, sum.ln(), m)
    }

    /// x86-64: [`row_loss_and_gradient`](Self::row_loss_and_gradient) for
    /// every row, with the same operations in the same order per value, but
    /// in passes over the batch so that the exponentials (of every logit) and
    /// the logarithms (of every row's sum) go eight at a time through
    /// `Blocks::exp_lanes`/`ln_lanes`, which `f32` computes in SSE lanes with
    /// the scalar functions' bits (W2: about 70 instructions an exponential
    /// and logarithm pair per logit and row, one at a time). Eight, not
    /// four: one AVX2 vector (W2's AVX2 step: 207 fewer; its SSE2 step, in
    /// two vectors, 29 more, the exponential's constants and halves no
    /// longer all in registers). The row losses are added in row order, as
    /// the default does.
    #[cfg(target_arch = "x86_64")]
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    fn batch_loss_and_gradient<T: Scalar, const M: usize, const N: usize>(
        z: &mut Matrix<T, M, N>,
        y: &Matrix<T, M, N>,
        rows: usize,
    ) -> T {
        let m = T::from_usize(rows);
        let used = rows.min(M);
        let (z, y) = (z.as_array_mut(), y.as_array());
        let mut maxima = [T::ZERO; M];
        let mut exps = [[T::ZERO; N]; M];
        for ((max, e_row), z_row) in maxima.iter_mut().zip(exps.iter_mut()).zip(z.iter()).take(used) {
            *max = row_max(z_row);
            for (e, &z) in e_row.iter_mut().zip(z_row) {
                *e = z - *max;
            }
        }
        // `exp(±0)` is 1 exactly, so the maximum's own term needs no case of
        // its own here; padding lanes take `exp(0)` and `ln(2)`, both on the
        // lanes' common path. Closures, not the functions themselves: in the
        // bench build a function item was called through `Fn::call`, not
        // inlined, and the lanes went through memory (W2: 500 more).
        in_lanes(
            exps.as_flattened_mut().get_mut(..used * N).unwrap_or(&mut []),
            T::ZERO,
            |lanes: [T; 8]| T::exp_lanes(lanes),
        );
        let mut sums = [T::ZERO; M];
        for (sum, e_row) in sums.iter_mut().zip(&exps).take(used) {
            for &e in e_row {
                *sum += e;
            }
        }
        let mut logs = sums;
        in_lanes(logs.get_mut(..used).unwrap_or(&mut []), T::TWO, |lanes: [T; 8]| {
            T::ln_lanes(lanes)
        });
        let mut total = T::ZERO;
        let rows = z
            .iter_mut()
            .zip(y)
            .zip(exps.iter().zip(maxima.iter().zip(sums.iter().zip(&logs))));
        for ((z, y), (exps, (&max, (&sum, &log_sum)))) in rows.take(used) {
            total += cross_entropy_row(z, y, exps, max, sum, log_sum, m);
        }
        total / m
    }
}

/// A row's cross-entropy from its logits `z`, their maximum, `exps[j] =
/// e^(z[j]−max)`, their `sum` and its logarithm, overwriting `z` with
/// `∂f/∂z` for a batch of `m` rows. `−ln aⱼ = (max − zⱼ) + ln Σ`: no
/// cancellation of large logits.
#[inline(always)]
fn cross_entropy_row<T: Scalar, const N: usize>(
    z: &mut [T; N],
    y: &[T; N],
    exps: &[T; N],
    max: T,
    sum: T,
    log_sum: T,
    m: T,
) -> T {
    let mut loss = T::ZERO;
    let mut y_sum = T::ZERO;
    for ((d, &e), &y) in z.iter_mut().zip(exps).zip(y) {
        if y != T::ZERO {
            loss += y * ((max - *d) + log_sum);
        }
        y_sum += y;
        *d = e / sum;
    }
    for (d, &y) in z.iter_mut().zip(y) {
        *d = (*d * y_sum - y) / m;
    }
    loss
}

/// `values[i] = f(values)[i]`, `L` at a time, the last few padded with `pad`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn in_lanes<T: Scalar, const L: usize>(values: &mut [T], pad: T, f: impl Fn([T; L]) -> [T; L]) {
    let (chunks, tail) = values.as_chunks_mut::<L>();
    for chunk in chunks {
        *chunk = f(*chunk);
    }
    if !tail.is_empty() {
        let mut lanes = [pad; L];
        for (lane, &v) in lanes.iter_mut().zip(tail.iter()) {
            *lane = v;
        }
        for (v, &lane) in tail.iter_mut().zip(f(lanes).iter()) {
            *v = lane;
        }
    }
}

/// Binary cross-entropy over a [`Sigmoid`] output, summed over outputs and
/// divided by the batch size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BinaryCrossEntropy;

/// Zero-sized: lets a trainer using it be [`Zeroed`].
impl Zeroed for BinaryCrossEntropy {
    const ZEROED: Self = BinaryCrossEntropy;
}

impl Loss<Sigmoid> for BinaryCrossEntropy {
    #[inline]
    fn row_loss<T: Scalar, const N: usize>(z: &[T; N], y: &[T; N]) -> T {
        let mut loss = T::ZERO;
        for (&z, &y) in z.iter().zip(y) {
            // −(y ln σ(z) + (1−y) ln(1−σ(z))) = max(z, 0) − z·y + ln(1 + e^(−|z|)),
            // with max(z, 0) − z·y as z·(1 − y) for z > 0: z − z·y cancels
            // catastrophically for large z and soft targets near 1.
            let linear = if z > T::ZERO { z * (T::ONE - y) } else { -(z * y) };
            loss += linear + (-z.abs()).exp().ln_1p();
        }
        loss
    }

    #[inline]
    fn row_loss_and_gradient<T: Scalar, const N: usize>(z: &mut [T; N], y: &[T; N], m: T) -> T {
        let loss = Self::row_loss(z, y);
        for (d, &y) in z.iter_mut().zip(y) {
            *d = (Sigmoid::apply(*d) - y) / m;
        }
        loss
    }
}
