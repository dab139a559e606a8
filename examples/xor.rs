//! Learns XOR with a 2-4-1 sigmoid network, plain SGD and the seed's MSE.
//!
//! Run with `cargo run --release --example xor`.

use tinymlp::{Matrix, Mse, Sgd, Trainer, mlp};

/// 2 inputs → 4 sigmoid units → 1 sigmoid output.
type Xor = mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);

const EPOCHS: usize = 3000;

fn main() -> Result<(), tinymlp::Error> {
    let x = Matrix::from_array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]);
    let y = Matrix::from_array([[0.0], [1.0], [1.0], [0.0]]);

    // The whole batch of four is one step; the trainer's batch size comes from `x`.
    let mut trainer = Trainer::new(Xor::xavier(2024), Sgd::new(2.0), Mse);
    for epoch in 0..=EPOCHS {
        let loss = trainer.step(&x, &y)?;
        if epoch % 300 == 0 {
            println!("epoch {epoch:>5}  loss {loss:.6}");
        }
    }

    println!("\n  x0  x1 | output  target");
    let net = trainer.network();
    for (input, target) in x.as_array().iter().zip(y.as_array()) {
        let out = net.forward(input)[0];
        let mark = if (out > 0.5) == (target[0] > 0.5) {
            "ok"
        } else {
            "WRONG"
        };
        println!(
            "  {:>2}  {:>2} | {out:.4}  {:>6}  {mark}",
            input[0], input[1], target[0]
        );
    }
    Ok(())
}
