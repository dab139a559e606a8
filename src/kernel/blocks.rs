//! Blocks of the three products that an element type may compute its own
//! way: `f32` on hard-float Arm sums full blocks in inline asm; every other
//! type and target declines, and the plain loops of [`super`] run.
//!
//! [`Blocks`] is a supertrait of [`Scalar`](crate::Scalar) through its seal,
//! as [`AdamLoop`](crate::optim::AdamLoop) is, so generic code calls
//! `T::affine_4xn(...)` and the choice is made by the impl, per type, at
//! compile time.

use crate::Elementwise;

/// Full blocks of `Z = X·W + b`, `dW = Xᵀ·dZ` and `dX = dZ·Wᵀ`, each with the
/// bits of the plain loop's sums (every output summed from the same start in
/// the same order). Every method may decline (`None`, writing nothing), and
/// does by default; the caller then runs the plain loop.
pub trait Blocks: Sized {
    /// `z[r][j0 + l] = g(b[j0 + l] + Σₖ x[r][k]·w[k][j0 + l])` (ascending `k`)
    /// for `r < 4` and `l < width`, with `g` the activation `G`; `None` with
    /// `z` untouched when declined (as for every width the type has no block for).
    #[inline(always)]
    fn affine_4xn<G: Elementwise, const IN: usize, const OUT: usize>(
        _x: &[[Self; IN]; 4],
        _w: &[[Self; OUT]; IN],
        _b: &[Self; OUT],
        _z: &mut [[Self; OUT]; 4],
        _j0: usize,
        _width: usize,
    ) -> Option<()> {
        None
    }

    /// [`Blocks::affine_4xn`] for one row and 4 columns: `z[0][j0 + l]` for `l < 4`.
    #[inline(always)]
    fn affine_1x4<G: Elementwise, const IN: usize, const OUT: usize>(
        _x: &[[Self; IN]; 1],
        _w: &[[Self; OUT]; IN],
        _b: &[Self; OUT],
        _z: &mut [[Self; OUT]; 1],
        _j0: usize,
    ) -> Option<()> {
        None
    }

    /// `z[r][j] = g(b[j] + Σₖ x[r·inputs + k]·w[k·OUT + j])` (ascending `k`)
    /// for every `r < rows` and `j < OUT`: a layer's whole forward pass with
    /// its input count a run-time value, so that one compiled copy serves
    /// every layer of the same activation, batch and width. `None`, with `z`
    /// untouched, when declined.
    #[inline(always)]
    fn affine_rows<G: Elementwise, const M: usize, const OUT: usize>(
        _x: &[Self],
        _inputs: usize,
        _w: &[Self],
        _b: &[Self; OUT],
        _z: &mut [[Self; OUT]; M],
        _rows: usize,
    ) -> Option<()> {
        None
    }

    /// `out[kk][l] = Σᵣ x[r][k0 + kk]·dz[r][j0 + l]` (ascending `r`, first
    /// `rows` rows, from `+0.0`) for `kk < 4` and `l < 4`: a block of
    /// `dW = Xᵀ·dZ`.
    #[inline(always)]
    fn weight_gradient_4x4<const M: usize, const IN: usize, const OUT: usize>(
        _x: &[[Self; IN]; M],
        _dz: &[[Self; OUT]; M],
        _rows: usize,
        _k0: usize,
        _j0: usize,
    ) -> Option<[[Self; 4]; 4]> {
        None
    }

    /// [`Blocks::weight_gradient_4x4`] for `l < width`, stored straight into
    /// the gradient array: `grads[k0 + kk][j0 + l]` takes the sum, and
    /// `sum_of_squares` adds each sum's square, in the order `kk`, then `l`
    /// (what a `ParamUpdate::gradient_store` sink does per element).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn weight_gradient_store<const M: usize, const IN: usize, const OUT: usize>(
        _x: &[[Self; IN]; M],
        _dz: &[[Self; OUT]; M],
        _rows: usize,
        _k0: usize,
        _j0: usize,
        _width: usize,
        _grads: &mut [[Self; OUT]; IN],
        _sum_of_squares: &mut Self,
    ) -> Option<()> {
        None
    }

    /// `grads[j0 + l] = Σᵣ dz[r][j0 + l]` (ascending `r`, first `rows` rows,
    /// from `+0.0`) for `l < width`, a block of the bias gradient, with each
    /// sum's square added to `sum_of_squares` in ascending `l`.
    #[inline(always)]
    fn column_sums_store<const M: usize, const OUT: usize>(
        _dz: &[[Self; OUT]; M],
        _rows: usize,
        _j0: usize,
        _width: usize,
        _grads: &mut [Self; OUT],
        _sum_of_squares: &mut Self,
    ) -> Option<()> {
        None
    }

    /// `out[r][kk] = Σⱼ dz[r][j]·w[kk][j]` (ascending `j`, from `+0.0`) for
    /// `r < 4` and `kk < 4`: a block of `dX = dZ·Wᵀ`.
    #[inline(always)]
    fn input_gradient_4x4<const OUT: usize>(_dz: &[[Self; OUT]; 4], _w: &[[Self; OUT]; 4]) -> Option<[[Self; 4]; 4]> {
        None
    }

    /// [`Blocks::input_gradient_4x4`] for rows `r0..r0 + 4` of `dz`, each sum
    /// `d` going straight into a hidden layer's output `A` as its `dZ`:
    /// `a[r0 + r][k0 + kk] = G::times_derivative(d, a[r0 + r][k0 + kk])`.
    #[inline(always)]
    fn input_gradient_into_4x4<G: Elementwise, const OUT: usize, const M: usize, const N: usize>(
        _dz: &[[Self; OUT]; 4],
        _w: &[[Self; OUT]; 4],
        _a: &mut [[Self; N]; M],
        _r0: usize,
        _k0: usize,
    ) -> Option<()> {
        None
    }

    /// [`Scalar::exp`](crate::Scalar::exp) of each of `L` values, with its
    /// bits; side by side where the type can (x86-64's `f32`).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn exp_lanes<const L: usize>(x: [Self; L]) -> [Self; L]
    where
        Self: crate::Scalar,
    {
        x.map(crate::Scalar::exp)
    }

    /// [`Scalar::ln`](crate::Scalar::ln) of each of `L` values, with its
    /// bits; side by side where the type can (x86-64's `f32`).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn ln_lanes<const L: usize>(x: [Self; L]) -> [Self; L]
    where
        Self: crate::Scalar,
    {
        x.map(crate::Scalar::ln)
    }
}

impl Blocks for f64 {}

#[cfg(not(any(all(target_arch = "arm", target_abi = "eabihf"), target_arch = "x86_64")))]
impl Blocks for f32 {}

/// x86-64: the exponentials and logarithms of the cross-entropy side by
/// side (see `exp::exp_f32_lanes`); no kernel blocks.
#[cfg(target_arch = "x86_64")]
impl Blocks for f32 {
    #[inline(always)]
    fn exp_lanes<const L: usize>(x: [f32; L]) -> [f32; L] {
        crate::exp::exp_f32_lanes(x)
    }

    #[inline(always)]
    fn ln_lanes<const L: usize>(x: [f32; L]) -> [f32; L] {
        crate::exp::ln_f32_lanes(x)
    }
}

/// The operands of a forward asm block for the `C` columns from `j0` that do
/// not depend on its rows: `W` from `w[0][j0]` on (the pointer comes from the
/// whole matrix, whose rows the asm reads) and the `C` biases; `None` unless
/// `IN` is even and at least 2 (two steps of `k` a pass) and the block's
/// columns lie inside `W`.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[inline(always)]
fn forward_block_operands<'a, const C: usize, const IN: usize, const OUT: usize>(
    w: &'a [[f32; OUT]; IN],
    b: &'a [f32; OUT],
    j0: usize,
) -> Option<(&'a [f32], &'a [f32; C])> {
    if IN < 2 || !IN.is_multiple_of(2) {
        return None;
    }
    let bias = b.get(j0..)?.first_chunk::<C>()?;
    w.first()?.get(j0..)?.first_chunk::<C>()?; // the columns lie inside every row
    let w0 = w.as_flattened().get(j0..)?;
    Some((w0, bias))
}

