//! The benchmark workloads of issue 5, exactly as specified there, shared by
//! the host benches, the tests that pin them, and the Cortex-M4F firmware.
//!
//! `no_std`, no heap, depends only on `tinymlp`: the firmware includes this
//! file with `#[path]`, so every figure measures the same data and weights.
//!
//! - Weights: xorshift32 seeded `0x12345678`, one stream over all layers, each
//!   layer drawn out-major (for every output neuron, its inputs in order),
//!   `w = (2u − 1)·√(6/(in + out))` with `u = (x >> 8)/2²⁴`; biases 0.
//! - W1 (xor): 2-4-1 sigmoid, MSE, SGD lr 0.5, the full batch of 4.
//! - W2: 64 samples of 4 features `2u − 1` from xorshift32 seeded
//!   `0x9E3779B9`, label `argmax(x0, x1, x2)` one-hot; 4-16-16-3 ReLU, softmax
//!   and cross-entropy, Adam (lr 0.01, betas 0.9/0.999, eps 1e-7), batch 8,
//!   step `k` on samples `8·(k mod 8) … 8·(k mod 8) + 7`.
//! - W3: 256 samples of 64 features from the same data stream, label the
//!   argmax of the first 10 features; 64-32-10, Adam as W2, batch 16.
#![allow(dead_code)]

use tinymlp::{Adam, CrossEntropy, Layer, Matrix, Mse, Network, Scalar, Sgd, Trainer, mlp};

/// The seed of the weight stream.
pub const WEIGHT_SEED: u32 = 0x1234_5678;
/// The seed of the data stream (W2, W3).
pub const DATA_SEED: u32 = 0x9E37_79B9;

/// Marsaglia's xorshift32 (13, 17, 5): the state is stepped before each draw.
#[derive(Clone, Debug)]
pub struct XorShift32(u32);

impl XorShift32 {
    /// A generator whose first draw steps `seed` once.
    pub const fn new(seed: u32) -> Self {
        Self(seed)
    }

    /// The next state.
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// `u = (x >> 8) / 2²⁴` in `[0, 1)`, exact in `f32`.
    pub fn unit(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 / 16_777_216.0
    }

    /// `2u − 1` in `[−1, 1)`, exact in `f32`.
    pub fn symmetric(&mut self) -> f32 {
        2.0 * self.unit() - 1.0
    }
}

/// Draws every layer's weights from one xorshift32 stream seeded
/// [`WEIGHT_SEED`], out-major, scaled by `√(6/(in + out))` (in `f32`); biases 0.
pub fn initialize<L: Layer<f32, IN, OUT>, const IN: usize, const OUT: usize>(net: &mut Network<f32, L, IN, OUT>) {
    let mut rng = XorShift32::new(WEIGHT_SEED);
    net.for_each_layer_mut(|layer| {
        let scale = <f32 as Scalar>::sqrt(6.0 / (layer.inputs + layer.outputs) as f32);
        for o in 0..layer.outputs {
            for i in 0..layer.inputs {
                let w = rng.symmetric() * scale;
                if let Some(slot) = layer.weights.get_mut(i * layer.outputs + o) {
                    *slot = w;
                }
            }
        }
        layer.bias.fill(0.0);
    });
}

/// A network of type `Network<f32, L, IN, OUT>` with the workloads' weights.
pub fn network<L, const IN: usize, const OUT: usize>() -> Network<f32, L, IN, OUT>
where
    L: Layer<f32, IN, OUT> + tinymlp::Zeroed,
{
    let mut net = Network::new(L::ZEROED);
    initialize(&mut net);
    net
}

/// The index of the first largest value.
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if values.get(best).is_some_and(|&b| v > b) {
            best = i;
        }
    }
    best
}

/// `samples × features` values `2u − 1` from the data stream, sample after
/// sample, and one-hot targets: the argmax of the first `CLASSES` features.
pub fn dataset<const SAMPLES: usize, const FEATURES: usize, const CLASSES: usize>()
-> (Matrix<f32, SAMPLES, FEATURES>, Matrix<f32, SAMPLES, CLASSES>) {
    let mut rng = XorShift32::new(DATA_SEED);
    let mut x = Matrix::<f32, SAMPLES, FEATURES>::zeros();
    let mut y = Matrix::<f32, SAMPLES, CLASSES>::zeros();
    for (x_row, y_row) in x.as_array_mut().iter_mut().zip(y.as_array_mut()) {
        for v in x_row.iter_mut() {
            *v = rng.symmetric();
        }
        let label = argmax(x_row.get(..CLASSES).unwrap_or(&[]));
        if let Some(t) = y_row.get_mut(label) {
            *t = 1.0;
        }
    }
    (x, y)
}

