//! `Matrix<T, R, C>`: a row-major `R × C` matrix on the stack, its dimensions part of its type.
//!
//! Rows are examples: a batch of `M` samples with `N` features is a
//! `Matrix<T, M, N>`. The three products backpropagation needs are all here and
//! none of them builds a transpose:
//!
//! | method | computes | shapes |
//! |---|---|---|
//! | [`mul`](Matrix::mul) | `A·B` | `(R × K)·(K × C) → R × C` |
//! | [`tr_mul`](Matrix::tr_mul) | `Aᵀ·B` | `(K × R)ᵀ·(K × C) → R × C` |
//! | [`mul_tr`](Matrix::mul_tr) | `A·Bᵀ` | `(R × K)·(C × K)ᵀ → R × C` |
//!
//! Each has an `_into` form that writes into a buffer the caller owns, so
//! nothing large is returned by value in a loop.
//!
//! Every product sums its `K` terms in ascending `k`, starting from zero: the
//! summation order is part of the contract that makes training bit-identical on
//! every target.

use core::ops::{Add, Mul, Neg, Sub};

use crate::{Scalar, Zeroed};

/// A row-major `R × C` matrix stored inline as `[[T; C]; R]`.
///
/// ```
/// use tinymlp::Matrix;
///
/// let a = Matrix::from_array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]); // 3 × 2
/// let b = Matrix::from_array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]);   // 2 × 3
/// let c = a.mul(&b);                                                  // 3 × 3
/// assert_eq!(c.as_array(), &[[5.0, 2.0, -1.0], [11.0, 4.0, -3.0], [17.0, 6.0, -5.0]]);
/// assert_eq!(a.tr_mul(&a), a.transpose().mul(&a)); // Aᵀ·A without building Aᵀ
/// ```
///
/// A product whose inner dimensions disagree does not compile:
///
/// ```compile_fail,E0308
/// use tinymlp::Matrix;
/// let a = Matrix::<f32, 3, 2>::zeros();
/// let b = Matrix::<f32, 3, 3>::zeros();
/// let _ = a.mul(&b); // (3 × 2)·(3 × 3)
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Matrix<T, const R: usize, const C: usize>([[T; C]; R]);

/// A `1 × C` matrix: a bias, or one row of a batch.
pub type RowVector<T, const C: usize> = Matrix<T, 1, C>;

impl<T, const R: usize, const C: usize> Matrix<T, R, C> {
    /// Number of rows.
    pub const ROWS: usize = R;
    /// Number of columns.
    pub const COLS: usize = C;

    /// Builds each element from its `(row, column)`.
    pub fn from_fn(mut f: impl FnMut(usize, usize) -> T) -> Self {
        Self(core::array::from_fn(|r| core::array::from_fn(|c| f(r, c))))
    }

    /// Wraps row-major data; usable in `const` and `static` items.
    pub const fn from_array(rows: [[T; C]; R]) -> Self {
        Self(rows)
    }

    /// The row-major data.
    pub const fn as_array(&self) -> &[[T; C]; R] {
        &self.0
    }

    /// The row-major data, mutably.
    pub fn as_array_mut(&mut self) -> &mut [[T; C]; R] {
        &mut self.0
    }

    /// Unwraps the row-major data.
    pub fn into_array(self) -> [[T; C]; R] {
        self.0
    }

    /// All `R · C` elements in row-major order.
    pub fn as_slice(&self) -> &[T] {
        self.0.as_flattened()
    }

    /// All `R · C` elements in row-major order, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self.0.as_flattened_mut()
    }

    /// Row `r`, or `None` when `r >= R`.
    pub fn row(&self, r: usize) -> Option<&[T; C]> {
        self.0.get(r)
    }

    /// Row `r` mutably, or `None` when `r >= R`.
    pub fn row_mut(&mut self, r: usize) -> Option<&mut [T; C]> {
        self.0.get_mut(r)
    }

    /// The element at row `r`, column `c`, or `None` when out of range.
    pub fn get(&self, r: usize, c: usize) -> Option<&T> {
        self.0.get(r)?.get(c)
    }

    /// The element at row `r`, column `c` mutably, or `None` when out of range.
    pub fn get_mut(&mut self, r: usize, c: usize) -> Option<&mut T> {
        self.0.get_mut(r)?.get_mut(c)
    }
}

impl<T: Copy, const R: usize, const C: usize> Matrix<T, R, C> {
    /// A matrix with every element equal to `value`.
    pub const fn filled(value: T) -> Self {
        Self([[value; C]; R])
    }

