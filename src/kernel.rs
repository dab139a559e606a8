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

mod blocks; // after `unrolled!`, which it uses

pub(crate) use blocks::Blocks;

/// [`affine`] for a batch. The element type's [`Blocks::affine_rows`] goes
/// first: where it takes the layer (`f32` on hard-float Arm, most shapes),
/// one copy of the kernel serves every input count; otherwise
/// [`affine_batch_typed`].
#[inline(always)]
pub(crate) fn affine_batch<
    T: Scalar,
    G: Elementwise,
    const L: usize,
    const M: usize,
    const IN: usize,
    const OUT: usize,
>(
    x: &[[T; IN]; M],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; M],
    rows: usize,
) {
    if T::affine_rows::<G, M, OUT>(x.as_flattened(), IN, w.as_flattened(), b, z, rows).is_none() {
        affine_batch_typed::<T, G, L, M, IN, OUT>(x, w, b, z, rows);
    }
}

/// [`affine_batch`] with every size a constant, behind a call boundary on
/// 32-bit Arm (as `affine_rows_even` is).
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
fn affine_batch_typed<T: Scalar, G: Elementwise, const L: usize, const M: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; M],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; M],
    rows: usize,
) {
    affine::<T, G, L, M, IN, OUT>(x, w, b, z, rows);
}

/// `z[r][j] = g(b[j] + Σₖ x[r][k]·w[k][j])` (ascending `k`) for the first `rows` rows.
#[inline(always)]
pub(crate) fn affine<T: Scalar, G: Elementwise, const L: usize, const M: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; M],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; M],
    rows: usize,
) {
    let (x, z) = (x.get(..rows).unwrap_or(&[]), z.get_mut(..rows).unwrap_or(&mut []));
    #[cfg(target_arch = "x86_64")]
    let (x, z) = if OUT < 4 {
        let (x_eights, x_rest) = x.as_chunks::<8>();
        let (z_eights, z_rest) = z.as_chunks_mut::<8>();
        for (xb, zb) in x_eights.iter().zip(z_eights) {
            affine_rows_as_lanes::<T, G, 8, IN, OUT>(xb, w, b, zb);
        }
        (x_rest, z_rest)
    } else {
        (x, z)
    };
    let (x_blocks, x_tail) = x.as_chunks::<ROWS>();
    let (z_blocks, z_tail) = z.as_chunks_mut::<ROWS>();
    for (xb, zb) in x_blocks.iter().zip(z_blocks) {
        affine_columns::<T, G, L, ROWS, IN, OUT>(xb, w, b, zb);
    }
    for (xr, zr) in x_tail.iter().zip(z_tail) {
        affine_columns::<T, G, L, 1, IN, OUT>(core::array::from_ref(xr), w, b, core::array::from_mut(zr));
    }
}

/// [`affine`] on x86-64 for a layer of fewer than 4 outputs (an output
/// layer's classes), `R` rows at once with lanes along the rows: each `j`'s
/// `R` sums are one vector, and each `k` adds column `k` of `x` (a gather)
/// times a broadcast of `w[k][j]`. Same sums, same order.
///
/// In blocks of 4 rows × `OUT` columns, LLVM laid the 12 sums out as they
/// lie in `z` and rebuilt both operands' patterns with shuffles for every
/// `k` (W2's 16 → 3 layer: 23 instructions a `k` for 4 rows; here 19 for
/// 8 with AVX2). The sums pass through `black_box` on their way to `z`:
/// otherwise the SLP vectoriser, which starts from the stores, chose `z`'s
/// layout for the whole loop again (41 a `k`). It changes no value, and
/// the sums' transposition into `z` is a few shuffles once per block.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn affine_rows_as_lanes<T: Scalar, G: Elementwise, const R: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; R],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; R],
) {
    let mut acc = const { [[T::ZERO; R]; OUT] }; // a constant: see `weight_gradient_block`
    for (acc_j, &bias) in acc.iter_mut().zip(b) {
        *acc_j = [bias; R];
    }
    for (k, w_row) in w.iter().enumerate() {
        let column: [T; R] = core::array::from_fn(|r| get(x, r, k));
        for (acc_j, &wv) in acc.iter_mut().zip(w_row) {
            for (a, &xk) in acc_j.iter_mut().zip(&column) {
                *a += xk * wv;
            }
        }
    }
    let acc = core::hint::black_box(acc); // keeps the lanes along rows (see above)
    for (r, z_row) in z.iter_mut().enumerate() {
        for (j, zv) in z_row.iter_mut().enumerate() {
            *zv = G::apply(get(&acc, j, r));
        }
    }
}

