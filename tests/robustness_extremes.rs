//! Activations and losses at extreme pre-activations (±1e4, ±1e30, subnormals)
//! give finite values and gradients that agree with an f64 reference computed
//! here, independently, from the pre-activations.
//!
//! Agreement means an absolute error of at most 1e-6 or a relative error of at
//! most 1e-4. Derivatives taken from an f32 `A` legitimately round to 0 where the
//! true value is below f32's resolution near 1 (about 6e-8): `σ'(17)` is
//! `4e-8`, but `σ(17)` rounds to `1` in f32, so `a(1 − a)` is `0`. The absolute
//! tolerance admits exactly that.
// Indices mirror the subscripts of the formulas they implement.
#![allow(clippy::needless_range_loop)]

use tinymlp::{
    Activation, BinaryCrossEntropy, CrossEntropy, Dense, Elementwise, Identity, LeakyRelu, Loss, Matrix, Mse, Relu,
    Scalar, Sgd, Sigmoid, Softmax, Tanh, Trainer, mlp,
};

/// Pre-activations for f32: the issue's ±1e4 and ±1e30, subnormals, zeros,
/// and ±17/±20 where probabilities come within f32's resolution of 0 and 1.
const F32_EXTREMES: [f32; 18] = [
    1e4, -1e4, 1e30, -1e30, 1e-40, -1e-40, 1.4e-45, -1.4e-45, 0.0, -0.0, 17.0, -17.0, 20.0, -20.0, 3e38, -3e38, 0.5,
    -2.0,
];

/// The same idea for f64, with f64's subnormals.
const F64_EXTREMES: [f64; 14] = [
    1e4, -1e4, 1e30, -1e30, 1e-310, -1e-310, 5e-324, -5e-324, 0.0, -0.0, 40.0, -40.0, 0.5, -2.0,
];

/// `|got − want| ≤ 1e-6` or `≤ 1e-4·|want|`, and `got` finite.
fn assert_close(got: f64, want: f64, what: &str) {
    assert!(got.is_finite(), "{what}: {got} is not finite (want {want})");
    let err = (got - want).abs();
    assert!(
        err <= 1e-6 || err <= 1e-4 * want.abs(),
        "{what}: got {got:e}, want {want:e} (error {err:e})"
    );
}

// ---- f64 references, written from the definitions ----

fn sigmoid(z: f64) -> f64 {
    // Straightforward: e^(−z) overflows to ∞ for very negative z, and 1/∞ = 0 is right.
    1.0 / (1.0 + (-z).exp())
}

fn sigmoid_derivative(z: f64) -> f64 {
    sigmoid(z) * sigmoid(-z)
}

fn tanh_derivative(z: f64) -> f64 {
    // 1/cosh²: cosh overflows to ∞ for large |z|, and 1/∞ = 0 is right.
    1.0 / (z.cosh() * z.cosh())
}

/// `ln σ(z)`, stably: `−ln(1 + e^(−z))` for `z ≥ 0`, `z − ln(1 + e^z)` otherwise.
fn log_sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        -(-z).exp().ln_1p()
    } else {
        z - z.exp().ln_1p()
    }
}

/// Softmax with the maximum subtracted (the straightforward `e^z/Σe^z` overflows at 1e4).
fn softmax<const N: usize>(z: &[f64; N]) -> [f64; N] {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = z.map(|z| (z - max).exp());
    let sum: f64 = e.iter().sum();
    e.map(|e| e / sum)
}

/// `ln softmax(z)`, stably.
fn log_softmax<const N: usize>(z: &[f64; N]) -> [f64; N] {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let log_sum = z.iter().map(|z| (z - max).exp()).sum::<f64>().ln();
    z.map(|z| z - max - log_sum)
}

fn widen<T: Scalar, const N: usize>(v: &[T; N]) -> [f64; N] {
    v.map(Scalar::to_f64)
}

// ---- elementwise activations ----

fn check_elementwise<G: Elementwise, T: Scalar>(zs: &[T], g: fn(f64) -> f64, derivative: fn(f64) -> f64) {
    for &z in zs {
        let a = G::apply(z);
        let what = format!("{:?}({z:?}) as {:?}", G::KIND, T::KIND);
        assert_close(a.to_f64(), g(z.to_f64()), &what);
        assert_close(G::derivative(a).to_f64(), derivative(z.to_f64()), &format!("{what}'"));
    }
}

