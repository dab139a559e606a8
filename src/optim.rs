//! Optimizers: [`Sgd`], [`SgdMomentum`] (with Nesterov) and [`Adam`], with PyTorch's formulas.
//!
//! An optimizer's per-parameter state is its [`Slot`](Optimizer::Slot) type,
//! stored in the network's own shape (`Network::Slots<Slot>`), so its size is
//! known at compile time: nothing for [`Sgd`], one value for [`SgdMomentum`],
//! two for [`Adam`].
//!
//! Each update is a pure function of the parameter, its gradient and its slot.
//! That is what lets the checked [`Trainer::step`](crate::Trainer::step)
//! compute every new value first, refuse the step if any would be non-finite,
//! and only then write.
//!
//! All arithmetic is in the working precision `T`: an `f32` network never
//! touches `f64` on the device.

mod adam_loop;

pub(crate) use adam_loop::AdamLoop;

use crate::{Error, Scalar, Zeroed};

/// Gradient clipping, applied to the raw gradients before weight decay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clip<T> {
    /// No clipping.
    None,
    /// Clamp every gradient to `[−c, c]` (PyTorch's `clip_grad_value_`).
    Value(T),
    /// Scale all gradients by `min(1, max / (‖g‖₂ + 1e-6))`, where `‖g‖₂` is
    /// the norm of all gradients together (PyTorch's `clip_grad_norm_`).
    /// Needs every gradient before any update, so only the checked step has it.
    /// Finite gradients are clipped even when the sum of their squares
    /// overflows (the norm is then recomputed with the largest factored out).
    Norm(T),
}

/// The state an optimizer keeps for each parameter.
pub trait OptimizerSlot: Zeroed + Copy {
    /// `true` when no value in the slot is NaN or infinite.
    fn is_finite(&self) -> bool;
}

impl OptimizerSlot for () {
    #[inline(always)]
    fn is_finite(&self) -> bool {
        true
    }
}

impl<T: Scalar> OptimizerSlot for T {
    #[inline(always)]
    fn is_finite(&self) -> bool {
        Scalar::is_finite(*self)
    }
}

/// Upper bounds on the magnitudes of every value a step reads or writes, used
/// by [`Optimizer::bound_step`] to prove a step finite without computing it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Magnitudes<T> {
    /// Every parameter `p` has `|p|` at most this.
    pub param: T,
    /// Every value in every optimizer slot has magnitude at most this.
    pub slot: T,
}

/// An optimizer: turns gradients into parameter updates.
pub trait Optimizer<T: Scalar> {
    /// Per-parameter state.
    type Slot: OptimizerSlot;
    /// Everything an update needs that is the same for all parameters in one step.
    type Step: Copy;

    /// The configured gradient clipping.
    fn clip(&self) -> Clip<T>;

    /// Checks every hyperparameter; a step with an invalid one is refused.
    fn validate(&self) -> Result<(), Error>;

    /// The constants for the next step. `grad_scale` multiplies every gradient
    /// (global-norm clipping; `1` otherwise).
    fn prepare(&self, grad_scale: T) -> Self::Step;

    /// The new value of a parameter and its slot.
    ///
    /// Must be a pure function of its arguments: the checked step calls it
    /// once to see whether every result is finite and again to write them.
    fn update(step: &Self::Step, param: T, grad: T, slot: Self::Slot) -> (T, Self::Slot);

    /// Updates every parameter of one tensor in place: exactly the values of
    /// [`update`](Self::update) on each element. The built-in optimizers
    /// override it with a loop free of per-element tests, which the compiler
    /// vectorises where it can.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    fn update_tensor(step: &Self::Step, params: &mut [T], grads: &[T], slots: &mut [Self::Slot]) {
        for ((p, &g), s) in params.iter_mut().zip(grads).zip(slots.iter_mut()) {
            (*p, *s) = Self::update(step, *p, g, *s);
        }
    }

    /// Records that a step was applied (advances step counters). Called only
    /// after every update has been written, never for a refused step.
    fn finish(&mut self);

    /// The largest magnitude of a value in `slot`; `None` when a value is not
    /// finite or outside the optimizer's domain. The default is `None`.
    fn slot_magnitude(slot: &Self::Slot) -> Option<T> {
        let _ = slot;
        None
    }

    /// Proves, without computing the updates, that every update of a step is
    /// finite: given that before it every value is within `before` and every
    /// gradient has magnitude at most `gradient` (all finite), returns bounds
    /// that hold after the step, rounding included; `None` when it cannot
    /// prove that. It must never return `Some` for a step that could produce a
    /// non-finite value.
    ///
    /// [`Trainer::step`](crate::Trainer::step) uses it to skip its dry run:
    /// when it cannot prove a step finite it computes every update first, as
    /// it does for optimizers that keep the default, which is `None`.
    fn bound_step(step: &Self::Step, before: Magnitudes<T>, gradient: T) -> Option<Magnitudes<T>> {
        let _ = (step, before, gradient);
        None
    }
}

