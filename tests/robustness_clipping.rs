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