/// [`affine`] for a block of `R` rows, all columns.
#[inline(always)]
fn affine_columns<T: Scalar, G: Elementwise, const L: usize, const R: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; R],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; R],
) {
    for block in 0..OUT / L {
        affine_block::<T, G, L, R, IN, OUT>(x, w, b, z, block * L, L);
    }
    if !OUT.is_multiple_of(L) {
        affine_block::<T, G, L, R, IN, OUT>(x, w, b, z, OUT - OUT % L, OUT % L);
    }
}

/// [`affine`] for `R` rows and the `width` columns from `j0`. Full blocks of
/// 4 columns go to the element type's [`Blocks`] first (asm for `f32` on
/// hard-float Arm): 4 rows (a batch) to [`Blocks::affine_4xn`], 1 row
/// (inference, a batch's tail) to [`Blocks::affine_1x4`].
#[inline(always)]
fn affine_block<T: Scalar, G: Elementwise, const L: usize, const R: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; R],
    w: &[[T; OUT]; IN],
    b: &[T; OUT],
    z: &mut [[T; OUT]; R],
    j0: usize,
    width: usize,
) {
    if L == 4
        && R == 4
        && let (Some(x), Some(z)) = (x.first_chunk::<4>(), z.first_chunk_mut::<4>())
        && T::affine_4xn::<G, IN, OUT>(x, w, b, z, j0, width).is_some()
    {
        return;
    }
    if L == 4
        && R == 1
        && width == 4
        && let (Some(x), Some(z)) = (x.first_chunk::<1>(), z.first_chunk_mut::<1>())
        && T::affine_1x4::<G, IN, OUT>(x, w, b, z, j0).is_some()
    {
        return;
    }
    let mut acc = [[T::ZERO; L]; R];
    unrolled!(l < width => {
        let bias = b.get(j0 + l).copied().unwrap_or(T::ZERO);
        unrolled!(r < R => { set(&mut acc, r, l, bias); });
    });
    #[inline(always)]
    fn add_input<T: Scalar, const L: usize, const R: usize, const IN: usize, const OUT: usize>(
        acc: &mut [[T; L]; R],
        x: &[[T; IN]; R],
        w_row: &[T; OUT],
        k: usize,
        j0: usize,
        width: usize,
    ) {
        unrolled!(r < R => {
            let xk = x.get(r).and_then(|row| row.get(k)).copied().unwrap_or(T::ZERO);
            unrolled!(l < width => {
                let wv = w_row.get(j0 + l).copied().unwrap_or(T::ZERO);
                add_product(acc, r, l, xk, wv);
            });
        });
    }
    // Up to 8 inputs, straight-line: at opt-level "s" LLVM keeps the loop,
    // whose own instructions cost a narrow block as much as its arithmetic
    // (W1's 4 → 1 output layer on the Cortex-M4F: 67 instructions, 46 unrolled).
    if IN <= 8 {
        unrolled!(k < IN => {
            if let Some(w_row) = w.get(k) {
                add_input(&mut acc, x, w_row, k, j0, width);
            }
        });
    } else {
        for (k, w_row) in w.iter().enumerate() {
            add_input(&mut acc, x, w_row, k, j0, width);
        }
    }
    unrolled!(r < R => {
        unrolled!(l < width => {
            if let Some(z) = z.get_mut(r).and_then(|row| row.get_mut(j0 + l)) {
                *z = G::apply(get(&acc, r, l));
            }
        });
    });
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
    // The checked step's sink only stores and squares: a full block goes
    // from the asm's registers straight into the gradient array.
    if L == 4
        && kw == 4
        && let Some((grads, sum_of_squares)) = update.gradient_store(slots)
        && T::weight_gradient_store(x, dz, rows, k0, j0, width, grads, sum_of_squares).is_some()
    {
        return;
    }
    // A constant, not a repeat of a runtime value: rustc fills `[[v; L]; R]`
    // with a copy loop, which LLVM left in memory (accumulators loaded from
    // and stored to the stack every block) once the backward pass was out of
    // line on Arm; a constant is one `memset` that SROA splits into registers.
    let mut acc = const { [[T::ZERO; L]; ROWS] };
    // The asm's sums pass through a 64-byte block on the stack. Only the
    // checked step (whose sink keeps the parameters) takes it: the fused step
    // inlines every layer into one frame, where the blocks cost 80 bytes of
    // stack and its 6.5 KiB RAM aim (for 2,300 fewer instructions on W2).
    let summed = U::KEEPS_PARAMS && L == 4 && kw == 4 && width == 4 && {
        match T::weight_gradient_4x4(x, dz, rows, k0, j0) {
            Some(sums) => {
                // `L` and `ROWS` are 4 here: sixteen copies at constant indices.
                unrolled!(kk < 4 => {
                    unrolled!(l < 4 => { set(&mut acc, kk, l, get(&sums, kk, l)); });
                });
                true
            }
            None => false,
        }
    };
    // A function, not a closure: called from five places, a closure was not
    // inlined at opt-level "s" and took the sums into memory.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn add_row<T: Scalar, const L: usize, const IN: usize, const OUT: usize>(
        acc: &mut [[T; L]; ROWS],
        x_row: &[T; IN],
        dz_row: &[T; OUT],
        k0: usize,
        kw: usize,
        j0: usize,
        width: usize,
    ) {
        unrolled!(kk < kw => {
            let xk = x_row.get(k0 + kk).copied().unwrap_or(T::ZERO);
            unrolled!(l < width => {
                let d = dz_row.get(j0 + l).copied().unwrap_or(T::ZERO);
                add_product(acc, kk, l, xk, d);
            });
        });
    }
    // Four rows a pass for small blocks, each added in ascending order: at
    // opt-level "s" LLVM keeps the loop over rows, whose own instructions
    // cost about as much as a narrow layer's arithmetic (W1 on the
    // Cortex-M4F: 4 to 5 per row). A block of more than 8 sums keeps one row
    // a pass: four rows' operands beside 16 sums spilled (the fused W2 step
    // at "s": 2,800 more). Rows by index, not through chunks of the arrays:
    // with chunks, LLVM recomputed each row's address (at opt-level 3, W2's
    // 16 -> 3 layer: 57 instructions more a step).
    let used = if summed { 0 } else { rows.min(M) };
    let passes = if kw * width <= 8 { used / 4 } else { 0 };
    for pass in 0..passes {
        unrolled!(r < 4 => {
            if let (Some(x_row), Some(dz_row)) = (x.get(4 * pass + r), dz.get(4 * pass + r)) {
                add_row(&mut acc, x_row, dz_row, k0, kw, j0, width);
            }
        });
    }
    for i in passes * 4..used {
        if let (Some(x_row), Some(dz_row)) = (x.get(i), dz.get(i)) {
            add_row(&mut acc, x_row, dz_row, k0, kw, j0, width);
        }
    }
    // A row of gradients at a time, when the sink does better so (see
    // `ParamUpdate::BY_LANES`).
    #[cfg(target_arch = "x86_64")]
    if U::BY_LANES {
        unrolled!(kk < kw => {
            if let (Some(w_row), Some(s_row), Some(grads)) = (w.get_mut(k0 + kk), slots.get_mut(k0 + kk), acc.get(kk))
                && let (Some(p), Some(s)) = (w_row.get_mut(j0..j0 + width), s_row.get_mut(j0..j0 + width))
            {
                update.update_lanes(p, grads, s);
            }
        });
        return;
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

/// [`weight_gradient`] for every `k` at once, lanes along `k`: `acc[j]`
/// takes `x[r][..]·dz[r][j]`, `IN / 4` vector loads of each row of `x`
/// times one broadcast per `j`. For a layer of few outputs on x86-64
/// (`Dense::NARROW`); its `IN × OUT` accumulators must fit the
/// registers. The gradients go to `update` a row of `W` at a time. Same
/// sums, same order.
#[inline(always)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))] // only x86-64 and the tests run it
pub(crate) fn weight_gradient_whole<T, S, U, const M: usize, const IN: usize, const OUT: usize>(
    x: &[[T; IN]; M],
    dz: &[[T; OUT]; M],
    rows: usize,
    w: &mut [[T; OUT]; IN],
    slots: &mut [[S; OUT]; IN],
    update: &mut U,
) where
    T: Scalar,
    U: ParamUpdate<T, S>,
{
    let mut acc = const { [[T::ZERO; IN]; OUT] }; // a constant: see `weight_gradient_block`
    for (x_row, dz_row) in x.iter().zip(dz).take(rows) {
        for (acc_j, &d) in acc.iter_mut().zip(dz_row) {
            for (a, &xk) in acc_j.iter_mut().zip(x_row) {
                *a += xk * d;
            }
        }
    }
    for (k, (w_row, s_row)) in w.iter_mut().zip(slots.iter_mut()).enumerate() {
        let grads: [T; OUT] = core::array::from_fn(|j| get(&acc, j, k));
        update.update_lanes(w_row, &grads, s_row);
    }
}

/// Where [`input_gradient`] sends the elements of `dX`.
pub(crate) trait InputGradientSink<T: Scalar> {
    /// Takes `dX[r][k0 + kk] = value`.
    fn store(&mut self, r: usize, kk: usize, value: T);
    /// Takes the full 4 × 4 block of `dX` at rows `r0..r0 + 4` (`dz`) and
    /// columns `k0..k0 + 4` (`w`, those rows of `W`) by some faster means
    /// than the plain loop (the element type's [`Blocks`]), or declines
    /// (`None`, the default) and gets the plain loop's [`store`](Self::store)s.
    #[inline(always)]
    fn block_4x4<const OUT: usize>(&mut self, _dz: &[[T; OUT]; 4], _w: &[[T; OUT]; 4], _r0: usize) -> Option<()> {
        None
    }
}

/// A closure takes each element and no block: the fused step's buffer,
/// which the asm blocks' 64-byte stack block would cost its RAM aim (80
/// bytes for 2,300 fewer instructions on W2, see `weight_gradient_block`).
impl<T: Scalar, F: FnMut(usize, usize, T)> InputGradientSink<T> for F {
    #[inline(always)]
    fn store(&mut self, r: usize, kk: usize, value: T) {
        self(r, kk, value);
    }
}

/// The checked step's sink: each element `d` of `dX` goes straight into the
/// hidden layer's output `A` (activation `G`) as its `dZ`, `d · g'(a)`.
pub(crate) struct IntoHidden<'a, T, G, const M: usize, const N: usize> {
    /// The hidden layer's `A`, turned into its `dZ` column block by column block.
    pub(crate) a: &'a mut [[T; N]; M],
    /// The first column of the current block.
    pub(crate) k0: usize,
    /// The hidden layer's activation.
    pub(crate) activation: core::marker::PhantomData<G>,
}