/// `1 + 32u` (unit roundoff `u`): covers the rounding of the dozen operations
/// an update and its bound take, so a bound computed in `T` stays an upper bound.
fn slack<T: Scalar>() -> T {
    T::ONE + T::EPSILON * T::from_usize(16)
}

/// The larger of two bounds; a NaN bound stays NaN (so it is never trusted).
fn larger<T: Scalar>(a: T, b: T) -> T {
    if a > b { a } else { b }
}

/// `Some(x)` when `x` is finite.
fn finite<T: Scalar>(x: T) -> Option<T> {
    x.is_finite().then_some(x)
}

/// What happens to a raw gradient before the update rule sees it: global-norm
/// scaling, value clipping, L2 weight decay (`g + λ·p`, PyTorch's `weight_decay`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradientTransform<T> {
    scale: T,
    clip_value: Option<T>,
    weight_decay: T,
    /// No scaling, clipping or decay: the gradient is used as it is (one
    /// test per parameter instead of three).
    identity: bool,
}

impl<T: Scalar> GradientTransform<T> {
    fn new(clip: Clip<T>, grad_scale: T, weight_decay: T) -> Self {
        let clip_value = match clip {
            Clip::Value(c) => Some(c),
            Clip::None | Clip::Norm(_) => None,
        };
        Self {
            scale: grad_scale,
            clip_value,
            weight_decay,
            identity: grad_scale == T::ONE && clip_value.is_none() && weight_decay == T::ZERO,
        }
    }

    /// The gradient the update rule uses.
    #[inline(always)]
    pub fn apply(&self, param: T, grad: T) -> T {
        if self.identity {
            return grad;
        }
        let mut g = grad;
        if self.scale != T::ONE {
            g *= self.scale;
        }
        if let Some(c) = self.clip_value {
            // Comparisons, not min/max, so a NaN gradient stays NaN and is caught.
            g = if g > c {
                c
            } else if g < -c {
                -c
            } else {
                g
            };
        }
        if self.weight_decay != T::ZERO {
            g += self.weight_decay * param;
        }
        g
    }

    /// A bound on `|apply(p, g)|` for every `|p| ≤ param` and `|g| ≤ grad`.
    fn bound(&self, param: T, grad: T) -> T {
        let mut g = grad * self.scale;
        if let Some(c) = self.clip_value {
            g = if g > c { c } else { g };
        }
        (g + self.weight_decay * param) * slack()
    }
}

fn check(name: &'static str, value: impl Scalar, ok: bool) -> Result<(), Error> {
    if ok && value.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name,
            value: value.to_f64(),
        })
    }
}

/// `value ≥ 0` and finite, from the bits: a value from `+0` to `MAX` has
/// bits from those of `+0` to those of `MAX`, and `−0` is the one other. (As
/// two comparisons, LLVM classified the value in about 20 integer
/// instructions on the Cortex-M4F, twice a checked step.)
#[inline(always)]
fn check_non_negative<T: Scalar>(name: &'static str, value: T) -> Result<(), Error> {
    let bits = value.to_bits_u64();
    if bits <= T::MAX.to_bits_u64() || bits == (-T::ZERO).to_bits_u64() {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name,
            value: value.to_f64(),
        })
    }
}

fn check_common<T: Scalar>(lr: T, weight_decay: T, clip: Clip<T>) -> Result<(), Error> {
    check_non_negative("lr", lr)?;
    check_non_negative("weight_decay", weight_decay)?;
    match clip {
        Clip::None => Ok(()),
        Clip::Value(c) => check("clip value", c, c > T::ZERO),
        Clip::Norm(c) => check("clip norm", c, c > T::ZERO),
    }
}

