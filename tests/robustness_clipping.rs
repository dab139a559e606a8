//! Gradient clipping neither hides an overflowed gradient nor silently
//! discards a finite one whose norm overflows.

mod robustness_support;

use robustness_support::{OptimizerBits, SlotBits, snapshot};
use tinymlp::layer::Tensor;
use tinymlp::{Adam, Clip, Dense, Error, Matrix, Mse, Optimizer, Sgd, Trainer, mlp};

type Line = mlp!(f32; 2 => 1 Identity);

/// `W = 0, b = 0`: the output is 0 whatever the input.
fn zero_line() -> Line {
    Line::new(Dense::from_arrays([[0.0], [0.0]], [0.0]))
}

fn refuses_overflowed_gradient<O>(optimizer: O)
where
    O: Optimizer<f32> + OptimizerBits + core::fmt::Debug,
    O::Slot: SlotBits,
{
    // One row, a = 0, y = 1: loss (0 − 1)² = 1, dZ = 2·(0 − 1) = −2, and
    // dW[0] = 3e38 · (−2) = −6e38, beyond f32::MAX (≈ 3.4028e38).
    let x = Matrix::from_array([[3e38f32, 1.0]]);
    let y = Matrix::from_array([[1.0f32]]);
    assert!(3e38f64 * -2.0 < -(f32::MAX as f64));

    let mut trainer = Trainer::new(zero_line(), optimizer, Mse);
    let before = snapshot(&trainer);
    let result = trainer.step(&x, &y);
    assert_eq!(
        result,
        Err(Error::NonFiniteGradient {
            layer: 0,
            tensor: Tensor::Weights,
            row: 0,
            col: 0
        }),
        "{:?}",
        trainer.optimizer()
    );
    assert_eq!(snapshot(&trainer), before);
}

#[test]
fn value_clipping_does_not_hide_an_infinite_gradient() {
    refuses_overflowed_gradient(Sgd::new(0.1).clip(Clip::Value(1.0)));
    refuses_overflowed_gradient(Sgd::new(0.1).momentum(0.9).clip(Clip::Value(1.0)));
    refuses_overflowed_gradient(Adam::new(0.1).clip(Clip::Value(1.0)));
    // Without clipping the overflow spoils the update and is caught there too.
    refuses_overflowed_gradient(Sgd::new(0.1));
    refuses_overflowed_gradient(Adam::new(0.1).clip(Clip::Norm(1.0)));
}

/// One plain-SGD step with `Clip::Norm(max_norm)` from the zero line on one
/// row, against the same step computed here in f64: `g·min(1, max/(‖g‖+1e-6))`.
fn norm_clipped_step_matches_f64(x: [f32; 2], y: f32, lr: f32, max_norm: f32) {
    let mut trainer = Trainer::new(zero_line(), Sgd::new(lr).clip(Clip::Norm(max_norm)), Mse);
    let loss = trainer
        .step(&Matrix::from_array([x]), &Matrix::from_array([[y]]))
        .expect("finite gradients whose norm overflows are clipped, not refused");
    assert_eq!(loss, y * y);

    // a = 0, so dZ = 2·(0 − y), dW = x·dZ, db = dZ.
    let dz = -2.0 * y as f64;
    let grads = [x[0] as f64 * dz, x[1] as f64 * dz, dz];
    let norm = grads.iter().map(|g| g * g).sum::<f64>().sqrt();
    let coefficient = (max_norm as f64 / (norm + 1e-6)).min(1.0);
    let want = grads.map(|g| -(lr as f64) * g * coefficient);

    let net = trainer.network().layers();
    let got = [
        net.weights().as_slice()[0],
        net.weights().as_slice()[1],
        net.bias().as_slice()[0],
    ];
    for (g, w) in got.iter().zip(want) {
        assert!(
            (*g as f64 - w).abs() <= 1e-5 * w.abs(),
            "norm {norm:e}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn norm_clipping_clips_finite_gradients_whose_squares_overflow() {
    // ‖g‖ = 2e20 is a fine f32, but 2e20² = 4e40 is not.
    norm_clipped_step_matches_f64([1e20, 3.0], 1.0, 0.5, 1.0);
    // The norm itself, √2·3e38 ≈ 4.2e38, is beyond f32::MAX.
    norm_clipped_step_matches_f64([3e38, 3e38], 0.5, 1.0, 1.0);
    // And an ordinary one, for comparison.
    norm_clipped_step_matches_f64([3.0, -4.0], 1.0, 0.1, 2.0);
}