/// The 16 `vmla.f32` of a 4 × 4 outer product as asm template lines: the
/// accumulator `s(16 + 4i + j)` takes `a_i · b_j`, row by row. Every 4 × 4
/// block below keeps its sums in this layout, so one `vstmia` of `s16`–`s31`
/// writes them as `[[f32; 4]; 4]`.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[rustfmt::skip]
macro_rules! outer_product_4x4 {
    ($a0:literal, $a1:literal, $a2:literal, $a3:literal; $b0:literal, $b1:literal, $b2:literal, $b3:literal) => {
        concat!(
            "vmla.f32 s16, ", $a0, ", ", $b0, "\n", "vmla.f32 s17, ", $a0, ", ", $b1, "\n",
            "vmla.f32 s18, ", $a0, ", ", $b2, "\n", "vmla.f32 s19, ", $a0, ", ", $b3, "\n",
            "vmla.f32 s20, ", $a1, ", ", $b0, "\n", "vmla.f32 s21, ", $a1, ", ", $b1, "\n",
            "vmla.f32 s22, ", $a1, ", ", $b2, "\n", "vmla.f32 s23, ", $a1, ", ", $b3, "\n",
            "vmla.f32 s24, ", $a2, ", ", $b0, "\n", "vmla.f32 s25, ", $a2, ", ", $b1, "\n",
            "vmla.f32 s26, ", $a2, ", ", $b2, "\n", "vmla.f32 s27, ", $a2, ", ", $b3, "\n",
            "vmla.f32 s28, ", $a3, ", ", $b0, "\n", "vmla.f32 s29, ", $a3, ", ", $b1, "\n",
            "vmla.f32 s30, ", $a3, ", ", $b2, "\n", "vmla.f32 s31, ", $a3, ", ", $b3,
        )
    };
}

/// [`outer_product_4x4!`] for three columns: `s(16 + 4i + j)` takes
/// `a_i · b_j` for `j < 3`, so each row's sums are three consecutive
/// registers (`s16`–`s18`, `s20`–`s22`, …), one `vstmia` each.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[rustfmt::skip]
macro_rules! outer_product_4x3 {
    ($a0:literal, $a1:literal, $a2:literal, $a3:literal; $b0:literal, $b1:literal, $b2:literal) => {
        concat!(
            "vmla.f32 s16, ", $a0, ", ", $b0, "\n", "vmla.f32 s17, ", $a0, ", ", $b1, "\n",
            "vmla.f32 s18, ", $a0, ", ", $b2, "\n",
            "vmla.f32 s20, ", $a1, ", ", $b0, "\n", "vmla.f32 s21, ", $a1, ", ", $b1, "\n",
            "vmla.f32 s22, ", $a1, ", ", $b2, "\n",
            "vmla.f32 s24, ", $a2, ", ", $b0, "\n", "vmla.f32 s25, ", $a2, ", ", $b1, "\n",
            "vmla.f32 s26, ", $a2, ", ", $b2, "\n",
            "vmla.f32 s28, ", $a3, ", ", $b0, "\n", "vmla.f32 s29, ", $a3, ", ", $b1, "\n",
            "vmla.f32 s30, ", $a3, ", ", $b2, "\n",
        )
    };
}

/// ReLU (`z ≤ 0 → +0`, see [`Relu::apply`](crate::Relu)) of each listed
/// register in place, as asm template lines; `$zero` holds `+0.0`. `ls`
/// (less or equal) is false for unordered comparisons, so NaN stays NaN; −0
/// compares equal to 0 and becomes +0, as in Rust.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
macro_rules! relu {
    ($zero:literal; $($s:literal),+) => {
        concat!($("vcmp.f32 ", $s, ", #0\n", "vmrs APSR_nzcv, fpscr\n", "it ls\n", "vmovls.f32 ", $s, ", ", $zero, "\n"),+)
    };
}

/// Whether `G` is [`Relu`](crate::Relu) itself, whose `apply` and
/// `times_derivative` the asm blocks then compute in the registers: a
/// constant. Not `G::KIND`: `Activation` is not sealed, and another type
/// could report `ActivationKind::Relu` with other arithmetic. (A `TypeId`
/// comparison cost W2 two instructions at opt-level "s": not always folded.)
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[inline(always)]
fn is_relu<G: Elementwise>() -> bool {
    G::IS_RELU
}

/// `z[r][j0 + l] = g(z[r][j0 + l])` for `r < R`, `l < C`: the activation of
/// a forward asm block whose sums were stored raw.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[inline(always)]
fn apply_in_place<G: Elementwise, const C: usize, const OUT: usize, const R: usize>(
    z: &mut [[f32; OUT]; R],
    j0: usize,
) {
    // Written out (not a loop): at opt-level "s" a loop keeps an inlined
    // sigmoid's constants out of registers (W1: +93 instructions a step).
    unrolled!(r < R => {
        unrolled!(l < C => {
            if let Some(z) = z.get_mut(r).and_then(|row| row.get_mut(j0 + l)) {
                *z = G::apply(*z);
            }
        });
    });
}

/// The operands of a `dW` asm block for rows `k0..k0 + 4` and the `C`
/// columns from `j0`: pointers to `x[0][k0]` and `dz[0][j0]` (from the whole
/// arrays, whose every row the asm reads) and the row count, clamped to `M`;
/// `None` unless both blocks lie inside their rows and `rows ≥ 1`.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[inline(always)]
fn weight_gradient_operands<'a, const C: usize, const M: usize, const IN: usize, const OUT: usize>(
    x: &'a [[f32; IN]; M],
    dz: &'a [[f32; OUT]; M],
    rows: usize,
    k0: usize,
    j0: usize,
) -> Option<(&'a [f32], &'a [f32], usize)> {
    let rows = rows.min(M);
    x.first()?.get(k0..)?.first_chunk::<4>()?;
    dz.first()?.get(j0..)?.first_chunk::<C>()?;
    if rows == 0 {
        return None;
    }
    Some((x.as_flattened().get(k0..)?, dz.as_flattened().get(j0..)?, rows))
}

/// The operands of a bias-gradient asm block for the `C` columns from
/// `j0`: a pointer to `dz[0][j0]` (from the whole array, whose every row the
/// asm reads), the `C` gradients `grads[j0..j0 + C]` and the row count,
/// clamped to `M`; `None` unless the columns lie inside the rows and
/// `rows ≥ 1`.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[inline(always)]
fn column_sums_operands<'a, const C: usize, const M: usize, const OUT: usize>(
    dz: &'a [[f32; OUT]; M],
    rows: usize,
    j0: usize,
    grads: &'a mut [f32; OUT],
) -> Option<(&'a [f32], &'a mut [f32; C], usize)> {
    let rows = rows.min(M);
    dz.first()?.get(j0..)?.first_chunk::<C>()?;
    if rows == 0 {
        return None;
    }
    Some((
        dz.as_flattened().get(j0..)?,
        grads.get_mut(j0..)?.first_chunk_mut::<C>()?,
        rows,
    ))
}

