//! A small seedable random number generator and the weight initialisations that use it.

use crate::Scalar;
use crate::layer::LayerViewMut;

/// PCG32 (XSH-RR, 64-bit state): small, fast on 32-bit cores, and the same
/// sequence on every target for the same seed.
///
/// ```
/// use tinymlp::Rng;
/// let mut a = Rng::new(7);
/// let mut b = Rng::new(7);
/// assert_eq!(a.next_u32(), b.next_u32());
/// let u: f32 = a.uniform();
/// assert!((0.0..1.0).contains(&u));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    state: u64,
    increment: u64,
}

const MULTIPLIER: u64 = 6_364_136_223_846_793_005;
/// The stream whose increment is PCG's default, 1442695040888963407.
const DEFAULT_STREAM: u64 = 721_347_520_444_481_703;

impl Rng {
    /// A generator seeded with `seed` on the default stream.
    pub const fn new(seed: u64) -> Self {
        Self::with_stream(seed, DEFAULT_STREAM)
    }

    /// A generator seeded with `seed` on stream `stream` (the reference
    /// `pcg32_srandom_r(seed, stream)`): different streams give independent sequences.
    pub const fn with_stream(seed: u64, stream: u64) -> Self {
        let increment = (stream << 1) | 1;
        // The reference seeding: advance once, add the seed, advance again.
        let state = increment.wrapping_add(seed);
        Self {
            state: state.wrapping_mul(MULTIPLIER).wrapping_add(increment),
            increment,
        }
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MULTIPLIER).wrapping_add(self.increment);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        xorshifted.rotate_right((old >> 59) as u32)
    }

    /// The next 64 random bits (two draws, high word first).
    pub fn next_u64(&mut self) -> u64 {
        let hi = self.next_u32() as u64;
        (hi << 32) | self.next_u32() as u64
    }

    /// A uniform value in `[0, 1)`: 24 random bits for `f32`, 53 for `f64`.
    pub fn uniform<T: Scalar>(&mut self) -> T {
        T::unit_from_bits(self.next_u64())
    }

    /// A uniform integer in `0..n` without modulo bias; `0` when `n == 0`.
    pub fn below(&mut self, n: usize) -> usize {
        let Ok(n32) = u32::try_from(n) else {
            // Beyond 2^32 samples cannot occur on the targets this crate is for;
            // fall back to 64 bits with a negligible bias.
            return (self.next_u64() % n as u64) as usize;
        };
        if n32 == 0 {
            return 0;
        }
        // Lemire's multiply-shift with rejection.
        let threshold = n32.wrapping_neg() % n32;
        loop {
            let product = self.next_u32() as u64 * n32 as u64;
            if (product as u32) >= threshold {
                return (product >> 32) as usize;
            }
        }
    }

    /// Shuffles `items` uniformly (Fisher–Yates).
    pub fn shuffle<S>(&mut self, items: &mut [S]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            // `items.swap(i, j)` without its bounds check, which the optimiser
            // cannot remove (it cannot see that `below` stays below `i + 1`);
            // `j == i` leaves the item where it is, as `swap` would.
            if let Some((last, rest)) = items.get_mut(..=i).and_then(<[S]>::split_last_mut)
                && let Some(other) = rest.get_mut(j)
            {
                core::mem::swap(last, other);
            }
        }
    }
}

/// How to draw initial weights; biases always start at zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Init {
    /// Glorot & Bengio (2010): `U(−r, r)` with `r = √(6 / (fan_in + fan_out))`.
    /// Suits sigmoid and tanh layers.
    XavierUniform,
    /// He et al. (2015), PyTorch's `kaiming_uniform_` with gain `√2`:
    /// `U(−r, r)` with `r = √(6 / fan_in)`. Suits ReLU layers.
    HeUniform,
}

impl Init {
    /// The half-width `r` of the uniform range for a layer.
    pub fn limit<T: Scalar>(self, fan_in: usize, fan_out: usize) -> T {
        let fans = match self {
            Init::XavierUniform => fan_in.saturating_add(fan_out),
            Init::HeUniform => fan_in,
        };
        (T::from_usize(6) / T::from_usize(fans.max(1))).sqrt()
    }

    /// Fills one layer: weights row-major from `rng`, biases zero.
    pub fn fill<T: Scalar>(self, rng: &mut Rng, layer: LayerViewMut<'_, T>) {
        let r: T = self.limit(layer.inputs, layer.outputs);
        for w in layer.weights.iter_mut() {
            let u: T = rng.uniform();
            *w = (T::TWO * u - T::ONE) * r;
        }
        layer.bias.fill(T::ZERO);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcg32_matches_the_reference_demo_output() {
        // pcg32-demo from the PCG C library seeds with pcg32_srandom_r(&rng, 42, 54)
        // and prints these six numbers first.
        let mut rng = Rng::with_stream(42, 54);
        let want = [0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e];
        for w in want {
            assert_eq!(rng.next_u32(), w);
        }
    }

    #[test]
    fn below_is_in_range_and_roughly_uniform() {
        let mut rng = Rng::new(1);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[rng.below(6)] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut rng = Rng::new(3);
        let mut v = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        rng.shuffle(&mut v);
        let mut sorted = v;
        sorted.sort();
        assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_ne!(v, sorted, "seed 3 moves something");
    }

    #[test]
    fn shuffle_is_fisher_yates_drawing_with_below() {
        // The textbook algorithm with `swap`, from a copy of the generator.
        let mut rng = Rng::new(21);
        let mut reference = rng.clone();
        for len in 0..12 {
            let mut v: Vec<usize> = (0..len).collect();
            let mut want = v.clone();
            rng.shuffle(&mut v);
            for i in (1..len).rev() {
                let j = reference.below(i + 1);
                want.swap(i, j);
            }
            assert_eq!(v, want, "{len} items");
        }
    }

    #[test]
    fn shuffle_makes_every_order_of_three_equally_likely() {
        let mut rng = Rng::new(5);
        let mut counts = std::collections::HashMap::new();
        for _ in 0..60_000 {
            let mut v = ['a', 'b', 'c'];
            rng.shuffle(&mut v);
            *counts.entry(v).or_insert(0u32) += 1;
        }
        // 3! = 6 orders, 10,000 each expected (standard deviation about 91).
        assert_eq!(counts.len(), 6, "{counts:?}");
        for c in counts.values() {
            assert!((9_500..10_500).contains(c), "{counts:?}");
        }
    }

    #[test]
    fn uniform_is_in_unit_interval_with_the_right_mean() {
        let mut rng = Rng::new(9);
        let n = 100_000;
        let mean: f64 = (0..n).map(|_| rng.uniform::<f64>()).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005);
        for _ in 0..10_000 {
            let u: f32 = rng.uniform();
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn limits_match_the_formulas() {
        assert_eq!(Init::XavierUniform.limit::<f64>(2, 4), 1.0);
        assert_eq!(Init::HeUniform.limit::<f64>(6, 100), 1.0);
    }

    #[test]
    fn limit_of_huge_fans_does_not_overflow() {
        // fan_in + fan_out would overflow usize; the sum saturates instead of panicking.
        let r: f64 = Init::XavierUniform.limit(usize::MAX, 3);
        assert!((r - (6.0 / usize::MAX as f64).sqrt()).abs() < 1e-18, "{r}");
        let r: f32 = Init::HeUniform.limit(0, usize::MAX);
        assert_eq!(r, 6f32.sqrt());
    }
}
