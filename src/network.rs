//! `Network<T, L, IN, OUT>`: a layer stack with its input and output widths, and the [`mlp!`](crate::mlp!) macro that names one.

use core::marker::PhantomData;

use crate::init::{Init, Rng};
use crate::layer::{LayerView, LayerViewMut};
use crate::{Activation, Layer, Matrix, Scalar, Zeroed};

/// A multilayer perceptron from `IN` features to `OUT` outputs: a layer stack
/// `L` (a [`Dense`](crate::Dense), or [`Chain`](crate::Chain)s of them).
///
/// Write the type with [`mlp!`](crate::mlp); build it randomly ([`Network::random`]), from
/// constants ([`Network::new`] is a `const fn`, so trained weights can live in
/// flash), or by loading saved parameters.
///
/// ```
/// use tinymlp::{mlp, Init, Matrix};
///
/// type Net = mlp!(f32; 3 => 8 Tanh => 2 Identity);
/// let net = Net::random(42, Init::XavierUniform);
/// let y: [f32; 2] = net.forward(&[0.5, -1.0, 2.0]);          // one sample
/// let batch = Matrix::from_array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0]]);
/// let ys: Matrix<f32, 2, 2> = net.forward_batch(&batch);     // rows are samples
/// assert_eq!(ys.row(0), Some(&y));
/// ```
///
/// Inputs of the wrong width do not compile:
///
/// ```compile_fail,E0308
/// use tinymlp::{mlp, Init};
/// type Net = mlp!(f32; 3 => 8 Tanh => 2 Identity);
/// let net = Net::random(42, Init::XavierUniform);
/// let _ = net.forward(&[0.5, -1.0]); // 2 features, the network takes 3
/// ```
pub struct Network<T, L, const IN: usize, const OUT: usize> {
    layers: L,
    scalar: PhantomData<T>,
}

impl<T, L: Clone, const IN: usize, const OUT: usize> Clone for Network<T, L, IN, OUT> {
    fn clone(&self) -> Self {
        Self {
            layers: self.layers.clone(),
            scalar: PhantomData,
        }
    }
}

impl<T, L: Copy, const IN: usize, const OUT: usize> Copy for Network<T, L, IN, OUT> {}

impl<T, L: PartialEq, const IN: usize, const OUT: usize> PartialEq for Network<T, L, IN, OUT> {
    fn eq(&self, other: &Self) -> bool {
        self.layers == other.layers
    }
}

impl<T, L: core::fmt::Debug, const IN: usize, const OUT: usize> core::fmt::Debug for Network<T, L, IN, OUT> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Network")
            .field("inputs", &IN)
            .field("outputs", &OUT)
            .field("layers", &self.layers)
            .finish()
    }
}

impl<T, L: Zeroed, const IN: usize, const OUT: usize> Zeroed for Network<T, L, IN, OUT> {
    const ZEROED: Self = Self {
        layers: L::ZEROED,
        scalar: PhantomData,
    };
}

// The constructors carry their bounds on each function, not on the impl, so a
// stack whose widths do not line up is reported as an unsatisfied `Layer`
// bound (E0277, with that trait's message) rather than as a missing method.
impl<T, L, const IN: usize, const OUT: usize> Network<T, L, IN, OUT> {
    /// Wraps a layer stack; usable in `const` and `static` items.
    pub const fn new(layers: L) -> Self
    where
        T: Scalar,
        L: Layer<T, IN, OUT>,
    {
        Self {
            layers,
            scalar: PhantomData,
        }
    }

    /// A network with every parameter drawn by `init` from a generator seeded with `seed`.
    ///
    /// The same seed gives the same weights on every target.
    pub fn random(seed: u64, init: Init) -> Self
    where
        T: Scalar,
        L: Layer<T, IN, OUT> + Zeroed,
    {
        let mut net = Self::new(L::ZEROED);
        net.initialize(&mut Rng::new(seed), init);
        net
    }

    /// Shorthand for [`random`](Self::random) with [`Init::XavierUniform`].
    pub fn xavier(seed: u64) -> Self
    where
        T: Scalar,
        L: Layer<T, IN, OUT> + Zeroed,
    {
        Self::random(seed, Init::XavierUniform)
    }
}

impl<T: Scalar, L: Layer<T, IN, OUT>, const IN: usize, const OUT: usize> Network<T, L, IN, OUT> {
    /// Number of input features.
    pub const INPUTS: usize = IN;
    /// Number of outputs.
    pub const OUTPUTS: usize = OUT;
    /// Number of dense layers.
    pub const LAYERS: usize = L::LAYERS;
    /// Number of scalar parameters (weights and biases).
    pub const PARAMETERS: usize = L::PARAMETERS;

    /// Redraws every parameter in place (frozen layers included): weights by
    /// `init`, layer by layer from the input side, row-major; biases zero.
    pub fn initialize(&mut self, rng: &mut Rng, init: Init) {
        self.layers.for_each_layer_mut(0, &mut |layer| init.fill(rng, layer));
    }

    /// The layer stack.
    pub const fn layers(&self) -> &L {
        &self.layers
    }

    /// The layer stack, mutably.
    pub fn layers_mut(&mut self) -> &mut L {
        &mut self.layers
    }

    /// Unwraps the layer stack.
    pub fn into_layers(self) -> L {
        self.layers
    }