/// The asm of a 4 × 4 `dW` block: sums `s(16 + 4kk + l) = Σᵣ x[r][k0 + kk]·
/// dz[r][j0 + l]` over `rows` rows from `+0.0`, then `$epilogue` with the
/// extra operands. Each row's four `x` and four `dz` are one `vldmia` each,
/// then 16 multiply-accumulates and 4 instructions of addresses and loop: 22
/// per row, where the compiled loop takes 29 (LLVM never merges the loads).
///
/// Safety (the caller's): `$x` and `$dz` come from `weight_gradient_operands`
/// with `$rows`: pass `r` (for `r < rows ≤ M`) reads the four floats `IN·r`
/// (resp. `OUT·r`) elements past them, `x[r][k0..k0 + 4]` and
/// `dz[r][j0..j0 + 4]`, inside the arrays; the pointers then move one row, so
/// the last addition points at most one row past the end and is never
/// dereferenced. `ZEROS` is 16 readable floats.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
macro_rules! weight_gradient_loop {
    ($x:expr, $dz:expr, $rows:expr, $epilogue:expr, $($operands:tt)*) => {
        core::arch::asm!(
            "vldmia {zeros}, {{s16-s31}}",
            "2:",
            "vldmia {x}, {{s0-s3}}",
            "vldmia {d}, {{s4-s7}}",
            "add {x}, {xs}",
            "add {d}, {ds}",
            // s(16 + 4kk + l) += x[r][k0 + kk] · dz[r][j0 + l]
            outer_product_4x4!("s0", "s1", "s2", "s3"; "s4", "s5", "s6", "s7"),
            "subs {n}, #1",
            "bne 2b",
            $epilogue,
            zeros = in(reg) ZEROS.as_ptr(),
            n = inout(reg) $rows => _,
            x = inout(reg) $x.as_ptr() => _,
            d = inout(reg) $dz.as_ptr() => _,
            xs = in(reg) IN * 4,
            ds = in(reg) OUT * 4,
            $($operands)*
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            out("s20") _, out("s21") _, out("s22") _, out("s23") _,
            out("s24") _, out("s25") _, out("s26") _, out("s27") _,
            out("s28") _, out("s29") _, out("s30") _, out("s31") _,
            options(nostack),
        )
    };
}

/// Sixteen `+0.0`: where the backward blocks' accumulators start.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
static ZEROS: [f32; 16] = [0.0; 16];

/// The asm of a 4 × 4 `dX` block: sums `s(16 + 4r + kk) = Σⱼ dz[r][j]·
/// w[kk][j]` from `+0.0` in ascending `j`, then `$epilogue` with the extra
/// operands, `{n}` then 0. Both operands are read along their rows, two
/// elements at a time, so each of the eight rows is one `vldmia` with
/// writeback (its own pointer, no address arithmetic): 8 loads, 32
/// multiply-accumulates and 2 loop instructions per two steps of `j`, where
/// the compiled loop takes 29 instructions per step (8 `vldr`, 16 `vmla`, 5
/// for addresses and the loop; LLVM never merges the loads). An odd `OUT`
/// takes its last step after the loop, with single loads.
///
/// Safety (the caller's): `OUT ≥ 2`, so the loop runs `OUT / 2 ≥ 1` times and
/// each row pointer advances by 8 bytes per pass, and the odd step reads the
/// element the pointers then point at: each reads exactly the `OUT` elements
/// of its row of `dz` or `w`, which the references keep alive and unaliased by
/// writes. `ZEROS` is 16 readable floats. The asm uses only its operand
/// registers and `s0`–`s31`, all declared clobbered (the compiler saves the
/// callee-saved `s16`–`s31` where it must), and changes the condition flags,
/// which are not declared preserved; it does not touch the stack. Every
/// hard-float Arm core has the instructions used here.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
macro_rules! input_gradient_loop {
    ($dz:expr, $w:expr, $epilogue:expr, $($operands:tt)*) => {
        if OUT % 2 == 1 {
            input_gradient_loop!(@asm $dz, $w, concat!(
                "vldr s0, [{d0}]\n", "vldr s2, [{d1}]\n", "vldr s4, [{d2}]\n", "vldr s6, [{d3}]\n",
                "vldr s8, [{w0}]\n", "vldr s10, [{w1}]\n", "vldr s12, [{w2}]\n", "vldr s14, [{w3}]\n",
                outer_product_4x4!("s0", "s2", "s4", "s6"; "s8", "s10", "s12", "s14"), "\n",
                $epilogue,
            ), $($operands)*)
        } else {
            input_gradient_loop!(@asm $dz, $w, $epilogue, $($operands)*)
        }
    };
    (@asm $dz:expr, $w:expr, $epilogue:expr, $($operands:tt)*) => {
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
            outer_product_4x4!("s0", "s2", "s4", "s6"; "s8", "s10", "s12", "s14"),
            // j odd, after j even in every accumulator
            outer_product_4x4!("s1", "s3", "s5", "s7"; "s9", "s11", "s13", "s15"),
            "subs {n}, #1",
            "bne 2b",
            $epilogue,
            zeros = in(reg) ZEROS.as_ptr(),
            n = inout(reg) OUT / 2 => _,
            d0 = inout(reg) $dz[0].as_ptr() => _,
            d1 = inout(reg) $dz[1].as_ptr() => _,
            d2 = inout(reg) $dz[2].as_ptr() => _,
            d3 = inout(reg) $dz[3].as_ptr() => _,
            w0 = inout(reg) $w[0].as_ptr() => _,
            w1 = inout(reg) $w[1].as_ptr() => _,
            w2 = inout(reg) $w[2].as_ptr() => _,
            w3 = inout(reg) $w[3].as_ptr() => _,
            $($operands)*
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            out("s20") _, out("s21") _, out("s22") _, out("s23") _,
            out("s24") _, out("s25") _, out("s26") _, out("s27") _,
            out("s28") _, out("s29") _, out("s30") _, out("s31") _,
            options(nostack),
        )
    };
}

/// `d ← a > 0 ? d : d·0` for each pair of registers `d a` (ReLU's
/// `times_derivative`), as asm template lines; `s1` holds `+0.0` and `s0` is
/// scratch.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
macro_rules! times_relu_derivative {
    ($($d:literal $a:literal),+) => {
        concat!($(
            "vmul.f32 s0, ", $d, ", s1\n",
            "vcmp.f32 ", $a, ", #0\n",
            "vmrs APSR_nzcv, fpscr\n",
            "it le\n",
            "vmovle.f32 ", $d, ", s0\n",
        )+)
    };
}

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
impl Blocks for f32 {
    /// The 4 × 4 and 4 × 3 blocks: [`affine_4xc`].
    #[inline(always)]
    fn affine_4xn<G: Elementwise, const IN: usize, const OUT: usize>(
        x: &[[f32; IN]; 4],
        w: &[[f32; OUT]; IN],
        b: &[f32; OUT],
        z: &mut [[f32; OUT]; 4],
        j0: usize,
        width: usize,
    ) -> Option<()> {
        match width {
            4 => affine_4xc::<G, 4, IN, OUT>(x, w, b, z, j0),
            3 => affine_4xc::<G, 3, IN, OUT>(x, w, b, z, j0),
            _ => None,
        }
    }

    /// [`affine_rows_even`] for an even number of inputs from 4 and a width
    /// `OUT` of 4·n or 4·n + 3 (the widths of its blocks), when `x` holds
    /// `M ≥ rows` rows of `inputs` and `w` is `inputs × OUT`; every other
    /// layer declines. With 2 inputs a block's loop runs once, and its
    /// constants pay more than a shared copy saves (W1's 2 → 4 layer on the
    /// Cortex-M4F: 55 instructions a step at opt-levels 2 and 3). For the
    /// typed callers the checks are on constants, and fold away.
    #[inline(always)]
    fn affine_rows<G: Elementwise, const M: usize, const OUT: usize>(
        x: &[f32],
        inputs: usize,
        w: &[f32],
        b: &[f32; OUT],
        z: &mut [[f32; OUT]; M],
        rows: usize,
    ) -> Option<()> {
        if OUT == 0
            || !matches!(OUT % 4, 0 | 3)
            || inputs < 4
            || !inputs.is_multiple_of(2)
            || rows > M
            || x.len() < M.checked_mul(inputs)?
            || w.len() < inputs.checked_mul(OUT)?
        {
            return None;
        }
        // These checks imply `affine_rows_even`'s own (`rows ≤ M`), so it
        // computes every row.
        affine_rows_even::<G, M, OUT>(x, inputs, w, b, z, rows);
        Some(())
    }

