// Two consecutive layers whose widths disagree: 2 → 4, then a layer taking 3.
use tinymlp::{Chain, Dense, Network, Sigmoid};

fn main() {
    let layers = Chain::<_, _, 4>::new(Dense::<f32, 2, 4, Sigmoid>::zeros(), Dense::<f32, 3, 1, Sigmoid>::zeros());
    let _net: Network<f32, _, 2, 1> = Network::new(layers);
}
