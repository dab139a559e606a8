//! Register-blocked loops for the dense layer's three products, each summing in one fixed order.
//!
//! A dense layer spends its time in three products: the forward
//! `Z = X·W + b`, the weight gradient `dW = Xᵀ·dZ` and the input gradient
//! `dX = dZ·Wᵀ`. Written as plain loops, every multiply-accumulate loads and
//! stores its accumulator; here each product is computed in blocks of up to
//! [`ROWS`] × [`LANES`] outputs whose accumulators stay in registers for the
//! whole reduction, so a block costs one load per operand row and column
//! instead of one per product. The lanes of a block are written out one by
//! one (see `unrolled!`), so the compiler keeps them in registers even at
//! opt-level `"s"`, where it does not unroll loops, and vectorises them on
//! hosts with SIMD.
//!
//! Blocking never changes the arithmetic: every output is its own sum, in
//! ascending index order, starting from zero (the forward pass: from the
//! bias). Only which outputs are computed side by side differs, so the block
//! sizes may differ between targets without breaking bit-identity. Tests pin
//! each kernel bit for bit against the naive loop for every width from 1 to 9.

use crate::layer::ParamUpdate;
use crate::{Elementwise, Scalar};

/// Outputs per block along a row: as wide as the host's vector registers
/// allow (8 `f32` in two SSE registers), 4 on 32-bit cores, whose 32
/// single-precision registers then hold a 4 × 4 block and its operands.
pub(crate) const LANES: usize = if cfg!(target_arch = "x86_64") { 8 } else { 4 };

/// Rows (or input columns) per block.
pub(crate) const ROWS: usize = 4;

/// Expands `$body` once for each `$i` in `0..8` with `$i < $n`; with `$n` a
/// constant after inlining, the untaken copies fold away and the taken ones
/// are straight-line code with constant indices (no loop to unroll).
macro_rules! unrolled {
    ($i:ident < $n:expr => $body:block) => {{
        unrolled!(@one $i ($n) $body 0);
        unrolled!(@one $i ($n) $body 1);
        unrolled!(@one $i ($n) $body 2);
        unrolled!(@one $i ($n) $body 3);
        unrolled!(@one $i ($n) $body 4);
        unrolled!(@one $i ($n) $body 5);
        unrolled!(@one $i ($n) $body 6);
        unrolled!(@one $i ($n) $body 7);
    }};
    (@one $i:ident ($n:expr) $body:block $value:literal) => {{
        #[allow(non_upper_case_globals)]
        const $i: usize = $value;
        if $i < $n $body
    }};
}

/// [`affine`] for a batch, behind a call boundary on 32-bit Arm.
///
/// As a function of its own, `x`, `w` and `z` arrive as three base pointers
/// and every load of a block is one instruction with a small offset. Inlined
/// into a caller holding all of them in one structure (a trainer), LLVM
/// addressed them from one shared base, with an extra `add` per row of `x`
/// wherever the offset exceeded `vldr`'s 1020 bytes (W2 on the Cortex-M4F:
/// about 1,000 instructions per step). x86-64 addresses any offset in one
/// instruction and gains nothing from the call, so it keeps the kernel inline.
#[cfg_attr(target_arch = "arm", inline(never))]
#[cfg_attr(not(target_arch = "arm"), inline(always))]
pub(crate) fn affine_batch<T: Scalar, const L: usize, const M: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; M],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; M],
    rows: usize,
    out: &impl Fn(T) -> T,
) {
    affine::<T, L, M, IN, OUT>(x, w, b, z, rows, out);
}

/// `z[r][j] = out(b[j] + Σₖ x[r][k]·w[k][j])` (ascending `k`) for the first `rows` rows.
#[inline(always)]
pub(crate) fn affine<T: Scalar, const L: usize, const M: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; M],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; M],
    rows: usize,
    out: &impl Fn(T) -> T,
) {
    let (x, z) = (x.get(..rows).unwrap_or(&[]), z.get_mut(..rows).unwrap_or(&mut []));
    let (x_blocks, x_tail) = x.as_chunks::<ROWS>();
    let (z_blocks, z_tail) = z.as_chunks_mut::<ROWS>();
    for (xb, zb) in x_blocks.iter().zip(z_blocks) {
        affine_columns::<T, L, ROWS, IN, OUT>(xb, w, b, zb, out);
    }
    for (xr, zr) in x_tail.iter().zip(z_tail) {
        affine_columns::<T, L, 1, IN, OUT>(core::array::from_ref(xr), w, b, core::array::from_mut(zr), out);
    }
}

/// [`affine`] for a block of `R` rows, all columns.
#[inline(always)]
fn affine_columns<T: Scalar, const L: usize, const R: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; R],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; R],
    out: &impl Fn(T) -> T,
) {
    for block in 0..OUT / L {
        affine_block::<T, L, R, IN, OUT>(x, w, b, z, block * L, L, out);
    }
    if !OUT.is_multiple_of(L) {
        affine_block::<T, L, R, IN, OUT>(x, w, b, z, OUT - OUT % L, OUT % L, out);
    }
}

