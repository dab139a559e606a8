//! `e^x` for `f32`: the crate's own, in plain `f32` arithmetic.
//!
//! Why not libm's `expf`: a training step takes one exponential per sigmoid
//! output and per softmax logit, and libm's costs about 45 instructions on a
//! Cortex-M4F plus a call (W1, a 2-4-1 sigmoid network, spent 893 of its 2,127
//! instructions per step in it). This one is about 30 and inlinable, with the
//! rare cases (NaN, overflow, subnormal or zero results) in an out-of-line
//! function.
//!
//! Accuracy: at most 1 ulp from the exact `e^x` for every `f32` input,
//! subnormal results included (the largest error, found by trying all 2³²
//! inputs against `f64` `exp`, is 0.990 ulp, at x = −5.858424; the
//! `exhaustive` test below repeats that check). About 0.8% of the results
//! are not the correctly rounded ones. Exact special cases: `exp(0) = 1`, `exp(NaN)` is NaN,
//! `exp(+∞) = +∞`, `exp(−∞) = +0`, `+∞` exactly when the result rounds above
//! `f32::MAX`, `+0` exactly when it rounds to zero. Monotonic (non-decreasing)
//! over all `f32`, also checked exhaustively.
//!
//! Same bits on every target: only `f32` `+ − × ÷` (each rounded once, as
//! IEEE 754 requires; Rust never fuses a multiply and an add), comparisons and
//! integer operations on the bits. Cortex-M4F's `vmla`/`vmls` round the
//! product before the sum, exactly like the separate operations.

/// `log₂ e`, rounded to `f32`: only picks `n`, so its rounding is harmless.
const LOG2_E: f32 = core::f32::consts::LOG2_E;
/// `1.5 · 2²³`: adding it to `|v| < 2²²` rounds `v` to an integer `n` (to
/// nearest, ties to even), which lands in the low mantissa bits:
/// `(v + SHIFTER).to_bits() = SHIFTER_BITS + n`.
const SHIFTER: f32 = 12_582_912.0;
const SHIFTER_BITS: u32 = 0x4B40_0000;
/// `ln 2 = LN2_HI + LN2_LO` (Cody and Waite). `LN2_HI` has 16 significant
/// bits, so `n · LN2_HI` is exact for `|n| < 2⁸`, and `x − n · LN2_HI` is exact
/// (Sterbenz: the two are within a factor 2 of each other, or `n = 0`).
/// `LN2_LO` is the rest rounded to `f32`; `ln 2 − LN2_HI − LN2_LO ≈ 5.5e-14`.
const LN2_HI: f32 = 0.693_145_75; // 0x3F31_7200
const LN2_LO: f32 = 1.428_606_8e-6; // 0x35BF_BE8E

// e^r ≈ 1 + r + r²·(C2 + C3·r + C4·r² + C5·r³ + C6·r⁴) for |r| ≤ a = ln2/2 + 1e-5
// (|r| is at most 0.3465799 in practice: `n` is rounded from a rounded product).
//
// Derivation: minimax of the relative error by the Remez exchange algorithm,
// run offline with mpmath at 60 digits. The basis is r², …, r⁶ (the leading
// 1 + r is fixed so that exp(0) = 1 and tiny arguments come out right), the
// weight 1/e^r; six reference points, starting at the Chebyshev extrema of
// [−a, a]; each round solves
//     Σₖ Cₖ·rᵢᵏ·e^(−rᵢ) + (−1)ⁱ·E = (e^rᵢ − 1 − rᵢ)·e^(−rᵢ),   i = 0…5,
// for C2…C6 and the levelled error E, then moves the references to the local
// maxima of |(1 + r + r²·q(r))/e^r − 1| (grid of 1,000 points refined by
// ternary search). It converges in 4 rounds to |E| = 3.06e-9 (0.05 ulp of 1),
// with equioscillation at r = ∓0.34658, −0.30951, −0.19554, 0.17398,
// 0.30293. Below, the coefficients rounded to `f32` (C2 = 0.4999999345057…,
// C3 = 0.1666652067307…, C4 = 0.04166838756025…, C5 = 0.008368711858918…,
// C6 = 0.001381460896251…). Taylor's 1/k! to the same degree would be off by
// up to 1.2e-7 (2 ulp).
const C2: f32 = 0.499_999_94; // 0x3EFF_FFFE
const C3: f32 = 0.166_665_21; // 0x3E2A_AA49
const C4: f32 = 0.041_668_39; // 0x3D2A_AC79
const C5: f32 = 0.008_368_712; // 0x3C09_1CEC
const C6: f32 = 0.001_381_460_9; // 0x3AB5_1223