    /// The 4 × 4 and 4 × 3 blocks: [`weight_gradient_store_4x4`],
    /// [`weight_gradient_store_4x3`].
    #[inline(always)]
    fn weight_gradient_store<const M: usize, const IN: usize, const OUT: usize>(
        x: &[[f32; IN]; M],
        dz: &[[f32; OUT]; M],
        rows: usize,
        k0: usize,
        j0: usize,
        width: usize,
        grads: &mut [[f32; OUT]; IN],
        sum_of_squares: &mut f32,
    ) -> Option<()> {
        match width {
            4 => weight_gradient_store_4x4(x, dz, rows, k0, j0, grads, sum_of_squares),
            3 => weight_gradient_store_4x3(x, dz, rows, k0, j0, grads, sum_of_squares),
            _ => None,
        }
    }

    /// The 4- and 3-column blocks: [`column_sums_store_4`], [`column_sums_store_3`].
    #[inline(always)]
    fn column_sums_store<const M: usize, const OUT: usize>(
        dz: &[[f32; OUT]; M],
        rows: usize,
        j0: usize,
        width: usize,
        grads: &mut [f32; OUT],
        sum_of_squares: &mut f32,
    ) -> Option<()> {
        match width {
            4 => column_sums_store_4(dz, rows, j0, grads, sum_of_squares),
            3 => column_sums_store_3(dz, rows, j0, grads, sum_of_squares),
            _ => None,
        }
    }

    /// [`affine_1x4_asm`] on one row.
    #[allow(unsafe_code)]
    #[inline(always)]
    fn affine_1x4<G: Elementwise, const IN: usize, const OUT: usize>(
        x: &[[f32; IN]; 1],
        w: &[[f32; OUT]; IN],
        b: &[f32; OUT],
        z: &mut [[f32; OUT]; 1],
        j0: usize,
    ) -> Option<()> {
        let (w0, bias) = forward_block_operands::<4, IN, OUT>(w, b, j0)?;
        let z0 = z.first_mut()?.get_mut(j0..)?.first_chunk_mut::<4>()?;
        // SAFETY: `IN ≥ 2` is even, so `IN / 2 ≥ 1` passes read exactly the
        // `IN` elements of `x[0]`; `w0` starts at `w[0][j0]` with
        // `j0 + 4 ≤ OUT`, and its `IN` runs of four floats, one row (`OUT`
        // floats) apart, are `w[k][j0..j0 + 4]`; `bias` is four floats; `z0`
        // is the four floats `z[0][j0..j0 + 4]`, borrowed mutably and so
        // aliased by none of the others. All are `f32` data, so aligned, and
        // the stride is a multiple of 4 bytes.
        unsafe {
            affine_1x4_asm(
                is_relu::<G>(),
                x[0].as_ptr(),
                IN / 2,
                w0.as_ptr(),
                OUT * 4,
                bias.as_ptr(),
                z0.as_mut_ptr(),
            );
        }
        if !is_relu::<G>() {
            apply_in_place::<G, 4, OUT, 1>(z, j0);
        }
        Some(())
    }

    /// `out[kk][l] = Σᵣ x[r][k0 + kk]·dz[r][j0 + l]` (ascending `r`, first
    /// `rows` rows) for a 4 × 4 block of `dW = Xᵀ·dZ`, in the FPU's registers
    /// throughout; `None` unless `rows` is at least 1 and the block lies inside
    /// both matrices.
    ///
    /// The loop is `weight_gradient_loop!`'s; the sums have the plain loop's
    /// bits for the reasons given at [`Blocks::input_gradient_4x4`], and leave
    /// through a 64-byte block on the stack.
    #[allow(unsafe_code)]
    #[inline(always)]
    fn weight_gradient_4x4<const M: usize, const IN: usize, const OUT: usize>(
        x: &[[f32; IN]; M],
        dz: &[[f32; OUT]; M],
        rows: usize,
        k0: usize,
        j0: usize,
    ) -> Option<[[f32; 4]; 4]> {
        let (x0, dz0, rows) = weight_gradient_operands::<4, M, IN, OUT>(x, dz, rows, k0, j0)?;
        let mut out = core::mem::MaybeUninit::<[[f32; 4]; 4]>::uninit();
        // SAFETY: the loop reads what `weight_gradient_operands` checked (see
        // there). `vstmia` writes all 64 bytes of `out`, which is therefore
        // initialised when the asm ends. Registers, flags and the stack as in
        // `input_gradient_4x4`.
        unsafe {
            weight_gradient_loop!(
                x0,
                dz0,
                rows,
                "vstmia {out}, {{s16-s31}}",
                out = in(reg) out.as_mut_ptr(),
            );
            Some(out.assume_init())
        }
    }

    /// `out[r][kk] = Σⱼ dz[r][j]·w[kk][j]` (ascending `j`) for a 4 × 4 block of
    /// `dX = dZ·Wᵀ`, in the FPU's registers throughout (`input_gradient_loop!`);
    /// `None` unless `OUT ≥ 2`.
    ///
    /// `vmla.f32` rounds the product, then the sum (Cortex-M4 has no fused
    /// `vmla`), and each accumulator starts at `+0.0` and takes its products in
    /// ascending `j`, so every output has the bits of the plain loop's
    /// `acc += d * w`. The host's kernel tests cannot run it; the firmware
    /// checks (`benches/cortex-m4/measure.sh`, `examples/cortex-m4/check.sh`)
    /// pin whole training runs on the device bit for bit against the host.
    #[allow(unsafe_code)]
    #[inline(always)]
    fn input_gradient_4x4<const OUT: usize>(dz: &[[f32; OUT]; 4], w: &[[f32; OUT]; 4]) -> Option<[[f32; 4]; 4]> {
        if OUT < 2 {
            return None;
        }
        let mut out = core::mem::MaybeUninit::<[[f32; 4]; 4]>::uninit();
        // SAFETY: the loop reads the rows of `dz` and `w` (see
        // `input_gradient_loop!`, with `OUT ≥ 2`). `vstmia` writes the 16
        // accumulators, 64 bytes, to `out`, which is the whole array, so it is
        // initialised when the asm ends.
        unsafe {
            input_gradient_loop!(dz, w, "vstmia {out}, {{s16-s31}}", out = in(reg) out.as_mut_ptr(),);
            Some(out.assume_init())
        }
    }