/// [`affine`] for `R` rows and the `width` columns from `j0`. Full blocks of
/// 4 columns of `f32` on hard-float Arm are summed in asm: 4 rows (a batch)
/// by `affine_4x4_f32`, 1 row (inference, a batch's tail) by `affine_1x4_f32`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn affine_block<T: Scalar, const L: usize, const R: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; R],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; R],
    j0: usize,
    width: usize,
    out: &impl Fn(T) -> T,
) {
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    if L == 4 && R == 4 && width == 4 && affine_4x4_f32(x, w, b, z, j0).is_some() {
        unrolled!(r < 4 => {
            unrolled!(l < 4 => {
                if let Some(z) = z.get_mut(r).and_then(|row| row.get_mut(j0 + l)) {
                    *z = out(*z);
                }
            });
        });
        return;
    }
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    if L == 4 && R == 1 && width == 4 && affine_1x4_f32(x, w, b, z, j0).is_some() {
        unrolled!(l < 4 => {
            if let Some(z) = z.get_mut(0).and_then(|row| row.get_mut(j0 + l)) {
                *z = out(*z);
            }
        });
        return;
    }
    let mut acc = [[T::ZERO; L]; R];
    unrolled!(l < width => {
        let bias = b.get(j0 + l).copied().unwrap_or(T::ZERO);
        unrolled!(r < R => { set(&mut acc, r, l, bias); });
    });
    for (k, w_row) in w.iter().enumerate() {
        unrolled!(r < R => {
            let xk = x.get(r).and_then(|row| row.get(k)).copied().unwrap_or(T::ZERO);
            unrolled!(l < width => {
                let wv = w_row.get(j0 + l).copied().unwrap_or(T::ZERO);
                add_product(&mut acc, r, l, xk, wv);
            });
        });
    }
    unrolled!(r < R => {
        unrolled!(l < width => {
            if let Some(z) = z.get_mut(r).and_then(|row| row.get_mut(j0 + l)) {
                *z = out(get(&acc, r, l));
            }
        });
    });
}

/// `z[r][j0 + l] = b[j0 + l] + Σₖ x[r][k]·w[k][j0 + l]` (ascending `k`) for
/// a 4 × 4 block of `Z = X·W + b`, in the FPU's registers throughout; `None`
/// (and `z` untouched) unless the element type is `f32`, `IN` is even and the
/// block's columns lie inside `W`.
///
/// Two steps of `k` per pass: each row of `x` gives its next two elements to
/// one `vldmia` with writeback (4 row pointers), the rows `w[k]` and
/// `w[k + 1]` are one `vldmia` each plus an `add` of the row stride, then 32
/// multiply-accumulates and 2 loop instructions: 42 per two steps, where the
/// compiled loop takes 29 per step. Each accumulator starts at the bias and
/// takes its products in ascending `k`, through the unfused `vmla.f32`, so the
/// sums have the plain loop's bits (see [`input_gradient_4x4_f32`]). They go
/// straight into `z`, one `vstmia` per row, where the caller applies the
/// activation in place: `asm!` cannot hand `s` registers to Rust on this
/// target (rustc does not see the `vfp2` feature the `sreg` class asks for),
/// and `z` needs no stack block, unlike the backward blocks' sums.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
fn affine_4x4_f32<T: 'static, const R: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; R],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; R],
    j0: usize,
) -> Option<()> {
    let (x, w0, bias, z) = forward_block_operands::<T, 4, R, IN, OUT>(x, w, b, z, j0)?;
    z.first()?.get(j0..)?.first_chunk::<4>()?;
    let z0 = z.as_flattened_mut().get_mut(j0..)?;
    let [x0, x1, x2, x3] = x;
    // SAFETY: `bias` is the four floats `b[j0..j0 + 4]`, read four times.
    // `IN ≥ 2` is even, so the loop runs `IN / 2 ≥ 1` times; each row
    // pointer of `x` advances by 8 bytes per pass and so reads exactly the
    // `IN` elements of its row. `w0` starts at `w[0][j0]` with
    // `j0 + 4 ≤ OUT`; pass `p` reads the four floats at `w[2p][j0]` and
    // `w[2p + 1][j0]` (the pointer moves one row, `OUT` elements, after each
    // load), the last of them `w[IN - 1][j0..j0 + 4]`. `z0` starts at
    // `z[0][j0]`, and the four `vstmia` write the four floats at
    // `z[r][j0]` for `r < 4` (one row, `OUT` elements, apart), the last of
    // them `z[3][j0..j0 + 4]`. All are inside the arrays, which the
    // references keep alive, with `z` borrowed mutably and so aliased by
    // none of the others. The last additions point at most one row past the
    // end of `w` (resp. to `z[3][j0]`) and are never dereferenced. The asm
    // uses only its operand registers and `s0`–`s31`, all declared
    // clobbered (the compiler saves the callee-saved `s16`–`s31` where it
    // must), and changes the condition flags (`subs`), which are not
    // declared preserved; it does not touch the stack. Every hard-float Arm
    // core has `vldm`, `vstm` and `vmla.f32`.
    unsafe {
        core::arch::asm!(
            "vldmia {b}, {{s16-s19}}",
            "vldmia {b}, {{s20-s23}}",
            "vldmia {b}, {{s24-s27}}",
            "vldmia {b}, {{s28-s31}}",
            "movw {b}, #{n}",
            "2:",
            "vldmia {x0}!, {{s0-s1}}",
            "vldmia {x1}!, {{s2-s3}}",
            "vldmia {x2}!, {{s4-s5}}",
            "vldmia {x3}!, {{s6-s7}}",
            "vldmia {w}, {{s8-s11}}",
            "add {w}, {ws}",
            "vldmia {w}, {{s12-s15}}",
            "add {w}, {ws}",
            // k even: s(16 + 4r + l) += x[r][k] · w[k][j0 + l]
            "vmla.f32 s16, s0, s8",
            "vmla.f32 s17, s0, s9",
            "vmla.f32 s18, s0, s10",
            "vmla.f32 s19, s0, s11",
            "vmla.f32 s20, s2, s8",
            "vmla.f32 s21, s2, s9",
            "vmla.f32 s22, s2, s10",
            "vmla.f32 s23, s2, s11",
            "vmla.f32 s24, s4, s8",
            "vmla.f32 s25, s4, s9",
            "vmla.f32 s26, s4, s10",
            "vmla.f32 s27, s4, s11",
            "vmla.f32 s28, s6, s8",
            "vmla.f32 s29, s6, s9",
            "vmla.f32 s30, s6, s10",
            "vmla.f32 s31, s6, s11",
            // k odd, after k even in every accumulator
            "vmla.f32 s16, s1, s12",
            "vmla.f32 s17, s1, s13",
            "vmla.f32 s18, s1, s14",
            "vmla.f32 s19, s1, s15",
            "vmla.f32 s20, s3, s12",
            "vmla.f32 s21, s3, s13",
            "vmla.f32 s22, s3, s14",
            "vmla.f32 s23, s3, s15",
            "vmla.f32 s24, s5, s12",
            "vmla.f32 s25, s5, s13",
            "vmla.f32 s26, s5, s14",
            "vmla.f32 s27, s5, s15",
            "vmla.f32 s28, s7, s12",
            "vmla.f32 s29, s7, s13",
            "vmla.f32 s30, s7, s14",
            "vmla.f32 s31, s7, s15",
            "subs {b}, #1",
            "bne 2b",
            "vstmia {z}, {{s16-s19}}",
            "add {z}, {ws}",
            "vstmia {z}, {{s20-s23}}",
            "add {z}, {ws}",
            "vstmia {z}, {{s24-s27}}",
            "add {z}, {ws}",
            "vstmia {z}, {{s28-s31}}",
            b = inout(reg) bias.as_ptr() => _,
            n = const (IN / 2) & 0xffff,
            x0 = inout(reg) x0.as_ptr() => _,
            x1 = inout(reg) x1.as_ptr() => _,
            x2 = inout(reg) x2.as_ptr() => _,
            x3 = inout(reg) x3.as_ptr() => _,
            w = inout(reg) w0.as_ptr() => _,
            ws = in(reg) OUT * 4,
            z = inout(reg) z0.as_mut_ptr() => _,
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            out("s20") _, out("s21") _, out("s22") _, out("s23") _,
            out("s24") _, out("s25") _, out("s26") _, out("s27") _,
            out("s28") _, out("s29") _, out("s30") _, out("s31") _,
            options(nostack),
        );
    }
    Some(())
}

