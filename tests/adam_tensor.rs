//! Adam's per-tensor update (`Optimizer::update_tensor`, the loop every
//! trainer step runs, hand-written on hard-float Arm for `f32`) against
//! PyTorch's formula written out here, element by element and bit for bit,
//! in `f32` and `f64`; and on slices of unequal lengths, where it must update
//! the elements all three have and leave the rest alone.

use tinymlp::optim::AdamSlot;
use tinymlp::{Adam, Optimizer};

/// Values of every size an update meets: zeros of both signs, subnormals,
/// magnitudes from 1e-30 to 1e15, both signs; then pseudo-random ones.
fn values(n: usize, seed: u64) -> Vec<f64> {
    let special = [0.0, -0.0, 1e-40, -3e-39, 1e-30, -2.5e-7, 0.125, -1.0, 3.75, -1e6, 1e15];
    let mut state = seed;
    (0..n)
        .map(|i| {
            special.get(i).copied().unwrap_or_else(|| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
                (unit - 0.5) * 10f64.powi((state % 9) as i32 - 4)
            })
        })
        .collect()
}

macro_rules! formula_test {
    ($name:ident, $t:ty) => {
        #[test]
        fn $name() {
            let (lr, beta1, beta2, eps): ($t, $t, $t, $t) = (0.01, 0.9, 0.999, 1e-8);
            let mut adam = Adam::with_betas(lr, beta1, beta2, eps);
            // Three applied steps before this one, so the bias corrections are not trivial.
            for _ in 0..3 {
                <Adam<$t> as Optimizer<$t>>::finish(&mut adam);
            }
            let step = adam.prepare(1.0);
            // PyTorch's formula at t = 4, with βᵗ as running products.
            let (mut beta1_t, mut beta2_t): ($t, $t) = (1.0, 1.0);
            for _ in 0..4 {
                beta1_t *= beta1;
                beta2_t *= beta2;
            }
            let step_size = lr / (1.0 - beta1_t);
            let bias_correction2_sqrt = (1.0 - beta2_t).sqrt();

            let n = 300;
            let mut params: Vec<$t> = values(n, 1).iter().map(|&x| x as $t).collect();
            let grads: Vec<$t> = values(n, 2).iter().map(|&x| x as $t).collect();
            let mut slots: Vec<AdamSlot<$t>> = values(n, 3)
                .iter()
                .zip(values(n, 4))
                .map(|(&m, v)| AdamSlot {
                    m: m as $t,
                    v: (v * v) as $t,
                })
                .collect();
            let mut want_params = params.clone();
            let mut want_slots = slots.clone();
            for ((p, &g), s) in want_params.iter_mut().zip(&grads).zip(&mut want_slots) {
                s.m = beta1 * s.m + (1.0 - beta1) * g;
                s.v = beta2 * s.v + (1.0 - beta2) * g * g;
                *p -= step_size * (s.m / (s.v.sqrt() / bias_correction2_sqrt + eps));
            }

            Adam::update_tensor(&step, &mut params, &grads, &mut slots);
            for i in 0..n {
                let (got, want) = ((params[i], slots[i]), (want_params[i], want_slots[i]));
                assert!(
                    got.0.to_bits() == want.0.to_bits()
                        && got.1.m.to_bits() == want.1.m.to_bits()
                        && got.1.v.to_bits() == want.1.v.to_bits(),
                    "element {i}: (p, slot) = {got:?}, the formula says {want:?}"
                );
            }
        }
    };
}

formula_test!(f32_update_tensor_is_the_formula_bit_for_bit, f32);
formula_test!(f64_update_tensor_is_the_formula_bit_for_bit, f64);

#[test]
fn update_tensor_stops_at_the_shortest_slice() {
    let step = Adam::new(0.1f32).prepare(1.0);
    let fresh = AdamSlot { m: 0.0, v: 0.0 };
    // The first step moves each parameter by lr·g/(|g| + ε): 0.1 against the gradient's sign.
    // Shortest lengths 0 to 3: the hard-float Arm loop's cases (nothing, one
    // element alone, one pair, one element alone and a pair).
    let cases = [
        (5, 3, 4),
        (3, 5, 4),
        (4, 5, 3),
        (0, 2, 2),
        (2, 0, 2),
        (2, 2, 0),
        (1, 3, 2),
        (3, 2, 4),
    ];
    for (params_len, grads_len, slots_len) in cases {
        let mut params = vec![1.0f32; params_len];
        let grads = vec![2.0f32; grads_len];
        let mut slots = vec![fresh; slots_len];
        Adam::update_tensor(&step, &mut params, &grads, &mut slots);
        let updated = params_len.min(grads_len).min(slots_len);
        let lengths = (params_len, grads_len, slots_len);
        for (i, &p) in params.iter().enumerate() {
            let want = if i < updated { 0.9 } else { 1.0 };
            assert!((p - want).abs() < 1e-6, "{lengths:?}: params[{i}] = {p}, want {want}");
        }
        for (i, s) in slots.iter().enumerate() {
            let moved = s.m != 0.0 && s.v != 0.0;
            assert_eq!(moved, i < updated, "{lengths:?}: slots[{i}] = {s:?}");
        }
    }
}
