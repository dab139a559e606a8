//! Training with a frozen front stack: the forward pass through the tape
//! (which applies the frozen stack's activation as it stores its output)
//! agrees with the public forward pass, and the frozen weights never move.

use tinymlp::{Chain, CrossEntropy, Dense, FusedTrainer, Matrix, Network, Relu, Sgd, Softmax, Tanh, Trainer};

type Front = Chain<Dense<f64, 3, 5, Tanh>, Dense<f64, 5, 4, Relu>, 5>;
type Net = Network<f64, Chain<Front, Dense<f64, 4, 2, Softmax>, 4>, 3, 2>;

fn data() -> (Matrix<f64, 4, 3>, Matrix<f64, 4, 2>) {
    (
        Matrix::from_array([
            [0.5, -1.0, 2.0],
            [1.5, 0.25, -0.5],
            [-1.0, 1.0, 0.0],
            [0.0, -0.75, 1.25],
        ]),
        Matrix::from_array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]),
    )
}

/// The mean cross-entropy of the network's public forward pass.
fn reference_loss<L: tinymlp::Layer<f64, 3, 2>>(
    net: &Network<f64, L, 3, 2>,
    x: &Matrix<f64, 4, 3>,
    y: &Matrix<f64, 4, 2>,
) -> f64 {
    let mut loss = 0.0;
    for (xr, yr) in x.as_array().iter().zip(y.as_array()) {
        let a = net.forward(xr);
        loss -= yr.iter().zip(&a).map(|(y, a)| y * a.ln()).sum::<f64>();
    }
    loss / 4.0
}

#[test]
fn frozen_front_trains_only_the_head_with_the_right_loss() {
    let (x, y) = data();
    let net = Net::xavier(11);
    let frozen = Network::<f64, _, 3, 2>::new(net.into_layers().freeze_front());
    let front_before = *frozen.layers().front();

    let mut checked = Trainer::new(frozen, Sgd::new(0.5), CrossEntropy);
    let mut fused = FusedTrainer::new(frozen, Sgd::new(0.5), CrossEntropy);
    let mut first = None;
    for _ in 0..50 {
        let want = reference_loss(checked.network(), &x, &y);
        let got = checked.step(&x, &y).unwrap();
        assert!((got - want).abs() < 1e-12, "loss {got} vs forward pass {want}");
        assert_eq!(fused.step(&x, &y).unwrap().to_bits(), got.to_bits());
        first.get_or_insert(got);
    }
    assert!(checked.network() == fused.network());
    let last = checked.step(&x, &y).unwrap();
    assert!(
        last < 0.9 * first.unwrap(),
        "the head did not learn: {last} after {first:?}"
    );
    assert!(
        checked.network().layers().front() == &front_before,
        "the frozen stack moved"
    );
}