/// The `f32` operands of a forward asm block of `RR` rows and the 4 columns
/// from `j0`: the rows of `x`, `W` from `w[0][j0]` on (the pointer comes
/// from the whole matrix, whose rows the asm reads), the four biases and the
/// rows of `z`; `None` unless the element type is `f32`, `R` is `RR`, `IN`
/// is even and at most 131,070 (two steps of `k` a pass, the pass count
/// loaded by `movw`), and the block's columns lie inside `W`.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[inline(always)]
#[allow(clippy::type_complexity)]
fn forward_block_operands<'a, T: 'static, const RR: usize, const R: usize, const IN: usize, const OUT: usize>(
    x: &'a [[T; IN]; R],
    w: &'a [[T; OUT]; IN],
    b: &'a [T; OUT],
    z: &'a mut [[T; OUT]; R],
    j0: usize,
) -> Option<(&'a [[f32; IN]; RR], &'a [f32], &'a [f32; 4], &'a mut [[f32; OUT]; RR])> {
    if IN < 2 || !IN.is_multiple_of(2) || IN / 2 > 0xffff {
        return None;
    }
    let x = (x as &dyn core::any::Any).downcast_ref::<[[f32; IN]; RR]>()?;
    let w = (w as &dyn core::any::Any).downcast_ref::<[[f32; OUT]; IN]>()?;
    let b = (b as &dyn core::any::Any).downcast_ref::<[f32; OUT]>()?;
    let bias = b.get(j0..)?.first_chunk::<4>()?;
    w.first()?.get(j0..)?.first_chunk::<4>()?; // the columns lie inside every row
    let w0 = w.as_flattened().get(j0..)?;
    let z = (z as &mut dyn core::any::Any).downcast_mut::<[[f32; OUT]; RR]>()?;
    Some((x, w0, bias, z))
}

