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

// ---------------------------------------------------------------------------
// Property tests: arbitrary values everywhere, no panics.
// ---------------------------------------------------------------------------

mod robustness_support;

use proptest::prelude::*;
use robustness_support::{OptimizerBits, SlotBits, snapshot};
use tinymlp::{
    Activation, Adam, BinaryCrossEntropy, Chain, Clip, CrossEntropy, Elementwise, Init, LeakyRelu, Loss, Matrix, Mse,
    Network, Optimizer, Relu, Rng, Scalar, Sgd, Sigmoid, Softmax, Tanh, Trainer,
};

/// Values with the awkward ones well represented: NaN, ±∞, ±0, subnormals,
/// the extremes of the range, huge and tiny magnitudes, and ordinary numbers.
macro_rules! awkward {
    ($t:ident) => {
        prop_oneof![
            3 => prop::sample::select(vec![
                $t::NAN, $t::INFINITY, $t::NEG_INFINITY, 0.0, -0.0, $t::MAX, $t::MIN, $t::MIN_POSITIVE,
                -$t::MIN_POSITIVE, $t::MIN_POSITIVE / 4.0, -$t::MIN_POSITIVE / 1024.0, $t::EPSILON, 1.0, -1.0,
                1e4, -1e4, 1e30, -1e30,
            ]),
            3 => -10.0 as $t..10.0 as $t,
            2 => (-40i32..=38, any::<bool>()).prop_map(|(e, negative)| {
                let v = (10.0 as $t).powi(e);
                if negative { -v } else { v }
            }),
            2 => proptest::num::$t::ANY,
        ]
    };
}

fn awkward_f32() -> impl Strategy<Value = f32> + Clone {
    awkward!(f32)
}

fn awkward_f64() -> impl Strategy<Value = f64> + Clone {
    awkward!(f64)
}

fn clip<T: Scalar>(value: impl Strategy<Value = T>) -> impl Strategy<Value = Clip<T>> {
    (0..4u8, value).prop_map(|(kind, v)| match kind {
        0 | 1 => Clip::None,
        2 => Clip::Value(v),
        _ => Clip::Norm(v),
    })
}

/// An optimizer with arbitrary hyperparameters (each often valid, often not).
#[derive(Clone, Copy, Debug)]
enum AnyOptimizer<T> {
    Sgd(Sgd<T>),
    Momentum(tinymlp::SgdMomentum<T>),
    Adam(Adam<T>),
}

fn optimizer<T: Scalar>(value: impl Strategy<Value = T> + Clone) -> impl Strategy<Value = AnyOptimizer<T>> {
    // Mostly ordinary hyperparameters, so that steps often get through.
    let hyper = prop_oneof![
        3 => Just([0.01, 0.0, 0.9, 0.999, 1e-8].map(T::from_f64)),
        1 => prop::array::uniform5(value.clone()),
    ];
    (0..3u8, hyper, clip(value), any::<bool>()).prop_map(
        |(kind, [lr, decay, b1, b2, eps], clip, nesterov)| match kind {
            0 => AnyOptimizer::Sgd(Sgd::new(lr).weight_decay(decay).clip(clip)),
            1 => AnyOptimizer::Momentum(
                Sgd::new(lr)
                    .momentum(b1)
                    .nesterov(nesterov)
                    .weight_decay(decay)
                    .clip(clip),
            ),
            _ => AnyOptimizer::Adam(Adam::with_betas(lr, b1, b2, eps).weight_decay(decay).clip(clip)),
        },
    )
}

/// One step's worth of arbitrary data: inputs, targets, how many rows, and a new learning rate.
#[derive(Clone, Debug)]
struct StepData<T> {
    x: Vec<T>,
    y: Vec<T>,
    rows: usize,
    lr: Option<T>,
}

