//! Algebraic properties of the matrix products, checked on random matrices.

use approx::assert_relative_eq;
use proptest::prelude::*;
use tinymlp::Matrix;

fn matrix<const R: usize, const C: usize>() -> impl Strategy<Value = Matrix<f64, R, C>> {
    proptest::array::uniform::<_, R>(proptest::array::uniform::<_, C>(-10.0f64..10.0)).prop_map(Matrix::from_array)
}

proptest! {
    #[test]
    fn tr_mul_equals_transpose_then_mul(a in matrix::<4, 3>(), b in matrix::<4, 5>()) {
        // Same products, same order of summation: equal bit for bit.
        prop_assert_eq!(a.tr_mul(&b), a.transpose().mul(&b));
    }

    #[test]
    fn mul_tr_equals_mul_by_transpose(a in matrix::<3, 4>(), b in matrix::<5, 4>()) {
        prop_assert_eq!(a.mul_tr(&b), a.mul(&b.transpose()));
    }

    #[test]
    fn transpose_of_product_is_product_of_transposes(a in matrix::<3, 4>(), b in matrix::<4, 2>()) {
        // (A·B)ᵀ = Bᵀ·Aᵀ
        prop_assert_eq!(a.mul(&b).transpose(), b.transpose().mul(&a.transpose()));
    }

    #[test]
    fn product_is_associative_to_rounding(a in matrix::<2, 3>(), b in matrix::<3, 4>(), c in matrix::<4, 2>()) {
        assert_relative_eq!(a.mul(&b).mul(&c), a.mul(&b.mul(&c)), epsilon = 1e-9, max_relative = 1e-9);
    }

    #[test]
    fn product_distributes_over_addition(a in matrix::<3, 4>(), b in matrix::<4, 2>(), c in matrix::<4, 2>()) {
        assert_relative_eq!(a.mul(&(b + c)), a.mul(&b) + a.mul(&c), epsilon = 1e-9, max_relative = 1e-9);
    }

    #[test]
    fn transpose_is_an_involution(a in matrix::<3, 5>()) {
        prop_assert_eq!(a.transpose().transpose(), a);
    }

    #[test]
    fn norm_squared_is_trace_of_gram_matrix(a in matrix::<4, 3>()) {
        // ‖A‖_F² = tr(AᵀA)
        let gram = a.tr_mul(&a);
        let trace: f64 = (0..3).map(|i| gram.as_array()[i][i]).sum();
        assert_relative_eq!(a.norm_squared(), trace, max_relative = 1e-12);
    }

    #[test]
    fn column_sums_are_ones_row_times_matrix(a in matrix::<4, 3>()) {
        let ones = Matrix::<f64, 1, 4>::filled(1.0);
        prop_assert_eq!(a.column_sums(), ones.mul(&a));
    }

    #[test]
    fn hadamard_is_commutative_and_elementwise(a in matrix::<3, 3>(), b in matrix::<3, 3>()) {
        let h = a.hadamard(&b);
        prop_assert_eq!(h, b.hadamard(&a));
        for r in 0..3 {
            for c in 0..3 {
                prop_assert_eq!(h.get(r, c).copied(), Some(a.get(r, c).unwrap() * b.get(r, c).unwrap()));
            }
        }
    }
}