/// [`affine_4x4_f32`] for one row: `z[0][j0 + l]` for `l < 4`, with the
/// accumulators in `s0`–`s3` and 15 instructions per two steps of `k`
/// (the compiled loop: 13 per step).
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
fn affine_1x4_f32<T: 'static, const R: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; R],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; R],
    j0: usize,
) -> Option<()> {
    let (x, w0, bias, z) = forward_block_operands::<T, 1, R, IN, OUT>(x, w, b, z, j0)?;
    let z0 = z.first_mut()?.get_mut(j0..)?.first_chunk_mut::<4>()?;
    // SAFETY: as for `affine_4x4_f32`, with one row: the pointer of `x`
    // reads exactly the `IN` elements of `x[0]`, `w0` the rows `w[k][j0..j0 +
    // 4]` for `k < IN`, and the one `vstmia` writes `z0`, the four floats
    // `z[0][j0..j0 + 4]`. The asm uses only its operand registers and
    // `s0`–`s15`, declared clobbered, and the condition flags; not the stack.
    unsafe {
        core::arch::asm!(
            "vldmia {b}, {{s0-s3}}",
            "movw {b}, #{n}",
            "2:",
            "vldmia {x}!, {{s4-s5}}",
            "vldmia {w}, {{s8-s11}}",
            "add {w}, {ws}",
            "vldmia {w}, {{s12-s15}}",
            "add {w}, {ws}",
            "vmla.f32 s0, s4, s8",
            "vmla.f32 s1, s4, s9",
            "vmla.f32 s2, s4, s10",
            "vmla.f32 s3, s4, s11",
            "vmla.f32 s0, s5, s12",
            "vmla.f32 s1, s5, s13",
            "vmla.f32 s2, s5, s14",
            "vmla.f32 s3, s5, s15",
            "subs {b}, #1",
            "bne 2b",
            "vstmia {z}, {{s0-s3}}",
            b = inout(reg) bias.as_ptr() => _,
            n = const (IN / 2) & 0xffff,
            x = inout(reg) x[0].as_ptr() => _,
            w = inout(reg) w0.as_ptr() => _,
            ws = in(reg) OUT * 4,
            z = in(reg) z0.as_mut_ptr(),
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            options(nostack),
        );
    }
    Some(())
}

/// `dW[k][j] = Σᵣ x[r][k]·dz[r][j]` (ascending `r`, first `rows` rows) for
/// `k` in `k0 .. k0 + kw`, every `j`, each handed to `update` with its
/// parameter `w[k][j]` and slot `slots[k][j]` straight from the registers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn weight_gradient<T, S, U, const L: usize, const M: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; M],
    dz: &[[T; OUT]; M],
    rows: usize,
    k0: usize,
    kw: usize,
    w: &mut [[T; OUT]; IN],
    slots: &mut [[S; OUT]; IN],
    update: &mut U,
) where
    T: Scalar,
    U: ParamUpdate<T, S>,
{
    for block in 0..OUT / L {
        weight_gradient_block::<T, S, U, L, M, IN, OUT>(x, dz, rows, k0, kw, block * L, L, w, slots, update);
    }
    if !OUT.is_multiple_of(L) {
        weight_gradient_block::<T, S, U, L, M, IN, OUT>(x, dz, rows, k0, kw, OUT - OUT % L, OUT % L, w, slots, update);
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn weight_gradient_block<T, S, U, const L: usize, const M: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; M],
    dz: &[[T; OUT]; M],
    rows: usize,
    k0: usize,
    kw: usize,
    j0: usize,
    width: usize,
    w: &mut [[T; OUT]; IN],
    slots: &mut [[S; OUT]; IN],
    update: &mut U,
) where
    T: Scalar,
    U: ParamUpdate<T, S>,
{
    // A constant, not a repeat of a runtime value: rustc fills `[[v; L]; R]`
    // with a copy loop, which LLVM left in memory (accumulators loaded from
    // and stored to the stack every block) once the backward pass was out of
    // line on Arm; a constant is one `memset` that SROA splits into registers.
    let mut acc = const { [[T::ZERO; L]; ROWS] };
    // The asm's sums pass through a 64-byte block on the stack. Only the
    // checked step (whose sink keeps the parameters) takes it: the fused step
    // inlines every layer into one frame, where the blocks cost 80 bytes of
    // stack and its 6.5 KiB RAM aim (for 2,300 fewer instructions on W2).
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    let summed = U::KEEPS_PARAMS && L == 4 && kw == 4 && width == 4 && {
        let sums = weight_gradient_4x4_f32(x, dz, rows, k0, j0);
        match sums
            .as_ref()
            .and_then(|s| (s as &dyn core::any::Any).downcast_ref::<[[T; L]; ROWS]>())
        {
            Some(sums) => {
                acc = *sums;
                true
            }
            None => false,
        }
    };
    #[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
    let summed = false;
    for (x_row, dz_row) in x.iter().zip(dz).take(if summed { 0 } else { rows }) {
        unrolled!(kk < kw => {
            let xk = x_row.get(k0 + kk).copied().unwrap_or(T::ZERO);
            unrolled!(l < width => {
                let d = dz_row.get(j0 + l).copied().unwrap_or(T::ZERO);
                add_product(&mut acc, kk, l, xk, d);
            });
        });
    }
    unrolled!(kk < kw => {
        if let (Some(w_row), Some(s_row)) = (w.get_mut(k0 + kk), slots.get_mut(k0 + kk)) {
            unrolled!(l < width => {
                if let (Some(p), Some(slot)) = (w_row.get_mut(j0 + l), s_row.get_mut(j0 + l)) {
                    update.update(p, get(&acc, kk, l), slot);
                }
            });
        }
    });
}

