// A batch X and its targets Y must have the same number of rows.
use tinymlp::{Matrix, Mse, Sgd, Trainer, mlp};

type Net = mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);

fn main() {
    let mut trainer = Trainer::new(Net::xavier(1), Sgd::new(0.1), Mse);
    let x = Matrix::<f32, 4, 2>::zeros();
    let y = Matrix::<f32, 3, 1>::zeros();
    let _ = trainer.step(&x, &y);
}