fn check_all_elementwise<T: Scalar>(zs: &[T]) {
    check_elementwise::<Identity, T>(zs, |z| z, |_| 1.0);
    check_elementwise::<Sigmoid, T>(zs, sigmoid, sigmoid_derivative);
    check_elementwise::<Tanh, T>(zs, f64::tanh, tanh_derivative);
    check_elementwise::<Relu, T>(zs, |z| z.max(0.0), |z| if z > 0.0 { 1.0 } else { 0.0 });
    check_elementwise::<LeakyRelu<10>, T>(
        zs,
        |z| if z > 0.0 { z } else { 0.01 * z },
        |z| if z > 0.0 { 1.0 } else { 0.01 },
    );
}

#[test]
fn elementwise_activations_and_derivatives_at_extremes_match_f64() {
    check_all_elementwise(&F32_EXTREMES);
    check_all_elementwise(&F64_EXTREMES);
}

// ---- softmax ----

/// Rows of logits: huge spreads, ties at huge values, subnormals, and
/// probabilities within f32's resolution of 0 and 1.
fn softmax_rows<T: Scalar>() -> Vec<[T; 3]> {
    let rows: [[f64; 3]; 10] = [
        [1e4, -1e4, 0.0],
        [-1e4, -1e4, -1e4 + 1.0],
        [1e30, -1e30, 1e30],
        [-1e30, 0.0, 1e30],
        [1e-40, -1e-40, 0.0],
        [1.4e-45, 0.0, -1.4e-45],
        [20.0, 0.0, -20.0],
        [17.0, 0.0, 0.0],
        [3e38, -3e38, 0.0],
        [0.5, -2.0, 1.25],
    ];
    rows.iter().map(|r| r.map(T::from_f64)).collect()
}

fn check_softmax<T: Scalar>() {
    for z in softmax_rows::<T>() {
        let want = softmax(&widen(&z));
        let mut a = z;
        Softmax::forward_row(&mut a);
        for j in 0..3 {
            assert_close(a[j].to_f64(), want[j], &format!("softmax({z:?})[{j}]"));
        }
        // Backward against the Jacobian ∂aᵢ/∂zⱼ = aᵢ(δᵢⱼ − aⱼ) applied to a fixed dA.
        let da = [T::from_f64(0.75), T::from_f64(-1.5), T::from_f64(2.0)];
        let mut dz = da;
        Softmax::backward_row(&a, &mut dz);
        for j in 0..3 {
            let want_dz: f64 = (0..3)
                .map(|i| da[i].to_f64() * want[i] * (f64::from(u8::from(i == j)) - want[j]))
                .sum();
            assert_close(dz[j].to_f64(), want_dz, &format!("softmax backward({z:?})[{j}]"));
        }
    }
}

#[test]
fn softmax_and_its_backward_at_extremes_match_f64() {
    check_softmax::<f32>();
    check_softmax::<f64>();
}

// ---- losses, from logits to ∂f/∂z ----

/// A reference loss: from logits and targets to the row's loss and `∂loss/∂z`.
type Reference<const N: usize> = fn(&[f64; N], &[f64; N]) -> (f64, [f64; N]);

/// Checks `row_loss` and `row_loss_and_gradient` of `L` (output activation
/// `G`) on one row against `reference(z, y) → (loss, ∂loss/∂z)`, for a batch of `m`.
fn check_loss<G: Activation, L: Loss<G>, T: Scalar, const N: usize>(z: [T; N], y: [T; N], reference: Reference<N>) {
    let m = 4.0;
    let (want_loss, want_grad) = reference(&widen(&z), &widen(&y));
    let what = format!("{:?} on {:?}, z = {z:?}, y = {y:?}", L::default(), T::KIND);
    let mut dz = z;
    let loss = L::row_loss_and_gradient(&mut dz, &y, T::from_f64(m));
    for loss in [L::row_loss(&z, &y), loss] {
        if want_loss > T::MAX.to_f64() {
            // E.g. −ln softmax([3e38, −3e38])₁ = 6e38: no f32 can hold it, and +∞
            // is the only honest answer (the checked step then refuses the batch).
            assert_eq!(loss.to_f64(), f64::INFINITY, "{what}");
        } else {
            assert_close(loss.to_f64(), want_loss, &what);
        }
    }
    for j in 0..N {
        assert_close(dz[j].to_f64(), want_grad[j] / m, &format!("∂/∂z[{j}] of {what}"));
    }
}