/// `out[kk][l] = Σᵣ x[r][k0 + kk]·dz[r][j0 + l]` (ascending `r`, first
/// `rows` rows) for a 4 × 4 block of `dW = Xᵀ·dZ`, in the FPU's registers
/// throughout; `None` unless the element type is `f32`, `rows` is at least 1
/// and the block lies inside both matrices.
///
/// Each row's four `x` and four `dz` are one `vldmia` each, then 16
/// multiply-accumulates and 4 instructions of addresses and loop: 22 per row,
/// where the compiled loop takes 29 (LLVM never merges the loads). The sums
/// have the plain loop's bits for the reasons given at
/// [`input_gradient_4x4_f32`].
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
fn weight_gradient_4x4_f32<T: 'static, const M: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; M],
    dz: &[[T; OUT]; M],
    rows: usize,
    k0: usize,
    j0: usize,
) -> Option<[[f32; 4]; 4]> {
    static ZEROS: [f32; 16] = [0.0; 16];
    let x = (x as &dyn core::any::Any).downcast_ref::<[[f32; IN]; M]>()?;
    let dz = (dz as &dyn core::any::Any).downcast_ref::<[[f32; OUT]; M]>()?;
    let rows = rows.min(M);
    // The blocks lie inside the rows; the pointers come from the whole
    // arrays, whose every row the asm reads.
    x.first()?.get(k0..)?.first_chunk::<4>()?;
    dz.first()?.get(j0..)?.first_chunk::<4>()?;
    let x0 = x.as_flattened().get(k0..)?;
    let dz0 = dz.as_flattened().get(j0..)?;
    if rows == 0 {
        return None;
    }
    let mut out = core::mem::MaybeUninit::<[[f32; 4]; 4]>::uninit();
    // SAFETY: `x0` starts at `x[0][k0]` and `dz0` at `dz[0][j0]`, with
    // `k0 + 4 ≤ IN` and `j0 + 4 ≤ OUT`;
    // the loop runs `rows` times (1 ≤ rows ≤ M), and pass `r` reads the four
    // floats `IN·r` (resp. `OUT·r`) elements further on, which are
    // `x[r][k0..k0 + 4]` and `dz[r][j0..j0 + 4]`: inside the arrays, which
    // the references keep alive and unaliased by writes. The pointers move
    // by one row stride after each pass, so the last addition points at most
    // one row past the end and is never dereferenced. `ZEROS` is 16 readable
    // floats; `vstmia` writes all 64 bytes of `out`, which is therefore
    // initialised when the asm ends. Registers, flags and the stack as in
    // `input_gradient_4x4_f32`.
    unsafe {
        core::arch::asm!(
            "vldmia {zeros}, {{s16-s31}}",
            "2:",
            "vldmia {x}, {{s0-s3}}",
            "vldmia {d}, {{s4-s7}}",
            "add {x}, {xs}",
            "add {d}, {ds}",
            // s(16 + 4kk + l) += x[r][k0 + kk] · dz[r][j0 + l]
            "vmla.f32 s16, s0, s4",
            "vmla.f32 s17, s0, s5",
            "vmla.f32 s18, s0, s6",
            "vmla.f32 s19, s0, s7",
            "vmla.f32 s20, s1, s4",
            "vmla.f32 s21, s1, s5",
            "vmla.f32 s22, s1, s6",
            "vmla.f32 s23, s1, s7",
            "vmla.f32 s24, s2, s4",
            "vmla.f32 s25, s2, s5",
            "vmla.f32 s26, s2, s6",
            "vmla.f32 s27, s2, s7",
            "vmla.f32 s28, s3, s4",
            "vmla.f32 s29, s3, s5",
            "vmla.f32 s30, s3, s6",
            "vmla.f32 s31, s3, s7",
            "subs {n}, #1",
            "bne 2b",
            "vstmia {out}, {{s16-s31}}",
            zeros = in(reg) ZEROS.as_ptr(),
            out = in(reg) out.as_mut_ptr(),
            n = inout(reg) rows => _,
            x = inout(reg) x0.as_ptr() => _,
            d = inout(reg) dz0.as_ptr() => _,
            xs = in(reg) IN * 4,
            ds = in(reg) OUT * 4,
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            out("s20") _, out("s21") _, out("s22") _, out("s23") _,
            out("s24") _, out("s25") _, out("s26") _, out("s27") _,
            out("s28") _, out("s29") _, out("s30") _, out("s31") _,
            options(nostack),
        );
        Some(out.assume_init())
    }
}

/// `dx[kk][r] = Σⱼ dz[r][j]·w[k0 + kk][j]` (ascending `j`) for `kk < kw` and
/// the first `rows` rows: a block of columns of `dX = dZ·Wᵀ`, each element
/// handed to `store(r, kk, value)` straight from the registers. With `ASM`,
/// full 4 × 4 `f32` blocks on hard-float Arm are summed by
/// `input_gradient_4x4_f32` and handed over from a block on the stack (see
/// `weight_gradient_block` for which path may afford it).
#[inline(always)]
pub(crate) fn input_gradient<T: Scalar, const ASM: bool, const M: usize, const IN: usize, const OUT: usize>(
    dz: &[[T; OUT]; M],
    w: &[[T; OUT]; IN],
    rows: usize,
    k0: usize,
    kw: usize,
    store: &mut impl FnMut(usize, usize, T),
) {
    let dz = dz.get(..rows).unwrap_or(&[]);
    let (blocks, tail) = dz.as_chunks::<ROWS>();
    for (b, dz_block) in blocks.iter().enumerate() {
        input_gradient_block::<T, ASM, ROWS, IN, OUT>(dz_block, w, k0, kw, b * ROWS, store);
    }
    for (t, dz_row) in tail.iter().enumerate() {
        input_gradient_block::<T, ASM, 1, IN, OUT>(
            core::array::from_ref(dz_row),
            w,
            k0,
            kw,
            blocks.len() * ROWS + t,
            store,
        );
    }
}

