//! Shared test support: a finite-difference gradient checker that uses only
//! the public forward pass and a reference loss written out in the test.
#![allow(dead_code)]

use tinymlp::layer::{Tensor, TensorId};
use tinymlp::{Layer, Loss, Matrix, Network, Sgd, Trainer};

/// A reference loss: given the network's outputs (after its activation) for
/// every row and the targets, the batch loss, written independently of the
/// library's loss code.
pub type ReferenceLoss<const M: usize, const OUT: usize> = fn(&[[f64; OUT]; M], &[[f64; OUT]; M]) -> f64;

/// `(1/m)·Σ (a − y)²`, the seed's MSE.
pub fn mse<const M: usize, const OUT: usize>(a: &[[f64; OUT]; M], y: &[[f64; OUT]; M]) -> f64 {
    let mut sum = 0.0;
    for (ar, yr) in a.iter().zip(y) {
        for (a, y) in ar.iter().zip(yr) {
            sum += (a - y) * (a - y);
        }
    }
    sum / M as f64
}

/// The largest violation found, for a readable failure message.
#[derive(Debug)]
pub struct Mismatch {
    pub layer: usize,
    pub tensor: Tensor,
    pub index: usize,
    pub analytic: f64,
    pub numeric: f64,
}

/// Checks every weight and bias gradient of one checked training step (with a
/// zero learning rate, so nothing moves) against central differences of
/// `reference`. Accepts a relative error below `1e-6`, or an absolute error
/// below `1e-9` where the entry is near zero. Returns how many entries were
/// checked.
pub fn check_gradients<L, G, const IN: usize, const OUT: usize, const M: usize>(
    net: Network<f64, L, IN, OUT>,
    loss: G,
    reference: ReferenceLoss<M, OUT>,
    x: &Matrix<f64, M, IN>,
    y: &Matrix<f64, M, OUT>,
) -> usize
where
    L: Layer<f64, IN, OUT> + Clone + PartialEq,
    G: Loss<L::Activation>,
{
    let mut trainer = Trainer::new(net.clone(), Sgd::new(0.0), loss);
    let step_loss = trainer.step(x, y).expect("a finite step");
    let want_loss = reference(&net.forward_batch(x).into_array(), y.as_array());
    assert!(
        (step_loss - want_loss).abs() <= 1e-12 * want_loss.abs().max(1.0),
        "step loss {step_loss} vs reference {want_loss}"
    );
    assert!(
        trainer.network() == &net,
        "a zero learning rate must leave the network unchanged"
    );

    let mut analytic: Vec<(TensorId, Vec<f64>)> = Vec::new();
    trainer.for_each_gradient(|id, g| analytic.push((id, g.to_vec())));
    assert_eq!(analytic.len(), 2 * Network::<f64, L, IN, OUT>::LAYERS);

    let loss_at = |net: &Network<f64, L, IN, OUT>| reference(&net.forward_batch(x).into_array(), y.as_array());
    let h = 1e-5;
    let mut checked = 0;
    for (id, grads) in &analytic {
        for (index, &g) in grads.iter().enumerate() {
            let nudged = |delta: f64| {
                let mut n = net.clone();
                n.for_each_layer_mut(|layer| {
                    if layer.index == id.layer {
                        let t = match id.tensor {
                            Tensor::Weights => layer.weights,
                            Tensor::Bias => layer.bias,
                        };
                        t[index] += delta;
                    }
                });
                loss_at(&n)
            };
            let numeric = (nudged(h) - nudged(-h)) / (2.0 * h);
            let err = (g - numeric).abs();
            let ok = err <= 1e-6 * g.abs().max(numeric.abs()) || err <= 1e-9;
            assert!(
                ok,
                "{:?}",
                Mismatch {
                    layer: id.layer,
                    tensor: id.tensor,
                    index,
                    analytic: g,
                    numeric
                }
            );
            checked += 1;
        }
    }
    assert_eq!(checked, Network::<f64, L, IN, OUT>::PARAMETERS);
    checked
}

/// The smallest `|z|` over the pre-activations of each layer for the batch,
/// computed from the raw weights and `activation(layer, z)` (so tests can prove they stay away from
/// ReLU's kink, where finite differences are meaningless).
pub fn min_abs_preactivation<L, const IN: usize, const OUT: usize, const M: usize>(
    net: &Network<f64, L, IN, OUT>,
    x: &Matrix<f64, M, IN>,
    activation: fn(usize, f64) -> f64,
) -> Vec<f64>
where
    L: Layer<f64, IN, OUT>,
{
    let mut min = vec![f64::INFINITY; Network::<f64, L, IN, OUT>::LAYERS];
    for row in x.as_array() {
        let mut a: Vec<f64> = row.to_vec();
        net.for_each_layer(|layer| {
            let mut z = layer.bias.to_vec();
            for (k, &ak) in a.iter().enumerate() {
                for (j, zj) in z.iter_mut().enumerate() {
                    *zj += ak * layer.weights[k * layer.outputs + j];
                }
            }
            for &zj in &z {
                min[layer.index] = min[layer.index].min(zj.abs());
            }
            a = z.iter().map(|&z| activation(layer.index, z)).collect();
        });
    }
    min
}

/// Gives every bias a distinct non-zero value (initialisation leaves them at
/// zero, which puts a dead ReLU unit's pre-activation exactly on the kink).
pub fn spread_biases<L: Layer<f64, IN, OUT>, const IN: usize, const OUT: usize>(
    mut net: Network<f64, L, IN, OUT>,
) -> Network<f64, L, IN, OUT> {
    net.for_each_layer_mut(|layer| {
        for (j, b) in layer.bias.iter_mut().enumerate() {
            let sign = if (layer.index + j) % 2 == 0 { 1.0 } else { -1.0 };
            *b = sign * 0.05 * (j + 1) as f64;
        }
    });
    net
}
