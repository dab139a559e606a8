// The input to `forward` must have exactly the network's input width.
use tinymlp::{Init, mlp};

type Net = mlp!(f32; 3 => 8 Tanh => 2 Identity);

fn main() {
    let net = Net::random(42, Init::XavierUniform);
    let _ = net.forward(&[0.5, -1.0]);
}
