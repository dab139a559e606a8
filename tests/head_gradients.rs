//! The two classification heads, softmax + cross-entropy and sigmoid + binary
//! cross-entropy: every `dW`, `db` against central differences of the loss
//! written out here from its definition (f64), and the loss staying finite and
//! exact where the probabilities round to 0 or 1.

mod support;

use support::{check_gradients, spread_biases};
use tinymlp::{BinaryCrossEntropy, CrossEntropy, Dense, Init, Matrix, Network, Sgd, Sigmoid, Softmax, Trainer, mlp};

/// `−(1/m)·Σᵢ Σⱼ yᵢⱼ ln aᵢⱼ`, from the softmax outputs `a`, straight from the definition.
fn cross_entropy<const M: usize, const OUT: usize>(a: &[[f64; OUT]; M], y: &[[f64; OUT]; M]) -> f64 {
    let mut sum = 0.0;
    for (ar, yr) in a.iter().zip(y) {
        for (a, y) in ar.iter().zip(yr) {
            sum -= y * a.ln();
        }
    }
    sum / M as f64
}

/// `(1/m)·Σᵢ Σⱼ −(y ln a + (1 − y) ln(1 − a))`: summed over outputs, divided by `m` only.
fn binary_cross_entropy<const M: usize, const OUT: usize>(a: &[[f64; OUT]; M], y: &[[f64; OUT]; M]) -> f64 {
    let mut sum = 0.0;
    for (ar, yr) in a.iter().zip(y) {
        for (a, y) in ar.iter().zip(yr) {
            sum -= y * a.ln() + (1.0 - y) * (1.0 - a).ln();
        }
    }
    sum / M as f64
}

fn inputs() -> Matrix<f64, 5, 3> {
    Matrix::from_array([
        [0.9, -1.3, 0.4],
        [-0.2, 0.7, 1.8],
        [1.5, 0.3, -0.6],
        [-1.1, -0.8, 0.25],
        [0.35, 1.2, -1.4],
    ])
}

#[test]
fn softmax_cross_entropy_gradients_match_finite_differences_with_one_hot_targets() {
    let y = Matrix::from_array([
        [1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0],
        [0.0, 1.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0],
    ]);
    let net = spread_biases(<mlp!(f64; 3 => 4 Tanh => 3 Softmax)>::random(31, Init::XavierUniform));
    assert_eq!(
        check_gradients(net, CrossEntropy, cross_entropy, &inputs(), &y),
        4 * 3 + 4 + 3 * 4 + 3
    );
    let deep = spread_biases(<mlp!(f64; 3 => 5 Sigmoid => 4 Tanh => 3 Softmax)>::random(
        32,
        Init::XavierUniform,
    ));
    check_gradients(deep, CrossEntropy, cross_entropy, &inputs(), &y);
}

#[test]
fn softmax_cross_entropy_gradients_match_finite_differences_when_target_rows_do_not_sum_to_one() {
    // Soft and unnormalised rows: the gradient must be (A·rowsum(Y) − Y)/m, not (A − Y)/m.
    let y = Matrix::from_array([
        [0.5, 0.2, 0.0],
        [0.1, 0.1, 0.1],
        [0.0, 2.0, 0.0],
        [0.7, 0.0, 0.6],
        [0.0, 0.0, 0.25],
    ]);
    let net = spread_biases(<mlp!(f64; 3 => 4 Tanh => 3 Softmax)>::random(33, Init::XavierUniform));
    check_gradients(net, CrossEntropy, cross_entropy, &inputs(), &y);
}

#[test]
fn sigmoid_binary_cross_entropy_gradients_match_finite_differences() {
    let y1 = Matrix::from_array([[1.0], [0.0], [1.0], [0.0], [1.0]]);
    let single = spread_biases(<mlp!(f64; 3 => 4 Tanh => 1 Sigmoid)>::random(41, Init::XavierUniform));
    check_gradients(single, BinaryCrossEntropy, binary_cross_entropy, &inputs(), &y1);

    // Two independent outputs (multi-label), with soft targets.
    let y2 = Matrix::from_array([[1.0, 0.0], [0.3, 1.0], [0.0, 0.0], [1.0, 0.8], [0.5, 0.1]]);
    let multi = spread_biases(<mlp!(f64; 3 => 5 Sigmoid => 4 Tanh => 2 Sigmoid)>::random(
        42,
        Init::XavierUniform,
    ));
    check_gradients(multi, BinaryCrossEntropy, binary_cross_entropy, &inputs(), &y2);
}

/// `ln Σ e^z`, with the maximum taken out first: the reference for huge logits.
fn log_sum_exp(z: &[f64]) -> f64 {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max + z.iter().map(|&z| (z - max).exp()).sum::<f64>().ln()
}

#[test]
fn cross_entropy_is_finite_and_exact_for_a_confidently_wrong_softmax() {
    // One input x = 1 and logits z = W = [1000, 0, −1000]: softmax rounds to
    // [1, 0, 0] even in f64, so −ln a₂ of the probability would be +∞.
    let layer = Dense::<f32, 1, 3, Softmax>::from_arrays([[1000.0, 0.0, -1000.0]], [0.0; 3]);
    let net: Network<f32, _, 1, 3> = Network::new(layer);
    assert_eq!(net.forward(&[1.0])[2], 0.0);

    let mut trainer = Trainer::new(net, Sgd::new(0.0), CrossEntropy);
    let loss = trainer
        .step(&Matrix::from_array([[1.0]]), &Matrix::from_array([[0.0, 0.0, 1.0]]))
        .unwrap();
    // −ln a₂ = ln Σ e^z − z₂ = 1000 + ln(1 + e^−1000 + e^−2000) + 1000 = 2000.
    let want = log_sum_exp(&[1000.0, 0.0, -1000.0]) - (-1000.0);
    assert_eq!(f64::from(loss), want);
    assert_eq!(want, 2000.0);
    // dW = xᵀ·(A − Y)/m = [1, 0, −1].
    let mut grads = Vec::new();
    trainer.for_each_gradient(|_, g| grads.push(g.to_vec()));
    assert_eq!(grads, [vec![1.0, 0.0, -1.0], vec![1.0, 0.0, -1.0]]);
}

#[test]
fn binary_cross_entropy_is_finite_and_exact_where_the_sigmoid_rounds_to_one() {
    // z = 200: σ(z) is exactly 1 in f32 and f64, so −ln(1 − σ(z)) would be +∞.
    let layer = Dense::<f32, 1, 1, Sigmoid>::from_arrays([[200.0]], [0.0]);
    let net: Network<f32, _, 1, 1> = Network::new(layer);
    assert_eq!(net.forward(&[1.0]), [1.0]);
    let mut trainer = Trainer::new(net, Sgd::new(0.0), BinaryCrossEntropy);
    let loss = trainer
        .step(&Matrix::from_array([[1.0]]), &Matrix::from_array([[0.0]]))
        .unwrap();
    // −ln(1 − σ(z)) = ln(1 + e^z) = z + ln(1 + e^−z) = 200 (e^−200 vanishes beside 200).
    assert_eq!(loss, 200.0);
    let mut grads = Vec::new();
    trainer.for_each_gradient(|_, g| grads.push(g.to_vec()));
    assert_eq!(grads, [vec![1.0], vec![1.0]], "(σ(z) − y)/m = 1");
}