fn cross_entropy_reference<const N: usize>(z: &[f64; N], y: &[f64; N]) -> (f64, [f64; N]) {
    let log_a = log_softmax(z);
    let a = softmax(z);
    let loss = -(0..N)
        .map(|j| if y[j] == 0.0 { 0.0 } else { y[j] * log_a[j] })
        .sum::<f64>();
    let y_sum: f64 = y.iter().sum();
    (loss, core::array::from_fn(|j| a[j] * y_sum - y[j]))
}

fn binary_cross_entropy_reference<const N: usize>(z: &[f64; N], y: &[f64; N]) -> (f64, [f64; N]) {
    let loss = (0..N)
        .map(|j| -(y[j] * log_sigmoid(z[j]) + (1.0 - y[j]) * log_sigmoid(-z[j])))
        .sum();
    (loss, core::array::from_fn(|j| sigmoid(z[j]) - y[j]))
}

fn mse_reference<const N: usize>(
    a: [f64; N],
    y: &[f64; N],
    backward: impl Fn([f64; N]) -> [f64; N],
) -> (f64, [f64; N]) {
    let loss = (0..N).map(|j| (a[j] - y[j]) * (a[j] - y[j])).sum();
    (loss, backward(core::array::from_fn(|j| 2.0 * (a[j] - y[j]))))
}

fn check_cross_entropy<T: Scalar>() {
    for z in softmax_rows::<T>() {
        // One-hot on every class in turn: probabilities near 1 and near 0.
        for hot in 0..3 {
            let y = core::array::from_fn(|j| if j == hot { T::ONE } else { T::ZERO });
            check_loss::<Softmax, CrossEntropy, T, 3>(z, y, cross_entropy_reference);
        }
        let soft = [0.25, 0.7, 0.05].map(T::from_f64);
        check_loss::<Softmax, CrossEntropy, T, 3>(z, soft, cross_entropy_reference);
    }
}

#[test]
fn cross_entropy_at_extremes_matches_f64() {
    check_cross_entropy::<f32>();
    check_cross_entropy::<f64>();
}

fn check_binary_cross_entropy<T: Scalar>(zs: &[T]) {
    for &z in zs {
        for y in [0.0, 1.0, 0.25, 0.9999, 1e-4] {
            check_loss::<Sigmoid, BinaryCrossEntropy, T, 1>([z], [T::from_f64(y)], binary_cross_entropy_reference);
        }
    }
}

#[test]
fn binary_cross_entropy_at_extremes_matches_f64() {
    check_binary_cross_entropy(&F32_EXTREMES);
    check_binary_cross_entropy(&F64_EXTREMES);
}

fn check_mse<T: Scalar>(zs: &[T]) {
    for &z in zs {
        for y in [0.0, 1.0, 0.3] {
            let y = [T::from_f64(y)];
            check_loss::<Sigmoid, Mse, T, 1>([z], y, |z, y| {
                mse_reference([sigmoid(z[0])], y, |d| [d[0] * sigmoid_derivative(z[0])])
            });
            check_loss::<Tanh, Mse, T, 1>([z], y, |z, y| {
                mse_reference([z[0].tanh()], y, |d| [d[0] * tanh_derivative(z[0])])
            });
            // With an identity output the loss is z², finite only while z is below √MAX.
            if z.to_f64().abs() < 1e15 {
                check_loss::<Identity, Mse, T, 1>([z], y, |z, y| mse_reference([z[0]], y, |d| d));
            }
        }
    }
    for z in softmax_rows::<T>() {
        let y = [0.0, 1.0, 0.0].map(T::from_f64);
        check_loss::<Softmax, Mse, T, 3>(z, y, |z, y| {
            let a = softmax(z);
            mse_reference(a, y, |d| {
                core::array::from_fn(|j| (0..3).map(|i| d[i] * a[i] * (f64::from(u8::from(i == j)) - a[j])).sum())
            })
        });
    }
}