    /// [`Blocks::input_gradient_into_4x4`] for ReLU, in the asm: each row of
    /// `A`'s block is one `vldmia`, each sum `d` becomes `a > 0 ? d : d·0`
    /// (`vmul`, `vcmp`, `vmrs`, `it le`, `vmovle`: `le` holds for `a ≤ 0` and
    /// for NaN, where Rust's `a > 0` is false), and one `vstmia` writes the
    /// row back: 93 instructions a block, where the sums' trip through a
    /// stack block and Rust's select took 136. `None` for other activations,
    /// for `OUT < 2`, for rows of more than 1,023 floats (`addw`'s 12-bit
    /// immediate) and unless the block lies inside `a`.
    #[allow(unsafe_code)]
    #[inline(always)]
    fn input_gradient_into_4x4<G: Elementwise, const OUT: usize, const M: usize, const N: usize>(
        dz: &[[f32; OUT]; 4],
        w: &[[f32; OUT]; 4],
        a: &mut [[f32; N]; M],
        r0: usize,
        k0: usize,
    ) -> Option<()> {
        if !is_relu::<G>() || OUT < 2 || N > 1023 {
            return None;
        }
        a.get(r0..)?.first_chunk::<4>()?;
        a.first()?.get(k0..)?.first_chunk::<4>()?;
        let a0 = a.as_flattened_mut().get_mut(r0 * N + k0..)?;
        // SAFETY: the loop reads the rows of `dz` and `w` (see
        // `input_gradient_loop!`, with `OUT ≥ 2`). `a0` starts at `a[r0][k0]`
        // with `r0 + 4 ≤ M` and `k0 + 4 ≤ N`; each `vldmia`/`vstmia` pair
        // reads and writes the four floats `a[r0 + r][k0..k0 + 4]` for `r < 4`
        // (one row, `N` elements, apart), inside the array, which is borrowed
        // mutably and so aliased by none of the others; the last addition
        // points at `a[r0 + 3][k0]`. `{n}` is 0 when the loop ends, so `s1`
        // is `+0.0`.
        unsafe {
            input_gradient_loop!(
                dz,
                w,
                concat!(
                    "vmov s1, {n}\n",
                    "vldmia {a}, {{s4-s7}}\n",
                    times_relu_derivative!("s16" "s4", "s17" "s5", "s18" "s6", "s19" "s7"),
                    "vstmia {a}, {{s16-s19}}\n",
                    "addw {a}, {a}, #{stride}\n",
                    "vldmia {a}, {{s4-s7}}\n",
                    times_relu_derivative!("s20" "s4", "s21" "s5", "s22" "s6", "s23" "s7"),
                    "vstmia {a}, {{s20-s23}}\n",
                    "addw {a}, {a}, #{stride}\n",
                    "vldmia {a}, {{s4-s7}}\n",
                    times_relu_derivative!("s24" "s4", "s25" "s5", "s26" "s6", "s27" "s7"),
                    "vstmia {a}, {{s24-s27}}\n",
                    "addw {a}, {a}, #{stride}\n",
                    "vldmia {a}, {{s4-s7}}\n",
                    times_relu_derivative!("s28" "s4", "s29" "s5", "s30" "s6", "s31" "s7"),
                    "vstmia {a}, {{s28-s31}}",
                ),
                a = inout(reg) a0.as_mut_ptr() => _,
                stride = const (N * 4) & 0xfff, // `N ≤ 1023` was checked; the mask keeps `addw` encodable
            );
        }
        Some(())
    }
}

/// `z[r][j0 + l] = g(b[j0 + l] + Σₖ x[r][k]·w[k][j0 + l])` (ascending `k`)
/// for a block of 4 rows and `C` columns of `Z = g(X·W + b)`, `C` 4
/// ([`affine_4x4_asm`]) or 3 ([`affine_4x3_asm`]); `None` (and `z`
/// untouched) for other widths, unless `IN` is even (see
/// `forward_block_operands`), or unless the block's columns lie inside `W`
/// and `z`.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
fn affine_4xc<G: Elementwise, const C: usize, const IN: usize, const OUT: usize>(
    x: &[[f32; IN]; 4],
    w: &[[f32; OUT]; IN],
    b: &[f32; OUT],
    z: &mut [[f32; OUT]; 4],
    j0: usize,
) -> Option<()> {
    let block = forward_block_asm::<C>()?;
    let (w0, bias) = forward_block_operands::<C, IN, OUT>(w, b, j0)?;
    z.first()?.get(j0..)?.first_chunk::<C>()?;
    let z0 = z.as_flattened_mut().get_mut(j0..)?;
    // SAFETY: `IN ≥ 2` is even, so `IN / 2 ≥ 1` passes read exactly the `IN`
    // elements of each row of `x`, the rows `IN` floats apart. `w0` starts
    // at `w[0][j0]` with `j0 + C ≤ OUT`: its `IN` runs of `C` floats, one
    // row (`OUT` floats) apart, are `w[k][j0..j0 + C]`, inside `w`. `bias`
    // is `C` floats. `z0` starts at `z[0][j0]`: its four runs, `OUT` floats
    // apart, are `z[r][j0..j0 + C]`, inside `z`, which is borrowed mutably
    // and so aliased by none of the others. Every pointer is into `f32`
    // data, so aligned, and the strides are multiples of 4 bytes.
    unsafe {
        block(
            is_relu::<G>(),
            x.as_flattened().as_ptr(),
            IN * 4,
            IN / 2,
            w0.as_ptr(),
            OUT * 4,
            bias.as_ptr(),
            z0.as_mut_ptr(),
        );
    }
    if !is_relu::<G>() {
        apply_in_place::<G, C, OUT, 4>(z, j0);
    }
    Some(())
}

/// The asm of a forward block of 4 rows and `C` columns: [`affine_4x4_asm`]
/// or [`affine_4x3_asm`]; `None` for other widths.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
fn forward_block_asm<const C: usize>() -> Option<ForwardBlockAsm> {
    match C {
        4 => Some(affine_4x4_asm),
        3 => Some(affine_4x3_asm),
        _ => None,
    }
}

/// The signature of [`affine_4x4_asm`] and [`affine_4x3_asm`].
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
type ForwardBlockAsm = unsafe fn(bool, *const f32, usize, usize, *const f32, usize, *const f32, *mut f32);

/// [`Blocks::affine_rows`] for `inputs` even and at least 2 and `OUT` of
/// 4·n or 4·n + 3: the batch in blocks of 4 rows, each in blocks of 4
/// columns ([`affine_4x4_asm`]) and 3 ([`affine_4x3_asm`]); the last
/// `rows % 4` rows one at a time ([`affine_1x4_asm`], and the plain sum for
/// 3 columns). For any other shape, or unless `x` holds `rows ≤ M` rows of
/// `inputs` and `w` is `inputs × OUT`, it leaves `z` untouched; these
/// checks are for the soundness of the asm, and always pass when called
/// from [`Blocks::affine_rows`], which has checked more.
///
/// Generic over the element type of neither the input count: the layers of a
/// network that share an activation, a batch and a width share this copy
/// (W2's two ReLU layers of 16 on the Cortex-M4F at opt-level "s": its
/// training code 8,804 → 8,168 bytes). What it costs: the pass count and
/// the rows of `x` come in registers where the typed kernel had constants,
/// and the loop keeps more pointers (W2: 103 more instructions a step, 6 a
/// block). The asm computes rows 1 to 3 of `x` itself, from row 0 and the
/// stride, into registers that are free by then: four row pointers kept
/// across the loop spilled (W2: 58 more).
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(never)]
fn affine_rows_even<G: Elementwise, const M: usize, const OUT: usize>(
    x: &[f32],
    inputs: usize,
    w: &[f32],
    b: &[f32; OUT],
    z: &mut [[f32; OUT]; M],
    rows: usize,
) {
    let pairs = inputs / 2;
    let (Some(x_needed), Some(w_needed)) = (rows.checked_mul(inputs), inputs.checked_mul(OUT)) else {
        return;
    };
    if pairs == 0
        || !inputs.is_multiple_of(2)
        || rows > M
        || OUT == 0
        || !matches!(OUT % 4, 0 | 3)
        || x.len() < x_needed
        || w.len() < w_needed
    {
        return;
    }
    let (xp, wp, bp) = (x.as_ptr(), w.as_ptr(), b.as_ptr());
    let blocks = rows / 4;
    for (block, zb) in z.as_chunks_mut::<4>().0.iter_mut().take(blocks).enumerate() {
        let xb = xp.wrapping_add(4 * block * inputs);
        // The block of the `C` columns from `j0`, `j0 + C ≤ OUT`.
        macro_rules! block {
            ($c:literal, $j0:expr) => {
                let j0 = $j0;
                if let Some(block) = forward_block_asm::<$c>() {
                    // SAFETY: rows `4·block .. 4·block + 4` are below `rows`,
                    // so the four rows from `xb`, `inputs` floats apart, are
                    // each `inputs = 2·pairs` readable floats of `x` (which
                    // holds `rows · inputs`). With `j0 + C ≤ OUT`, the
                    // `inputs` runs of `C` floats from `w[j0]`, `OUT` floats
                    // apart, end by `inputs · OUT ≤ w.len()`; the bias run is
                    // `b[j0..j0 + C]`; the four runs from `zb[0][j0]`, `OUT`
                    // apart, are `zb[r][j0..j0 + C]`, inside `zb`, borrowed
                    // mutably (the pointer taken just now) and so aliased by
                    // none of the others. Every pointer is into `f32` data,
                    // so aligned, and the strides are multiples of 4 bytes.
                    unsafe {
                        block(
                            is_relu::<G>(),
                            xb,
                            inputs * 4,
                            pairs,
                            wp.wrapping_add(j0),
                            OUT * 4,
                            bp.wrapping_add(j0),
                            zb.as_flattened_mut().as_mut_ptr().wrapping_add(j0),
                        );
                    }
                    if !is_relu::<G>() {
                        apply_in_place::<G, $c, OUT, 4>(zb, j0);
                    }
                }
            };
        }
        for j in 0..OUT / 4 {
            block!(4, 4 * j);
        }
        if OUT % 4 == 3 {
            block!(3, OUT - 3);
        }
    }
    for (r, zr) in z.iter_mut().enumerate().take(rows).skip(4 * blocks) {
        let xr = xp.wrapping_add(r * inputs);
        for j0 in (0..OUT / 4).map(|j| 4 * j) {
            // SAFETY: as above for the one row `r < rows` and the one run
            // `zr[j0..j0 + 4]` of the row `zr`, borrowed mutably.
            unsafe {
                affine_1x4_asm(
                    is_relu::<G>(),
                    xr,
                    pairs,
                    wp.wrapping_add(j0),
                    OUT * 4,
                    bp.wrapping_add(j0),
                    zr.as_mut_ptr().wrapping_add(j0),
                );
            }
            if !is_relu::<G>() {
                apply_in_place::<G, 4, OUT, 1>(core::array::from_mut(zr), j0);
            }
        }
        // The last 3 columns: the plain sum, from the bias in ascending `k`,
        // each product rounded before its sum (the bits of the asm's).
        for j in OUT - OUT % 4..OUT {
            let mut acc = b.get(j).copied().unwrap_or(0.0);
            for (k, &xk) in x.get(r * inputs..).unwrap_or(&[]).iter().take(inputs).enumerate() {
                acc += xk * w.get(k * OUT + j).copied().unwrap_or(0.0);
            }
            if let Some(z) = zr.get_mut(j) {
                *z = G::apply(acc);
            }
        }
    }
}

