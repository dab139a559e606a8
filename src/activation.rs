//! Activation functions as zero-sized types: `Identity`, `Sigmoid`, `Tanh`, `Relu`, `LeakyRelu`, `Softmax`.
//!
//! Every activation here has a derivative that can be written in terms of its
//! output `a = g(z)`, so a hidden layer's training tape keeps only `A`, never
//! `Z` (half the memory):
//!
//! | activation | `g(z)` | `g'` from `a` |
//! |---|---|---|
//! | [`Identity`] | `z` | `1` |
//! | [`Sigmoid`] | `1 / (1 + e^(−z))` | `a(1 − a)` |
//! | [`Tanh`] | `tanh z` | `1 − a²` |
//! | [`Relu`] | `max(0, z)` | `1` if `a > 0`, else `0` (so `relu'(0) = 0`) |
//! | [`LeakyRelu<S>`](LeakyRelu) | `z` if `z > 0`, else `s·z` | `1` if `a > 0`, else `s` |
//!
//! [`Softmax`] is row-wise, not elementwise. Its true backward,
//! `dZ = A ⊙ (dA − rowsum(dA ⊙ A))`, is implemented, so it can sit under any
//! loss; but it may only be the *output* layer: hidden layers require an
//! [`Elementwise`] activation, and the compiler enforces it.

use crate::Scalar;

/// The kind of an activation, as recorded in a saved model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActivationKind {
    /// [`Identity`].
    Identity,
    /// [`Sigmoid`].
    Sigmoid,
    /// [`Tanh`].
    Tanh,
    /// [`Relu`].
    Relu,
    /// [`LeakyRelu`] with slope `slope_per_mille / 1000` for negative inputs.
    LeakyRelu {
        /// The negative-side slope in thousandths.
        slope_per_mille: u16,
    },
    /// [`Softmax`].
    Softmax,
}

/// An activation applied to each row of a layer's pre-activations.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an activation",
    note = "use one of Identity, Sigmoid, Tanh, Relu, LeakyRelu, Softmax"
)]
pub trait Activation: Copy + Default + core::fmt::Debug + 'static {
    /// What a saved model records for this activation.
    const KIND: ActivationKind;

    /// Replaces a row of pre-activations `z` by `g(z)`.
    fn forward_row<T: Scalar, const N: usize>(row: &mut [T; N]);

    /// Replaces `da = ∂f/∂A` by `dz = ∂f/∂Z` for one row, given that row's output `a`.
    fn backward_row<T: Scalar, const N: usize>(a: &[T; N], da: &mut [T; N]);
}

/// An activation applied to each element independently, with its derivative
/// expressed through the output: the only kind allowed in hidden layers.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not elementwise, so it cannot be used in a hidden layer",
    note = "Softmax may only be the output layer's activation"
)]
pub trait Elementwise: Activation {
    /// `g(z)`.
    fn apply<T: Scalar>(z: T) -> T;
    /// `g'(z)`, written in terms of `a = g(z)`.
    fn derivative<T: Scalar>(a: T) -> T;
    /// `d · g'(z)` in terms of `a = g(z)`: the backward pass's step through
    /// the activation. Must equal `d * Self::derivative(a)` bit for bit.
    #[inline(always)]
    fn times_derivative<T: Scalar>(d: T, a: T) -> T {
        d * Self::derivative(a)
    }
    /// `true` for [`Relu`] alone, which the Cortex-M4F kernels compute in
    /// their asm blocks (`kernel::Blocks`): not for other activations to set.
    #[doc(hidden)]
    const IS_RELU: bool = false;
}

macro_rules! elementwise_activation {
    ($name:ident $(<const $p:ident: $pt:ty>)?) => {
        impl $(<const $p: $pt>)? Activation for $name $(<$p>)? {
            const KIND: ActivationKind = elementwise_activation!(@kind $name $($p)?);

            #[inline(always)]
            fn forward_row<T: Scalar, const N: usize>(row: &mut [T; N]) {
                for z in row.iter_mut() {
                    *z = Self::apply(*z);
                }
            }

            #[inline(always)]
            fn backward_row<T: Scalar, const N: usize>(a: &[T; N], da: &mut [T; N]) {
                for (d, &a) in da.iter_mut().zip(a) {
                    *d = Self::times_derivative(*d, a);
                }
            }
        }
    };
    (@kind LeakyRelu $p:ident) => { ActivationKind::LeakyRelu { slope_per_mille: $p } };
    (@kind $name:ident) => { ActivationKind::$name };
}

/// `g(z) = z`: a linear layer, for regression outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Identity;