/// Plain stochastic gradient descent, the seed's `W ← W − α·dW`. No state.
///
/// ```
/// use tinymlp::Sgd;
/// let sgd = Sgd::new(0.5f32).weight_decay(1e-4);
/// let with_momentum = Sgd::new(0.1f32).momentum(0.9).nesterov(true);
/// ```
///
/// [`Zeroed::ZEROED`] is a placeholder, not an optimizer (see
/// [`PLACEHOLDER_LR`]): a step with it is refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd<T> {
    lr: T,
    weight_decay: T,
    clip: Clip<T>,
    /// `false` only in the all-zero placeholder. Every value of the other
    /// fields is a configuration someone may want (a learning rate of zero
    /// computes gradients and changes nothing), so refusing the placeholder
    /// takes a field of its own.
    configured: bool,
}

/// The name [`Error::InvalidHyperparameter`] gives when a step is attempted
/// with the all-zero placeholder [`Sgd`] or [`SgdMomentum`]
/// ([`Zeroed::ZEROED`]), whose learning rate was never set.
pub const PLACEHOLDER_LR: &str = "lr (never set: the optimizer is the all-zero placeholder)";

/// All zeros, so a trainer holding it can be a `static` in `.bss`: a
/// placeholder to be replaced (through `optimizer_mut`) before training. A
/// step with it is refused with [`Error::InvalidHyperparameter`] named
/// [`PLACEHOLDER_LR`], so a forgotten set-up is an error, never a run that
/// silently learns nothing. (`Sgd::new(0.0)`, by contrast, is a valid
/// optimizer that computes gradients and changes no parameter.)
impl<T: Scalar> Zeroed for Sgd<T> {
    const ZEROED: Self = Self {
        lr: T::ZERO,
        weight_decay: T::ZERO,
        clip: Clip::None,
        configured: false,
    };
}

impl<T: Scalar> Sgd<T> {
    /// Plain SGD with learning rate `lr`.
    pub const fn new(lr: T) -> Self {
        Self {
            lr,
            weight_decay: T::ZERO,
            clip: Clip::None,
            configured: true,
        }
    }

    /// Adds L2 weight decay `λ` (the gradient becomes `g + λ·p`).
    pub const fn weight_decay(mut self, lambda: T) -> Self {
        self.weight_decay = lambda;
        self
    }

    /// Sets gradient clipping.
    pub const fn clip(mut self, clip: Clip<T>) -> Self {
        self.clip = clip;
        self
    }

    /// Switches to SGD with momentum `μ` (PyTorch: `v = μ·v + g`, `p −= lr·v`).
    pub const fn momentum(self, mu: T) -> SgdMomentum<T> {
        SgdMomentum {
            sgd: self,
            momentum: mu,
            nesterov: false,
        }
    }

    /// The learning rate.
    pub const fn lr(&self) -> T {
        self.lr
    }

    /// Changes the learning rate (for a schedule).
    pub fn set_lr(&mut self, lr: T) {
        self.lr = lr;
    }
}

/// The per-step constants of [`Sgd`].
#[derive(Clone, Copy, Debug)]
pub struct SgdStep<T> {
    lr: T,
    transform: GradientTransform<T>,
}

impl<T: Scalar> Optimizer<T> for Sgd<T> {
    type Slot = ();
    type Step = SgdStep<T>;

    fn clip(&self) -> Clip<T> {
        self.clip
    }

    fn validate(&self) -> Result<(), Error> {
        if !self.configured {
            return Err(Error::InvalidHyperparameter {
                name: PLACEHOLDER_LR,
                value: self.lr.to_f64(),
            });
        }
        check_common(self.lr, self.weight_decay, self.clip)
    }

    fn prepare(&self, grad_scale: T) -> SgdStep<T> {
        SgdStep {
            lr: self.lr,
            transform: GradientTransform::new(self.clip, grad_scale, self.weight_decay),
        }
    }

    #[inline(always)]
    fn update(step: &SgdStep<T>, param: T, grad: T, _: ()) -> (T, ()) {
        (param - step.lr * step.transform.apply(param, grad), ())
    }

