//! Printing over semihosting with integer formatting only (no float-formatting code in the image).

use core::fmt;
use core::mem::size_of;

use cortex_m_semihosting::hprintln;

use tinymlp::optim::AdamSlot;
use tinymlp::{Adam, Error, Model};

use crate::board::StepProbe;
use crate::runs::Probe;
use crate::runs::classifier::{BATCH, Classifier, Dataset};

/// A non-negative `f32` printed with six decimals using integer formatting
/// only; `core`'s float formatting would add about 10 KB of code.
#[derive(Clone, Copy, Debug)]
pub struct Fixed(pub f32);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !(self.0 >= 0.0 && self.0 < 4.0e9) {
            return write!(f, "(f32 bits {:#010x})", self.0.to_bits());
        }
        // In range, so `as` truncates exactly; f32 arithmetic only (an f64
        // multiply would be a software routine on this FPU).
        let whole = self.0 as u32;
        let micros = ((self.0 - whole as f32) * 1e6) as u32;
        write!(f, "{}.{:06}", whole, micros.min(999_999))
    }
}

/// The firmware's probe: measures step 1 and prints the loss of every reported epoch.
#[derive(Clone, Copy, Debug, Default)]
pub struct Console {
    /// The stack and instruction measurements of step 1.
    pub measured: StepProbe,
}

impl Probe for Console {
    #[inline(always)]
    fn step<R>(&mut self, index: u32, step: impl FnOnce() -> R) -> R {
        self.measured.step(index, step)
    }

    fn epoch(&mut self, epoch: u32, loss: f32) {
        hprintln!("epoch {} loss {}", epoch, Fixed(loss));
    }
}

/// Prints the measurements every training firmware reports, in the lines the scripts parse.
pub fn report_step(name: &str, measured: &StepProbe) {
    match measured.stack {
        Some(high_water) => report_stack(name, high_water),
        None => hprintln!("stack_high_water_bytes: none (fewer than two steps ran)"),
    }
}

/// Prints a stack high-water mark from [`PaintedStack::high_water`](crate::board::PaintedStack::high_water)
/// in the line the scripts parse.
pub fn report_stack(name: &str, (bytes, lower_bound): (usize, bool)) {
    hprintln!(
        "stack_high_water_bytes: {}{} ({}, from the top of RAM)",
        if lower_bound { ">=" } else { "" },
        bytes,
        name
    );
}

/// Prints where a 4-16-16-3 trainer's RAM goes (`size_of` of each part, its
/// gradient buffer if it has one, and of the whole trainer) and the training
/// data's size, in the lines `footprint.sh` parses.
pub fn report_classifier_ram(trainer_bytes: usize, gradient_bytes: Option<usize>) {
    hprintln!("ram network_bytes: {}", size_of::<Classifier>());
    hprintln!(
        "ram adam_state_bytes: {}",
        size_of::<<Classifier as Model>::Slots<AdamSlot<f32>>>()
    );
    if let Some(bytes) = gradient_bytes {
        hprintln!("ram gradient_bytes: {}", bytes);
    }
    hprintln!("ram tape_bytes: {}", size_of::<<Classifier as Model>::Tape<BATCH>>());
    hprintln!("ram optimizer_bytes: {}", size_of::<Adam<f32>>());
    hprintln!("ram trainer_bytes: {}", trainer_bytes);
    hprintln!("flash dataset_bytes: {}", size_of::<Dataset>());
}

/// Prints a failed step's error with integer formatting only.
///
/// `Error`'s `Display` writes `InvalidHyperparameter`'s value as an `f64`,
/// which alone links about 10 KB of float-formatting code; this prints the
/// value's bits instead and every other field as it is.
pub fn report_error(error: &Error) {
    match *error {
        Error::InvalidHyperparameter { name, value } => {
            hprintln!(
                "step failed: hyperparameter `{}` out of range (f64 bits {:#018x})",
                name,
                value.to_bits()
            )
        }
        Error::NonFiniteGradient { layer, row, col, .. } => {
            hprintln!("step failed: non-finite gradient, layer {} [{}, {}]", layer, row, col)
        }
        Error::NonFiniteParameter { layer, row, col, .. } => {
            hprintln!("step failed: non-finite update, layer {} [{}, {}]", layer, row, col)
        }
        Error::NonFiniteInput { row, col } => hprintln!("step failed: non-finite input [{}, {}]", row, col),
        Error::NonFiniteTarget { row, col } => hprintln!("step failed: non-finite target [{}, {}]", row, col),
        Error::NonFiniteLoss => hprintln!("step failed: non-finite loss"),
        Error::BatchRows { rows, capacity } => hprintln!("step failed: {} rows for batch size {}", rows, capacity),
        _ => hprintln!("step failed (an error this firmware does not know how to print)"),
    }
}