/// `e^x` within 1 ulp, with the same bits on every target (see the module
/// documentation).
///
/// `x = n·ln2 + r` with `n` an integer and `|r| ≤ ln2/2`; `e^x = 2ⁿ·e^r`, with
/// `e^r` from a polynomial and `2ⁿ` added to the exponent field.
#[inline]
pub(crate) fn exp_f32(x: f32) -> f32 {
    let Reduced { n, e_r, bits } = reduce(x);
    if in_common_window(bits) {
        scale(e_r, bits)
    } else {
        exp_f32_rare(e_r, n)
    }
}

/// `e^x`'s parts before the scaling by `2ⁿ`: `n`, `e^r` and the bits of
/// `x·log₂e` shifted so that `n` is in its low mantissa bits.
struct Reduced {
    n: f32,
    e_r: f32,
    bits: u32,
}

/// The common path of [`exp_f32`] up to `e^r`, shared with
/// `exp_f32_lanes`, which must give the same bits.
#[inline(always)]
fn reduce(x: f32) -> Reduced {
    let shifted = x * LOG2_E + SHIFTER;
    let n = shifted - SHIFTER;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Estrin's scheme, not Horner's: two independent halves, and one product
    // fewer to chain. Each multiply-add on the Cortex-M4F needs its addend
    // copied into the accumulator first (`vmov`, then `vmla`), so Horner's
    // four steps cost 8 instructions where this costs 6 (W1's 20
    // exponentials: 1,385 → 1,331 instructions per step at opt-level "s",
    // with fewer registers live). Still within 1 ulp and monotonic (checked
    // exhaustively).
    let r2 = r * r;
    let q = (C2 + r * C3) + r2 * ((C4 + r * C5) + r2 * C6);
    // The leading terms are added last, so that most of the rounding happens
    // in small terms.
    let e_r = 1.0 + (r + r2 * q);
    Reduced {
        n,
        e_r,
        bits: shifted.to_bits(),
    }
}

/// Whether `−125 ≤ n ≤ 127`, where `e^r` in [0.70, 1.42] makes `2ⁿ·e^r` a
/// normal number and adding `n` to the exponent field is the exact product.
/// NaN, ±∞ and `|x·log₂e| ≥ 2²²` land outside the window (`shifted` is not
/// in [2²³, 2²⁴)).
#[inline(always)]
fn in_common_window(bits: u32) -> bool {
    bits.wrapping_sub(SHIFTER_BITS - 125) <= 252
}

/// `2ⁿ·e^r` inside the common window: `n` added to the exponent field.
#[inline(always)]
fn scale(e_r: f32, bits: u32) -> f32 {
    f32::from_bits(e_r.to_bits().wrapping_add(bits << 23))
}

/// [`exp_f32`] of `L` values side by side, with the same bits: the common
/// path's operations lane by lane (plain `f32` and `u32` arithmetic, which
/// LLVM turns into SSE vector code on x86-64, where the scalar function is
/// about 32 instructions a value), then, if any lane left the common window
/// (NaN, overflow, a subnormal or zero result), every lane again through
/// [`exp_f32`]. For the x86-64 cross-entropy (`crate::loss`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn exp_f32_lanes<const L: usize>(x: [f32; L]) -> [f32; L] {
    let mut out = [0.0f32; L];
    let mut common = true;
    for (o, &x) in out.iter_mut().zip(&x) {
        let Reduced { e_r, bits, .. } = reduce(x);
        common &= in_common_window(bits);
        *o = scale(e_r, bits);
    }
    if common { out } else { x.map(exp_f32) }
}