    /// Applies `f` to every element.
    pub fn map<U>(&self, mut f: impl FnMut(T) -> U) -> Matrix<U, R, C> {
        Matrix(self.0.map(|row| row.map(&mut f)))
    }

    /// Combines two matrices of the same shape element by element.
    pub fn zip_map<U: Copy, V>(&self, other: &Matrix<U, R, C>, mut f: impl FnMut(T, U) -> V) -> Matrix<V, R, C> {
        Matrix::from_fn(|r, c| f(self.0[r][c], other.0[r][c]))
    }

    /// The transpose, as a new `C × R` matrix. The products below never need it.
    pub fn transpose(&self) -> Matrix<T, C, R> {
        Matrix::from_fn(|r, c| self.0[c][r])
    }
}

impl<T: Zeroed + Copy, const R: usize, const C: usize> Zeroed for Matrix<T, R, C> {
    const ZEROED: Self = Self([[T::ZEROED; C]; R]);
}

impl<T: Scalar, const R: usize, const C: usize> Default for Matrix<T, R, C> {
    fn default() -> Self {
        Self::zeros()
    }
}

impl<T: Scalar, const R: usize, const C: usize> Matrix<T, R, C> {
    /// The zero matrix; usable in `const` and `static` items.
    pub const fn zeros() -> Self {
        Self([[T::ZERO; C]; R])
    }

    /// The matrix product `self · rhs`.
    pub fn mul<const K: usize>(&self, rhs: &Matrix<T, C, K>) -> Matrix<T, R, K> {
        let mut out = Matrix::zeros();
        self.mul_into(rhs, &mut out);
        out
    }

    /// Writes `self · rhs` into `out`.
    pub fn mul_into<const K: usize>(&self, rhs: &Matrix<T, C, K>, out: &mut Matrix<T, R, K>) {
        for (out_row, a_row) in out.0.iter_mut().zip(&self.0) {
            *out_row = [T::ZERO; K];
            for (&a, b_row) in a_row.iter().zip(&rhs.0) {
                for (o, &b) in out_row.iter_mut().zip(b_row) {
                    *o += a * b;
                }
            }
        }
    }

    /// `selfᵀ · rhs` without building the transpose: `(K × R)ᵀ · (K × C') → R × C'`.
    ///
    /// This is the shape of a weight gradient, `dW = A_prevᵀ · dZ`.
    pub fn tr_mul<const K: usize>(&self, rhs: &Matrix<T, R, K>) -> Matrix<T, C, K> {
        let mut out = Matrix::zeros();
        self.tr_mul_into(rhs, &mut out);
        out
    }

    /// Writes `selfᵀ · rhs` into `out`.
    pub fn tr_mul_into<const K: usize>(&self, rhs: &Matrix<T, R, K>, out: &mut Matrix<T, C, K>) {
        *out = Matrix::zeros();
        for (a_row, b_row) in self.0.iter().zip(&rhs.0) {
            for (out_row, &a) in out.0.iter_mut().zip(a_row) {
                for (o, &b) in out_row.iter_mut().zip(b_row) {
                    *o += a * b;
                }
            }
        }
    }

    /// `self · rhsᵀ` without building the transpose: `(R × C) · (K × C)ᵀ → R × K`.
    ///
    /// This is the shape of the gradient sent back through a layer, `dA_prev = dZ · Wᵀ`.
    pub fn mul_tr<const K: usize>(&self, rhs: &Matrix<T, K, C>) -> Matrix<T, R, K> {
        let mut out = Matrix::zeros();
        self.mul_tr_into(rhs, &mut out);
        out
    }

    /// Writes `self · rhsᵀ` into `out`.
    pub fn mul_tr_into<const K: usize>(&self, rhs: &Matrix<T, K, C>, out: &mut Matrix<T, R, K>) {
        for (out_row, a_row) in out.0.iter_mut().zip(&self.0) {
            for (o, b_row) in out_row.iter_mut().zip(&rhs.0) {
                *o = dot(a_row, b_row);
            }
        }
    }

    /// The elementwise (Hadamard) product `self ⊙ rhs`.
    pub fn hadamard(&self, rhs: &Self) -> Self {
        self.zip_map(rhs, |a, b| a * b)
    }

    /// Multiplies `self` elementwise by `rhs` in place.
    pub fn hadamard_assign(&mut self, rhs: &Self) {
        for (a, &b) in self.as_mut_slice().iter_mut().zip(rhs.as_slice()) {
            *a *= b;
        }
    }

