//! A partial batch of `r < M` rows trains exactly like a full batch of `r`:
//! its own `m = r` in the loss and gradients, and the other rows never read.

use tinymlp::{Adam, Matrix, Mse, Trainer, mlp};

type Net = mlp!(f64; 3 => 5 Tanh => 2 Sigmoid);

fn weight_bits(net: &Net) -> Vec<u64> {
    let mut bits = Vec::new();
    net.for_each_layer(|l| bits.extend(l.weights.iter().chain(l.bias).map(|w| w.to_bits())));
    bits
}

#[test]
fn partial_batch_matches_a_full_batch_of_its_rows_and_ignores_the_rest() {
    let rows = [[0.5, -1.0, 0.25], [1.5, 0.0, -0.75], [-0.3, 0.8, 0.1]];
    let targets = [[0.1, 0.9], [0.6, 0.4], [0.3, 0.2]];

    // A trainer whose batch is exactly the three rows.
    let mut exact = Trainer::new(Net::xavier(4), Adam::new(0.05), Mse);
    let x3 = Matrix::from_array(rows);
    let y3 = Matrix::from_array(targets);

    // A trainer with room for eight, given the same three rows and garbage after them.
    let mut partial = Trainer::new(Net::xavier(4), Adam::new(0.05), Mse);
    let mut x8 = Matrix::<f64, 8, 3>::filled(f64::NAN);
    let mut y8 = Matrix::<f64, 8, 2>::filled(f64::INFINITY);
    for (i, (row, target)) in rows.iter().zip(&targets).enumerate() {
        *x8.row_mut(i).unwrap() = *row;
        *y8.row_mut(i).unwrap() = *target;
    }

    for _ in 0..5 {
        let a = exact.step(&x3, &y3).unwrap();
        let b = partial.step_rows(&x8, &y8, 3).unwrap();
        assert_eq!(a.to_bits(), b.to_bits(), "same loss, bit for bit");
    }
    assert_eq!(weight_bits(exact.network()), weight_bits(partial.network()));
}

#[test]
fn partial_batch_loss_is_the_mean_over_its_rows() {
    let net = Net::xavier(8);
    let mut trainer = Trainer::new(net, Adam::new(0.0), Mse);
    let x = Matrix::<f64, 4, 3>::from_array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5], [9.0, 9.0, 9.0], [9.0, 9.0, 9.0]]);
    let y = Matrix::<f64, 4, 2>::from_array([[0.0, 1.0], [1.0, 0.0], [5.0, 5.0], [5.0, 5.0]]);
    let loss = trainer.step_rows(&x, &y, 2).unwrap();
    // (1/2)·Σ over the two rows of ‖a − y‖², from the public forward pass.
    let mut want = 0.0;
    for (x_row, y_row) in x.as_array().iter().zip(y.as_array()).take(2) {
        let a = net.forward(x_row);
        want += a.iter().zip(y_row).map(|(a, y)| (a - y).powi(2)).sum::<f64>();
    }
    want /= 2.0;
    assert!((loss - want).abs() < 1e-15, "{loss} vs {want}");
}

#[test]
fn row_counts_outside_one_to_m_are_errors() {
    let mut trainer = Trainer::new(Net::xavier(1), Adam::new(0.01), Mse);
    let x = Matrix::<f64, 4, 3>::zeros();
    let y = Matrix::<f64, 4, 2>::zeros();
    for rows in [0, 5, usize::MAX] {
        assert_eq!(
            trainer.step_rows(&x, &y, rows),
            Err(tinymlp::Error::BatchRows { rows, capacity: 4 })
        );
    }
}