/// libm's `logf` (0.2, FreeBSD's `e_logf.c`) of `L` values side by side,
/// with the same bits: its main path lane by lane (`f32` and integer
/// arithmetic only, vectorised by LLVM on x86-64), and every lane through
/// `libm::logf` itself if any lane is one of its special cases (zero,
/// negative, subnormal, `∞`, NaN; and 1, which libm returns early as the
/// `+0` the main path also gives). For the x86-64 cross-entropy.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn ln_f32_lanes<const L: usize>(x: [f32; L]) -> [f32; L] {
    // libm's constants, by their bits.
    const LN2_HI: f32 = f32::from_bits(0x3F31_7180);
    const LN2_LO: f32 = f32::from_bits(0x3717_F7D1);
    const LG1: f32 = f32::from_bits(0x3F2A_AAAA); // 0xAAAAAA.0p-24
    const LG2: f32 = f32::from_bits(0x3ECC_CE13); // 0xCCCE13.0p-25
    const LG3: f32 = f32::from_bits(0x3E91_E9EE); // 0x91E9EE.0p-25
    const LG4: f32 = f32::from_bits(0x3E78_9E26); // 0xF89E26.0p-26
    let mut out = [0.0f32; L];
    let mut common = true;
    for (o, &x) in out.iter_mut().zip(&x) {
        let ix = x.to_bits();
        // Positive, normal and finite, and not 1.
        common &= ix.wrapping_sub(0x0080_0000) < 0x7F80_0000 - 0x0080_0000 && ix != 0x3F80_0000;
        // Reduce x into [√2/2, √2]: x = 2ᵏ·(1 + f).
        let ix = ix.wrapping_add(0x3F80_0000 - 0x3F35_04F3);
        let k = (ix >> 23) as i32 - 0x7F;
        let x = f32::from_bits((ix & 0x007F_FFFF) + 0x3F35_04F3);
        let f = x - 1.0;
        let s = f / (2.0 + f);
        let z = s * s;
        let w = z * z;
        let t1 = w * (LG2 + w * LG4);
        let t2 = z * (LG1 + w * LG3);
        let r = t2 + t1;
        let hfsq = 0.5 * f * f;
        let dk = k as f32;
        *o = s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI;
    }
    if common { out } else { x.map(libm::logf) }
}

/// The cases outside `−125 ≤ n ≤ 127`: NaN, overflow, results that are
/// subnormal or zero, and the top of the range (`n = 128`). `n` is
/// `round(x·log₂e)` for `|x| < 2.9e6`, beyond that huge, ±∞ or NaN.
#[cold]
#[inline(never)]
fn exp_f32_rare(e_r: f32, n: f32) -> f32 {
    // NaN stays NaN; n ≥ 129 (x ≥ 89.07, +∞ included) is +∞.
    if n.is_nan() || n > 128.0 {
        return n + f32::INFINITY;
    }
    // x < −104.3: below half the smallest subnormal.
    if n < -150.0 {
        return 0.0;
    }
    // Scale in two steps, 2^⌊n/2⌋ then the rest, each factor a normal power
    // of two: the first product is exact, the second rounds once (gradual
    // underflow down to +0, or at n = 128 a finite result or +∞ for x above
    // 88.72283, the largest argument with a finite e^x).
    let n = n as i32;
    let half = n >> 1;
    e_r * pow2(half) * pow2(n - half)
}