impl<T: Scalar, G: Elementwise, const M: usize, const N: usize> InputGradientSink<T> for IntoHidden<'_, T, G, M, N> {
    #[inline(always)]
    fn store(&mut self, r: usize, kk: usize, d: T) {
        if let Some(a) = self.a.get_mut(r).and_then(|row| row.get_mut(self.k0 + kk)) {
            *a = G::times_derivative(d, *a);
        }
    }

    #[inline(always)]
    fn block_4x4<const OUT: usize>(&mut self, dz: &[[T; OUT]; 4], w: &[[T; OUT]; 4], r0: usize) -> Option<()> {
        if T::input_gradient_into_4x4::<G, OUT, M, N>(dz, w, self.a, r0, self.k0).is_some() {
            return Some(());
        }
        let acc = T::input_gradient_4x4(dz, w)?;
        unrolled!(r < 4 => {
            unrolled!(kk < 4 => {
                self.store(r0 + r, kk, get(&acc, r, kk));
            });
        });
        Some(())
    }
}

/// `dX[r][k0 + kk] = Σⱼ dz[r][j]·w[k0 + kk][j]` (ascending `j`) for `kk < kw`
/// and the first `rows` rows: a block of columns of `dX = dZ·Wᵀ`, each
/// element handed to `sink` straight from the registers. On x86-64 this is
/// [`input_gradient_wide`] for at most [`ROWS`] columns and
/// [`input_gradient_transposed`] for more (a layer's whole `dX`, see
/// `Dense::backward_whole`); elsewhere [`input_gradient_rows`], which
/// offers full 4 × 4 blocks to the sink first
/// ([`InputGradientSink::block_4x4`]).
#[inline(always)]
pub(crate) fn input_gradient<T: Scalar, const M: usize, const IN: usize, const OUT: usize>(
    dz: &[[T; OUT]; M],
    w: &[[T; OUT]; IN],
    rows: usize,
    k0: usize,
    kw: usize,
    sink: &mut impl InputGradientSink<T>,
) {
    #[cfg(target_arch = "x86_64")]
    if kw > ROWS {
        input_gradient_transposed::<T, M, IN, OUT>(dz, w, rows, k0, kw, sink);
    } else {
        input_gradient_wide::<T, M, IN, OUT>(dz, w, rows, k0, kw, sink);
    }
    #[cfg(not(target_arch = "x86_64"))]
    input_gradient_rows::<T, M, IN, OUT>(dz, w, rows, k0, kw, sink);
}

