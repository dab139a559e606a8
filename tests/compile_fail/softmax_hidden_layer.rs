// Softmax is row-wise: it may be the output layer, never a hidden one.
use tinymlp::mlp;

type Net = mlp!(f32; 4 => 8 Softmax => 3 Softmax);

fn main() {
    let _ = Net::xavier(1);
}