    /// The sum of each column, as a `1 × C` row: the shape of a bias gradient.
    pub fn column_sums(&self) -> RowVector<T, C> {
        let mut out = Matrix::zeros();
        self.column_sums_into(&mut out);
        out
    }

    /// Writes the sum of each column into `out`.
    pub fn column_sums_into(&self, out: &mut RowVector<T, C>) {
        let sums = &mut out.0[0];
        *sums = [T::ZERO; C];
        for row in &self.0 {
            for (s, &x) in sums.iter_mut().zip(row) {
                *s += x;
            }
        }
    }

    /// The squared Frobenius norm `‖self‖_F² = Σ xᵢⱼ²`, summed in row-major order.
    pub fn norm_squared(&self) -> T {
        self.as_slice().iter().fold(T::ZERO, |s, &x| s + x * x)
    }

    /// Multiplies every element by `k`.
    pub fn scale(&self, k: T) -> Self {
        self.map(|x| x * k)
    }

    /// `true` when no element is NaN or infinite.
    pub fn is_finite(&self) -> bool {
        self.as_slice().iter().all(|x| x.is_finite())
    }
}

/// `Σ a[k]·b[k]` in ascending `k`, starting from zero.
#[inline(always)]
pub(crate) fn dot<T: Scalar, const N: usize>(a: &[T; N], b: &[T; N]) -> T {
    let mut s = T::ZERO;
    for (&x, &y) in a.iter().zip(b) {
        s += x * y;
    }
    s
}

impl<T: Scalar, const R: usize, const K: usize, const C: usize> Mul<&Matrix<T, K, C>> for &Matrix<T, R, K> {
    type Output = Matrix<T, R, C>;
    fn mul(self, rhs: &Matrix<T, K, C>) -> Matrix<T, R, C> {
        Matrix::mul(self, rhs)
    }
}

impl<T: Scalar, const R: usize, const C: usize> Add for Matrix<T, R, C> {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        self.zip_map(&rhs, |a, b| a + b)
    }
}

impl<T: Scalar, const R: usize, const C: usize> Sub for Matrix<T, R, C> {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        self.zip_map(&rhs, |a, b| a - b)
    }
}

impl<T: Scalar, const R: usize, const C: usize> Neg for Matrix<T, R, C> {
    type Output = Self;
    fn neg(self) -> Self {
        self.map(|a| -a)
    }
}

impl<T, const R: usize, const C: usize> From<[[T; C]; R]> for Matrix<T, R, C> {
    fn from(rows: [[T; C]; R]) -> Self {
        Self(rows)
    }
}

impl<T: core::fmt::Debug, const R: usize, const C: usize> core::fmt::Debug for Matrix<T, R, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Matrix<{R}×{C}>")?;
        f.debug_list().entries(self.0.iter()).finish()
    }
}

#[cfg(feature = "approx")]
mod approx_impls {
    use super::Matrix;
    use approx::{AbsDiffEq, RelativeEq, UlpsEq};

    impl<T: AbsDiffEq, const R: usize, const C: usize> AbsDiffEq for Matrix<T, R, C>
    where
        T::Epsilon: Copy,
    {
        type Epsilon = T::Epsilon;
        fn default_epsilon() -> T::Epsilon {
            T::default_epsilon()
        }
        fn abs_diff_eq(&self, other: &Self, epsilon: T::Epsilon) -> bool {
            self.as_slice()
                .iter()
                .zip(other.as_slice())
                .all(|(a, b)| a.abs_diff_eq(b, epsilon))
        }
    }

    impl<T: RelativeEq, const R: usize, const C: usize> RelativeEq for Matrix<T, R, C>
    where
        T::Epsilon: Copy,
    {
        fn default_max_relative() -> T::Epsilon {
            T::default_max_relative()
        }
        fn relative_eq(&self, other: &Self, epsilon: T::Epsilon, max_relative: T::Epsilon) -> bool {
            self.as_slice()
                .iter()
                .zip(other.as_slice())
                .all(|(a, b)| a.relative_eq(b, epsilon, max_relative))
        }
    }

