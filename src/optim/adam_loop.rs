//! Adam's loop over one tensor whose gradients need no transform (no
//! clipping, scaling or weight decay): the common case, and all of the
//! optimizer's cost per parameter.
//!
//! Every target runs the Rust loop over [`adam_rule`], except `f32` on
//! hard-float Arm, which runs one hand-written FPU loop with the same
//! operations in the same order, so the results are the same bits. There the
//! compiler's loop costs 24 instructions a parameter and the hand-written one
//! 13.5 (it takes two parameters an iteration): Rust has no operand class for
//! single-precision FPU registers without the `vfp2` feature, which
//! single-precision FPUs (Cortex-M4F) lack, so the square root
//! (`Scalar::sqrt`, inline asm) moves every value through core registers, and
//! the compiler loads and stores `m` and `v` one at a time.

use super::{AdamSlot, AdamStep, adam_rule};
use crate::Scalar;

/// Adam over a whole tensor with untransformed gradients. A supertrait of
/// [`Scalar`] (through its seal), so generic code reaches each type's loop.
pub trait AdamLoop: Sized {
    /// For each `i` below the shortest of the three lengths, sets
    /// `(params[i], slots[i])` to `adam_rule(step, params[i], grads[i], slots[i])`;
    /// elements past it are left alone.
    fn adam_loop(step: &AdamStep<Self>, params: &mut [Self], grads: &[Self], slots: &mut [AdamSlot<Self>]);
}

/// The loop in Rust.
#[inline(always)]
fn rust_loop<T: Scalar>(step: &AdamStep<T>, params: &mut [T], grads: &[T], slots: &mut [AdamSlot<T>]) {
    for ((p, &g), s) in params.iter_mut().zip(grads).zip(slots.iter_mut()) {
        (*p, *s) = adam_rule(step, *p, g, *s);
    }
}

impl AdamLoop for f64 {
    #[inline(always)]
    fn adam_loop(step: &AdamStep<f64>, params: &mut [f64], grads: &[f64], slots: &mut [AdamSlot<f64>]) {
        rust_loop(step, params, grads, slots);
    }
}

#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
impl AdamLoop for f32 {
    #[inline(always)]
    fn adam_loop(step: &AdamStep<f32>, params: &mut [f32], grads: &[f32], slots: &mut [AdamSlot<f32>]) {
        rust_loop(step, params, grads, slots);
    }
}

/// The loop below loads `step`'s seven numbers with one `vldmia` from its
/// start: `AdamStep` is `repr(C)` with them first, in this order.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
const _: () = {
    use core::mem::offset_of;
    type Step = AdamStep<f32>;
    assert!(
        offset_of!(Step, beta1) == 0
            && offset_of!(Step, beta2) == 4
            && offset_of!(Step, one_minus_beta1) == 8
            && offset_of!(Step, one_minus_beta2) == 12
            && offset_of!(Step, step_size) == 16
            && offset_of!(Step, bias_correction2_sqrt) == 20
            && offset_of!(Step, eps) == 24
    );
    // `m` then `v`, adjacent: the loop loads and stores them as a pair.
    assert!(offset_of!(AdamSlot<f32>, m) == 0 && offset_of!(AdamSlot<f32>, v) == 4 && size_of::<AdamSlot<f32>>() == 8);
};