    /// Inlined, so a tensor of known length becomes straight-line code; the
    /// plain rule four parameters at a time, so the loop's own instructions
    /// are paid once per four (W1's 17 parameters on the Cortex-M4F: 146
    /// instructions behind calls, per element a 6-instruction loop).
    #[inline(always)]
    fn update_tensor(step: &SgdStep<T>, params: &mut [T], grads: &[T], _: &mut [()]) {
        if step.transform.identity {
            let lr = step.lr;
            let n = params.len().min(grads.len());
            let (params, grads) = (params.get_mut(..n).unwrap_or(&mut []), grads.get(..n).unwrap_or(&[]));
            let (p_blocks, p_tail) = params.as_chunks_mut::<4>();
            let (g_blocks, g_tail) = grads.as_chunks::<4>();
            let block = |p: &mut [T; 4], g: &[T; 4]| {
                let [p0, p1, p2, p3] = p;
                let [g0, g1, g2, g3] = *g;
                *p0 -= lr * g0;
                *p1 -= lr * g1;
                *p2 -= lr * g2;
                *p3 -= lr * g3;
            };
            // Two blocks a pass: at opt-level "s" a tensor of 8 is then one
            // straight pass, not a loop of two (W1's first layer).
            let (p_pairs, p_odd) = p_blocks.as_chunks_mut::<2>();
            let (g_pairs, g_odd) = g_blocks.as_chunks::<2>();
            for ([p0, p1], [g0, g1]) in p_pairs.iter_mut().zip(g_pairs) {
                block(p0, g0);
                block(p1, g1);
            }
            for (p, g) in p_odd.iter_mut().zip(g_odd) {
                block(p, g);
            }
            for (p, &g) in p_tail.iter_mut().zip(g_tail) {
                *p -= lr * g;
            }
        } else {
            sgd_transformed(step, params, grads);
        }
    }

    fn finish(&mut self) {}

    fn slot_magnitude(_: &()) -> Option<T> {
        Some(T::ZERO)
    }

    /// `|p − lr·g| ≤ |p| + lr·|g|`.
    fn bound_step(step: &SgdStep<T>, before: Magnitudes<T>, gradient: T) -> Option<Magnitudes<T>> {
        let g = step.transform.bound(before.param, gradient);
        Some(Magnitudes {
            param: finite((before.param + step.lr * g) * slack())?,
            slot: T::ZERO,
        })
    }
}

/// [`Sgd`]'s update of a tensor with clipping or weight decay: a call of its
/// own, so the inlined plain rule does not carry a copy of it per tensor.
#[inline(never)]
fn sgd_transformed<T: Scalar>(step: &SgdStep<T>, params: &mut [T], grads: &[T]) {
    for (p, &g) in params.iter_mut().zip(grads) {
        *p -= step.lr * step.transform.apply(*p, g);
    }
}

/// SGD with momentum, optionally Nesterov, as PyTorch's `torch.optim.SGD`
/// (dampening 0): `v = μ·v + g`; then `p −= lr·v`, or with Nesterov
/// `p −= lr·(g + μ·v)`. One velocity per parameter.
///
/// [`Zeroed::ZEROED`] is a placeholder, refused like [`Sgd`]'s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdMomentum<T> {
    sgd: Sgd<T>,
    momentum: T,
    nesterov: bool,
}

/// All zeros, a placeholder for a trainer in `.bss`: a step with it is
/// refused with [`Error::InvalidHyperparameter`] named [`PLACEHOLDER_LR`],
/// as for [`Sgd`].
impl<T: Scalar> Zeroed for SgdMomentum<T> {
    const ZEROED: Self = Self {
        sgd: Sgd::ZEROED,
        momentum: T::ZERO,
        nesterov: false,
    };
}

impl<T: Scalar> SgdMomentum<T> {
    /// Turns Nesterov momentum on or off.
    pub const fn nesterov(mut self, on: bool) -> Self {
        self.nesterov = on;
        self
    }

    /// Adds L2 weight decay `λ`.
    pub const fn weight_decay(mut self, lambda: T) -> Self {
        self.sgd.weight_decay = lambda;
        self
    }

    /// Sets gradient clipping.
    pub const fn clip(mut self, clip: Clip<T>) -> Self {
        self.sgd.clip = clip;
        self
    }

    /// The learning rate.
    pub const fn lr(&self) -> T {
        self.sgd.lr
    }

    /// Changes the learning rate (for a schedule).
    pub fn set_lr(&mut self, lr: T) {
        self.sgd.lr = lr;
    }
}

/// The per-step constants of [`SgdMomentum`].
#[derive(Clone, Copy, Debug)]
pub struct SgdMomentumStep<T> {
    sgd: SgdStep<T>,
    momentum: T,
    nesterov: bool,
}

impl<T: Scalar> Optimizer<T> for SgdMomentum<T> {
    type Slot = T;
    type Step = SgdMomentumStep<T>;