/// [`input_gradient`] in blocks of [`ROWS`] rows, reading `W`'s rows in
/// place; full 4 × 4 blocks go to the sink first.
#[inline(always)]
#[cfg_attr(target_arch = "x86_64", allow(dead_code))] // x86-64 runs it only in tests
pub(crate) fn input_gradient_rows<T: Scalar, const M: usize, const IN: usize, const OUT: usize>(
    dz: &[[T; OUT]; M],
    w: &[[T; OUT]; IN],
    rows: usize,
    k0: usize,
    kw: usize,
    sink: &mut impl InputGradientSink<T>,
) {
    let dz = dz.get(..rows).unwrap_or(&[]);
    let (blocks, tail) = dz.as_chunks::<ROWS>();
    for (b, dz_block) in blocks.iter().enumerate() {
        input_gradient_block::<T, ROWS, IN, OUT>(dz_block, w, k0, kw, b * ROWS, sink);
    }
    for (t, dz_row) in tail.iter().enumerate() {
        input_gradient_block::<T, 1, IN, OUT>(core::array::from_ref(dz_row), w, k0, kw, blocks.len() * ROWS + t, sink);
    }
}

#[inline(always)]
fn input_gradient_block<T: Scalar, const R: usize, const IN: usize, const OUT: usize>(
    dz: &[[T; OUT]; R],
    w: &[[T; OUT]; IN],
    k0: usize,
    kw: usize,
    r0: usize,
    sink: &mut impl InputGradientSink<T>,
) {
    let w_rows = w.get(k0..).unwrap_or(&[]);
    if R == 4
        && kw == 4
        && let (Some(dz), Some(w)) = (dz.first_chunk::<4>(), w_rows.first_chunk::<4>())
        && sink.block_4x4(dz, w, r0).is_some()
    {
        return;
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
            sink.store(r0 + r, kk, get(&acc, r, kk));
        });
    });
}