fn step_data<T: Scalar + core::fmt::Debug>(
    value: impl Strategy<Value = T> + Clone,
    m: usize,
    inputs: usize,
    outputs: usize,
) -> impl Strategy<Value = StepData<T>> {
    // Mostly clean, small batches, so that many steps succeed.
    let clean = || (-2.0f64..2.0).prop_map(T::from_f64);
    let x = prop_oneof![
        2 => prop::collection::vec(clean(), m * inputs),
        1 => prop::collection::vec(value.clone(), m * inputs),
    ];
    let y = prop_oneof![
        2 => prop::collection::vec((0.0f64..1.0).prop_map(T::from_f64), m * outputs),
        1 => prop::collection::vec(value.clone(), m * outputs),
    ];
    let rows = prop_oneof![6 => 1..=m, 2 => 0..=m + 2, 1 => any::<usize>()];
    (x, y, rows, prop::option::weighted(0.2, value)).prop_map(|(x, y, rows, lr)| StepData { x, y, rows, lr })
}

trait SetLr<T> {
    fn put_lr(&mut self, lr: T);
}

impl<T: Scalar> SetLr<T> for Sgd<T> {
    fn put_lr(&mut self, lr: T) {
        self.set_lr(lr);
    }
}

impl<T: Scalar> SetLr<T> for tinymlp::SgdMomentum<T> {
    fn put_lr(&mut self, lr: T) {
        self.set_lr(lr);
    }
}

impl<T: Scalar> SetLr<T> for Adam<T> {
    fn put_lr(&mut self, lr: T) {
        self.set_lr(lr);
    }
}

/// Overwrites every parameter of `net` with `values` (cycled), in layer order.
fn set_parameters<T: Scalar, L: Layer<T, IN, OUT>, const IN: usize, const OUT: usize>(
    net: &mut Network<T, L, IN, OUT>,
    values: &[T],
) {
    let mut source = values.iter().copied().cycle();
    net.for_each_layer_mut(|layer| {
        for p in layer.weights.iter_mut().chain(layer.bias.iter_mut()) {
            *p = source.next().unwrap_or(T::ZERO);
        }
    });
}

/// `true` when every trainable parameter is finite.
fn trainable_finite<T, L, O, G, const IN: usize, const OUT: usize, const M: usize>(
    trainer: &Trainer<Network<T, L, IN, OUT>, O, G, M>,
) -> bool
where
    T: Scalar,
    L: Layer<T, IN, OUT>,
    O: Optimizer<T>,
{
    let mut trainable = Vec::new();
    trainer.for_each_optimizer_slot(|id, _| trainable.push(id.layer));
    let mut finite = true;
    trainer.network().for_each_layer(|layer| {
        if trainable.contains(&layer.index) {
            finite &= layer.weights.iter().chain(layer.bias).all(|p| p.is_finite());
        }
    });
    finite
}

/// Runs `steps` through a trainer: every call returns; a refusal changes
/// nothing; an accepted step has a finite loss and leaves every trainable
/// parameter finite. Also pokes the inference API with the same data.
fn exercise<T, L, G, O, const IN: usize, const OUT: usize, const M: usize>(
    net: Network<T, L, IN, OUT>,
    optimizer: O,
    loss: G,
    steps: &[StepData<T>],
) -> Result<(), TestCaseError>
where
    T: Scalar,
    L: Layer<T, IN, OUT>,
    G: Loss<L::Activation>,
    O: Optimizer<T> + OptimizerBits + SetLr<T> + core::fmt::Debug,
    O::Slot: SlotBits,
{
    let mut trainer = Trainer::<_, _, _, M>::new(net, optimizer, loss);
    for data in steps {
        if let Some(lr) = data.lr {
            trainer.optimizer_mut().put_lr(lr);
        }
        let x = Matrix::<T, M, IN>::from_fn(|r, c| data.x[r * IN + c]);
        let y = Matrix::<T, M, OUT>::from_fn(|r, c| data.y[r * OUT + c]);
        let before = snapshot(&trainer);
        match trainer.step_rows(&x, &y, data.rows) {
            Ok(loss) => {
                prop_assert!(loss.is_finite(), "accepted a step with loss {}", loss);
                prop_assert!(
                    trainable_finite(&trainer),
                    "an accepted step left a non-finite parameter"
                );
            }
            Err(error) => {
                prop_assert_eq!(
                    snapshot(&trainer),
                    before,
                    "refused ({}) but changed the trainer",
                    error
                );
                // Every error explains itself.
                prop_assert!(!error.to_string().is_empty());
            }
        }
        let net = trainer.network();
        let _ = net.forward_batch(&x);
        if let Some(row) = x.row(0) {
            let _ = (net.forward(row), net.logits(row));
        }
        let mut z = y;
        let _ = G::batch_loss_and_gradient(&mut z, &y, data.rows);
    }
    Ok(())
}

