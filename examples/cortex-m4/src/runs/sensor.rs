//! Online learning: a network learns an NTC thermistor's nonlinear calibration from a stream of noisy samples.
//!
//! The device reads a voltage divider (10 kΩ fixed resistor, NTC thermistor
//! with R₂₅ = 10 kΩ and β = 3950 K) while a reference thermometer in the same
//! calibration chamber reports the temperature, which the chamber sets at
//! random between −20 °C and 80 °C. Both readings are noisy. Each sample goes
//! into a [`tinymlp::SampleBuffer`] of the last 64 as it arrives (once the
//! buffer is full, the newest replaces the oldest). When the buffer is first
//! full, and then after every 16 new samples, [`Trainer::fit`] runs 2 epochs
//! over the whole buffer in shuffled batches of 8 (16 steps): once the first
//! fill has aged out, every sample stays for 4 trainings and is used 8 times.
//! The network learns the inverse of the
//! divider curve, temperature from voltage, steepest at both ends. The
//! learning rate starts at 0.05 and halves every 60 trainings.
//!
//! Everything, the simulated sensor included, is `f32` arithmetic through
//! `tinymlp::Scalar` (libm, and the crate's own `f32` exponential), so host and
//! device compute the same bits. Call
//! `Scalar::exp(x)`, never `x.exp()`: on the host the inherent `f32::exp` of
//! `std` would win and round differently.

use core::ops::ControlFlow;

use tinymlp::{Adam, Error, Init, Mse, Rng, Sample, SampleBuffer, Scalar, Trainer, mlp};

use super::Probe;

/// Scaled divider ratio → 8 tanh → 8 tanh → scaled temperature.
pub type Calibration = mlp!(f32; 1 => 8 Tanh => 8 Tanh => 1 Identity);
/// Rows per training step.
pub const BATCH: usize = 8;
/// Samples the ring buffer keeps.
pub const CAPACITY: usize = 64;
/// The trainer: Adam, MSE, batches of 8.
pub type CalibrationTrainer = Trainer<Calibration, Adam<f32>, Mse, BATCH>;
/// The ring buffer of the most recent samples.
pub type CalibrationBuffer = SampleBuffer<f32, 1, 1, CAPACITY>;
/// New samples between two trainings, once the buffer is full.
pub const SAMPLES_PER_TRAINING: usize = 16;
/// Epochs over the buffer per training.
pub const EPOCHS_PER_TRAINING: usize = 2;
/// Optimizer steps per training: each epoch is `⌈CAPACITY / BATCH⌉` batches.
pub const STEPS_PER_TRAINING: usize = EPOCHS_PER_TRAINING * CAPACITY.div_ceil(BATCH);
/// Trainings in the run.
pub const TRAININGS: u32 = 240;
/// The initial learning rate.
pub const LR: f32 = 0.05;
/// Trainings between two halvings of the learning rate.
pub const DECAY_EVERY: u32 = 60;
/// Seed of the initial weights.
pub const WEIGHT_SEED: u64 = 2024;
/// The calibration must read the temperature to within this RMS error, °C,
/// at [`check_temperatures`] (the firmware exits non-zero otherwise).
pub const MAX_RMS_CELSIUS: f32 = 1.0;

/// Coldest temperature, °C.
pub const MIN_CELSIUS: f32 = -20.0;
/// Hottest temperature, °C.
pub const MAX_CELSIUS: f32 = 80.0;
const MID_CELSIUS: f32 = 30.0;
const HALF_RANGE_CELSIUS: f32 = 50.0;
/// Thermistor resistance at 25 °C, Ω.
pub const R25: f32 = 10_000.0;
/// Thermistor β, K.
pub const BETA: f32 = 3950.0;
/// The divider's fixed resistor, Ω.
pub const R_FIXED: f32 = 10_000.0;
/// 0 °C in kelvin.
pub const ZERO_CELSIUS_KELVIN: f32 = 273.15;
/// Half-width of the uniform noise on the divider reading (about 4 LSB of a 12-bit ADC).
const READING_NOISE: f32 = 0.001;
/// Half-width of the uniform noise on the reference thermometer, °C.
const REFERENCE_NOISE_CELSIUS: f32 = 0.25;

/// The divider ratio `R / (R + R_fixed)` of the thermistor at `celsius` (β model).
pub fn divider_ratio(celsius: f32) -> f32 {
    let kelvin = celsius + ZERO_CELSIUS_KELVIN;
    let resistance = R25 * Scalar::exp(BETA * (1.0 / kelvin - 1.0 / (25.0 + ZERO_CELSIUS_KELVIN)));
    resistance / (resistance + R_FIXED)
}

/// The network's input for a divider ratio.
pub fn scale_input(ratio: f32) -> f32 {
    2.0 * ratio - 1.0
}

/// The network's target for a temperature.
pub fn scale_target(celsius: f32) -> f32 {
    (celsius - MID_CELSIUS) / HALF_RANGE_CELSIUS
}

/// The temperature a network output stands for.
pub fn unscale_output(output: f32) -> f32 {
    MID_CELSIUS + HALF_RANGE_CELSIUS * output
}

/// The simulated sensor: a random chamber temperature, a noisy divider, a noisy reference.
#[derive(Clone, Debug)]
pub struct Thermistor {
    rng: Rng,
}