    impl<T: UlpsEq, const R: usize, const C: usize> UlpsEq for Matrix<T, R, C>
    where
        T::Epsilon: Copy,
    {
        fn default_max_ulps() -> u32 {
            T::default_max_ulps()
        }
        fn ulps_eq(&self, other: &Self, epsilon: T::Epsilon, max_ulps: u32) -> bool {
            self.as_slice()
                .iter()
                .zip(other.as_slice())
                .all(|(a, b)| a.ulps_eq(b, epsilon, max_ulps))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a() -> Matrix<f64, 2, 3> {
        Matrix::from_array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    }

    #[test]
    fn mul_matches_hand_computation() {
        let b = Matrix::from_array([[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]]);
        // [1 2 3]·[7 9 11]ᵀ = 7+18+33 = 58, [1 2 3]·[8 10 12]ᵀ = 8+20+36 = 64, …
        assert_eq!(a().mul(&b).into_array(), [[58.0, 64.0], [139.0, 154.0]]);
        assert_eq!((&a() * &b).into_array(), [[58.0, 64.0], [139.0, 154.0]]);
    }

    #[test]
    fn tr_mul_matches_hand_computation() {
        let b = Matrix::from_array([[1.0, -1.0], [2.0, 0.5]]);
        // aᵀ = [[1,4],[2,5],[3,6]]; row 0: [1·1+4·2, 1·(-1)+4·0.5] = [9, 1]
        assert_eq!(a().tr_mul(&b).into_array(), [[9.0, 1.0], [12.0, 0.5], [15.0, 0.0]]);
    }

    #[test]
    fn mul_tr_matches_hand_computation() {
        let b = Matrix::from_array([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]);
        // [1 2 3]·[1 0 -1] = -2, [1 2 3]·[.5 .5 .5] = 3; [4 5 6]: -2, 7.5
        assert_eq!(a().mul_tr(&b).into_array(), [[-2.0, 3.0], [-2.0, 7.5]]);
    }

    #[test]
    fn into_forms_overwrite_stale_output() {
        let b = Matrix::from_array([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]);
        let mut out = Matrix::filled(99.0);
        a().mul_tr_into(&b, &mut out);
        assert_eq!(out, a().mul_tr(&b));
        let mut out = Matrix::filled(99.0);
        a().tr_mul_into(&a(), &mut out);
        assert_eq!(out, a().tr_mul(&a()));
        let mut out = Matrix::filled(99.0);
        a().mul_into(&b.transpose(), &mut out);
        assert_eq!(out, a().mul_tr(&b));
        let mut sums = Matrix::filled(99.0);
        a().column_sums_into(&mut sums);
        assert_eq!(sums.into_array(), [[5.0, 7.0, 9.0]]);
    }

    #[test]
    fn elementwise_operations_match_hand_computation() {
        assert_eq!(a().hadamard(&a()).into_array(), [[1.0, 4.0, 9.0], [16.0, 25.0, 36.0]]);
        let mut h = a();
        h.hadamard_assign(&a().scale(2.0));
        assert_eq!(h, a().hadamard(&a()).scale(2.0));
        assert_eq!(a().column_sums().into_array(), [[5.0, 7.0, 9.0]]);
        assert_eq!(a().norm_squared(), 91.0);
        assert_eq!(a().transpose().into_array(), [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]);
        assert_eq!((a() - a()).norm_squared(), 0.0);
        assert_eq!((a() + -a()), Matrix::zeros());
        assert_eq!(a().zip_map(&a(), |x, y| x - 2.0 * y), -a());
    }

    #[test]
    fn checked_access_never_panics() {
        let mut m = a();
        assert_eq!(m.get(1, 2), Some(&6.0));
        assert_eq!(m.get(2, 0), None);
        assert_eq!(m.get(0, 3), None);
        assert!(m.get_mut(5, 5).is_none());
        assert!(m.row(2).is_none());
        assert_eq!(m.row(1), Some(&[4.0, 5.0, 6.0]));
    }

    #[cfg(feature = "approx")]
    #[test]
    fn approx_traits_compare_elementwise() {
        let b = a().map(|x| x + 1e-12);
        approx::assert_relative_eq!(a(), b, epsilon = 1e-10);
        assert!(!approx::relative_eq!(a(), a().scale(1.01)));
    }

    #[test]
    fn zeroed_is_zeros_and_usable_in_const() {
        const Z: Matrix<f32, 2, 2> = Matrix::zeros();
        assert_eq!(Z, <Matrix<f32, 2, 2> as Zeroed>::ZEROED);
        assert_eq!(Matrix::<f32, 3, 4>::ROWS * Matrix::<f32, 3, 4>::COLS, 12);
    }
}