/// Builds the trainer for `choice` and runs [`exercise`].
fn exercise_any<T, L, G, const IN: usize, const OUT: usize, const M: usize>(
    net: Network<T, L, IN, OUT>,
    choice: AnyOptimizer<T>,
    loss: G,
    steps: &[StepData<T>],
) -> Result<(), TestCaseError>
where
    T: Scalar + SlotBits,
    L: Layer<T, IN, OUT>,
    G: Loss<L::Activation>,
{
    match choice {
        AnyOptimizer::Sgd(o) => exercise::<T, L, G, _, IN, OUT, M>(net, o, loss, steps),
        AnyOptimizer::Momentum(o) => exercise::<T, L, G, _, IN, OUT, M>(net, o, loss, steps),
        AnyOptimizer::Adam(o) => exercise::<T, L, G, _, IN, OUT, M>(net, o, loss, steps),
    }
}

type Regression = mlp!(f32; 3 => 4 Tanh => 2 Identity);
type Classifier = mlp!(f32; 2 => 3 Relu => 3 Softmax);
type Single = mlp!(f32; 2 => 1 Sigmoid);
type Deep64 = mlp!(f64; 2 => 3 Tanh => 3 LeakyRelu<250> => 2 Softmax);
type FrozenFront = Network<
    f32,
    Chain<
        tinymlp::Frozen<Chain<tinymlp::Dense<f32, 3, 5, LeakyRelu>, tinymlp::Dense<f32, 5, 4, Sigmoid>, 5>>,
        tinymlp::Dense<f32, 4, 2, Sigmoid>,
        4,
    >,
    3,
    2,
>;