/// Rows `first … first + B − 1` of `m` (zero where `m` runs out).
pub fn rows<const R: usize, const C: usize, const B: usize>(m: &Matrix<f32, R, C>, first: usize) -> Matrix<f32, B, C> {
    Matrix::from_fn(|r, c| m.get(first + r, c).copied().unwrap_or(0.0))
}

// ------------------------------------------------------------------ W1 xor

/// W1's network: 2-4-1, sigmoid hidden and output.
pub type W1Net = mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);
/// W1's optimizer.
pub type W1Optimizer = Sgd<f32>;
/// W1's trainer (batch 4).
pub type W1Trainer = Trainer<W1Net, W1Optimizer, Mse, 4>;

/// W1's optimizer: SGD with learning rate 0.5.
pub const fn w1_optimizer() -> W1Optimizer {
    Sgd::new(0.5)
}

/// The xor truth table: inputs {00, 01, 10, 11}, targets {0, 1, 1, 0}.
pub fn w1_data() -> (Matrix<f32, 4, 2>, Matrix<f32, 4, 1>) {
    (
        Matrix::from_array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
        Matrix::from_array([[0.0], [1.0], [1.0], [0.0]]),
    )
}

/// W1's trainer with the initial weights.
pub fn w1_trainer() -> W1Trainer {
    Trainer::new(network(), w1_optimizer(), Mse)
}

// ------------------------------------------------------ W2 small classifier

/// W2's network: 4-16-16-3, ReLU, softmax.
pub type W2Net = mlp!(f32; 4 => 16 Relu => 16 Relu => 3 Softmax);
/// W2's trainer (batch 8).
pub type W2Trainer = Trainer<W2Net, Adam<f32>, CrossEntropy, 8>;
/// W2's samples.
pub const W2_SAMPLES: usize = 64;
/// W2's batch size.
pub const W2_BATCH: usize = 8;

/// Adam as W2 and W3 use it: lr 0.01, betas 0.9 and 0.999, eps 1e-7.
pub const fn adam() -> Adam<f32> {
    Adam::with_betas(0.01, 0.9, 0.999, 1e-7)
}

/// W2's 64 samples and one-hot labels.
pub fn w2_data() -> (Matrix<f32, W2_SAMPLES, 4>, Matrix<f32, W2_SAMPLES, 3>) {
    dataset()
}

/// The batch of step `k`: samples `8·(k mod 8)` onwards.
pub fn w2_batch(
    data: &(Matrix<f32, W2_SAMPLES, 4>, Matrix<f32, W2_SAMPLES, 3>),
    k: usize,
) -> (Matrix<f32, W2_BATCH, 4>, Matrix<f32, W2_BATCH, 3>) {
    let first = W2_BATCH * (k % (W2_SAMPLES / W2_BATCH));
    (rows(&data.0, first), rows(&data.1, first))
}

/// W2's trainer with the initial weights.
pub fn w2_trainer() -> W2Trainer {
    Trainer::new(network(), adam(), CrossEntropy)
}

// ---------------------------------------------------------- W3 digits-sized

/// W3's network: 64-32-10, ReLU, softmax.
pub type W3Net = mlp!(f32; 64 => 32 Relu => 10 Softmax);
/// W3's trainer (batch 16).
pub type W3Trainer = Trainer<W3Net, Adam<f32>, CrossEntropy, 16>;
/// W3's samples.
pub const W3_SAMPLES: usize = 256;
/// W3's batch size.
pub const W3_BATCH: usize = 16;

/// W3's 256 samples and one-hot labels (64 KiB: meant for the host).
pub fn w3_data() -> (Matrix<f32, W3_SAMPLES, 64>, Matrix<f32, W3_SAMPLES, 10>) {
    dataset()
}

/// The batch of step `k`: samples `16·(k mod 16)` onwards.
pub fn w3_batch(
    data: &(Matrix<f32, W3_SAMPLES, 64>, Matrix<f32, W3_SAMPLES, 10>),
    k: usize,
) -> (Matrix<f32, W3_BATCH, 64>, Matrix<f32, W3_BATCH, 10>) {
    let first = W3_BATCH * (k % (W3_SAMPLES / W3_BATCH));
    (rows(&data.0, first), rows(&data.1, first))
}

/// W3's trainer with the initial weights.
pub fn w3_trainer() -> W3Trainer {
    Trainer::new(network(), adam(), CrossEntropy)
}

/// FNV-1a over the bits of every weight and bias, input layer first: equal
/// checksums mean bit-identical networks (host against device).
pub fn checksum<L: Layer<f32, IN, OUT>, const IN: usize, const OUT: usize>(net: &Network<f32, L, IN, OUT>) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    net.for_each_layer(|layer| {
        for v in layer.weights.iter().chain(layer.bias) {
            for byte in v.to_bits().to_le_bytes() {
                hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
            }
        }
    });
    hash
}