/// `2ᵏ` for `−126 ≤ k ≤ 127`.
#[inline(always)]
fn pow2(k: i32) -> f32 {
    f32::from_bits((k.wrapping_add(127) as u32) << 23)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `|y − e^x|` in ulps of `e^x` (the spacing of `f32` at the exact value,
    /// `2^−149` below `f32::MIN_POSITIVE`), `f64` `exp` as the reference
    /// (its own error is below 1e-16 relative, negligible here). Overflow
    /// and results that must round to zero are checked exactly.
    fn ulp_error(x: f32) -> f64 {
        let y = exp_f32(x);
        let exact = f64::from(x).exp();
        let max_plus_half_ulp = f64::from(f32::MAX) * (1.0 + 2f64.powi(-25));
        if exact >= max_plus_half_ulp {
            assert_eq!(y, f32::INFINITY, "exp({x:e}) = {y:e}, exact {exact:e}");
            return 0.0;
        }
        if exact < 2f64.powi(-150) {
            assert_eq!(y.to_bits(), 0, "exp({x:e}) = {y:e} should be +0");
            return 0.0;
        }
        assert!(y.is_finite(), "exp({x:e}) = {y:e}, exact {exact:e}");
        let ulp = if exact < f64::from(f32::MIN_POSITIVE) {
            2f64.powi(-149)
        } else {
            let exponent = ((exact.to_bits() >> 52) & 0x7FF) as i32 - 1023;
            2f64.powi(exponent - 23)
        };
        (f64::from(y) - exact).abs() / ulp
    }

    /// Checks every `f32` from `from` upwards for `count` steps: error and
    /// monotonicity. Returns the largest error.
    fn check_run(from: f32, count: u32) -> f64 {
        let mut x = from;
        let mut previous = exp_f32(x);
        let mut worst = 0.0f64;
        for _ in 0..count {
            let error = ulp_error(x);
            assert!(error <= 1.0, "exp({x:e}) = {:e}: {error} ulp", exp_f32(x));
            worst = worst.max(error);
            let y = exp_f32(x);
            assert!(y >= previous, "not monotonic at {x:e}: {previous:e} then {y:e}");
            previous = y;
            x = x.next_up();
        }
        worst
    }

    #[test]
    fn special_values_are_exact() {
        assert!(exp_f32(f32::NAN).is_nan());
        assert!(exp_f32(-f32::NAN).is_nan());
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(f32::NEG_INFINITY).to_bits(), 0);
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(-0.0), 1.0);
        assert_eq!(exp_f32(f32::MAX), f32::INFINITY);
        assert_eq!(exp_f32(f32::MIN).to_bits(), 0);
        // Overflow boundary: the largest finite result and the first infinite one.
        assert_eq!(exp_f32(88.722_83), 3.402_798_5e38);
        assert_eq!(exp_f32(88.722_83f32.next_up()), f32::INFINITY);
        // The smallest subnormal, and the first input that rounds to zero.
        assert_eq!(exp_f32(-103.28), f32::from_bits(1));
        // ln 2^−150 = −103.9720770…, between these two neighbours:
        assert_eq!(exp_f32(-103.972_084).to_bits(), 0);
        assert_eq!(exp_f32(-103.972_08), f32::from_bits(1));
        // Tiny arguments: 1 or its neighbours, as rounding e^x demands.
        assert_eq!(exp_f32(f32::from_bits(1)), 1.0);
        assert_eq!(exp_f32(-f32::from_bits(1)), 1.0);
        assert_eq!(exp_f32(f32::EPSILON), 1.0 + f32::EPSILON);
        assert_eq!(exp_f32(-f32::EPSILON / 2.0), 1.0 - f32::EPSILON / 2.0);
        assert_eq!(exp_f32(1.0), core::f32::consts::E);
    }

    /// Every 331st bit pattern over [−104, 89] (both signs), about 6.8
    /// million inputs: a second or two unoptimised.
    #[test]
    fn sweep_is_within_one_ulp() {
        let mut worst = 0.0f64;
        for sign in [0, 0x8000_0000u32] {
            let top = if sign == 0 { 89.0f32 } else { 104.0 }.to_bits();
            for bits in (0..=top).step_by(331) {
                let x = f32::from_bits(sign | bits);
                worst = worst.max(ulp_error(x));
            }
        }
        assert!(worst <= 1.0, "{worst}");
    }

    /// Runs of consecutive inputs where something changes: the overflow and
    /// zero boundaries, the start of subnormal results, the fast path's
    /// limits (n = 127/128, n = −125/−126), a reduction boundary, and
    /// around 0. Errors and monotonicity.
    #[test]
    fn boundary_neighbourhoods() {
        let ln2 = core::f64::consts::LN_2;
        let centres = [
            88.722_83,
            f64::ln(f64::from(f32::MIN_POSITIVE)) as f32, // −87.33655: subnormal results below
            (-150.0 * ln2) as f32,                        // −103.97208: zero below
            (127.5 * ln2) as f32,                         // n: 127 → 128
            (-125.5 * ln2) as f32,                        // n: −126 → −125
            (0.5 * ln2) as f32,                           // n: 0 → 1
            (-0.5 * ln2) as f32,                          // n: −1 → 0
        ];
        for c in centres {
            let mut from = c;
            for _ in 0..2000 {
                from = from.next_down();
            }
            check_run(from, 4000);
        }
        // Around zero, both signs: from −2^−20 up through the subnormals to 2^−20.
        check_run(-(2.0f32.powi(-20)), 4000);
        check_run(-(f32::from_bits(2000)), 4000);
        check_run((2.0f32).powi(-20).next_down(), 10);
    }

    /// All 2³² inputs (`cargo test --release --lib exp -- --ignored`, about a
    /// minute per core): the accuracy and monotonicity the documentation states.
    #[test]
    #[ignore]
    fn exhaustive() {
        let worst = std::thread::scope(|s| {
            let halves = [0u32, 0x8000_0000].map(|start| {
                s.spawn(move || {
                    let mut worst = (0.0f64, 0u32);
                    let mut previous = exp_f32(f32::from_bits(start));
                    for bits in start..=start | 0x7FFF_FFFF {
                        let x = f32::from_bits(bits);
                        let y = exp_f32(x);
                        if x.is_nan() {
                            assert!(y.is_nan());
                            continue;
                        }
                        let error = ulp_error(x);
                        if error > worst.0 {
                            worst = (error, bits);
                        }
                        // Increasing bits: x grows when positive, shrinks when negative.
                        let ordered = if start == 0 { y >= previous } else { y <= previous };
                        assert!(ordered, "not monotonic at {x:e}");
                        previous = y;
                    }
                    worst
                })
            });
            halves.map(|h| h.join().unwrap())
        });
        let (error, bits) = if worst[0].0 >= worst[1].0 { worst[0] } else { worst[1] };
        std::println!(
            "largest error {error:.4} ulp at {:e} ({bits:#010x})",
            f32::from_bits(bits)
        );
        assert!(error <= 1.0, "{error}");
    }

    /// The lane forms against the scalar functions, bit for bit: every
    /// 257th bit pattern (both signs, NaNs and infinities included), in
    /// groups of four that mix the common path with the special cases.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn lanes_equal_the_scalar_functions_bit_for_bit() {
        let check = |lanes: [f32; 4]| {
            let (exps, logs) = (exp_f32_lanes(lanes), ln_f32_lanes(lanes));
            for ((&x, e), l) in lanes.iter().zip(exps).zip(logs) {
                assert_eq!(e.to_bits(), exp_f32(x).to_bits(), "exp({x:e})");
                assert_eq!(l.to_bits(), libm::logf(x).to_bits(), "ln({x:e})");
            }
        };
        let mut bits = 0u32;
        while let Some(next) = bits.checked_add(4 * 257) {
            check(core::array::from_fn(|i| f32::from_bits(bits + 257 * i as u32)));
            bits = next;
        }
        // The common path alone: ln's special value 1, and its neighbours.
        check([2.0, 1.0f32.next_up(), 1.5, 1.0f32.next_down()]);
        check([1.0, 2.0, 3.0, 0.5]);
        check([1.0e-38, 2.0e-38, f32::MIN_POSITIVE, 3.0e38]);
        check([0.0, -0.0, -1.0, f32::MAX]);
    }
}
