// Cross-entropy's fused gradient is only right on a softmax output.
use tinymlp::{CrossEntropy, Matrix, Sgd, Trainer, mlp};

type Net = mlp!(f32; 4 => 8 Relu => 3 Sigmoid);

fn main() {
    let mut trainer = Trainer::new(Net::xavier(1), Sgd::new(0.1), CrossEntropy);
    let _ = trainer.step(&Matrix::<f32, 2, 4>::zeros(), &Matrix::<f32, 2, 3>::zeros());
}