    /// The output for one sample.
    pub fn forward(&self, x: &[T; IN]) -> [T; OUT] {
        let mut out = self.logits(x);
        L::Activation::forward_row(&mut out);
        out
    }

    /// The last layer's pre-activations (logits) for one sample.
    pub fn logits(&self, x: &[T; IN]) -> [T; OUT] {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if crate::cpu::has_avx2() {
            // SAFETY: `logits_avx2` needs AVX2 and nothing else, and `has_avx2`
            // (std's detection: CPUID, and XGETBV for the OS saving YMM) says it is usable.
            #[allow(unsafe_code)]
            return unsafe { self.logits_avx2(x) };
        }
        self.layer_logits(x)
    }

    /// [`logits`](Self::logits) compiled for AVX2 (see `cpu`).
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[target_feature(enable = "avx2")]
    fn logits_avx2(&self, x: &[T; IN]) -> [T; OUT] {
        self.layer_logits(x)
    }

    /// The layers' logits, inlined whole into the AVX2 copy (see `cpu`).
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    fn layer_logits(&self, x: &[T; IN]) -> [T; OUT] {
        let mut out = [T::ZERO; OUT];
        self.layers.logits(x, &mut out);
        out
    }

    /// The outputs for a batch whose rows are samples.
    pub fn forward_batch<const M: usize>(&self, x: &Matrix<T, M, IN>) -> Matrix<T, M, OUT> {
        let mut out = Matrix::zeros();
        self.forward_batch_into(x, &mut out);
        out
    }

    /// Writes the outputs for a batch into `out`, one row at a time (so the
    /// stack holds one row per layer, never a whole batch of activations).
    pub fn forward_batch_into<const M: usize>(&self, x: &Matrix<T, M, IN>, out: &mut Matrix<T, M, OUT>) {
        for (x_row, out_row) in x.as_array().iter().zip(out.as_array_mut()) {
            *out_row = self.forward(x_row);
        }
    }

    /// Calls `f` on every dense layer, input side first.
    pub fn for_each_layer(&self, mut f: impl FnMut(LayerView<'_, T>)) {
        self.layers.for_each_layer(0, &mut f);
    }

    /// Calls `f` on every dense layer mutably, input side first.
    pub fn for_each_layer_mut(&mut self, mut f: impl FnMut(LayerViewMut<'_, T>)) {
        self.layers.for_each_layer_mut(0, &mut f);
    }
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// What a [`Trainer`](crate::Trainer) needs to know about a network's type:
/// implemented by [`Network`] only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a network whose layer widths line up",
    note = "each layer's output width must equal the next layer's input width, and hidden layers need an elementwise activation"
)]
pub trait Model: sealed::Sealed {
    /// The element type.
    type Scalar: Scalar;
    /// The layer stack's training tape for a batch of `M`.
    type Tape<const M: usize>: Zeroed;
    /// One `S` per parameter.
    type Slots<S: Zeroed + Copy>: Zeroed;
}

impl<T, L, const IN: usize, const OUT: usize> sealed::Sealed for Network<T, L, IN, OUT> {}

impl<T: Scalar, L: Layer<T, IN, OUT>, const IN: usize, const OUT: usize> Model for Network<T, L, IN, OUT> {
    type Scalar = T;
    type Tape<const M: usize> = L::Tape<M>;
    type Slots<S: Zeroed + Copy> = L::Slots<S>;
}

/// Names a [`Network`] type from its widths and activations.
///
/// `mlp!(T; IN => W1 G1 => W2 G2 => … => OUT G)` is a network from `IN`
/// features through dense layers of widths `W1, W2, …` with activations
/// `G1, G2, …` (names of this crate's activations, resolved in `tinymlp`, so
/// nothing needs importing; `LeakyRelu<200>` sets a slope of 0.2). Widths are
/// literals or `{ CONST }` blocks.
///
/// ```
/// use tinymlp::{mlp, Chain, Dense, Network, Relu, Softmax};
///
/// type Classifier = mlp!(f32; 4 => 16 Relu => 16 Relu => 3 Softmax);
/// // …which is this type (layers nest to the left, so the last layer is `back()`):
/// type Spelled = Network<
///     f32,
///     Chain<Chain<Dense<f32, 4, 16, Relu>, Dense<f32, 16, 16, Relu>, 16>, Dense<f32, 16, 3, Softmax>, 16>,
///     4,
///     3,
/// >;
/// let net: Spelled = Classifier::xavier(1);
/// assert_eq!(Classifier::PARAMETERS, 4 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3);
/// ```
#[macro_export]
macro_rules! mlp {
    (@build $t:ty; $inputs:tt; [$acc:ty]; $last:tt;) => {
        $crate::Network<$t, $acc, $inputs, $last>
    };
    (@build $t:ty; $inputs:tt; [$acc:ty]; $prev:tt;
     $width:tt $act:ident $(<$p:literal>)? $(=> $($rest:tt)+)?) => {
        $crate::mlp!(@build $t; $inputs;
            [$crate::Chain<$acc, $crate::Dense<$t, $prev, $width, $crate::$act $(<$p>)?>, $prev>];
            $width; $($($rest)+)?)
    };
    ($t:ty; $inputs:tt => $width:tt $act:ident $(<$p:literal>)? $(=> $($rest:tt)+)?) => {
        $crate::mlp!(@build $t; $inputs;
            [$crate::Dense<$t, $inputs, $width, $crate::$act $(<$p>)?>];
            $width; $($($rest)+)?)
    };
}