    fn clip(&self) -> Clip<T> {
        self.sgd.clip
    }

    fn validate(&self) -> Result<(), Error> {
        self.sgd.validate()?;
        check("momentum", self.momentum, self.momentum >= T::ZERO)
    }

    fn prepare(&self, grad_scale: T) -> SgdMomentumStep<T> {
        SgdMomentumStep {
            sgd: self.sgd.prepare(grad_scale),
            momentum: self.momentum,
            nesterov: self.nesterov,
        }
    }

    #[inline(always)]
    fn update(step: &SgdMomentumStep<T>, param: T, grad: T, velocity: T) -> (T, T) {
        momentum_rule(step, param, step.sgd.transform.apply(param, grad), velocity)
    }

    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    fn update_tensor(step: &SgdMomentumStep<T>, params: &mut [T], grads: &[T], slots: &mut [T]) {
        let identity = step.sgd.transform.identity;
        for ((p, &g), v) in params.iter_mut().zip(grads).zip(slots.iter_mut()) {
            let g = if identity { g } else { step.sgd.transform.apply(*p, g) };
            (*p, *v) = momentum_rule(step, *p, g, *v);
        }
    }

    fn finish(&mut self) {}

    fn slot_magnitude(velocity: &T) -> Option<T> {
        finite(velocity.abs())
    }

    /// `|v'| ≤ μ|v| + |g|`, `|p'| ≤ |p| + lr·(|g| + μ|v'|)` (or `lr·|v'|`).
    fn bound_step(step: &SgdMomentumStep<T>, before: Magnitudes<T>, gradient: T) -> Option<Magnitudes<T>> {
        let g = step.sgd.transform.bound(before.param, gradient);
        let v = (step.momentum * before.slot + g) * slack();
        let direction = if step.nesterov {
            (g + step.momentum * v) * slack()
        } else {
            v
        };
        Some(Magnitudes {
            param: finite((before.param + step.sgd.lr * direction) * slack())?,
            slot: finite(v)?,
        })
    }
}

/// SGD with momentum for a transformed gradient `g`.
#[inline(always)]
fn momentum_rule<T: Scalar>(step: &SgdMomentumStep<T>, param: T, g: T, velocity: T) -> (T, T) {
    // PyTorch starts the buffer at g; μ·0 + g is g exactly, so one formula serves.
    let v = step.momentum * velocity + g;
    let direction = if step.nesterov { g + step.momentum * v } else { v };
    (param - step.sgd.lr * direction, v)
}

/// Adam's per-parameter state: the first and second moment estimates.
// `repr(C)`: Adam's FPU loop on hard-float Arm loads and stores `m` and `v`
// together, as two adjacent values in this order.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C)]
pub struct AdamSlot<T> {
    /// First moment (mean of gradients).
    pub m: T,
    /// Second moment (mean of squared gradients).
    pub v: T,
}

impl<T: Zeroed> Zeroed for AdamSlot<T> {
    const ZEROED: Self = Self {
        m: T::ZEROED,
        v: T::ZEROED,
    };
}

impl<T: Scalar> OptimizerSlot for AdamSlot<T> {
    #[inline(always)]
    fn is_finite(&self) -> bool {
        self.m.is_finite() && self.v.is_finite()
    }
}

/// Adam for a transformed gradient `g`.
#[inline(always)]
fn adam_rule<T: Scalar>(step: &AdamStep<T>, param: T, g: T, slot: AdamSlot<T>) -> (T, AdamSlot<T>) {
    let m = step.beta1 * slot.m + step.one_minus_beta1 * g;
    let v = step.beta2 * slot.v + step.one_minus_beta2 * g * g;
    let denom = v.sqrt() / step.bias_correction2_sqrt + step.eps;
    (param - step.step_size * (m / denom), AdamSlot { m, v })
}

/// Adam (Kingma & Ba), with the formula of PyTorch's `torch.optim.Adam`:
///
/// ```text
/// m = β₁·m + (1 − β₁)·g          v = β₂·v + (1 − β₂)·g²
/// p −= (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
///
/// `β₁ᵗ` and `β₂ᵗ` are kept as running products in `T`, so bias corrections
/// agree with PyTorch's (computed in `f64`) to rounding, not bit for bit.
/// Defaults: `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`.
///
/// [`Zeroed::ZEROED`] is a placeholder whose `ε = 0` is refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam<T> {
    lr: T,
    beta1: T,
    beta2: T,
    eps: T,
    weight_decay: T,
    clip: Clip<T>,
    beta1_power: T,
    beta2_power: T,
    steps: u32,
}

