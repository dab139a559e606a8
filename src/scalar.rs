//! The floating-point types a network computes in: `f32` and `f64`, with their math through `libm`
//! (the `f32` exponential is the crate's own, `crate::exp`).

use core::fmt::{Debug, Display};
use core::iter::Sum;
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use crate::Zeroed;

mod sealed {
    /// Only `f32` and `f64` are `Scalar`. The seal also carries the
    /// crate's per-type loops, which the public trait does not show.
    pub trait Sealed: crate::optim::AdamLoop + crate::kernel::Blocks {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// Which floating-point type a [`Scalar`] is; persisted models record it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    /// IEEE 754 binary32.
    F32,
    /// IEEE 754 binary64.
    F64,
}

/// A floating-point element type: implemented for `f32` and `f64` only.
///
/// Transcendental functions come from [`libm`], except `exp` for `f32`, which
/// is the crate's own (within 1 ulp, about 30 instructions on a Cortex-M4F
/// against libm's 45, from `f32` arithmetic alone). Either way the same bits
/// come out on every target: a model trained on a Cortex-M4F and on an x86-64
/// host with the same seed and data ends with the same weights.
pub trait Scalar:
    sealed::Sealed
    + Copy
    + Default
    + Debug
    + Display
    + PartialEq
    + PartialOrd
    + Zeroed
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
    + Send
    + Sync
    + 'static
{
    /// `0`.
    const ZERO: Self;
    /// `1`.
    const ONE: Self;
    /// `2`.
    const TWO: Self;
    /// The largest finite value.
    const MAX: Self;
    /// Negative infinity.
    const NEG_INFINITY: Self;
    /// Machine epsilon: the gap between `1` and the next larger value.
    const EPSILON: Self;
    /// Which type this is.
    const KIND: ScalarKind;
    /// Size of the little-endian encoding in bytes.
    const BYTES: usize;

    /// Converts a constant written in `f64`, rounding to nearest. Meant for
    /// literals such as default hyperparameters, not for hot loops (on an
    /// `f32`-only FPU an `f64` conversion at run time is a software call).
    fn from_f64(x: f64) -> Self;
    /// Widens to `f64` (exact for both types); for reporting and tests.
    fn to_f64(self) -> f64;
    /// Converts a count, such as a batch size (exact below 2^24 for `f32`).
    fn from_usize(n: usize) -> Self;
    /// Maps 64 random bits to `[0, 1)`: the top 24 bits for `f32`, 53 for `f64`.
    fn unit_from_bits(bits: u64) -> Self;
    /// `e^self`. For `f32` within 1 ulp of the exact value (`+∞` on
    /// overflow, `+0` when the result rounds to zero, `exp(0) = 1`), and
    /// non-decreasing; for `f64` libm's `exp`.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// `ln(1 + self)`, accurate for small `self`.
    fn ln_1p(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// `true` unless NaN or infinite.
    fn is_finite(self) -> bool;
    /// `true` for NaN.
    fn is_nan(self) -> bool;
    /// The larger of two values; if one is NaN, the other.
    fn max(self, other: Self) -> Self;
    /// The smaller of two values; if one is NaN, the other.
    fn min(self, other: Self) -> Self;
    /// The raw bits, zero-extended to 64 bits (for checksums and bit-exact comparisons).
    fn to_bits_u64(self) -> u64;
    /// Writes the little-endian encoding into `out[..Self::BYTES]`; returns
    /// `false` (writing nothing) when `out` is too short.
    fn write_le(self, out: &mut [u8]) -> bool;
    /// Reads a little-endian encoding from `bytes[..Self::BYTES]`; `None` when
    /// `bytes` is too short.
    fn read_le(bytes: &[u8]) -> Option<Self>;
}

macro_rules! impl_scalar {
    ($t:ty, $kind:ident, $bits:ty,
     exp = $exp:path, ln = $ln:path, ln_1p = $ln_1p:path, sqrt = $sqrt:path, tanh = $tanh:path) => {
        impl Zeroed for $t {
            const ZEROED: Self = 0.0;
        }

        impl Scalar for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const TWO: Self = 2.0;
            const MAX: Self = <$t>::MAX;
            const NEG_INFINITY: Self = <$t>::NEG_INFINITY;
            const EPSILON: Self = <$t>::EPSILON;
            const KIND: ScalarKind = ScalarKind::$kind;
            const BYTES: usize = core::mem::size_of::<$t>();

            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
            #[inline(always)]
            fn unit_from_bits(bits: u64) -> Self {
                const MANTISSA: u32 = <$t>::MANTISSA_DIGITS;
                (bits >> (64 - MANTISSA)) as $t / (1u64 << MANTISSA) as $t
            }
            #[inline(always)]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                $ln(self)
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                $ln_1p(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                $sqrt(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                $tanh(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
            #[inline(always)]
            fn to_bits_u64(self) -> u64 {
                self.to_bits() as u64
            }
            #[inline]
            fn write_le(self, out: &mut [u8]) -> bool {
                match out.get_mut(..Self::BYTES) {
                    Some(dst) => {
                        dst.copy_from_slice(&self.to_le_bytes());
                        true
                    }
                    None => false,
                }
            }
            #[inline]
            fn read_le(bytes: &[u8]) -> Option<Self> {
                let src: [u8; core::mem::size_of::<$t>()] = bytes.get(..Self::BYTES)?.try_into().ok()?;
                Some(<$t>::from_bits(<$bits>::from_le_bytes(src)))
            }
        }
    };
}

// Square roots. Every route rounds correctly (IEEE 754 requires it of
// square roots), so all give the same bits. libm 0.2 computes `sqrtf` in
// software on 32-bit Arm (about 70 instructions, and Adam takes one per
// parameter: 29k of a 74k-instruction W2 step on a Cortex-M4F), so hard-float
// Arm targets use the FPU's `vsqrt.f32`; with `std` (and in unit tests) std's
// intrinsic, which also vectorises on x86-64; libm everywhere else.
#[cfg(any(test, feature = "std"))]
fn sqrt_f32(x: f32) -> f32 {
    x.sqrt()
}
#[cfg(any(test, feature = "std"))]
fn sqrt_f64(x: f64) -> f64 {
    x.sqrt()
}
#[cfg(all(not(any(test, feature = "std")), target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
fn sqrt_f32(x: f32) -> f32 {
    let root: u32;
    // Rust offers the single-precision register class (`sreg`) only with the
    // `vfp2` feature, which Cortex-M4F targets (single-precision FPU) lack, so
    // the value travels through core registers. Naming `s0` as a clobber is
    // allowed without the feature (rustc checks features only for registers
    // that carry a value), and the compiler then keeps nothing live in `s0`
    // across the asm: no save and restore inside it (5 instructions per
    // square root with the two moves around it, instead of 7).
    // SAFETY: the asm reads and writes only the named core registers and
    // `s0`, which is declared clobbered; it touches no memory and no stack.
    // Every hard-float Arm core (the `eabihf` ABI passes floats in FPU
    // registers) has `vmov` and `vsqrt.f32`. It changes only the FPSCR's
    // cumulative exception bits, never the condition flags.
    unsafe {
        core::arch::asm!(
            "vmov s0, {x}",
            "vsqrt.f32 s0, s0",
            "vmov {root}, s0",
            x = in(reg) x.to_bits(),
            root = lateout(reg) root,
            out("s0") _,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    f32::from_bits(root)
}
#[cfg(all(not(any(test, feature = "std")), target_arch = "arm", target_abi = "eabihf"))]
use libm::sqrt as sqrt_f64;
#[cfg(all(
    not(any(test, feature = "std")),
    not(all(target_arch = "arm", target_abi = "eabihf"))
))]
use libm::{sqrt as sqrt_f64, sqrtf as sqrt_f32};

/// libm's `tanhf`, kept behind a call on 32-bit Arm: at opt-level 3 LLVM
/// inlined it into every output of the unrolled forward block, which grew a
/// 1-8-8-1 tanh firmware by 43 KB of flash for 13% fewer instructions.
#[cfg_attr(target_arch = "arm", inline(never))]
fn tanh_f32(x: f32) -> f32 {
    libm::tanhf(x)
}

impl_scalar!(
    f32,
    F32,
    u32,
    exp = crate::exp::exp_f32,
    ln = libm::logf,
    ln_1p = libm::log1pf,
    sqrt = sqrt_f32,
    tanh = tanh_f32
);
impl_scalar!(
    f64,
    F64,
    u64,
    exp = libm::exp,
    ln = libm::log,
    ln_1p = libm::log1p,
    sqrt = sqrt_f64,
    tanh = libm::tanh
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn little_endian_round_trip_is_bit_exact() {
        for x in [0.0f32, -0.0, 1.5, f32::MIN_POSITIVE / 3.0, f32::NAN, f32::INFINITY] {
            let mut buf = [0u8; 4];
            assert!(x.write_le(&mut buf));
            assert_eq!(f32::read_le(&buf).unwrap().to_bits(), x.to_bits());
        }
        let mut short = [0u8; 7];
        assert!(!1.0f64.write_le(&mut short));
        assert_eq!(f64::read_le(&short), None);
    }

    #[test]
    fn libm_functions_match_known_values() {
        assert_eq!(Scalar::exp(0.0f64), 1.0);
        assert!((Scalar::ln(core::f64::consts::E) - 1.0f64).abs() < 1e-15);
        assert_eq!(Scalar::sqrt(9.0f32), 3.0);
        assert!((Scalar::tanh(0.5f64) - 0.46211715726000974).abs() < 1e-15);
        assert!((Scalar::ln_1p(1e-10f64) - 9.9999999995e-11).abs() < 1e-24);
    }
}
