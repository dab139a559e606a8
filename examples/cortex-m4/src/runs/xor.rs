//! XOR on a 2-4-1 sigmoid network with plain SGD and the seed's MSE, the whole truth table as one batch of 4.
//!
//! The initial weights are those of issue 5's workload W1 (xorshift32 from
//! `0x1234_5678`, output-major), built at compile time.

use tinymlp::{Chain, Dense, Error, Matrix, Mse, Network, Sgd, Trainer, mlp};

use super::Probe;
use super::xorshift::{XorShift32, xavier_weights};

/// 2 inputs → 4 sigmoid units → 1 sigmoid output.
pub type XorNet = mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);
/// The trainer: plain SGD, MSE, batch size 4 (the truth table).
pub type XorTrainer = Trainer<XorNet, Sgd<f32>, Mse, 4>;

/// Learning rate.
pub const LR: f32 = 2.0;
/// Training steps (= epochs: one step is the whole truth table).
pub const STEPS: u32 = 2000;
/// Epochs between two loss reports.
pub const REPORT_EVERY: u32 = 200;

/// The four inputs.
pub const X: Matrix<f32, 4, 2> = Matrix::from_array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]);
/// Their XOR.
pub const Y: Matrix<f32, 4, 1> = Matrix::from_array([[0.0], [1.0], [1.0], [0.0]]);

/// The initial network: issue 5's W1 weights, zero biases.
pub const fn initial_network() -> XorNet {
    let mut rng = XorShift32::new(0x1234_5678);
    let hidden = xavier_weights::<2, 4>(&mut rng);
    let output = xavier_weights::<4, 1>(&mut rng);
    Network::new(Chain::new(
        Dense::from_arrays(hidden, [0.0; 4]),
        Dense::from_arrays(output, [0.0; 1]),
    ))
}

/// The initial network as a constant: set-up copies it from flash.
pub const INITIAL: XorNet = initial_network();

/// Sets `trainer` up for the run: the initial weights (a constant in flash),
/// plain SGD. The trainer may be all zeros (`Zeroed::ZEROED`, a `static` in
/// `.bss`) or left over from an earlier run.
pub fn set_up(trainer: &mut XorTrainer) {
    *trainer.network_mut() = INITIAL;
    *trainer.optimizer_mut() = Sgd::new(LR);
    trainer.reset_optimizer_state();
}

/// Sets the trainer up ([`set_up`]), then trains for [`STEPS`] steps;
/// reports the loss every [`REPORT_EVERY`] epochs. Returns the loss of the
/// last step.
pub fn run(trainer: &mut XorTrainer, probe: &mut impl Probe) -> Result<f32, Error> {
    set_up(trainer);
    let mut loss = 0.0;
    for step in 0..STEPS {
        loss = probe.step(step, || trainer.step(&X, &Y))?;
        if (step + 1) % REPORT_EVERY == 0 {
            probe.epoch(step, loss);
        }
    }
    Ok(loss)
}

/// `true` when every output is within 0.2 of its target.
pub fn learned(network: &XorNet) -> bool {
    X.as_array().iter().zip(Y.as_array()).all(|(x, y)| {
        let [out] = network.forward(x);
        let [target] = *y;
        (out - target).abs() < 0.2
    })
}
