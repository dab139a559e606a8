//! `Dense<T, IN, OUT, G>`: a fully connected layer `A = g(X·W + b)`.

use core::marker::PhantomData;

use crate::layer::{LayerView, LayerViewMut, ParamUpdate, ParamVisitor, Tensor, TensorId, Upstream, sealed};
use crate::{Activation, Error, Layer, Matrix, RowVector, Scalar, Zeroed};

/// A fully connected layer: `Z = X·W + b`, `A = g(Z)`, with `W: IN × OUT` (one
/// column per neuron) and `b: 1 × OUT`.
///
/// The same type with another element type holds one value per parameter:
/// `Dense<T, …>` is also the layer's gradient, and `Dense<S, …>` its optimizer
/// state.
///
/// ```
/// use tinymlp::{Dense, Layer, Relu};
///
/// // 2 inputs, 3 neurons; built in a const, so it can live in flash.
/// const LAYER: Dense<f32, 2, 3, Relu> = Dense::from_arrays(
///     [[1.0, -1.0, 0.5],
///      [2.0, 0.0, -0.5]],
///     [0.0, 0.5, 0.0],
/// );
/// let mut z = [0.0; 3];
/// LAYER.logits(&[1.0, 1.0], &mut z); // pre-activations X·W + b
/// assert_eq!(z, [3.0, -0.5, 0.0]);
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct Dense<T, const IN: usize, const OUT: usize, G> {
    weights: Matrix<T, IN, OUT>,
    bias: RowVector<T, OUT>,
    activation: PhantomData<G>,
}

impl<T, const IN: usize, const OUT: usize, G> Dense<T, IN, OUT, G> {
    /// A layer with the given weights (`IN × OUT`) and bias (`1 × OUT`).
    pub const fn new(weights: Matrix<T, IN, OUT>, bias: RowVector<T, OUT>) -> Self {
        Self {
            weights,
            bias,
            activation: PhantomData,
        }
    }

    /// A layer from plain arrays: `weights[i][j]` connects input `i` to neuron `j`.
    pub const fn from_arrays(weights: [[T; OUT]; IN], bias: [T; OUT]) -> Self {
        Self::new(Matrix::from_array(weights), Matrix::from_array([bias]))
    }

    /// The weight matrix `W`, `IN × OUT`.
    pub const fn weights(&self) -> &Matrix<T, IN, OUT> {
        &self.weights
    }

    /// The weight matrix `W`, mutably.
    pub fn weights_mut(&mut self) -> &mut Matrix<T, IN, OUT> {
        &mut self.weights
    }

    /// The bias row `b`, `1 × OUT`.
    pub const fn bias(&self) -> &RowVector<T, OUT> {
        &self.bias
    }

    /// The bias row `b`, mutably.
    pub fn bias_mut(&mut self) -> &mut RowVector<T, OUT> {
        &mut self.bias
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize, G> Dense<T, IN, OUT, G> {
    /// A layer with all weights and biases zero.
    pub const fn zeros() -> Self {
        Self::new(Matrix::zeros(), Matrix::zeros())
    }
}

impl<T: Zeroed + Copy, const IN: usize, const OUT: usize, G> Zeroed for Dense<T, IN, OUT, G> {
    const ZEROED: Self = Self::new(Matrix::ZEROED, Matrix::ZEROED);
}

impl<T: core::fmt::Debug, const IN: usize, const OUT: usize, G: Activation> core::fmt::Debug for Dense<T, IN, OUT, G> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Dense")
            .field("activation", &G::KIND)
            .field("weights", &self.weights)
            .field("bias", &self.bias)
            .finish()
    }
}

/// `out = b + Σₖ x[k]·W[k]`, summed in ascending `k` starting from the bias.
#[inline(always)]
fn affine_row<T: Scalar, const IN: usize, const OUT: usize>(
    x: &[T; IN],
    weights: &Matrix<T, IN, OUT>,
    bias: &RowVector<T, OUT>,
    out: &mut [T; OUT],
) {
    *out = bias.as_array()[0];
    for (&xk, w_row) in x.iter().zip(weights.as_array()) {
        for (o, &w) in out.iter_mut().zip(w_row) {
            *o += xk * w;
        }
    }
}

impl<T, const IN: usize, const OUT: usize, G> sealed::Sealed for Dense<T, IN, OUT, G> {}

impl<T: Scalar, const IN: usize, const OUT: usize, G: Activation> Layer<T, IN, OUT> for Dense<T, IN, OUT, G> {
    type Activation = G;
    type Tape<const M: usize> = Matrix<T, M, OUT>;
    type Slots<S: Zeroed + Copy> = Dense<S, IN, OUT, G>;
    const LAYERS: usize = 1;
    const PARAMETERS: usize = IN * OUT + OUT;
    const TRAINABLE: bool = true;

    #[inline]
    fn logits(&self, x: &[T; IN], out: &mut [T; OUT]) {
        affine_row(x, &self.weights, &self.bias, out);
    }

    #[inline]
    fn forward_tape<const M: usize>(&self, x: &Matrix<T, M, IN>, rows: usize, tape: &mut Matrix<T, M, OUT>) {
        for (x_row, z_row) in x.as_array().iter().zip(tape.as_array_mut()).take(rows) {
            affine_row(x_row, &self.weights, &self.bias, z_row);
        }
    }

    #[inline(always)]
    fn tape_output<const M: usize>(tape: &Matrix<T, M, OUT>) -> &Matrix<T, M, OUT> {
        tape
    }