/// All zeros, so a trainer holding it can be a `static` in `.bss`: a
/// placeholder to be replaced (through `optimizer_mut`) before training. Its
/// `ε` is 0, which validation refuses, so a step with it fails with
/// [`Error::InvalidHyperparameter`] named `"eps"` and changes nothing.
impl<T: Scalar> Zeroed for Adam<T> {
    const ZEROED: Self = Self {
        lr: T::ZERO,
        beta1: T::ZERO,
        beta2: T::ZERO,
        eps: T::ZERO,
        weight_decay: T::ZERO,
        clip: Clip::None,
        beta1_power: T::ZERO,
        beta2_power: T::ZERO,
        steps: 0,
    };
}

impl<T: Scalar> Adam<T> {
    /// Adam with learning rate `lr` and PyTorch's defaults for the rest.
    pub fn new(lr: T) -> Self {
        Self::with_betas(lr, T::from_f64(0.9), T::from_f64(0.999), T::from_f64(1e-8))
    }

    /// Adam with every constant given; usable in `const` and `static` items.
    pub const fn with_betas(lr: T, beta1: T, beta2: T, eps: T) -> Self {
        Self {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay: T::ZERO,
            clip: Clip::None,
            beta1_power: T::ONE,
            beta2_power: T::ONE,
            steps: 0,
        }
    }

    /// Sets `ε`.
    pub const fn eps(mut self, eps: T) -> Self {
        self.eps = eps;
        self
    }

    /// Adds L2 weight decay `λ` (the gradient becomes `g + λ·p`; not AdamW).
    pub const fn weight_decay(mut self, lambda: T) -> Self {
        self.weight_decay = lambda;
        self
    }

    /// Sets gradient clipping.
    pub const fn clip(mut self, clip: Clip<T>) -> Self {
        self.clip = clip;
        self
    }

    /// The learning rate.
    pub const fn lr(&self) -> T {
        self.lr
    }

    /// Changes the learning rate (for a schedule).
    pub fn set_lr(&mut self, lr: T) {
        self.lr = lr;
    }

    /// Number of steps applied so far (`t`).
    pub const fn steps(&self) -> u32 {
        self.steps
    }

    /// `(β₁ᵗ, β₂ᵗ)`: the running products the bias corrections are computed
    /// from (both `1` before the first step). Advanced only by a step that is
    /// applied, so a refused step leaves them as they were.
    pub const fn beta_powers(&self) -> (T, T) {
        (self.beta1_power, self.beta2_power)
    }
}

/// The per-step constants of [`Adam`].
// `repr(C)`, the seven numbers first: Adam's FPU loop on hard-float Arm loads
// them all with one instruction from the start of the struct.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct AdamStep<T> {
    beta1: T,
    beta2: T,
    one_minus_beta1: T,
    one_minus_beta2: T,
    step_size: T,
    bias_correction2_sqrt: T,
    eps: T,
    transform: GradientTransform<T>,
}

impl<T: Scalar> Optimizer<T> for Adam<T> {
    type Slot = AdamSlot<T>;
    type Step = AdamStep<T>;

    fn clip(&self) -> Clip<T> {
        self.clip
    }

    fn validate(&self) -> Result<(), Error> {
        check_common(self.lr, self.weight_decay, self.clip)?;
        check("beta1", self.beta1, self.beta1 >= T::ZERO && self.beta1 < T::ONE)?;
        check("beta2", self.beta2, self.beta2 >= T::ZERO && self.beta2 < T::ONE)?;
        check("eps", self.eps, self.eps > T::ZERO)
    }

    fn prepare(&self, grad_scale: T) -> AdamStep<T> {
        let bias_correction1 = T::ONE - self.beta1_power * self.beta1;
        let bias_correction2 = T::ONE - self.beta2_power * self.beta2;
        AdamStep {
            beta1: self.beta1,
            beta2: self.beta2,
            one_minus_beta1: T::ONE - self.beta1,
            one_minus_beta2: T::ONE - self.beta2,
            step_size: self.lr / bias_correction1,
            bias_correction2_sqrt: bias_correction2.sqrt(),
            eps: self.eps,
            transform: GradientTransform::new(self.clip, grad_scale, self.weight_decay),
        }
    }

