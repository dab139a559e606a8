//! `Optimizer::bound_step` never certifies a step that could produce a
//! non-finite value: whenever it returns bounds, computing the updates gives
//! finite values within them. (The checked step skips its dry run on that
//! certificate, so this is what keeps it all-or-nothing.)

use proptest::prelude::*;
use tinymlp::optim::{AdamSlot, Magnitudes};
use tinymlp::{Adam, Clip, Optimizer, Sgd};

/// Values across the whole exponent range, both signs, zero included.
fn wide() -> impl Strategy<Value = f32> {
    prop_oneof![
        Just(0.0f32),
        (-1.0f32..1.0, -40i32..38).prop_map(|(m, e)| m * 2f32.powi(e)),
        (-1.0f32..1.0, 30i32..127).prop_map(|(m, e)| m * 2f32.powi(e)),
    ]
}

fn clip() -> impl Strategy<Value = Clip<f32>> {
    prop_oneof![
        Just(Clip::None),
        (1e-3f32..1e3).prop_map(Clip::Value),
        (1e-3f32..1e3).prop_map(Clip::Norm)
    ]
}

/// Checks one tensor of values against the certificate of `O`.
fn check<O: Optimizer<f32>>(
    step: &O::Step,
    params: &[f32],
    grads: &[f32],
    slots: &[O::Slot],
) -> Result<(), TestCaseError>
where
    O::Slot: core::fmt::Debug,
{
    let mut before = Magnitudes {
        param: 0.0f32,
        slot: 0.0f32,
    };
    let mut gradient = 0.0f32;
    for ((&p, &g), s) in params.iter().zip(grads).zip(slots) {
        let Some(s) = O::slot_magnitude(s) else { return Ok(()) };
        before.param = before.param.max(p.abs());
        before.slot = before.slot.max(s);
        gradient = gradient.max(g.abs());
    }
    let Some(after) = O::bound_step(step, before, gradient) else {
        return Ok(());
    };
    for ((&p, &g), &s) in params.iter().zip(grads).zip(slots) {
        let (p2, s2) = O::update(step, p, g, s);
        prop_assert!(
            p2.is_finite() && p2.abs() <= after.param,
            "p {p} g {g} slot {s:?} -> {p2} (bound {})",
            after.param
        );
        let m = O::slot_magnitude(&s2);
        prop_assert!(
            m.is_some_and(|m| m <= after.slot),
            "slot {s:?} -> {s2:?} (bound {})",
            after.slot
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn adam_certificate_implies_finite_updates(
        values in prop::collection::vec((wide(), wide(), wide(), wide()), 1..6),
        lr in prop_oneof![Just(0.0f32), 1e-6f32..10.0, 1e3f32..1e30],
        eps in prop_oneof![1e-30f32..1e-20, 1e-8f32..1e-3],
        beta1 in 0.0f32..0.99999,
        beta2 in 0.0f32..0.99999,
        weight_decay in prop_oneof![Just(0.0f32), 1e-6f32..1e3],
        clip in clip(),
        grad_scale in prop_oneof![Just(1.0f32), 1e-30f32..1.0],
        steps_before in 0u32..3,
    ) {
        let mut adam = Adam::with_betas(lr, beta1, beta2, eps).weight_decay(weight_decay).clip(clip);
        for _ in 0..steps_before {
            adam.finish();
        }
        let step = adam.prepare(grad_scale);
        let params: Vec<f32> = values.iter().map(|v| v.0).collect();
        let grads: Vec<f32> = values.iter().map(|v| v.1).collect();
        let slots: Vec<AdamSlot<f32>> = values.iter().map(|v| AdamSlot { m: v.2, v: v.3.abs() }).collect();
        check::<Adam<f32>>(&step, &params, &grads, &slots)?;
    }

    #[test]
    fn sgd_certificate_implies_finite_updates(
        values in prop::collection::vec((wide(), wide()), 1..6),
        lr in prop_oneof![Just(0.0f32), 1e-6f32..10.0, 1e3f32..1e38],
        weight_decay in prop_oneof![Just(0.0f32), 1e-6f32..1e30],
        clip in clip(),
    ) {
        let sgd = Sgd::new(lr).weight_decay(weight_decay).clip(clip);
        let step = sgd.prepare(1.0);
        let params: Vec<f32> = values.iter().map(|v| v.0).collect();
        let grads: Vec<f32> = values.iter().map(|v| v.1).collect();
        check::<Sgd<f32>>(&step, &params, &grads, &vec![(); values.len()])?;
    }

    #[test]
    fn momentum_certificate_implies_finite_updates(
        values in prop::collection::vec((wide(), wide(), wide()), 1..6),
        lr in prop_oneof![1e-6f32..10.0, 1e3f32..1e38],
        momentum in prop_oneof![0.0f32..1.0, 1.0f32..1e20],
        nesterov in any::<bool>(),
        clip in clip(),
    ) {
        let opt = Sgd::new(lr).clip(clip).momentum(momentum).nesterov(nesterov);
        let step = opt.prepare(1.0);
        let params: Vec<f32> = values.iter().map(|v| v.0).collect();
        let grads: Vec<f32> = values.iter().map(|v| v.1).collect();
        let slots: Vec<f32> = values.iter().map(|v| v.2).collect();
        check::<tinymlp::SgdMomentum<f32>>(&step, &params, &grads, &slots)?;
    }
}

/// The certificate is not vacuous: for ordinary training values it holds.
#[test]
fn ordinary_steps_are_certified() {
    let adam = Adam::with_betas(0.01f32, 0.9, 0.999, 1e-7);
    let step = adam.prepare(1.0);
    let before = Magnitudes { param: 2.0, slot: 0.5 };
    let after = <Adam<f32> as Optimizer<f32>>::bound_step(&step, before, 3.0).expect("certified");
    assert!(after.param > 2.0 && after.slot >= 9.0);
    let sgd = Sgd::new(0.5f32);
    assert!(<Sgd<f32> as Optimizer<f32>>::bound_step(&sgd.prepare(1.0), before, 3.0).is_some());
}

type Xor = tinymlp::mlp!(f32; 2 => 4 Sigmoid => 1 Sigmoid);

fn xor() -> (tinymlp::Matrix<f32, 4, 2>, tinymlp::Matrix<f32, 4, 1>) {
    (
        tinymlp::Matrix::from_array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
        tinymlp::Matrix::from_array([[0.0], [1.0], [1.0], [0.0]]),
    )
}

/// A step the bounds cannot certify takes the dry run, which still refuses an
/// update that overflows, leaving everything as it was.
#[test]
fn uncertified_overflowing_step_is_refused_and_changes_nothing() {
    let (x, y) = xor();
    let y = y.scale(1.0e18); // finite loss (~1e36), gradients near 1e17: lr·g overflows
    let mut trainer = tinymlp::Trainer::new(Xor::xavier(3), Sgd::new(1.0e22f32), tinymlp::Mse);
    let before = *trainer.network();
    let result = trainer.step(&x, &y);
    assert!(
        matches!(result, Err(tinymlp::Error::NonFiniteParameter { .. })),
        "{result:?}"
    );
    assert!(trainer.network() == &before);
}

/// Bounds carried from step to step are dropped when the network is changed
/// from outside: a huge weight set between steps is checked again. (Its
/// sigmoid saturates, so the loss and the gradients stay finite; only its
/// weight decay `λ·p` overflows, which stale bounds would not have seen.)
#[test]
fn weights_changed_between_steps_are_checked_again() {
    let (x, y) = xor();
    let sgd = Sgd::new(0.1f32).weight_decay(4.0);
    let mut trainer = tinymlp::Trainer::new(Xor::xavier(3), sgd, tinymlp::Mse);
    trainer.step(&x, &y).expect("a finite step");
    trainer.step(&x, &y).expect("a finite step");
    trainer.network_mut().for_each_layer_mut(|layer| {
        if layer.index == 0 {
            layer.weights[0] = 1.0e38;
        }
    });
    let before = *trainer.network();
    let result = trainer.step(&x, &y);
    assert!(
        matches!(
            result,
            Err(tinymlp::Error::NonFiniteParameter {
                layer: 0,
                row: 0,
                col: 0,
                ..
            })
        ),
        "{result:?}"
    );
    let bits = |net: &Xor| {
        let mut out = Vec::new();
        net.for_each_layer(|l| out.extend(l.weights.iter().chain(l.bias).map(|v| v.to_bits())));
        out
    };
    assert_eq!(
        bits(trainer.network()),
        bits(&before),
        "a refused step changed the network"
    );
}
