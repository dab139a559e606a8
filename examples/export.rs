//! Trains XOR on the host and writes the trained network out for deployment:
//!
//! - `xor.tmlp`: the checked byte blob (`Network::to_bytes`), to put in
//!   flash and load with `Network::load_into` / `from_bytes`;
//! - `xor_model.rs`: Rust source, `pub const MODEL: … = …;`, to `include!` in
//!   firmware so the weights compile into flash;
//! - `xor.safetensors`: PyTorch's `nn.Sequential(Linear, Sigmoid, Linear, Sigmoid)` layout.
//!
//! Run with `cargo run --release --features std --example export -- [DIR]`
//! (default `target/export`). Each file is read back and checked before the
//! example reports it.

use std::path::PathBuf;

use tinymlp::{Matrix, Mse, Sgd, Trainer, mlp};

/// 2 inputs → 4 sigmoid units → 1 sigmoid output, as in `examples/xor.rs`.
type Xor = mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/export".to_string()));
    std::fs::create_dir_all(&dir)?;

    let x = Matrix::from_array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]);
    let y = Matrix::from_array([[0.0], [1.0], [1.0], [0.0]]);
    let mut trainer = Trainer::new(Xor::xavier(2024), Sgd::new(2.0), Mse);
    let mut loss = 0.0;
    for _ in 0..3000 {
        loss = trainer.step(&x, &y)?;
    }
    let net = trainer.network();
    println!("trained XOR for 3000 steps, loss {loss:.6}");

    // The byte blob: exactly Xor::ENCODED_LEN bytes, known at compile time.
    let mut blob = [0u8; Xor::ENCODED_LEN];
    net.to_bytes(&mut blob)?;
    assert_eq!(&Xor::from_bytes(&blob)?, net);
    let blob_path = dir.join("xor.tmlp");
    std::fs::write(&blob_path, blob)?;

    let source = net.to_rust_source("MODEL");
    let source_path = dir.join("xor_model.rs");
    std::fs::write(&source_path, &source)?;

    let tensors = net.to_safetensors()?;
    assert_eq!(&Xor::from_safetensors(&tensors)?, net);
    let tensors_path = dir.join("xor.safetensors");
    std::fs::write(&tensors_path, &tensors)?;

    println!("wrote {} ({} bytes: the checked blob)", blob_path.display(), blob.len());
    println!(
        "wrote {} ({} bytes: `pub const MODEL`)",
        source_path.display(),
        source.len()
    );
    println!(
        "wrote {} ({} bytes: safetensors)",
        tensors_path.display(),
        tensors.len()
    );
    println!("\n  x0  x1 | output");
    for input in x.as_array() {
        println!("  {:>2}  {:>2} | {:.4}", input[0], input[1], net.forward(input)[0]);
    }
    println!(
        "\nIn firmware: `include!(\"…/xor_model.rs\");` then \
         `static NET: tinymlp::mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid) = MODEL;`"
    );
    Ok(())
}
