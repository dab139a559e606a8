//! Every `dW` and `db` of the backward pass against central finite differences
//! of the loss, in f64, for networks of depth 1, 2 and 3 with each activation.

mod support;

use support::{check_gradients, min_abs_preactivation, mse, spread_biases};
use tinymlp::{Init, Matrix, Mse, mlp};

/// Inputs and targets chosen by hand, not by the library.
fn batch() -> (Matrix<f64, 5, 3>, Matrix<f64, 5, 2>) {
    let x = Matrix::from_array([
        [0.9, -1.3, 0.4],
        [-0.2, 0.7, 1.8],
        [1.5, 0.3, -0.6],
        [-1.1, -0.8, 0.25],
        [0.35, 1.2, -1.4],
    ]);
    let y = Matrix::from_array([[0.2, 0.9], [0.7, 0.1], [0.5, 0.5], [0.05, 0.6], [0.95, 0.3]]);
    (x, y)
}

macro_rules! gradient_checks {
    ($($name:ident: $act:ident, $g:expr, kinked = $kinked:expr;)*) => {$(
        mod $name {
            use super::*;

            fn check<L: tinymlp::Layer<f64, 3, 2> + Clone + PartialEq>(net: tinymlp::Network<f64, L, 3, 2>)
            where
                Mse: tinymlp::Loss<L::Activation>,
            {
                let net = spread_biases(net);
                let (x, y) = batch();
                let margins = min_abs_preactivation(&net, &x, |_, z| ($g)(z));
                assert!(
                    !$kinked || margins.iter().all(|&m| m > 1e-3),
                    "pre-activations {margins:?} come too close to a kink; pick another seed"
                );
                let n = check_gradients(net, Mse, mse, &x, &y);
                assert!(n > 0);
            }

            #[test]
            fn depth_1() {
                check(<mlp!(f64; 3 => 2 $act)>::random(11, Init::XavierUniform));
            }

            #[test]
            fn depth_2() {
                check(<mlp!(f64; 3 => 4 $act => 2 $act)>::random(12, Init::XavierUniform));
            }

            #[test]
            fn depth_3() {
                check(<mlp!(f64; 3 => 4 $act => 5 $act => 2 $act)>::random(13, Init::HeUniform));
            }
        }
    )*};
}

gradient_checks! {
    identity: Identity, |z: f64| z, kinked = false;
    sigmoid: Sigmoid, |z: f64| 1.0 / (1.0 + (-z).exp()), kinked = false;
    tanh: Tanh, f64::tanh, kinked = false;
    relu: Relu, |z: f64| z.max(0.0), kinked = true;
    leaky_relu: LeakyRelu, |z: f64| if z > 0.0 { z } else { 0.01 * z }, kinked = true;
}

#[test]
fn softmax_output_under_mse_uses_its_true_backward() {
    let net = <mlp!(f64; 3 => 4 Tanh => 2 Softmax)>::random(5, Init::XavierUniform);
    let (x, y) = batch();
    check_gradients(net, Mse, mse, &x, &y);
}

#[test]
fn mixed_activations_and_custom_leaky_slope() {
    let net = spread_biases(<mlp!(f64; 3 => 6 LeakyRelu<300> => 4 Sigmoid => 2 Identity)>::random(
        21,
        Init::HeUniform,
    ));
    let (x, y) = batch();
    let activation = |layer, z: f64| match layer {
        0 => {
            if z > 0.0 {
                z
            } else {
                0.3 * z
            }
        }
        1 => 1.0 / (1.0 + (-z).exp()),
        _ => z,
    };
    let margins = min_abs_preactivation(&net, &x, activation);
    assert!(
        margins[0] > 1e-3,
        "a pre-activation is {}, too close to the kink",
        margins[0]
    );
    check_gradients(net, Mse, mse, &x, &y);
}