    #[inline(always)]
    fn tape_output_mut<const M: usize>(tape: &mut Matrix<T, M, OUT>) -> &mut Matrix<T, M, OUT> {
        tape
    }

    /// The seed's equations for one layer, one input column `k` at a time:
    ///
    /// 1. `dA_prev[:, k] = dZ · W[k, :]ᵀ` (with `W` before any update),
    /// 2. `dW[k, :] = X[:, k]ᵀ · dZ`, handed to `update` (which may now change `W[k, :]`),
    /// 3. `dA_prev[:, k]` handed to `input`, which may overwrite `X[:, k]` with it.
    ///
    /// Column `k` of the input is read only in steps 1–2 and row `k` of `W`
    /// only in steps 1–2, so neither a copy of `W` nor a separate `dA_prev`
    /// buffer is needed; then `db = column sums of dZ`.
    #[inline]
    fn backward<const M: usize, I, S, U>(
        &mut self,
        input: &mut I,
        rows: usize,
        dz: &mut Matrix<T, M, OUT>,
        slots: &mut Dense<S, IN, OUT, G>,
        update: &mut U,
    ) where
        I: Upstream<T, M, IN>,
        S: Zeroed + Copy,
        U: ParamUpdate<T, S>,
    {
        let dz = dz.as_array();
        let w_rows = self.weights.as_array_mut().iter_mut();
        let slot_rows = slots.weights.as_array_mut().iter_mut();
        for (k, (w_row, slot_row)) in w_rows.zip(slot_rows).enumerate() {
            let mut da_col = [T::ZERO; M];
            if I::WANTS_GRADIENT {
                for (da, dz_row) in da_col.iter_mut().zip(dz).take(rows) {
                    *da = crate::matrix::dot(dz_row, w_row);
                }
            }
            let mut dw_row = [T::ZERO; OUT];
            for (x_row, dz_row) in input.input().as_array().iter().zip(dz).take(rows) {
                let x = x_row.get(k).copied().unwrap_or(T::ZERO);
                for (g, &d) in dw_row.iter_mut().zip(dz_row) {
                    *g += x * d;
                }
            }
            for ((w, slot), &g) in w_row.iter_mut().zip(slot_row.iter_mut()).zip(&dw_row) {
                update.update(w, g, slot);
            }
            if I::WANTS_GRADIENT {
                input.accept_gradient_column(k, rows, &da_col);
            }
        }
        let mut db = [T::ZERO; OUT];
        for dz_row in dz.iter().take(rows) {
            for (g, &d) in db.iter_mut().zip(dz_row) {
                *g += d;
            }
        }
        let bias = self.bias.as_mut_slice().iter_mut();
        for ((b, slot), &g) in bias.zip(slots.bias.as_mut_slice().iter_mut()).zip(&db) {
            update.update(b, g, slot);
        }
    }

    fn visit_params<S: Zeroed + Copy, V: ParamVisitor<T, S>>(
        &mut self,
        first_layer: usize,
        grads: &Dense<T, IN, OUT, G>,
        slots: &mut Dense<S, IN, OUT, G>,
        visitor: &mut V,
    ) -> Result<(), Error> {
        let id = |tensor| TensorId {
            layer: first_layer,
            tensor,
            cols: OUT,
        };
        visitor.visit(
            id(Tensor::Weights),
            self.weights.as_mut_slice(),
            grads.weights.as_slice(),
            slots.weights.as_mut_slice(),
        )?;
        visitor.visit(
            id(Tensor::Bias),
            self.bias.as_mut_slice(),
            grads.bias.as_slice(),
            slots.bias.as_mut_slice(),
        )
    }

    fn visit_slots<S: Zeroed + Copy, F: FnMut(TensorId, &[S])>(
        slots: &Dense<S, IN, OUT, G>,
        first_layer: usize,
        f: &mut F,
    ) {
        f(
            TensorId {
                layer: first_layer,
                tensor: Tensor::Weights,
                cols: OUT,
            },
            slots.weights.as_slice(),
        );
        f(
            TensorId {
                layer: first_layer,
                tensor: Tensor::Bias,
                cols: OUT,
            },
            slots.bias.as_slice(),
        );
    }

    fn visit_slots_mut<S: Zeroed + Copy, F: FnMut(TensorId, &mut [S])>(
        slots: &mut Dense<S, IN, OUT, G>,
        first_layer: usize,
        f: &mut F,
    ) {
        f(
            TensorId {
                layer: first_layer,
                tensor: Tensor::Weights,
                cols: OUT,
            },
            slots.weights.as_mut_slice(),
        );
        f(
            TensorId {
                layer: first_layer,
                tensor: Tensor::Bias,
                cols: OUT,
            },
            slots.bias.as_mut_slice(),
        );
    }

    fn for_each_layer<F: FnMut(LayerView<'_, T>)>(&self, first_layer: usize, f: &mut F) {
        f(LayerView {
            index: first_layer,
            inputs: IN,
            outputs: OUT,
            activation: G::KIND,
            weights: self.weights.as_slice(),
            bias: self.bias.as_slice(),
        });
    }

    fn for_each_layer_mut<F: FnMut(LayerViewMut<'_, T>)>(&mut self, first_layer: usize, f: &mut F) {
        f(LayerViewMut {
            index: first_layer,
            inputs: IN,
            outputs: OUT,
            activation: G::KIND,
            weights: self.weights.as_mut_slice(),
            bias: self.bias.as_mut_slice(),
        });
    }
}