/// [`input_gradient`] for x86-64, in blocks of 8 rows (then 4, then 1)
/// instead of [`ROWS`] (4 rows when `OUT < 4`). Both operands of
/// `dX = dZ·Wᵀ` are read down their columns: LLVM vectorises a block across
/// `kk` and gathers the four weights `w[k0 + kk][j]` of each `j` with four
/// loads and three shuffles, which an 8-row block (8 accumulators, the
/// weights and one broadcast `dz`: 10 of SSE's 16 registers) pays once for
/// 32 multiply-adds instead of 16. Same sums, same order.
#[inline(always)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))] // only x86-64 and the tests run it
pub(crate) fn input_gradient_wide<T: Scalar, const M: usize, const IN: usize, const OUT: usize>(
    dz: &[[T; OUT]; M],
    w: &[[T; OUT]; IN],
    rows: usize,
    k0: usize,
    kw: usize,
    sink: &mut impl InputGradientSink<T>,
) {
    let dz = dz.get(..rows).unwrap_or(&[]);
    // With fewer than 4 columns (an output layer's classes) LLVM loaded every
    // `dz` of an 8-row block up front and spilled them (W2: 134 instructions
    // more than 4-row blocks).
    let (eights, rest) = if OUT < 4 { (&[][..], dz) } else { dz.as_chunks::<8>() };
    for (b, block) in eights.iter().enumerate() {
        input_gradient_block::<T, 8, IN, OUT>(block, w, k0, kw, b * 8, sink);
    }
    let r0 = eights.len() * 8;
    let (fours, ones) = rest.as_chunks::<ROWS>();
    for (b, block) in fours.iter().enumerate() {
        input_gradient_block::<T, ROWS, IN, OUT>(block, w, k0, kw, r0 + b * ROWS, sink);
    }
    let r0 = r0 + fours.len() * ROWS;
    for (t, row) in ones.iter().enumerate() {
        input_gradient_block::<T, 1, IN, OUT>(core::array::from_ref(row), w, k0, kw, r0 + t, sink);
    }
}