#[inline(always)]
fn input_gradient_block<T: Scalar, const ASM: bool, const R: usize, const IN: usize, const OUT: usize>(
    dz: &[[T; OUT]; R],
    w: &[[T; OUT]; IN],
    k0: usize,
    kw: usize,
    r0: usize,
    store: &mut impl FnMut(usize, usize, T),
) {
    let w_rows = w.get(k0..).unwrap_or(&[]);
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    if ASM && R == 4 && kw == 4 {
        let sums = input_gradient_4x4_f32(dz, w_rows);
        if let Some(sums) = sums
            && let Some(acc) = (&sums as &dyn core::any::Any).downcast_ref::<[[T; 4]; 4]>()
        {
            unrolled!(r < 4 => {
                unrolled!(kk < 4 => {
                    store(r0 + r, kk, get(acc, r, kk));
                });
            });
            return;
        }
    }
    let mut acc = const { [[T::ZERO; ROWS]; R] }; // a constant: see `weight_gradient_block`
    for j in 0..OUT {
        unrolled!(r < R => {
            let d = dz.get(r).and_then(|row| row.get(j)).copied().unwrap_or(T::ZERO);
            unrolled!(kk < kw => {
                let wv = w_rows.get(kk).and_then(|row| row.get(j)).copied().unwrap_or(T::ZERO);
                add_product(&mut acc, r, kk, d, wv);
            });
        });
    }
    unrolled!(r < R => {
        unrolled!(kk < kw => {
            store(r0 + r, kk, get(&acc, r, kk));
        });
    });
}

/// `out[r][kk] = Σⱼ dz[r][j]·w[kk][j]` (ascending `j`) for a 4 × 4 block of
/// `dX = dZ·Wᵀ`, in the FPU's registers throughout; `None` unless the element
/// type is `f32`, `R` is 4, `w` has at least 4 rows and `OUT` is even.
///
/// Both operands are read along their rows, two elements at a time, so each
/// of the eight rows is one `vldmia` with writeback (its own pointer, no
/// address arithmetic): 8 loads, 32 multiply-accumulates and 2 loop
/// instructions per two steps of `j`, where the compiled loop takes 29
/// instructions per step (8 `vldr`, 16 `vmla`, 5 for addresses and the loop).
/// LLVM never merges the loads: it allocates the operands to scattered
/// registers. `vmla.f32` rounds the product, then the sum (Cortex-M4 has no
/// fused `vmla`), and each accumulator starts at `+0.0` and takes its
/// products in ascending `j`, so every output has the bits of the plain
/// loop's `acc += d * w`. The host's kernel tests cannot run it; the firmware
/// checks (`benches/cortex-m4/measure.sh`, `examples/cortex-m4/check.sh`)
/// pin whole training runs on the device bit for bit against the host.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
fn input_gradient_4x4_f32<T: 'static, const R: usize, const OUT: usize>(
    dz: &[[T; OUT]; R],
    w: &[[T; OUT]],
) -> Option<[[f32; 4]; 4]> {
    static ZEROS: [f32; 16] = [0.0; 16];
    if OUT < 2 || !OUT.is_multiple_of(2) {
        return None;
    }
    let dz = (dz as &dyn core::any::Any).downcast_ref::<[[f32; OUT]; 4]>()?;
    let w = (w.first_chunk::<4>()? as &dyn core::any::Any).downcast_ref::<[[f32; OUT]; 4]>()?;
    let mut out = core::mem::MaybeUninit::<[[f32; 4]; 4]>::uninit();
    // SAFETY: `OUT ≥ 2` is even, so the loop runs `OUT / 2 >= 1`
    // times and each row pointer advances by 8 bytes per pass: it reads
    // exactly the `OUT` elements of its row of `dz` or `w`, which the
    // references keep alive and unaliased by writes. `ZEROS` is 16 readable
    // floats. `vstmia` writes the 16 accumulators, 64 bytes, to `out`, which
    // is the whole array, so it is initialised when the asm ends. The asm uses
    // only its operand registers and `s0`–`s31`, all declared clobbered (the
    // compiler saves the callee-saved `s16`–`s31` where it must), and changes
    // the condition flags (`subs`), which are not declared preserved; it does
    // not touch the stack. Every hard-float Arm core has `vldm`, `vstm` and
    // `vmla.f32`.
    unsafe {
        core::arch::asm!(
            "vldmia {zeros}, {{s16-s31}}",
            "2:",
            "vldmia {d0}!, {{s0-s1}}",
            "vldmia {d1}!, {{s2-s3}}",
            "vldmia {d2}!, {{s4-s5}}",
            "vldmia {d3}!, {{s6-s7}}",
            "vldmia {w0}!, {{s8-s9}}",
            "vldmia {w1}!, {{s10-s11}}",
            "vldmia {w2}!, {{s12-s13}}",
            "vldmia {w3}!, {{s14-s15}}",
            // j even: s(16 + 4r + kk) += dz[r][j] · w[kk][j]
            "vmla.f32 s16, s0, s8",
            "vmla.f32 s17, s0, s10",
            "vmla.f32 s18, s0, s12",
            "vmla.f32 s19, s0, s14",
            "vmla.f32 s20, s2, s8",
            "vmla.f32 s21, s2, s10",
            "vmla.f32 s22, s2, s12",
            "vmla.f32 s23, s2, s14",
            "vmla.f32 s24, s4, s8",
            "vmla.f32 s25, s4, s10",
            "vmla.f32 s26, s4, s12",
            "vmla.f32 s27, s4, s14",
            "vmla.f32 s28, s6, s8",
            "vmla.f32 s29, s6, s10",
            "vmla.f32 s30, s6, s12",
            "vmla.f32 s31, s6, s14",
            // j odd, after j even in every accumulator
            "vmla.f32 s16, s1, s9",
            "vmla.f32 s17, s1, s11",
            "vmla.f32 s18, s1, s13",
            "vmla.f32 s19, s1, s15",
            "vmla.f32 s20, s3, s9",
            "vmla.f32 s21, s3, s11",
            "vmla.f32 s22, s3, s13",
            "vmla.f32 s23, s3, s15",
            "vmla.f32 s24, s5, s9",
            "vmla.f32 s25, s5, s11",
            "vmla.f32 s26, s5, s13",
            "vmla.f32 s27, s5, s15",
            "vmla.f32 s28, s7, s9",
            "vmla.f32 s29, s7, s11",
            "vmla.f32 s30, s7, s13",
            "vmla.f32 s31, s7, s15",
            "subs {n}, #1",
            "bne 2b",
            "vstmia {out}, {{s16-s31}}",
            zeros = in(reg) ZEROS.as_ptr(),
            out = in(reg) out.as_mut_ptr(),
            n = inout(reg) OUT / 2 => _,
            d0 = inout(reg) dz[0].as_ptr() => _,
            d1 = inout(reg) dz[1].as_ptr() => _,
            d2 = inout(reg) dz[2].as_ptr() => _,
            d3 = inout(reg) dz[3].as_ptr() => _,
            w0 = inout(reg) w[0].as_ptr() => _,
            w1 = inout(reg) w[1].as_ptr() => _,
            w2 = inout(reg) w[2].as_ptr() => _,
            w3 = inout(reg) w[3].as_ptr() => _,
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            out("s20") _, out("s21") _, out("s22") _, out("s23") _,
            out("s24") _, out("s25") _, out("s26") _, out("s27") _,
            out("s28") _, out("s29") _, out("s30") _, out("s31") _,
            options(nostack),
        );
        Some(out.assume_init())
    }
}

