//! The comparison baseline: the workloads' math written the way a Rust user
//! would write it without tinymlp, with `nalgebra`'s stack matrices
//! (`SMatrix`) and hand-written backpropagation.
//!
//! Same networks, same batches, same initial weights (copied from the
//! tinymlp networks), same losses and the same optimizer formulas (PyTorch's
//! SGD and Adam). It checks nothing for NaN: it is the plain unchecked step a
//! user would write, which is the honest thing to set our checked step and our
//! fast path against.
#![allow(dead_code)]

use nalgebra::{RowSVector, SMatrix};
use tinymlp::{Layer, Matrix, Network};

/// One dense layer: `W` (`I × O`) and the bias row.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense<const I: usize, const O: usize> {
    pub w: SMatrix<f32, I, O>,
    pub b: RowSVector<f32, O>,
}

impl<const I: usize, const O: usize> Dense<I, O> {
    fn zeros() -> Self {
        Self {
            w: SMatrix::zeros(),
            b: RowSVector::zeros(),
        }
    }

    /// `X·W + b` for a batch whose rows are samples.
    fn forward<const M: usize>(&self, x: &SMatrix<f32, M, I>) -> SMatrix<f32, M, O> {
        let mut z = x * self.w;
        for mut row in z.row_iter_mut() {
            row += self.b;
        }
        z
    }
}

/// Copies the weights of every dense layer of a tinymlp network, in order.
fn layer_values<L: Layer<f32, IN, OUT>, const IN: usize, const OUT: usize>(
    net: &Network<f32, L, IN, OUT>,
) -> Vec<(usize, usize, Vec<f32>, Vec<f32>)> {
    let mut out = Vec::new();
    net.for_each_layer(|l| out.push((l.inputs, l.outputs, l.weights.to_vec(), l.bias.to_vec())));
    out
}

fn dense_from<const I: usize, const O: usize>(values: &(usize, usize, Vec<f32>, Vec<f32>)) -> Dense<I, O> {
    assert_eq!((values.0, values.1), (I, O));
    // tinymlp stores W row-major; nalgebra is column-major.
    Dense {
        w: SMatrix::from_row_slice(&values.2),
        b: RowSVector::from_row_slice(&values.3),
    }
}