    #[inline(always)]
    fn update(step: &AdamStep<T>, param: T, grad: T, slot: AdamSlot<T>) -> (T, AdamSlot<T>) {
        adam_rule(step, param, step.transform.apply(param, grad), slot)
    }

    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    fn update_tensor(step: &AdamStep<T>, params: &mut [T], grads: &[T], slots: &mut [AdamSlot<T>]) {
        if step.transform.identity {
            T::adam_loop(step, params, grads, slots);
        } else {
            for ((p, &g), s) in params.iter_mut().zip(grads).zip(slots.iter_mut()) {
                (*p, *s) = Self::update(step, *p, g, *s);
            }
        }
    }

    fn finish(&mut self) {
        self.beta1_power *= self.beta1;
        self.beta2_power *= self.beta2;
        self.steps = self.steps.saturating_add(1);
    }

    /// `None` for a negative second moment, which no step produces (its square
    /// root would be NaN).
    fn slot_magnitude(slot: &AdamSlot<T>) -> Option<T> {
        if slot.v >= T::ZERO {
            finite(larger(slot.m.abs(), slot.v))
        } else {
            None
        }
    }

    /// `m'` and `v'` are convex combinations (`β + (1 − β) ≤ 1 + u` after
    /// rounding) of `m, g` and `v, g²`, so both stay below `max(S, |g|, g²)`;
    /// the denominator `√v'/c + ε` is at least `ε` (`v' ≥ 0`), so
    /// `|p'| ≤ |p| + step_size·|m'|/ε`.
    fn bound_step(step: &AdamStep<T>, before: Magnitudes<T>, gradient: T) -> Option<Magnitudes<T>> {
        let g = step.transform.bound(before.param, gradient);
        let moments = larger(larger(before.slot, g), g * g) * slack();
        let param = (before.param + step.step_size * (moments / step.eps)) * slack();
        Some(Magnitudes {
            param: finite(param)?,
            slot: finite(moments)?,
        })
    }
}

// Hooks for saving and restoring an optimizer (`crate::persist`): every field
// is read and rebuilt as is, so a restored optimizer continues bit for bit.

impl<T: Scalar> Sgd<T> {
    /// `(lr, weight_decay, clip)`.
    pub(crate) const fn parts(&self) -> (T, T, Clip<T>) {
        (self.lr, self.weight_decay, self.clip)
    }

    /// The inverse of [`parts`](Self::parts).
    pub(crate) const fn from_parts(lr: T, weight_decay: T, clip: Clip<T>) -> Self {
        Self {
            lr,
            weight_decay,
            clip,
            configured: true,
        }
    }
}

impl<T: Scalar> SgdMomentum<T> {
    /// `(sgd, momentum, nesterov)`.
    pub(crate) const fn parts(&self) -> (Sgd<T>, T, bool) {
        (self.sgd, self.momentum, self.nesterov)
    }

    /// The inverse of [`parts`](Self::parts).
    pub(crate) const fn from_parts(sgd: Sgd<T>, momentum: T, nesterov: bool) -> Self {
        Self {
            sgd,
            momentum,
            nesterov,
        }
    }
}

/// Every field of an [`Adam`], including its running products `β₁ᵗ`, `β₂ᵗ` and step count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct AdamParts<T> {
    pub(crate) lr: T,
    pub(crate) beta1: T,
    pub(crate) beta2: T,
    pub(crate) eps: T,
    pub(crate) weight_decay: T,
    pub(crate) clip: Clip<T>,
    pub(crate) beta1_power: T,
    pub(crate) beta2_power: T,
    pub(crate) steps: u32,
}

impl<T: Scalar> Adam<T> {
    /// All fields.
    pub(crate) const fn parts(&self) -> AdamParts<T> {
        AdamParts {
            lr: self.lr,
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
            weight_decay: self.weight_decay,
            clip: self.clip,
            beta1_power: self.beta1_power,
            beta2_power: self.beta2_power,
            steps: self.steps,
        }
    }

    /// The inverse of [`parts`](Self::parts).
    pub(crate) const fn from_parts(p: AdamParts<T>) -> Self {
        Self {
            lr: p.lr,
            beta1: p.beta1,
            beta2: p.beta2,
            eps: p.eps,
            weight_decay: p.weight_decay,
            clip: p.clip,
            beta1_power: p.beta1_power,
            beta2_power: p.beta2_power,
            steps: p.steps,
        }
    }
}