fn frozen_front(seed: u64) -> FrozenFront {
    let net = <mlp!(f32; 3 => 5 LeakyRelu => 4 Sigmoid => 2 Sigmoid)>::xavier(seed);
    Network::new(net.into_layers().freeze_front())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn regression_mse_never_panics(
        params in prop::collection::vec(awkward_f32(), 1..40),
        poison_parameters in prop::bool::weighted(0.3),
        choice in optimizer(awkward_f32()),
        steps in prop::collection::vec(step_data(awkward_f32(), 4, 3, 2), 1..4),
    ) {
        let mut net = Regression::xavier(1);
        if poison_parameters {
            set_parameters(&mut net, &params);
        }
        exercise_any::<_, _, _, 3, 2, 4>(net, choice, Mse, &steps)?;
    }

    #[test]
    fn classifier_cross_entropy_never_panics(
        params in prop::collection::vec(awkward_f32(), 1..30),
        poison_parameters in prop::bool::weighted(0.3),
        choice in optimizer(awkward_f32()),
        steps in prop::collection::vec(step_data(awkward_f32(), 3, 2, 3), 1..4),
    ) {
        let mut net = Classifier::xavier(2);
        if poison_parameters {
            set_parameters(&mut net, &params);
        }
        exercise_any::<_, _, _, 2, 3, 3>(net, choice, CrossEntropy, &steps)?;
    }

    #[test]
    fn single_layer_binary_cross_entropy_with_batch_of_one_never_panics(
        params in prop::collection::vec(awkward_f32(), 1..4),
        poison_parameters in prop::bool::weighted(0.3),
        choice in optimizer(awkward_f32()),
        steps in prop::collection::vec(step_data(awkward_f32(), 1, 2, 1), 1..4),
    ) {
        let mut net = Single::xavier(3);
        if poison_parameters {
            set_parameters(&mut net, &params);
        }
        exercise_any::<_, _, _, 2, 1, 1>(net, choice, BinaryCrossEntropy, &steps)?;
    }

    #[test]
    fn frozen_front_never_panics(
        params in prop::collection::vec(awkward_f32(), 1..60),
        poison_parameters in prop::bool::weighted(0.3),
        choice in optimizer(awkward_f32()),
        steps in prop::collection::vec(step_data(awkward_f32(), 5, 3, 2), 1..4),
        mse in any::<bool>(),
    ) {
        let mut net = frozen_front(4);
        if poison_parameters {
            set_parameters(&mut net, &params);
        }
        if mse {
            exercise_any::<_, _, _, 3, 2, 5>(net, choice, Mse, &steps)?;
        } else {
            exercise_any::<_, _, _, 3, 2, 5>(net, choice, BinaryCrossEntropy, &steps)?;
        }
    }

    #[test]
    fn deep_f64_never_panics(
        params in prop::collection::vec(awkward_f64(), 1..40),
        poison_parameters in prop::bool::weighted(0.3),
        choice in optimizer(awkward_f64()),
        steps in prop::collection::vec(step_data(awkward_f64(), 2, 2, 2), 1..4),
        mse in any::<bool>(),
    ) {
        let mut net = Deep64::xavier(5);
        if poison_parameters {
            set_parameters(&mut net, &params);
        }
        if mse {
            exercise_any::<_, _, _, 2, 2, 2>(net, choice, Mse, &steps)?;
        } else {
            exercise_any::<_, _, _, 2, 2, 2>(net, choice, CrossEntropy, &steps)?;
        }
    }

    #[test]
    fn kernels_never_panic(z in prop::array::uniform4(awkward_f32()), y in prop::array::uniform4(awkward_f32())) {
        fn elementwise<G: Elementwise>(z: &[f32; 4]) {
            for &v in z {
                let _ = G::derivative(G::apply(v));
            }
            let mut a = *z;
            G::forward_row(&mut a);
            let mut d = *z;
            G::backward_row(&a, &mut d);
        }
        elementwise::<tinymlp::Identity>(&z);
        elementwise::<Sigmoid>(&z);
        elementwise::<Tanh>(&z);
        elementwise::<Relu>(&z);
        elementwise::<LeakyRelu<65535>>(&z);
        let mut a = z;
        Softmax::forward_row(&mut a);
        let mut d = y;
        Softmax::backward_row(&a, &mut d);
        for m in [0.0f32, 1.0, f32::MIN_POSITIVE, f32::NAN] {
            let mut g = z;
            let _ = <CrossEntropy as Loss<Softmax>>::row_loss_and_gradient(&mut g, &y, m);
            let mut g = z;
            let _ = <BinaryCrossEntropy as Loss<Sigmoid>>::row_loss_and_gradient(&mut g, &y, m);
            let mut g = z;
            let _ = <Mse as Loss<Softmax>>::row_loss_and_gradient(&mut g, &y, m);
        }
    }

    #[test]
    fn utilities_never_panic(
        n in any::<usize>(),
        index in any::<usize>(),
        seed in any::<u64>(),
        stream in any::<u64>(),
        bytes in prop::collection::vec(any::<u8>(), 0..10),
        value in awkward_f64(),
        name_index in 0..3usize,
    ) {
        let _ = Init::XavierUniform.limit::<f32>(n, index);
        let _ = Init::HeUniform.limit::<f64>(index, n);
        let mut rng = Rng::with_stream(seed, stream);
        prop_assert!(rng.below(n) < n.max(1));
        let mut items = [1, 2, 3, 4, 5];
        rng.shuffle(&mut items);
        let id = tinymlp::layer::TensorId { layer: index, tensor: tinymlp::layer::Tensor::Weights, cols: n % 5 };
        let _ = id.position(index);
        let _ = f32::read_le(&bytes);
        let _ = f64::read_le(&bytes);
        let mut out = bytes.clone();
        let _ = (value as f32).write_le(&mut out);
        let _ = value.write_le(&mut out);
        let m = Matrix::<f32, 2, 3>::filled(value as f32);
        let _ = (m.get(index, n), m.row(index));
        let errors = [
            Error::BatchRows { rows: n, capacity: index },
            Error::InvalidHyperparameter { name: ["lr", "beta1", "eps"][name_index], value },
            Error::NonFiniteParameter { layer: n, tensor: tinymlp::layer::Tensor::Bias, row: index, col: n },
        ];
        for e in errors {
            prop_assert!(!e.to_string().is_empty());
        }
        let net = <mlp!(f32; 2 => 3 Tanh => 1 Identity)>::random(seed, Init::HeUniform);
        let _ = net.forward(&[value as f32, -(value as f32)]);
    }
}