/// A batch as a nalgebra matrix.
pub fn batch<const M: usize, const N: usize>(m: &Matrix<f32, M, N>) -> SMatrix<f32, M, N> {
    SMatrix::from_row_slice(m.as_slice())
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

fn relu(z: f32) -> f32 {
    z.max(0.0)
}

fn relu_mask(a: f32) -> f32 {
    if a > 0.0 { 1.0 } else { 0.0 }
}

/// Row-wise softmax cross-entropy: the mean loss and `dZ = (softmax(Z) − Y)/m`.
fn softmax_cross_entropy<const M: usize, const O: usize>(
    z: &SMatrix<f32, M, O>,
    y: &SMatrix<f32, M, O>,
) -> (f32, SMatrix<f32, M, O>) {
    let m = M as f32;
    let mut loss = 0.0;
    let mut dz = SMatrix::<f32, M, O>::zeros();
    for r in 0..M {
        let row = z.row(r);
        let max = row.max();
        let exps = row.map(|v| (v - max).exp());
        let sum = exps.sum();
        let log_sum = sum.ln();
        for c in 0..O {
            loss += y[(r, c)] * ((max - z[(r, c)]) + log_sum);
            dz[(r, c)] = (exps[c] / sum - y[(r, c)]) / m;
        }
    }
    (loss / m, dz)
}

/// PyTorch's Adam, one instance per network.
#[derive(Clone, Debug)]
pub struct Adam {
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    t: i32,
}

/// Adam's moment estimates for one layer.
#[derive(Clone, Debug)]
pub struct AdamState<const I: usize, const O: usize> {
    m: Dense<I, O>,
    v: Dense<I, O>,
}

impl<const I: usize, const O: usize> AdamState<I, O> {
    fn new() -> Self {
        Self {
            m: Dense::zeros(),
            v: Dense::zeros(),
        }
    }
}

impl Adam {
    pub fn new(lr: f32, beta1: f32, beta2: f32, eps: f32) -> Self {
        Self {
            lr,
            beta1,
            beta2,
            eps,
            t: 0,
        }
    }

    fn begin_step(&mut self) -> (f32, f32) {
        self.t += 1;
        let bias_correction1 = 1.0 - self.beta1.powi(self.t);
        let bias_correction2 = 1.0 - self.beta2.powi(self.t);
        (self.lr / bias_correction1, bias_correction2.sqrt())
    }

    fn update<const I: usize, const O: usize>(
        &self,
        (step_size, bc2_sqrt): (f32, f32),
        layer: &mut Dense<I, O>,
        grad_w: &SMatrix<f32, I, O>,
        grad_b: &RowSVector<f32, O>,
        state: &mut AdamState<I, O>,
    ) {
        let (b1, b2, eps) = (self.beta1, self.beta2, self.eps);
        let rule = |p: &mut f32, g: f32, m: &mut f32, v: &mut f32| {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *p -= step_size * (*m / (v.sqrt() / bc2_sqrt + eps));
        };
        for (((p, &g), m), v) in layer
            .w
            .iter_mut()
            .zip(grad_w.iter())
            .zip(state.m.w.iter_mut())
            .zip(state.v.w.iter_mut())
        {
            rule(p, g, m, v);
        }
        for (((p, &g), m), v) in layer
            .b
            .iter_mut()
            .zip(grad_b.iter())
            .zip(state.m.b.iter_mut())
            .zip(state.v.b.iter_mut())
        {
            rule(p, g, m, v);
        }
    }
}

/// W1: 2-4-1 sigmoid network, MSE, plain SGD.
#[derive(Clone, Debug)]
pub struct SigmoidMlp<const I: usize, const H: usize, const O: usize> {
    pub l1: Dense<I, H>,
    pub l2: Dense<H, O>,
    pub lr: f32,
}

impl<const I: usize, const H: usize, const O: usize> SigmoidMlp<I, H, O> {
    pub fn from_network<L: Layer<f32, I, O>>(net: &Network<f32, L, I, O>, lr: f32) -> Self {
        let v = layer_values(net);
        Self {
            l1: dense_from(&v[0]),
            l2: dense_from(&v[1]),
            lr,
        }
    }

    /// One step of SGD on `f = (1/m)·‖A − Y‖²`; returns the loss before the update.
    pub fn step<const M: usize>(&mut self, x: &SMatrix<f32, M, I>, y: &SMatrix<f32, M, O>) -> f32 {
        let m = M as f32;
        let a1 = self.l1.forward(x).map(sigmoid);
        let a2 = self.l2.forward(&a1).map(sigmoid);
        let diff = a2 - y;
        let loss = diff.norm_squared() / m;
        let dz2 = (diff * (2.0 / m)).component_mul(&a2.map(|a| a * (1.0 - a)));
        let dw2 = a1.tr_mul(&dz2);
        let db2 = dz2.row_sum();
        let dz1 = (dz2 * self.l2.w.transpose()).component_mul(&a1.map(|a| a * (1.0 - a)));
        let dw1 = x.tr_mul(&dz1);
        let db1 = dz1.row_sum();
        self.l2.w -= dw2 * self.lr;
        self.l2.b -= db2 * self.lr;
        self.l1.w -= dw1 * self.lr;
        self.l1.b -= db1 * self.lr;
        loss
    }

    /// The network's output for one sample.
    pub fn predict(&self, x: &RowSVector<f32, I>) -> RowSVector<f32, O> {
        let a1 = (x * self.l1.w + self.l1.b).map(sigmoid);
        (a1 * self.l2.w + self.l2.b).map(sigmoid)
    }

    /// Every layer's `W` (row-major) and bias, input side first.
    pub fn layers(&self) -> Vec<(Vec<f32>, Vec<f32>)> {
        vec![row_major(&self.l1), row_major(&self.l2)]
    }
}

/// W2: two ReLU hidden layers and a softmax output, cross-entropy, Adam.
#[derive(Clone, Debug)]
pub struct ReluMlp3<const I: usize, const H1: usize, const H2: usize, const O: usize> {
    pub l1: Dense<I, H1>,
    pub l2: Dense<H1, H2>,
    pub l3: Dense<H2, O>,
    s1: AdamState<I, H1>,
    s2: AdamState<H1, H2>,
    s3: AdamState<H2, O>,
    adam: Adam,
}

impl<const I: usize, const H1: usize, const H2: usize, const O: usize> ReluMlp3<I, H1, H2, O> {
    pub fn from_network<L: Layer<f32, I, O>>(net: &Network<f32, L, I, O>, adam: Adam) -> Self {
        let v = layer_values(net);
        Self {
            l1: dense_from(&v[0]),
            l2: dense_from(&v[1]),
            l3: dense_from(&v[2]),
            s1: AdamState::new(),
            s2: AdamState::new(),
            s3: AdamState::new(),
            adam,
        }
    }

    /// One Adam step on the mean cross-entropy; returns the loss before the update.
    pub fn step<const M: usize>(&mut self, x: &SMatrix<f32, M, I>, y: &SMatrix<f32, M, O>) -> f32 {
        let a1 = self.l1.forward(x).map(relu);
        let a2 = self.l2.forward(&a1).map(relu);
        let z3 = self.l3.forward(&a2);
        let (loss, dz3) = softmax_cross_entropy(&z3, y);
        let dw3 = a2.tr_mul(&dz3);
        let db3 = dz3.row_sum();
        let dz2 = (dz3 * self.l3.w.transpose()).component_mul(&a2.map(relu_mask));
        let dw2 = a1.tr_mul(&dz2);
        let db2 = dz2.row_sum();
        let dz1 = (dz2 * self.l2.w.transpose()).component_mul(&a1.map(relu_mask));
        let dw1 = x.tr_mul(&dz1);
        let db1 = dz1.row_sum();
        let step = self.adam.begin_step();
        self.adam.update(step, &mut self.l1, &dw1, &db1, &mut self.s1);
        self.adam.update(step, &mut self.l2, &dw2, &db2, &mut self.s2);
        self.adam.update(step, &mut self.l3, &dw3, &db3, &mut self.s3);
        loss
    }

    /// Class probabilities for one sample.
    pub fn predict(&self, x: &RowSVector<f32, I>) -> RowSVector<f32, O> {
        let a1 = (x * self.l1.w + self.l1.b).map(relu);
        let a2 = (a1 * self.l2.w + self.l2.b).map(relu);
        let z = a2 * self.l3.w + self.l3.b;
        let max = z.max();
        let e = z.map(|v| (v - max).exp());
        e / e.sum()
    }

    /// Every layer's `W` (row-major) and bias, input side first.
    pub fn layers(&self) -> Vec<(Vec<f32>, Vec<f32>)> {
        vec![row_major(&self.l1), row_major(&self.l2), row_major(&self.l3)]
    }
}

/// W3: one ReLU hidden layer and a softmax output, cross-entropy, Adam.
#[derive(Clone, Debug)]
pub struct ReluMlp2<const I: usize, const H: usize, const O: usize> {
    pub l1: Dense<I, H>,
    pub l2: Dense<H, O>,
    s1: AdamState<I, H>,
    s2: AdamState<H, O>,
    adam: Adam,
}

impl<const I: usize, const H: usize, const O: usize> ReluMlp2<I, H, O> {
    pub fn from_network<L: Layer<f32, I, O>>(net: &Network<f32, L, I, O>, adam: Adam) -> Self {
        let v = layer_values(net);
        Self {
            l1: dense_from(&v[0]),
            l2: dense_from(&v[1]),
            s1: AdamState::new(),
            s2: AdamState::new(),
            adam,
        }
    }

    /// One Adam step on the mean cross-entropy; returns the loss before the update.
    pub fn step<const M: usize>(&mut self, x: &SMatrix<f32, M, I>, y: &SMatrix<f32, M, O>) -> f32 {
        let a1 = self.l1.forward(x).map(relu);
        let z2 = self.l2.forward(&a1);
        let (loss, dz2) = softmax_cross_entropy(&z2, y);
        let dw2 = a1.tr_mul(&dz2);
        let db2 = dz2.row_sum();
        let dz1 = (dz2 * self.l2.w.transpose()).component_mul(&a1.map(relu_mask));
        let dw1 = x.tr_mul(&dz1);
        let db1 = dz1.row_sum();
        let step = self.adam.begin_step();
        self.adam.update(step, &mut self.l1, &dw1, &db1, &mut self.s1);
        self.adam.update(step, &mut self.l2, &dw2, &db2, &mut self.s2);
        loss
    }

    /// Class probabilities for one sample.
    pub fn predict(&self, x: &RowSVector<f32, I>) -> RowSVector<f32, O> {
        let a1 = (x * self.l1.w + self.l1.b).map(relu);
        let z = a1 * self.l2.w + self.l2.b;
        let max = z.max();
        let e = z.map(|v| (v - max).exp());
        e / e.sum()
    }

    /// Every layer's `W` (row-major) and bias, input side first.
    pub fn layers(&self) -> Vec<(Vec<f32>, Vec<f32>)> {
        vec![row_major(&self.l1), row_major(&self.l2)]
    }
}

/// A layer's `W` in tinymlp's row-major order, then its bias.
fn row_major<const I: usize, const O: usize>(d: &Dense<I, O>) -> (Vec<f32>, Vec<f32>) {
    (d.w.transpose().as_slice().to_vec(), d.b.as_slice().to_vec())
}

/// W1's baseline network.
pub type W1Baseline = SigmoidMlp<2, 4, 1>;
/// W2's baseline network.
pub type W2Baseline = ReluMlp3<4, 16, 16, 3>;
/// W3's baseline network.
pub type W3Baseline = ReluMlp2<64, 32, 10>;

/// Adam as W2 and W3 use it: lr 0.01, betas 0.9 and 0.999, eps 1e-7.
pub fn adam() -> Adam {
    Adam::new(0.01, 0.9, 0.999, 1e-7)
}