#[test]
fn mse_over_bounded_outputs_at_extremes_matches_f64() {
    check_mse(&F32_EXTREMES);
    check_mse(&F64_EXTREMES);
}

#[test]
fn mse_of_an_unrepresentable_identity_output_is_infinite_and_refused() {
    // (1e30)² = 1e60 has no f32 value: the loss cannot be finite, so the
    // checked step must refuse it rather than train on it.
    let loss = <Mse as Loss<Identity>>::row_loss(&[1e30f32], &[0.0]);
    assert_eq!(loss, f32::INFINITY);
    let net = <mlp!(f32; 1 => 1 Identity)>::new(Dense::from_arrays([[1.0]], [0.0]));
    let mut trainer = Trainer::new(net, Sgd::new(0.1), Mse);
    assert_eq!(
        trainer.step(&Matrix::from_array([[1e30]]), &Matrix::from_array([[0.0]])),
        Err(tinymlp::Error::NonFiniteLoss)
    );
    assert_eq!(trainer.network(), &net);
}

// ---- through a whole training step ----

#[test]
fn training_step_gradients_at_extreme_logits_match_f64() {
    // One dense layer whose logits are exactly ±1e4 and ±1e30 for the inputs
    // below: W = [[1e4, -1e4, 1e30], [0, 1, -1e30]], b = 0.
    let w = [[1e4f32, -1e4, 1e30], [0.0, 1.0, -1e30]];
    let x = [[1.0f32, 0.0], [0.0, 1.0], [1.0, 1e-40]];
    let y = [[0.0f32, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]];
    let net = <mlp!(f32; 2 => 3 Softmax)>::new(Dense::from_arrays(w, [0.0; 3]));
    let mut trainer = Trainer::new(net, Sgd::new(0.0), CrossEntropy);
    let loss = trainer.step(&Matrix::from_array(x), &Matrix::from_array(y)).unwrap();

    // f64: Z = X·W, dZ = (softmax(Z) − Y)/m, dW = Xᵀ·dZ, db = column sums of dZ.
    let m = 3.0;
    let mut want_loss = 0.0;
    let mut dw = [[0.0f64; 3]; 2];
    let mut db = [0.0f64; 3];
    for (xr, yr) in x.iter().zip(&y) {
        let z: [f64; 3] = core::array::from_fn(|j| (0..2).map(|k| xr[k] as f64 * w[k][j] as f64).sum());
        let (l, g) = cross_entropy_reference(&z, &widen(yr));
        want_loss += l / m;
        for j in 0..3 {
            db[j] += g[j] / m;
            for k in 0..2 {
                dw[k][j] += xr[k] as f64 * g[j] / m;
            }
        }
    }
    assert_close(loss as f64, want_loss, "loss");
    let mut got = Vec::new();
    trainer.for_each_gradient(|_, g| got.extend(g.iter().map(|&g| g as f64)));
    let want: Vec<f64> = dw.iter().flatten().chain(&db).copied().collect();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_close(*g, *w, &format!("gradient {i}"));
    }
}

#[test]
fn cross_entropy_of_a_confident_correct_prediction_keeps_its_relative_accuracy() {
    // −ln softmax(z)₀ for z = [d, 0, 0] is ln(1 + 2e^(−d)): tiny, and well within
    // f32's range, so it should carry f32's relative precision as BCE's does, not
    // an absolute error of f32's spacing near 1 (1.2e-7).
    for d in [5.0f32, 10.0, 15.0, 17.0, 20.0, 30.0, 60.0] {
        let want = (2.0 * (-(d as f64)).exp()).ln_1p();
        let got = <CrossEntropy as Loss<Softmax>>::row_loss(&[d, 0.0, 0.0], &[1.0, 0.0, 0.0]) as f64;
        assert!((got - want).abs() <= 1e-4 * want, "d = {d}: got {got:e}, want {want:e}");
        let got = <BinaryCrossEntropy as Loss<Sigmoid>>::row_loss(&[d], &[1.0]) as f64;
        let want = (-(d as f64)).exp().ln_1p();
        assert!(
            (got - want).abs() <= 1e-4 * want,
            "BCE, d = {d}: got {got:e}, want {want:e}"
        );
    }
}