/// `adam_rule` on the element whose `g`, `m`, `v` and `p` are in the FPU
/// registers named, in place, as the lines of an asm template: the step's
/// constants are in s8–s14 (see the loop below) and s15 is scratch.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[rustfmt::skip]
macro_rules! adam_rule_asm {
    ($g:literal, $m:literal, $v:literal, $p:literal) => {
        concat!(
            "vmul.f32 ", $m, ", ", $m, ", s8\n",     // m = m·β₁
            "vmla.f32 ", $m, ", ", $g, ", s10\n",    //   + g·(1 − β₁)
            "vmul.f32 ", $v, ", ", $v, ", s9\n",     // v = v·β₂
            "vmul.f32 s15, ", $g, ", s11\n",         //   + (g·(1 − β₂))
            "vmla.f32 ", $v, ", s15, ", $g, "\n",    //     ·g
            "vsqrt.f32 s15, ", $v, "\n",             // denom = √v
            "vdiv.f32 s15, s15, s13\n",              //   / √(1 − β₂ᵗ)
            "vadd.f32 s15, s15, s14\n",              //   + ε
            "vdiv.f32 s15, ", $m, ", s15\n",         // m / denom
            "vmls.f32 ", $p, ", s15, s12",           // p = p − (m / denom)·step_size
        )
    };
}

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
impl AdamLoop for f32 {
    #[allow(unsafe_code)]
    fn adam_loop(step: &AdamStep<f32>, params: &mut [f32], grads: &[f32], slots: &mut [AdamSlot<f32>]) {
        let n = params.len().min(grads.len()).min(slots.len());
        // The first element alone when `n` is odd, then the rest in pairs:
        // a pair is loaded and stored with as many instructions as one
        // element, and one `subs`/`bne` counts it. Its two elements share the
        // scratch s15 (the first's operations all come before the second's),
        // so s0–s15 suffice and no callee-saved register needs saving.
        //
        // Each line of `adam_rule_asm!` is `adam_rule`'s operation at the
        // same place in its order: these cores' `vmla`/`vmls` round the
        // product and then add or subtract (they are not fused: `vmla d, n, m`
        // is `d + n·m` and `vmls d, n, m` is `d − n·m`, as `a + b * c` and
        // `a - b * c` are in Rust), `vsqrt` and `vdiv` round correctly, and
        // `+` and `·` are commutative in IEEE 754, so every result is the
        // same bits. Elements are independent, so their order does not
        // matter.
        // SAFETY: `n` is at most each slice's length; write `n = 2h + o`
        // with `o` 0 or 1. `lsrs` sets the count register to `h`, the carry
        // flag to `o` and the zero flag to `h = 0`; the FPU instructions
        // after it leave the flags alone. When `o = 1` (so `n ≥ 1`), the
        // single-element block touches only `grads[0]` (read: 4 bytes at
        // `grads`), `slots[0]` (read and written: 8 bytes at `slots`) and
        // `params[0]` (read and written: 4 bytes at `params`), and moves the
        // three pointers to element 1. So the pair loop starts at element
        // `o`. It is skipped when `h = 0`, and otherwise runs its body
        // exactly `h` times (`subs` counts `h` down, `bne` leaves at 0);
        // iteration `j` (from 0) touches only elements `o + 2j` and
        // `o + 2j + 1`: `grads` (read: 8 bytes at `grads + 4(o + 2j)`),
        // `slots` (read and written: 16 bytes at `slots + 8(o + 2j)`) and
        // `params` (read and written: 8 bytes at `params + 4(o + 2j)`). The
        // last, `j = h − 1`, ends at element `o + 2h − 1 = n − 1`, so every
        // access is in bounds; `AdamSlot<f32>` is `repr(C)`, `m` then `v`
        // and no padding (checked above). The writes go through the two
        // `&mut` slices, which nothing else can see; all three are 4-byte
        // aligned, as `f32` is (`vldm`/`vstm` need no more). First it reads
        // the first 28 bytes of `*step`: its seven `f32` fields (`repr(C)`,
        // checked above). The pointers and the count are in the named core
        // registers, whose final values are discarded; s0–s15 are declared
        // clobbered (none is callee-saved, so the compiler spills nothing
        // around the asm). It touches no stack; it sets the condition flags
        // (`preserves_flags` is not claimed) and the FPSCR's cumulative
        // exception bits, as the compiler's floating-point code does. Every
        // hard-float Arm core (the `eabihf` ABI passes floats in FPU
        // registers) has these single-precision instructions.
        unsafe {
            core::arch::asm!(
                "vldmia {step}, {{s8-s14}}",    // β₁, β₂, 1 − β₁, 1 − β₂, step_size, √(1 − β₂ᵗ), ε
                "lsrs {n}, {n}, #1",            // n = n / 2 pairs; carry: n was odd; zero: no pair
                "bcc 2f",                       // n even: no single element
                // The single element, when n is odd: element 0.
                "vldmia {grads}!, {{s0}}",      // g
                "vldmia {slots}, {{s2-s3}}",    // m, v
                "vldr s6, [{params}]",          // p
                adam_rule_asm!("s0", "s2", "s3", "s6"),
                "vstmia {slots}!, {{s2-s3}}",
                "vstmia {params}!, {{s6}}",
                "2:",
                "beq 4f",                       // no pair (the FPU instructions left lsrs's flags)
                // The pairs.
                "3:",
                "vldmia {grads}!, {{s0-s1}}",   // g, g′
                "vldmia {slots}, {{s2-s5}}",    // m, v, m′, v′
                "vldmia {params}, {{s6-s7}}",   // p, p′
                adam_rule_asm!("s0", "s2", "s3", "s6"),
                adam_rule_asm!("s1", "s4", "s5", "s7"),
                "vstmia {slots}!, {{s2-s5}}",
                "vstmia {params}!, {{s6-s7}}",
                "subs {n}, {n}, #1",
                "bne 3b",
                "4:",
                step = in(reg) core::ptr::from_ref(step),
                params = inout(reg) params.as_mut_ptr() => _,
                grads = inout(reg) grads.as_ptr() => _,
                slots = inout(reg) slots.as_mut_ptr() => _,
                n = inout(reg) n => _,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s4") _, out("s5") _, out("s6") _, out("s7") _,
                out("s8") _, out("s9") _, out("s10") _, out("s11") _, out("s12") _, out("s13") _, out("s14") _,
                out("s15") _,
                options(nostack),
            );
        }
    }
}
