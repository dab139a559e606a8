//! Online learning: a network learns an NTC thermistor's nonlinear calibration from a stream of noisy samples.
//!
//! The device reads a voltage divider (10 kΩ fixed resistor, NTC thermistor
//! with R₂₅ = 10 kΩ and β = 3950 K) while a reference thermometer in the same
//! calibration chamber reports the temperature, which the chamber sets at
//! random between −20 °C and 80 °C. Both readings are noisy. Each new sample
//! goes into a ring buffer of the last 64 (the newest replaces the oldest), and
//! after each sample one Adam step trains on 8 samples drawn at random from
//! the buffer, so every sample is reused about 8 times. The network learns the
//! inverse of the divider curve, temperature from voltage, steepest at both
//! ends. The learning rate starts at 0.05 and halves every 15 epochs.
//!
//! Everything, the simulated sensor included, is `f32` arithmetic through
//! `tinymlp::Scalar` (libm), so host and device compute the same bits. Call
//! `Scalar::exp(x)`, never `x.exp()`: on the host the inherent `f32::exp` of
//! `std` would win and round differently.
//!
//! The buffer is `heapless::Deque` behind [`SampleStream`]; when the library
//! has its own sample buffer and `fit`, only `SampleStream` and the loop in
//! [`run`] change.

use heapless::Deque;
use tinymlp::{Adam, Error, Init, Matrix, Mse, Network, Rng, Scalar, Trainer, Zeroed, mlp};

use super::Probe;

/// Scaled divider ratio → 8 tanh → 8 tanh → scaled temperature.
pub type Calibration = mlp!(f32; 1 => 8 Tanh => 8 Tanh => 1 Identity);
/// Rows per training step.
pub const BATCH: usize = 8;
/// Samples the ring buffer keeps.
pub const CAPACITY: usize = 64;
/// The trainer: Adam, MSE, batches of 8.
pub type CalibrationTrainer = Trainer<Calibration, Adam<f32>, Mse, BATCH>;
/// New samples per epoch (one buffer's worth).
pub const SAMPLES_PER_EPOCH: u32 = CAPACITY as u32;
/// Epochs of the run.
pub const EPOCHS: u32 = 60;
/// The initial learning rate.
pub const LR: f32 = 0.05;
/// Epochs between two halvings of the learning rate.
pub const DECAY_EVERY: u32 = 15;
/// Seed of the initial weights.
pub const WEIGHT_SEED: u64 = 2024;

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

/// One training sample, scaled for the network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// `2v − 1` for the divider ratio `v` (the thermistor's share of the supply).
    pub input: f32,
    /// `(T − 30 °C) / 50 °C`.
    pub target: f32,
}

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

    /// The next reading and reference temperature.
    pub fn sample(&mut self) -> Sample {
        let celsius = MIN_CELSIUS + (MAX_CELSIUS - MIN_CELSIUS) * self.rng.uniform::<f32>();
        let reading = divider_ratio(celsius) + (2.0 * self.rng.uniform::<f32>() - 1.0) * READING_NOISE;
        let reference = celsius + (2.0 * self.rng.uniform::<f32>() - 1.0) * REFERENCE_NOISE_CELSIUS;
        Sample {
            input: scale_input(reading),
            target: scale_target(reference),
        }
    }
}

/// The last [`CAPACITY`] samples in a ring buffer, and the batch drawn from them.
#[derive(Debug)]
pub struct SampleStream {
    samples: Deque<Sample, CAPACITY>,
    rng: Rng,
    x: Matrix<f32, BATCH, 1>,
    y: Matrix<f32, BATCH, 1>,
}

impl SampleStream {
    /// An empty buffer; batches are drawn with a generator seeded with `seed`.
    pub const fn new(seed: u64) -> Self {
        Self {
            samples: Deque::new(),
            rng: Rng::new(seed),
            x: Matrix::zeros(),
            y: Matrix::zeros(),
        }
    }

    /// Adds a sample; when the buffer is full, the oldest one makes room.
    pub fn push(&mut self, sample: Sample) {
        if self.samples.is_full() {
            self.samples.pop_front();
        }
        // Cannot fail: there is room now.
        let _ = self.samples.push_back(sample);
    }

    /// Samples held.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// `true` when no sample has arrived yet.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// [`BATCH`] samples drawn uniformly (with replacement) from the buffer,
    /// or `None` while it holds fewer than [`BATCH`].
    pub fn batch(&mut self) -> Option<(&Matrix<f32, BATCH, 1>, &Matrix<f32, BATCH, 1>)> {
        if self.samples.len() < BATCH {
            return None;
        }
        let rows = self.x.as_array_mut().iter_mut().zip(self.y.as_array_mut());
        for (x, y) in rows {
            let sample = self.samples.get(self.rng.below(self.samples.len()))?;
            *x = [sample.input];
            *y = [sample.target];
        }
        Some((&self.x, &self.y))
    }
}

/// Everything the online-learning device keeps: trainer, sensor, sample buffer.
pub struct OnlineCalibration {
    /// The network, Adam and the training buffers.
    pub trainer: CalibrationTrainer,
    /// The simulated sensor.
    pub sensor: Thermistor,
    /// The ring buffer of recent samples.
    pub stream: SampleStream,
}

impl OnlineCalibration {
    /// All zeros but the seeds (a `const fn`: it can initialise a `static`);
    /// [`run`] draws the initial weights.
    pub const fn new() -> Self {
        Self {
            trainer: Trainer::new(
                Network::new(Zeroed::ZEROED),
                Adam::with_betas(LR, 0.9, 0.999, 1e-8),
                Mse,
            ),
            sensor: Thermistor::new(7),
            stream: SampleStream::new(11),
        }
    }
}

impl Default for OnlineCalibration {
    fn default() -> Self {
        Self::new()
    }
}

/// Draws the initial weights (Xavier, [`WEIGHT_SEED`]), then for [`EPOCHS`]
/// epochs of [`SAMPLES_PER_EPOCH`] samples: takes a sample, stores it, and
/// takes one Adam step on a batch drawn from the buffer. Reports each epoch's
/// mean training loss (scaled units); returns the last one.
pub fn run(device: &mut OnlineCalibration, probe: &mut impl Probe) -> Result<f32, Error> {
    let OnlineCalibration {
        trainer,
        sensor,
        stream,
    } = device;
    trainer
        .network_mut()
        .initialize(&mut Rng::new(WEIGHT_SEED), Init::XavierUniform);
    let mut step = 0;
    let mut mean = 0.0;
    for epoch in 0..EPOCHS {
        let mut total = 0.0;
        let mut steps = 0u32;
        for _ in 0..SAMPLES_PER_EPOCH {
            stream.push(sensor.sample());
            if let Some((x, y)) = stream.batch() {
                total += probe.step(step, || trainer.step(x, y))?;
                step += 1;
                steps += 1;
            }
        }
        mean = if steps > 0 { total / steps as f32 } else { 0.0 };
        probe.epoch(epoch, mean);
        if (epoch + 1) % DECAY_EVERY == 0 {
            let lr = trainer.optimizer().lr();
            trainer.optimizer_mut().set_lr(lr * 0.5);
        }
    }
    Ok(mean)
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