/// `db[j] = Σᵣ dz[r][j]` (ascending `r`, first `rows` rows), each handed to
/// `update` with its bias `b[j]` and slot `slots[j]`.
#[inline(always)]
pub(crate) fn column_sums<T, S, U, const L: usize, const M: usize, const OUT: usize>(
    dz: &[[T; OUT]; M],
    rows: usize,
    b: &mut [T; OUT],
    slots: &mut [S; OUT],
    update: &mut U,
) where
    T: Scalar,
    U: ParamUpdate<T, S>,
{
    for block in 0..OUT / L {
        column_sums_block::<T, S, U, L, M, OUT>(dz, rows, block * L, L, b, slots, update);
    }
    if !OUT.is_multiple_of(L) {
        column_sums_block::<T, S, U, L, M, OUT>(dz, rows, OUT - OUT % L, OUT % L, b, slots, update);
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn column_sums_block<T, S, U, const L: usize, const M: usize, const OUT: usize>(
    dz: &[[T; OUT]; M],
    rows: usize,
    j0: usize,
    width: usize,
    b: &mut [T; OUT],
    slots: &mut [S; OUT],
    update: &mut U,
) where
    T: Scalar,
    U: ParamUpdate<T, S>,
{
    let mut acc = [T::ZERO; L];
    for dz_row in dz.iter().take(rows) {
        unrolled!(l < width => {
            if let (Some(a), Some(&d)) = (acc.get_mut(l), dz_row.get(j0 + l)) {
                *a += d;
            }
        });
    }
    unrolled!(l < width => {
        if let (Some(p), Some(slot), Some(&g)) = (b.get_mut(j0 + l), slots.get_mut(j0 + l), acc.get(l)) {
            update.update(p, g, slot);
        }
    });
}

/// `a[r][k0 + kk] = da[kk][r] · g'(a[r][k0 + kk])` for `kk < kw`, `r < rows`:
/// a hidden layer's output `A` becomes its `dZ` in place.
#[inline(always)]
pub(crate) fn scale_by_derivative<T: Scalar, G: Elementwise, const M: usize, const N: usize, const K: usize>(
    a: &mut [[T; N]; M],
    rows: usize,
    k0: usize,
    kw: usize,
    da: &[[T; M]; K],
) {
    for (r, row) in a.iter_mut().enumerate().take(rows) {
        unrolled!(kk < kw => {
            let d = da.get(kk).and_then(|col| col.get(r)).copied().unwrap_or(T::ZERO);
            if let Some(a) = row.get_mut(k0 + kk) {
                *a = G::times_derivative(d, *a);
            }
        });
    }
}

#[inline(always)]
fn get<T: Scalar, const R: usize, const C: usize>(acc: &[[T; C]; R], r: usize, c: usize) -> T {
    acc.get(r).and_then(|row| row.get(c)).copied().unwrap_or(T::ZERO)
}

#[inline(always)]
fn set<T: Scalar, const R: usize, const C: usize>(acc: &mut [[T; C]; R], r: usize, c: usize, value: T) {
    if let Some(a) = acc.get_mut(r).and_then(|row| row.get_mut(c)) {
        *a = value;
    }
}

/// `acc[r][c] += a·b`: a multiply, then an add (never fused).
#[inline(always)]
fn add_product<T: Scalar, const R: usize, const C: usize>(acc: &mut [[T; C]; R], r: usize, c: usize, a: T, b: T) {
    if let Some(s) = acc.get_mut(r).and_then(|row| row.get_mut(c)) {
        *s += a * b;
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // the reference loops spell out their indices
mod tests {
    use super::*;
    use crate::layer::StoreGradient;

    /// Values whose products and sums round, so a change of order shows.
    fn value(seed: usize, i: usize, j: usize) -> f32 {
        let h = (seed * 7919 + i * 104_729 + j * 1_299_709) % 1_000_003;
        (h as f32 / 1_000_003.0 - 0.5) * 3.7
    }

    fn matrix<const R: usize, const C: usize>(seed: usize) -> [[f32; C]; R] {
        core::array::from_fn(|i| core::array::from_fn(|j| value(seed, i, j)))
    }

    fn check_shape<const L: usize, const M: usize, const IN: usize, const OUT: usize>() {
        let x: [[f32; IN]; M] = matrix(1);
        let w: [[f32; OUT]; IN] = matrix(2);
        let b: [f32; OUT] = matrix::<1, OUT>(3)[0];
        let dz: [[f32; OUT]; M] = matrix(4);
        for rows in [M, M.saturating_sub(1), 1] {
            // Forward, against the plain loop in the same order.
            let mut z = [[f32::NAN; OUT]; M];
            affine::<f32, L, M, IN, OUT>(&x, &w, &b, &mut z, rows, &|z| z);
            for r in 0..M {
                for j in 0..OUT {
                    if r < rows {
                        let mut s = b[j];
                        for k in 0..IN {
                            s += x[r][k] * w[k][j];
                        }
                        assert_eq!(z[r][j].to_bits(), s.to_bits(), "z[{r}][{j}] M={M} IN={IN} OUT={OUT}");
                    } else {
                        assert!(z[r][j].is_nan(), "row {r} beyond {rows} was written");
                    }
                }
            }
            // Weight gradient, every block of input columns.
            let mut dw = [[f32::NAN; OUT]; IN];
            for k0 in (0..IN).step_by(ROWS) {
                let kw = ROWS.min(IN - k0);
                let mut params = w;
                weight_gradient::<f32, f32, _, L, M, IN, OUT>(
                    &x,
                    &dz,
                    rows,
                    k0,
                    kw,
                    &mut params,
                    &mut dw,
                    &mut StoreGradient,
                );
            }
            for k in 0..IN {
                for j in 0..OUT {
                    let mut s = 0.0f32;
                    for r in 0..rows {
                        s += x[r][k] * dz[r][j];
                    }
                    assert_eq!(dw[k][j].to_bits(), s.to_bits(), "dw[{k}][{j}]");
                }
            }
            // Input gradient.
            for k0 in (0..IN).step_by(ROWS) {
                let kw = ROWS.min(IN - k0);
                let mut dx = [[f32::NAN; M]; ROWS];
                input_gradient::<f32, true, M, IN, OUT>(&dz, &w, rows, k0, kw, &mut |r, kk, v| dx[kk][r] = v);
                for kk in 0..kw {
                    for r in 0..rows {
                        let mut s = 0.0f32;
                        for j in 0..OUT {
                            s += dz[r][j] * w[k0 + kk][j];
                        }
                        assert_eq!(dx[kk][r].to_bits(), s.to_bits(), "dx[{}][{r}]", k0 + kk);
                    }
                }
            }
            // Bias gradient.
            let mut db = [f32::NAN; OUT];
            let mut bias = b;
            column_sums::<f32, f32, _, L, M, OUT>(&dz, rows, &mut bias, &mut db, &mut StoreGradient);
            for j in 0..OUT {
                let mut s = 0.0f32;
                for r in 0..rows {
                    s += dz[r][j];
                }
                assert_eq!(db[j].to_bits(), s.to_bits(), "db[{j}]");
            }
        }
    }

    fn check_shapes<const L: usize>() {
        check_shape::<L, 1, 1, 1>();
        check_shape::<L, 4, 2, 1>();
        check_shape::<L, 8, 4, 16>();
        check_shape::<L, 8, 16, 3>();
        check_shape::<L, 5, 9, 9>();
        check_shape::<L, 9, 7, 10>();
        check_shape::<L, 16, 6, 17>();
        check_shape::<L, 3, 5, 2>();
        check_shape::<L, 2, 3, 8>();
        check_shape::<L, 7, 8, 4>();
        check_shape::<L, 6, 5, 7>();
    }

    /// Both block widths in use (8 lanes on x86-64, 4 elsewhere), on this host.
    #[test]
    fn blocked_products_equal_the_plain_loops_bit_for_bit() {
        check_shapes::<4>();
        check_shapes::<8>();
        check_shapes::<3>();
    }
}