impl Elementwise for Identity {
    #[inline(always)]
    fn apply<T: Scalar>(z: T) -> T {
        z
    }
    #[inline(always)]
    fn derivative<T: Scalar>(_a: T) -> T {
        T::ONE
    }
}
elementwise_activation!(Identity);

/// The logistic function `g(z) = 1 / (1 + e^(−z))`, computed without overflow for any `z`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sigmoid;

impl Elementwise for Sigmoid {
    #[inline(always)]
    fn apply<T: Scalar>(z: T) -> T {
        // e^(−|z|) ≤ 1 never overflows: 1/(1 + e^(−z)) for z ≥ 0, e^z/(1 + e^z)
        // below. One exponential in the code, which is inlined. NaN stays NaN.
        let e = (-z.abs()).exp();
        let numerator = if z >= T::ZERO { T::ONE } else { e };
        numerator / (T::ONE + e)
    }
    #[inline(always)]
    fn derivative<T: Scalar>(a: T) -> T {
        a * (T::ONE - a)
    }
}
elementwise_activation!(Sigmoid);

/// The hyperbolic tangent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tanh;

impl Elementwise for Tanh {
    #[inline(always)]
    fn apply<T: Scalar>(z: T) -> T {
        z.tanh()
    }
    #[inline(always)]
    fn derivative<T: Scalar>(a: T) -> T {
        T::ONE - a * a
    }
}
elementwise_activation!(Tanh);

/// The rectifier `g(z) = max(0, z)`, with `relu'(0) = 0`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Relu;

impl Elementwise for Relu {
    const IS_RELU: bool = true;
    #[inline(always)]
    fn apply<T: Scalar>(z: T) -> T {
        // One comparison, written so that NaN propagates (`max` would drop
        // it) and −0 becomes +0.
        if z <= T::ZERO { T::ZERO } else { z }
    }
    #[inline(always)]
    fn derivative<T: Scalar>(a: T) -> T {
        if a > T::ZERO { T::ONE } else { T::ZERO }
    }
    /// `d · 1` is `d` itself (arithmetic never yields a signalling NaN), so
    /// only the other side multiplies (by 0, keeping the sign of zero and
    /// turning ±∞ into NaN as before): a select of two values the FPU has,
    /// instead of a select of the factor and a multiply.
    #[inline(always)]
    fn times_derivative<T: Scalar>(d: T, a: T) -> T {
        let zeroed = d * T::ZERO;
        if a > T::ZERO { d } else { zeroed }
    }
}
elementwise_activation!(Relu);

/// The leaky rectifier: `z` for `z > 0`, else `s·z` with `s = SLOPE_PER_MILLE / 1000`
/// (default `0.01`).
///
/// Float const generics are not stable, so the slope is an integer number of
/// thousandths: `LeakyRelu<200>` has slope `0.2`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LeakyRelu<const SLOPE_PER_MILLE: u16 = 10>;

impl<const SLOPE_PER_MILLE: u16> LeakyRelu<SLOPE_PER_MILLE> {
    /// The negative-side slope, `SLOPE_PER_MILLE / 1000` rounded once.
    #[inline(always)]
    pub fn slope<T: Scalar>() -> T {
        T::from_usize(SLOPE_PER_MILLE as usize) / T::from_usize(1000)
    }
}

impl<const SLOPE_PER_MILLE: u16> Elementwise for LeakyRelu<SLOPE_PER_MILLE> {
    #[inline(always)]
    fn apply<T: Scalar>(z: T) -> T {
        if z > T::ZERO { z } else { z * Self::slope() }
    }
    #[inline(always)]
    fn derivative<T: Scalar>(a: T) -> T {
        if a > T::ZERO { T::ONE } else { Self::slope() }
    }
}
elementwise_activation!(LeakyRelu<const SLOPE_PER_MILLE: u16>);

/// The row-wise softmax `aⱼ = e^(zⱼ) / Σₖ e^(zₖ)`, computed with the row maximum
/// subtracted first so that no exponential overflows.
///
/// Use it as the output layer, usually with
/// [`CrossEntropy`](crate::CrossEntropy), which computes its loss from the
/// logits. It cannot be a hidden layer's activation:
///
/// ```compile_fail,E0277
/// use tinymlp::{mlp, Network};
/// type Bad = mlp!(f32; 4 => 8 Softmax => 3 Softmax);
/// let _ = Bad::xavier(1);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Softmax;

impl Activation for Softmax {
    const KIND: ActivationKind = ActivationKind::Softmax;