impl Thermistor {
    /// A sensor whose temperatures and noise come from `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { rng: Rng::new(seed) }
    }

    /// The next reading and reference temperature, scaled for the network:
    /// `([2v − 1], [(T − 30 °C) / 50 °C])` for the divider ratio `v` and the
    /// reference temperature `T`.
    pub fn read(&mut self) -> Sample<f32, 1, 1> {
        let celsius = MIN_CELSIUS + (MAX_CELSIUS - MIN_CELSIUS) * self.rng.uniform::<f32>();
        let reading = divider_ratio(celsius) + (2.0 * self.rng.uniform::<f32>() - 1.0) * READING_NOISE;
        let reference = celsius + (2.0 * self.rng.uniform::<f32>() - 1.0) * REFERENCE_NOISE_CELSIUS;
        ([scale_input(reading)], [scale_target(reference)])
    }
}

/// What the online-learning device keeps besides its trainer: the sensor, the
/// sample buffer, the shuffling generator. (The trainer is a separate
/// `static`: all zeros, so it sits in `.bss`; these hold seeds and the
/// buffer's identity permutation, so they are an image in `.data`.)
pub struct OnlineCalibration {
    /// The simulated sensor.
    pub sensor: Thermistor,
    /// The most recent samples.
    pub buffer: CalibrationBuffer,
    /// Shuffles the buffer for each epoch.
    pub shuffle: Rng,
}

impl OnlineCalibration {
    /// The seeded sensor and generator, an empty buffer (a `const fn`: it can
    /// initialise a `static`).
    pub const fn new() -> Self {
        Self {
            sensor: Thermistor::new(7),
            buffer: SampleBuffer::new(),
            shuffle: Rng::new(11),
        }
    }
}

impl Default for OnlineCalibration {
    fn default() -> Self {
        Self::new()
    }
}

/// The optimizer at the start of the run: Adam with lr [`LR`], PyTorch's defaults otherwise.
pub const ADAM: Adam<f32> = Adam::with_betas(LR, 0.9, 0.999, 1e-8);

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trained {
    /// The mean training loss of the last epoch, in scaled units.
    pub loss: f32,
    /// Optimizer steps taken over the whole run.
    pub steps: usize,
}

/// Sets the trainer up (it may be all zeros, a `static` in `.bss`): draws
/// the initial weights (Xavier, [`WEIGHT_SEED`]), sets [`ADAM`] and zeroes its
/// moments. Then for [`TRAININGS`] trainings: reads samples into the buffer
/// until it is full (the first time) or [`SAMPLES_PER_TRAINING`] new ones have
/// replaced the oldest, and fits [`EPOCHS_PER_TRAINING`] epochs over the
/// buffer. The probe wraps each call to `fit` (index: the training's number)
/// and then gets each of its epochs' mean losses (scaled units), numbered
/// across the run.
pub fn run(
    trainer: &mut CalibrationTrainer,
    device: &mut OnlineCalibration,
    probe: &mut impl Probe,
) -> Result<Trained, Error> {
    let OnlineCalibration {
        sensor,
        buffer,
        shuffle,
    } = device;
    trainer
        .network_mut()
        .initialize(&mut Rng::new(WEIGHT_SEED), Init::XavierUniform);
    *trainer.optimizer_mut() = ADAM;
    trainer.reset_optimizer_state();
    let mut trained = Trained { loss: 0.0, steps: 0 };
    let mut epoch = 0;
    for training in 0..TRAININGS {
        let mut fresh = 0;
        while !buffer.is_full() || fresh < SAMPLES_PER_TRAINING {
            let (x, y) = sensor.read();
            // A non-finite reading is refused and leaves the buffer as it was;
            // the stream goes on without it.
            if buffer.push(x, y).is_ok() {
                fresh += 1;
            }
        }
        // Losses are kept and reported after `fit` returns, so nothing is
        // printed while the probe measures.
        let mut losses = [0.0; EPOCHS_PER_TRAINING];
        let summary = probe.step(training, || {
            trainer.fit(buffer, EPOCHS_PER_TRAINING, shuffle, |report| {
                if let Some(loss) = report.epoch.checked_sub(1).and_then(|i| losses.get_mut(i)) {
                    *loss = report.loss;
                }
                ControlFlow::Continue(())
            })
        })?;
        for loss in losses.iter().take(summary.epochs) {
            probe.epoch(epoch, *loss);
            epoch += 1;
        }
        trained.loss = summary.loss.unwrap_or(trained.loss);
        trained.steps = trained.steps.saturating_add(summary.steps);
        if (training + 1) % DECAY_EVERY == 0 {
            let lr = trainer.optimizer().lr();
            trainer.optimizer_mut().set_lr(lr * 0.5);
        }
    }
    Ok(trained)
}

/// Temperatures at which [`rms_error_celsius`] checks the calibration: −20 °C to 80 °C in steps of 2 °C.
pub fn check_temperatures() -> impl Iterator<Item = f32> {
    (0..=50u8).map(|i| MIN_CELSIUS + 2.0 * f32::from(i))
}

/// The root-mean-square error, in °C, of the temperatures `network` reads from
/// noise-free divider ratios at [`check_temperatures`].
pub fn rms_error_celsius(network: &Calibration) -> f32 {
    let mut sum = 0.0;
    let mut n = 0.0;
    for celsius in check_temperatures() {
        let [out] = network.forward(&[scale_input(divider_ratio(celsius))]);
        let error = unscale_output(out) - celsius;
        sum += error * error;
        n += 1.0;
    }
    Scalar::sqrt(sum / n)
}