/// [`input_gradient`] for columns `k0 .. k0 + kw` in any number, one row at
/// a time with lanes along `k`, from a copy of `W` transposed once
/// (`wt[j][k] = w[k][j]`): each `j` of a row broadcasts `dz[r][j]` onto
/// `IN / 4` vector loads of `wt[j]`. For a layer of few outputs on x86-64,
/// whose columns of `W` are short (`Dense::NARROW`), or of at most
/// 16 inputs (`Dense::backward_whole`); a row's `IN` accumulators must fit
/// the registers. Same sums, same order.
#[inline(always)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))] // only x86-64 and the tests run it
pub(crate) fn input_gradient_transposed<T: Scalar, const M: usize, const IN: usize, const OUT: usize>(
    dz: &[[T; OUT]; M],
    w: &[[T; OUT]; IN],
    rows: usize,
    k0: usize,
    kw: usize,
    sink: &mut impl InputGradientSink<T>,
) {
    let mut wt = const { [[T::ZERO; IN]; OUT] };
    for (k, w_row) in w.iter().enumerate() {
        for (wt_row, &v) in wt.iter_mut().zip(w_row) {
            if let Some(t) = wt_row.get_mut(k) {
                *t = v;
            }
        }
    }
    for (r, dz_row) in dz.iter().enumerate().take(rows) {
        let mut acc = const { [T::ZERO; IN] }; // a constant: see `weight_gradient_block`
        for (wt_row, &d) in wt.iter().zip(dz_row) {
            for (a, &wv) in acc.iter_mut().zip(wt_row) {
                *a += d * wv;
            }
        }
        for (kk, &a) in acc.iter().skip(k0).take(kw).enumerate() {
            sink.store(r, kk, a);
        }
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
    // The checked step's sink only stores and squares (see `weight_gradient_block`).
    if L == 4
        && let Some(([grads], sum_of_squares)) = update.gradient_store::<1, OUT>(core::array::from_mut(slots))
        && T::column_sums_store(dz, rows, j0, width, grads, sum_of_squares).is_some()
    {
        return;
    }
    let mut acc = [T::ZERO; L];
    // A function, not a closure (see `weight_gradient_block`).
    #[inline(always)]
    fn add_row<T: Scalar, const L: usize, const OUT: usize>(
        acc: &mut [T; L],
        dz_row: &[T; OUT],
        j0: usize,
        width: usize,
    ) {
        unrolled!(l < width => {
            if let (Some(a), Some(&d)) = (acc.get_mut(l), dz_row.get(j0 + l)) {
                *a += d;
            }
        });
    }
    // Four rows a pass, each added in ascending order: at opt-level "s" LLVM
    // keeps the loop over rows, whose own instructions cost about as much as
    // a narrow layer's arithmetic (W1 on the Cortex-M4F: 4 to 5 per row).
    let used = rows.min(M);
    for pass in 0..used / 4 {
        unrolled!(r < 4 => {
            if let Some(dz_row) = dz.get(4 * pass + r) {
                add_row(&mut acc, dz_row, j0, width);
            }
        });
    }
    for dz_row in dz.get(used / 4 * 4..used).unwrap_or(&[]) {
        add_row(&mut acc, dz_row, j0, width);
    }
    // A row of gradients at once, when the sink does better so (see
    // `ParamUpdate::BY_LANES`).
    #[cfg(target_arch = "x86_64")]
    if U::BY_LANES {
        if let (Some(p), Some(s)) = (b.get_mut(j0..j0 + width), slots.get_mut(j0..j0 + width)) {
            update.update_lanes(p, &acc, s);
        }
        return;
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

    /// Stores each gradient, as `StoreGradient`, but asks for rows of them
    /// (`ParamUpdate::BY_LANES`), so the kernels' other hand-over is checked too.
    struct StoreRows;

    impl ParamUpdate<f32, f32> for StoreRows {
        const KEEPS_PARAMS: bool = true;
        const BY_LANES: bool = true;
        fn update(&mut self, _param: &mut f32, grad: f32, slot: &mut f32) {
            *slot = grad;
        }
    }

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
        // `dX[r][k] = Σⱼ dz[r][j]·w[k][j]` in ascending `j`, from `+0.0`.
        let dx_reference = |r: usize, k: usize| {
            let mut s = 0.0f32;
            for j in 0..OUT {
                s += dz[r][j] * w[k][j];
            }
            s
        };
        for rows in [M, M.saturating_sub(1), 1] {
            // Forward, against the plain loop in the same order.
            let mut z = [[f32::NAN; OUT]; M];
            affine::<f32, crate::Identity, L, M, IN, OUT>(&x, &w, &b, &mut z, rows);
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
            // The same through a sink that takes rows of gradients.
            let mut dw_rows = [[f32::NAN; OUT]; IN];
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
                    &mut dw_rows,
                    &mut StoreRows,
                );
            }
            assert_eq!(
                dw_rows.map(|row| row.map(f32::to_bits)),
                dw.map(|row| row.map(f32::to_bits))
            );
            // Weight gradient, all of it at once (x86-64's narrow layers).
            let mut dw_whole = [[f32::NAN; OUT]; IN];
            let mut params = w;
            weight_gradient_whole::<f32, f32, _, M, IN, OUT>(
                &x,
                &dz,
                rows,
                &mut params,
                &mut dw_whole,
                &mut StoreGradient,
            );
            for k in 0..IN {
                for j in 0..OUT {
                    assert_eq!(dw_whole[k][j].to_bits(), dw[k][j].to_bits(), "whole dw[{k}][{j}]");
                }
            }
            // Input gradient, all columns at once (x86-64's narrow layers),
            // and from a column other than 0.
            for k0 in [0, IN / 2] {
                let kw = IN - k0;
                let mut dx = [[f32::NAN; IN]; M];
                input_gradient_transposed::<f32, M, IN, OUT>(
                    &dz,
                    &w,
                    rows,
                    k0,
                    kw,
                    &mut |r: usize, kk: usize, v: f32| dx[r][kk] = v,
                );
                for r in 0..M {
                    for kk in 0..IN {
                        if r >= rows || kk >= kw {
                            assert!(dx[r][kk].is_nan(), "transposed dx[{r}][{}] was written", k0 + kk);
                            continue;
                        }
                        let s = dx_reference(r, k0 + kk);
                        assert_eq!(dx[r][kk].to_bits(), s.to_bits(), "transposed dx[{r}][{}]", k0 + kk);
                    }
                }
            }
            // Input gradient.
            for k0 in (0..IN).step_by(ROWS) {
                let kw = ROWS.min(IN - k0);
                for form in 0..2 {
                    let mut dx = [[f32::NAN; M]; ROWS];
                    let mut store = |r: usize, kk: usize, v: f32| dx[kk][r] = v;
                    if form == 0 {
                        input_gradient_rows::<f32, M, IN, OUT>(&dz, &w, rows, k0, kw, &mut store);
                    } else {
                        input_gradient_wide::<f32, M, IN, OUT>(&dz, &w, rows, k0, kw, &mut store);
                    }
                    for kk in 0..ROWS {
                        for r in 0..M {
                            if kk >= kw || r >= rows {
                                assert!(dx[kk][r].is_nan(), "dx[{}][{r}] was written (form {form})", k0 + kk);
                                continue;
                            }
                            let s = dx_reference(r, k0 + kk);
                            assert_eq!(dx[kk][r].to_bits(), s.to_bits(), "dx[{}][{r}] (form {form})", k0 + kk);
                        }
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
            let mut db_rows = [f32::NAN; OUT];
            column_sums::<f32, f32, _, L, M, OUT>(&dz, rows, &mut bias, &mut db_rows, &mut StoreRows);
            assert_eq!(db_rows.map(f32::to_bits), db.map(f32::to_bits));
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
        check_shape::<L, 13, 4, 5>();
        check_shape::<L, 19, 5, 2>();
        check_shape::<L, 16, 3, 1>();
    }

    /// Both block widths in use (8 lanes on x86-64, 4 elsewhere), on this host.
    #[test]
    fn blocked_products_equal_the_plain_loops_bit_for_bit() {
        check_shapes::<4>();
        check_shapes::<8>();
        check_shapes::<3>();
    }
}
