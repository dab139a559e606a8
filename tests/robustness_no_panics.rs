//! No call of the public API panics, whatever values it is given: every
//! fallible call returns `Ok` or an `Err`, and everything else returns a value.

use tinymlp::layer::{ParamVisitor, TensorId};
use tinymlp::{Error, Layer, Zeroed, mlp};

type Deep = mlp!(f32; 3 => 4 Tanh => 5 Relu => 2 Identity);

/// Counts the tensors it is shown.
struct CountTensors(usize);

impl ParamVisitor<f32, f32> for CountTensors {
    fn visit(&mut self, _: TensorId, _: &mut [f32], _: &[f32], _: &mut [f32]) -> Result<(), Error> {
        self.0 += 1;
        Ok(())
    }
}

/// Walks every tensor of `layers` four ways, numbering layers from `first`;
/// returns how many layer and tensor visits there were.
fn walk_all<L: Layer<f32, 3, 2>>(layers: &mut L, first: usize) -> usize {
    let mut seen = 0;
    layers.for_each_layer(first, &mut |_| seen += 1);
    layers.for_each_layer_mut(first, &mut |_| seen += 1);
    let mut grads = L::Slots::<f32>::ZEROED;
    let mut slots = L::Slots::<f32>::ZEROED;
    L::visit_slots(&grads, first, &mut |_, _: &[f32]| seen += 1);
    L::visit_slots_mut(&mut grads, first, &mut |_, _: &mut [f32]| seen += 1);
    let mut count = CountTensors(0);
    layers
        .visit_params(first, &grads, &mut slots, &mut count)
        .expect("counting never fails");
    seen + count.0
}

#[test]
fn layer_walks_accept_any_first_layer_index() {
    let mut net = Deep::xavier(1);
    for first in [0, 7, usize::MAX - 1, usize::MAX] {
        // 3 layers twice, 6 tensors three times.
        assert_eq!(walk_all(net.layers_mut(), first), 3 * 2 + 6 * 3);
    }
}