/// The asm of a 4 × 4 forward block, `z[r][l] = b[l] + Σₖ x[r][k]·w[k][l]`
/// (ascending `k`; each of `x`, `w` and `z` read or written by rows, its
/// own stride apart), rectified if `relu`.
///
/// Two steps of `k` per pass: each row of `x` gives its next two elements to
/// one `vldmia` with writeback (4 row pointers), the rows `w[k]` and
/// `w[k + 1]` are one `vldmia` each plus an `add` of the row stride, then 32
/// multiply-accumulates and 2 loop instructions: 42 per two steps, where the
/// compiled loop takes 29 per step. Each accumulator starts at the bias and
/// takes its products in ascending `k`, through the unfused `vmla.f32`, so the
/// sums have the plain loop's bits (see [`Blocks::input_gradient_4x4`]). They go
/// straight into `z`, one `vstmia` per row: `asm!` cannot hand `s` registers
/// to Rust on this target (rustc does not see the `vfp2` feature the `sreg`
/// class asks for), and `z` needs no stack block, unlike the backward blocks'
/// sums. ReLU is applied in the registers before the stores ([`relu!`]: 4
/// instructions a value, where loading, rectifying and storing it again in
/// Rust took 6.6); the caller applies any other activation.
///
/// # Safety
///
/// `pairs ≥ 1`; `x` points to the first of 4 rows of `2·pairs` readable
/// floats, `x_row_bytes` bytes apart, all four reachable through that one
/// pointer (it comes from the whole matrix, not from its first row); `w` to
/// the first of `2·pairs` runs of 4 readable floats, `row_bytes` bytes
/// apart; `bias` to 4 readable floats; `z` to the first of 4 runs of 4
/// writable floats, `row_bytes` apart, which no other operand overlaps and
/// nothing else reads or writes during the call. Every pointer is 4-byte
/// aligned and both strides are multiples of 4 (`vldm` and `vstm` fault on
/// unaligned addresses). (The asm then reads and writes exactly those; the last
/// additions point at most one run past them and are never dereferenced. It
/// uses only its operand registers and `s0`–`s31`, all declared clobbered,
/// so the compiler saves the callee-saved `s16`–`s31` where it must; it
/// changes the condition flags (`subs`, `vmrs`), which are not declared
/// preserved, and does not touch the stack. Every hard-float Arm core has
/// `vldm`, `vstm`, `vmla.f32`, `vcmp.f32` and `vmrs`.)
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
unsafe fn affine_4x4_asm(
    relu: bool,
    x: *const f32,
    x_row_bytes: usize,
    pairs: usize,
    w: *const f32,
    row_bytes: usize,
    bias: *const f32,
    z: *mut f32,
) {
    macro_rules! block {
        ($epilogue:expr) => {
            // SAFETY: the caller's (see above).
            unsafe {
                core::arch::asm!(
                    "vldmia {b}, {{s16-s19}}",
                    "vldmia {b}, {{s20-s23}}",
                    "vldmia {b}, {{s24-s27}}",
                    "vldmia {b}, {{s28-s31}}",
                    // Rows 1 to 3 of `x`: `{b}` and `{xs}` are free now.
                    "add {b}, {x0}, {xs}",
                    "add {x2}, {b}, {xs}",
                    "add {xs}, {x2}, {xs}",
                    "2:",
                    "vldmia {x0}!, {{s0-s1}}",
                    "vldmia {b}!, {{s2-s3}}",
                    "vldmia {x2}!, {{s4-s5}}",
                    "vldmia {xs}!, {{s6-s7}}",
                    "vldmia {w}, {{s8-s11}}",
                    "add {w}, {ws}",
                    "vldmia {w}, {{s12-s15}}",
                    "add {w}, {ws}",
                    // k even: s(16 + 4r + l) += x[r][k] · w[k][j0 + l]
                    outer_product_4x4!("s0", "s2", "s4", "s6"; "s8", "s9", "s10", "s11"),
                    // k odd, after k even in every accumulator
                    outer_product_4x4!("s1", "s3", "s5", "s7"; "s12", "s13", "s14", "s15"),
                    "subs {n}, #1",
                    "bne 2b",
                    $epilogue,
                    "vstmia {z}, {{s16-s19}}",
                    "add {z}, {ws}",
                    "vstmia {z}, {{s20-s23}}",
                    "add {z}, {ws}",
                    "vstmia {z}, {{s24-s27}}",
                    "add {z}, {ws}",
                    "vstmia {z}, {{s28-s31}}",
                    b = inout(reg) bias => _,
                    n = inout(reg) pairs => _,
                    x0 = inout(reg) x => _,
                    xs = inout(reg) x_row_bytes => _,
                    x2 = out(reg) _,
                    w = inout(reg) w => _,
                    ws = in(reg) row_bytes,
                    z = inout(reg) z => _,
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
        };
    }
    if relu {
        // The loop leaves `{n}` at 0: `s0 = +0.0`, what `relu!` selects.
        block!(concat!(
            "vmov s0, {n}\n",
            relu!("s0"; "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23"),
            relu!("s0"; "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31"),
        ));
    } else {
        block!("");
    }
}

/// [`affine_4x4_asm`] for three columns, with the sums in
/// `outer_product_4x3!`'s layout: 34 instructions per two steps of `k`,
/// where the compiled loop takes 24 per step.
///
/// # Safety
///
/// As for [`affine_4x4_asm`], with runs of 3 floats (not 4) in `w`, `bias`
/// and `z`.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
unsafe fn affine_4x3_asm(
    relu: bool,
    x: *const f32,
    x_row_bytes: usize,
    pairs: usize,
    w: *const f32,
    row_bytes: usize,
    bias: *const f32,
    z: *mut f32,
) {
    macro_rules! block {
        ($epilogue:expr) => {
            // SAFETY: the caller's (see above).
            unsafe {
                core::arch::asm!(
                    "vldmia {b}, {{s16-s18}}",
                    "vldmia {b}, {{s20-s22}}",
                    "vldmia {b}, {{s24-s26}}",
                    "vldmia {b}, {{s28-s30}}",
                    // Rows 1 to 3 of `x`: `{b}` and `{xs}` are free now.
                    "add {b}, {x0}, {xs}",
                    "add {x2}, {b}, {xs}",
                    "add {xs}, {x2}, {xs}",
                    "2:",
                    "vldmia {x0}!, {{s0-s1}}",
                    "vldmia {b}!, {{s2-s3}}",
                    "vldmia {x2}!, {{s4-s5}}",
                    "vldmia {xs}!, {{s6-s7}}",
                    "vldmia {w}, {{s8-s10}}",
                    "add {w}, {ws}",
                    "vldmia {w}, {{s12-s14}}",
                    "add {w}, {ws}",
                    outer_product_4x3!("s0", "s2", "s4", "s6"; "s8", "s9", "s10"),
                    outer_product_4x3!("s1", "s3", "s5", "s7"; "s12", "s13", "s14"),
                    "subs {n}, #1",
                    "bne 2b",
                    $epilogue,
                    "vstmia {z}, {{s16-s18}}",
                    "add {z}, {ws}",
                    "vstmia {z}, {{s20-s22}}",
                    "add {z}, {ws}",
                    "vstmia {z}, {{s24-s26}}",
                    "add {z}, {ws}",
                    "vstmia {z}, {{s28-s30}}",
                    b = inout(reg) bias => _,
                    n = inout(reg) pairs => _,
                    x0 = inout(reg) x => _,
                    xs = inout(reg) x_row_bytes => _,
                    x2 = out(reg) _,
                    w = inout(reg) w => _,
                    ws = in(reg) row_bytes,
                    z = inout(reg) z => _,
                    out("s0") _, out("s1") _, out("s2") _, out("s3") _,
                    out("s4") _, out("s5") _, out("s6") _, out("s7") _,
                    out("s8") _, out("s9") _, out("s10") _,
                    out("s12") _, out("s13") _, out("s14") _,
                    out("s16") _, out("s17") _, out("s18") _,
                    out("s20") _, out("s21") _, out("s22") _,
                    out("s24") _, out("s25") _, out("s26") _,
                    out("s28") _, out("s29") _, out("s30") _,
                    options(nostack),
                );
            }
        };
    }
    if relu {
        block!(concat!(
            "vmov s0, {n}\n",
            relu!("s0"; "s16", "s17", "s18", "s20", "s21", "s22"),
            relu!("s0"; "s24", "s25", "s26", "s28", "s29", "s30"),
        ));
    } else {
        block!("");
    }
}

/// [`affine_4x4_asm`] for one row, with the accumulators in `s0`–`s3` and
/// 15 instructions per two steps of `k` (the compiled loop: 13 per step).
///
/// # Safety
///
/// As for [`affine_4x4_asm`], with one row of `x` (no `x_row_bytes`) and one
/// run of 4 floats in `z`. (It uses only `s0`–`s15` of the FPU's registers.)
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
unsafe fn affine_1x4_asm(
    relu: bool,
    x: *const f32,
    pairs: usize,
    w: *const f32,
    row_bytes: usize,
    bias: *const f32,
    z: *mut f32,
) {
    macro_rules! block {
        ($epilogue:expr) => {
            // SAFETY: the caller's (see above).
            unsafe {
                core::arch::asm!(
                    "vldmia {b}, {{s0-s3}}",
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
                    "subs {n}, #1",
                    "bne 2b",
                    $epilogue,
                    "vstmia {z}, {{s0-s3}}",
                    b = in(reg) bias,
                    n = inout(reg) pairs => _,
                    x = inout(reg) x => _,
                    w = inout(reg) w => _,
                    ws = in(reg) row_bytes,
                    z = in(reg) z,
                    out("s0") _, out("s1") _, out("s2") _, out("s3") _,
                    out("s4") _, out("s5") _,
                    out("s8") _, out("s9") _, out("s10") _, out("s11") _,
                    out("s12") _, out("s13") _, out("s14") _, out("s15") _,
                    options(nostack),
                );
            }
        };
    }
    if relu {
        // The loop leaves `{n}` at 0: `s4 = +0.0`, what `relu!` selects.
        block!(concat!("vmov s4, {n}\n", relu!("s4"; "s0", "s1", "s2", "s3")));
    } else {
        block!("");
    }
}

/// [`Blocks::weight_gradient_4x4`] with its epilogue in the asm (for
/// [`Blocks::weight_gradient_store`]): four
/// `vstmia` write the sums into the gradient rows, and 16 `vmla.f32` add
/// their squares to `sum_of_squares` in the order `kk`, then `l`, which
/// is the order the per-element sink adds them in: 25 instructions, where
/// the sums' trip through a stack block and the sink took 55.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
fn weight_gradient_store_4x4<const M: usize, const IN: usize, const OUT: usize>(
    x: &[[f32; IN]; M],
    dz: &[[f32; OUT]; M],
    rows: usize,
    k0: usize,
    j0: usize,
    grads: &mut [[f32; OUT]; IN],
    sum_of_squares: &mut f32,
) -> Option<()> {
    let (x0, dz0, rows) = weight_gradient_operands::<4, M, IN, OUT>(x, dz, rows, k0, j0)?;
    grads.get(k0..)?.first_chunk::<4>()?; // rows k0..k0 + 4 exist; columns: checked on dz
    let g0 = grads.as_flattened_mut().get_mut(k0 * OUT + j0..)?;
    // SAFETY: the loop reads what `weight_gradient_operands` checked (see
    // there). `g0` starts at `grads[k0][j0]` with `k0 + 4 ≤ IN` and
    // `j0 + 4 ≤ OUT` (checked on `dz`'s rows, which have `OUT` elements
    // too); the four `vstmia` write the four floats at `grads[k0 + kk][j0]`
    // for `kk < 4` (one row, `OUT` elements, apart: the stride of `dz`),
    // inside the array, which is borrowed mutably and so aliased by none
    // of the others; the last addition points at `grads[k0 + 3][j0]`.
    // `sum_of_squares` is one float, read and written through its unique
    // reference. Registers, flags and the stack as in `input_gradient_4x4`.
    unsafe {
        weight_gradient_loop!(
            x0,
            dz0,
            rows,
            concat!(
                "vstmia {g}, {{s16-s19}}\n",
                "add {g}, {ds}\n",
                "vstmia {g}, {{s20-s23}}\n",
                "add {g}, {ds}\n",
                "vstmia {g}, {{s24-s27}}\n",
                "add {g}, {ds}\n",
                "vstmia {g}, {{s28-s31}}\n",
                "vldr s0, [{sum}]\n",
                "vmla.f32 s0, s16, s16\n", "vmla.f32 s0, s17, s17\n",
                "vmla.f32 s0, s18, s18\n", "vmla.f32 s0, s19, s19\n",
                "vmla.f32 s0, s20, s20\n", "vmla.f32 s0, s21, s21\n",
                "vmla.f32 s0, s22, s22\n", "vmla.f32 s0, s23, s23\n",
                "vmla.f32 s0, s24, s24\n", "vmla.f32 s0, s25, s25\n",
                "vmla.f32 s0, s26, s26\n", "vmla.f32 s0, s27, s27\n",
                "vmla.f32 s0, s28, s28\n", "vmla.f32 s0, s29, s29\n",
                "vmla.f32 s0, s30, s30\n", "vmla.f32 s0, s31, s31\n",
                "vstr s0, [{sum}]",
            ),
            g = inout(reg) g0.as_mut_ptr() => _,
            sum = in(reg) core::ptr::from_mut(sum_of_squares),
        );
    }
    Some(())
}

/// [`weight_gradient_store_4x4`] for three columns: per row one
/// `vldmia` of four `x` and one of three `dz`, 12 multiply-accumulates
/// and 4 of addresses and loop (18, where the compiled loop takes 24); then
/// three floats stored per gradient row and 12 squares added, in the
/// order `kk`, then `l`.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
fn weight_gradient_store_4x3<const M: usize, const IN: usize, const OUT: usize>(
    x: &[[f32; IN]; M],
    dz: &[[f32; OUT]; M],
    rows: usize,
    k0: usize,
    j0: usize,
    grads: &mut [[f32; OUT]; IN],
    sum_of_squares: &mut f32,
) -> Option<()> {
    let (x0, dz0, rows) = weight_gradient_operands::<3, M, IN, OUT>(x, dz, rows, k0, j0)?;
    grads.get(k0..)?.first_chunk::<4>()?; // rows k0..k0 + 4 exist; columns: checked on dz
    let g0 = grads.as_flattened_mut().get_mut(k0 * OUT + j0..)?;
    // SAFETY: as for `weight_gradient_store_4x4` (`weight_gradient_loop!`),
    // with `j0 + 3 ≤ OUT` and three floats (not four) read from each row
    // `dz[r][j0..]` and written to each row `grads[k0 + kk][j0..]`.
    unsafe {
        core::arch::asm!(
            "vldmia {zeros}, {{s16-s31}}",
            "2:",
            "vldmia {x}, {{s0-s3}}",
            "vldmia {d}, {{s4-s6}}",
            "add {x}, {xs}",
            "add {d}, {ds}",
            outer_product_4x3!("s0", "s1", "s2", "s3"; "s4", "s5", "s6"),
            "subs {n}, #1",
            "bne 2b",
            "vstmia {g}, {{s16-s18}}",
            "add {g}, {ds}",
            "vstmia {g}, {{s20-s22}}",
            "add {g}, {ds}",
            "vstmia {g}, {{s24-s26}}",
            "add {g}, {ds}",
            "vstmia {g}, {{s28-s30}}",
            "vldr s0, [{sum}]",
            "vmla.f32 s0, s16, s16", "vmla.f32 s0, s17, s17", "vmla.f32 s0, s18, s18",
            "vmla.f32 s0, s20, s20", "vmla.f32 s0, s21, s21", "vmla.f32 s0, s22, s22",
            "vmla.f32 s0, s24, s24", "vmla.f32 s0, s25, s25", "vmla.f32 s0, s26, s26",
            "vmla.f32 s0, s28, s28", "vmla.f32 s0, s29, s29", "vmla.f32 s0, s30, s30",
            "vstr s0, [{sum}]",
            zeros = in(reg) ZEROS.as_ptr(),
            n = inout(reg) rows => _,
            x = inout(reg) x0.as_ptr() => _,
            d = inout(reg) dz0.as_ptr() => _,
            xs = in(reg) IN * 4,
            ds = in(reg) OUT * 4,
            g = inout(reg) g0.as_mut_ptr() => _,
            sum = in(reg) core::ptr::from_mut(sum_of_squares),
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            out("s20") _, out("s21") _, out("s22") _, out("s23") _,
            out("s24") _, out("s25") _, out("s26") _, out("s27") _,
            out("s28") _, out("s29") _, out("s30") _, out("s31") _,
            options(nostack),
        );
    }
    Some(())
}

/// [`Blocks::column_sums_store`] for 4 columns, in the asm: a row is one `vldmia`, four
/// `vadd.f32` and three of address and loop (8, where the compiled loop
/// takes 12); the sums are stored with one `vstmia`.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
fn column_sums_store_4<const M: usize, const OUT: usize>(
    dz: &[[f32; OUT]; M],
    rows: usize,
    j0: usize,
    grads: &mut [f32; OUT],
    sum_of_squares: &mut f32,
) -> Option<()> {
    let (dz0, g0, rows) = column_sums_operands::<4, M, OUT>(dz, rows, j0, grads)?;
    // SAFETY: `dz0` starts at `dz[0][j0]` with `j0 + 4 ≤ OUT`; the loop
    // runs `rows` times (1 ≤ rows ≤ M) and pass `r` reads the four floats
    // `dz[r][j0..j0 + 4]`, `OUT·r` elements on, inside the array, which the
    // reference keeps alive and unaliased by writes; the last addition
    // points at most one row past the end and is never dereferenced. `g0`
    // is the four floats `grads[j0..j0 + 4]`, written by one `vstmia`
    // through their unique reference, and `sum_of_squares` one float, read
    // and written through its own. `ZEROS` is 16 readable floats. The asm
    // uses only its operand registers and `s0`–`s3`, `s16`–`s19`, declared
    // clobbered, and the condition flags; it does not touch the stack.
    unsafe {
        core::arch::asm!(
            "vldmia {zeros}, {{s16-s19}}",
            "2:",
            "vldmia {d}, {{s0-s3}}",
            "add {d}, {ds}",
            "vadd.f32 s16, s16, s0",
            "vadd.f32 s17, s17, s1",
            "vadd.f32 s18, s18, s2",
            "vadd.f32 s19, s19, s3",
            "subs {n}, #1",
            "bne 2b",
            "vstmia {g}, {{s16-s19}}",
            "vldr s0, [{sum}]",
            "vmla.f32 s0, s16, s16",
            "vmla.f32 s0, s17, s17",
            "vmla.f32 s0, s18, s18",
            "vmla.f32 s0, s19, s19",
            "vstr s0, [{sum}]",
            zeros = in(reg) ZEROS.as_ptr(),
            n = inout(reg) rows => _,
            d = inout(reg) dz0.as_ptr() => _,
            ds = in(reg) OUT * 4,
            g = in(reg) g0.as_mut_ptr(),
            sum = in(reg) core::ptr::from_mut(sum_of_squares),
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            options(nostack),
        );
    }
    Some(())
}

/// [`column_sums_store_4`] for three columns (7 instructions a
/// row, the compiled loop 11).
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline(always)]
fn column_sums_store_3<const M: usize, const OUT: usize>(
    dz: &[[f32; OUT]; M],
    rows: usize,
    j0: usize,
    grads: &mut [f32; OUT],
    sum_of_squares: &mut f32,
) -> Option<()> {
    let (dz0, g0, rows) = column_sums_operands::<3, M, OUT>(dz, rows, j0, grads)?;
    // SAFETY: as for `column_sums_store_4`, with `j0 + 3 ≤ OUT` and three
    // floats (not four) read from each row `dz[r][j0..]` and written to
    // `grads[j0..]`.
    unsafe {
        core::arch::asm!(
            "vldmia {zeros}, {{s16-s18}}",
            "2:",
            "vldmia {d}, {{s0-s2}}",
            "add {d}, {ds}",
            "vadd.f32 s16, s16, s0",
            "vadd.f32 s17, s17, s1",
            "vadd.f32 s18, s18, s2",
            "subs {n}, #1",
            "bne 2b",
            "vstmia {g}, {{s16-s18}}",
            "vldr s0, [{sum}]",
            "vmla.f32 s0, s16, s16",
            "vmla.f32 s0, s17, s17",
            "vmla.f32 s0, s18, s18",
            "vstr s0, [{sum}]",
            zeros = in(reg) ZEROS.as_ptr(),
            n = inout(reg) rows => _,
            d = inout(reg) dz0.as_ptr() => _,
            ds = in(reg) OUT * 4,
            g = in(reg) g0.as_mut_ptr(),
            sum = in(reg) core::ptr::from_mut(sum_of_squares),
            out("s0") _, out("s1") _, out("s2") _,
            out("s16") _, out("s17") _, out("s18") _,
            options(nostack),
        );
    }
    Some(())
}
