//! The xorshift32 generator and the uniform weights the benchmark workloads of issue 5 start from, in `const fn`s.
//!
//! The workloads are specified so that other libraries' figures compare with
//! ours: `x ^= x << 13; x ^= x >> 17; x ^= x << 5`, then `u = (x >> 8) / 2²⁴`
//! from the new state; each layer is drawn output-major (for every neuron, its
//! inputs in order) with `w = (2u − 1)·√(6 / (in + out))`, biases zero. Being
//! `const fn`s, the initial networks and datasets are built by the compiler and
//! sit in flash; the firmware spends no code on them.

/// Marsaglia's xorshift32: the state steps, then the draw is taken from the new state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XorShift32(u32);

impl XorShift32 {
    /// A generator in state `seed` (must not be zero, or every draw is zero).
    pub const fn new(seed: u32) -> Self {
        Self(seed)
    }

    /// The next state.
    pub const fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// A uniform value in `[0, 1)` from the top 24 bits of the next state (exact in `f32`).
    pub const fn next_unit(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 / 16_777_216.0
    }

    /// A uniform value in `[−1, 1)`.
    pub const fn next_signed(&mut self) -> f32 {
        2.0 * self.next_unit() - 1.0
    }
}

/// `√x` for `x ≥ 0` by Newton's iteration in `f64`, for constants (`f64::sqrt` is not `const`).
pub const fn const_sqrt(x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let mut r = if x > 1.0 { x } else { 1.0 };
    let mut i = 0;
    // From above, Newton's iteration decreases monotonically to √x; 64
    // iterations are far more than the inputs here need to settle.
    while i < 64 {
        r = 0.5 * (r + x / r);
        i += 1;
    }
    r
}

/// Weights `IN × OUT` drawn output-major, `w = (2u − 1)·√(6 / (IN + OUT))`.
pub const fn xavier_weights<const IN: usize, const OUT: usize>(rng: &mut XorShift32) -> [[f32; OUT]; IN] {
    let limit = const_sqrt(6.0 / (IN + OUT) as f64) as f32;
    let mut w = [[0.0; OUT]; IN];
    let mut j = 0;
    while j < OUT {
        let mut i = 0;
        while i < IN {
            w[i][j] = rng.next_signed() * limit;
            i += 1;
        }
        j += 1;
    }
    w
}