    #[inline]
    fn forward_row<T: Scalar, const N: usize>(row: &mut [T; N]) {
        let max = row_max(row);
        let mut sum = T::ZERO;
        for z in row.iter_mut() {
            *z = (*z - max).exp();
            sum += *z;
        }
        for a in row.iter_mut() {
            *a /= sum;
        }
    }

    #[inline]
    fn backward_row<T: Scalar, const N: usize>(a: &[T; N], da: &mut [T; N]) {
        let dot = crate::matrix::dot(a, da);
        for (d, &a) in da.iter_mut().zip(a) {
            *d = a * (*d - dot);
        }
    }
}

/// The largest element of a row (NaN if the row holds one, `−∞` for `N = 0`).
#[inline]
pub(crate) fn row_max<T: Scalar, const N: usize>(row: &[T; N]) -> T {
    let mut max = T::NEG_INFINITY;
    for &z in row {
        // A NaN logit is taken as the maximum, so it makes the whole row NaN.
        if z > max || z.is_nan() {
            max = z;
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ReLU's `times_derivative` is `d * derivative(a)` bit for bit, for
    /// every special value of either operand.
    #[test]
    fn relu_times_derivative_is_the_product_bit_for_bit() {
        let values = [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            f32::MIN_POSITIVE / 4.0,
            f32::MAX,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
        ];
        for d in values {
            for a in values {
                let want = d * Relu::derivative(a);
                let got = Relu::times_derivative(d, a);
                assert_eq!(got.to_bits(), want.to_bits(), "d = {d}, a = {a}");
            }
        }
    }

    /// Central difference of `g` at `z`, in f64.
    fn numeric_derivative(g: fn(f64) -> f64, z: f64) -> f64 {
        let h = 1e-6;
        (g(z + h) - g(z - h)) / (2.0 * h)
    }

    fn check<G: Elementwise>(zs: &[f64]) {
        for &z in zs {
            let a = G::apply(z);
            let want = numeric_derivative(G::apply::<f64>, z);
            let got = G::derivative(a);
            assert!((got - want).abs() < 1e-8, "{:?} at z={z}: {got} vs {want}", G::KIND);
        }
    }

    #[test]
    fn derivatives_from_output_match_finite_differences() {
        let zs = [-3.0, -0.7, -0.01, 0.02, 0.5, 2.5];
        check::<Identity>(&zs);
        check::<Sigmoid>(&zs);
        check::<Tanh>(&zs);
        check::<Relu>(&zs);
        check::<LeakyRelu>(&zs);
        check::<LeakyRelu<250>>(&zs);
    }

    #[test]
    fn values_match_definitions() {
        assert_eq!(Sigmoid::apply(0.0f64), 0.5);
        assert!((Sigmoid::apply(2.0f64) - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-16);
        assert_eq!(Sigmoid::apply(-1e4f32), 0.0);
        assert_eq!(Sigmoid::apply(1e4f32), 1.0);
        assert_eq!(Relu::apply(-2.0f32), 0.0);
        assert_eq!(Relu::derivative(0.0f32), 0.0);
        assert!(Relu::apply(f32::NAN).is_nan());
        assert_eq!(LeakyRelu::<10>::apply(-2.0f64), -0.02);
        assert_eq!(LeakyRelu::<10>::slope::<f32>(), 0.01f32);
        assert_eq!(
            <LeakyRelu as Activation>::KIND,
            ActivationKind::LeakyRelu { slope_per_mille: 10 }
        );
    }

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let mut row = [1000.0f32, 1001.0, 999.0];
        Softmax::forward_row(&mut row);
        let sum: f32 = row.iter().sum();
        assert!((sum - 1.0).abs() < 1e-6);
        // e^1 / (e^0 + e^1 + e^-1)
        let e = core::f64::consts::E;
        assert!((row[1] as f64 - e / (1.0 + e + 1.0 / e)).abs() < 1e-6);
    }

    #[test]
    fn softmax_backward_matches_jacobian() {
        // Hand-derived: ∂aᵢ/∂zⱼ = aᵢ(δᵢⱼ − aⱼ), so dzⱼ = Σᵢ daᵢ aᵢ (δᵢⱼ − aⱼ).
        let mut a = [0.3f64, -1.2, 0.8, 0.1];
        Softmax::forward_row(&mut a);
        let da = [0.5, -0.25, 1.0, 2.0];
        let mut dz = da;
        Softmax::backward_row(&a, &mut dz);
        for j in 0..4 {
            let want: f64 = (0..4)
                .map(|i| da[i] * a[i] * (if i == j { 1.0 } else { 0.0 } - a[j]))
                .sum();
            assert!((dz[j] - want).abs() < 1e-15);
        }
    }
}
