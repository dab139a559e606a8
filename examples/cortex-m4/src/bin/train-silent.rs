//! All four training runs with no output and a panic handler that cannot link: if this binary links, no panic is reachable.
//!
//! The panic handler calls a function that exists nowhere. The linker only
//! resolves what is reachable after LTO and dead-code elimination, so the
//! image links exactly when the optimiser removed every path to a panic
//! (index checks, unwraps, overflow and division checks) from the training
//! steps (checked and fused), the runs and the checks after them. Nothing is
//! printed: `core::fmt` itself keeps a panicking bounds check at opt-level
//! "s". The exit status says whether the runs converged.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use tinymlp::Zeroed;
use tinymlp_cortex_m4::board::{self, EXIT_NOT_CONVERGED, EXIT_STEP_ERROR};
use tinymlp_cortex_m4::runs::classifier::{self, ClassifierTrainer, FusedClassifierTrainer};
use tinymlp_cortex_m4::runs::sensor::{self, CalibrationTrainer, OnlineCalibration};
use tinymlp_cortex_m4::runs::{Silent, xor};

#[entry]
fn main() -> ! {
    // The trainers are all zeros (in `.bss`); each run sets its own up.
    static mut XOR_TRAINER: xor::XorTrainer = Zeroed::ZEROED;
    static mut CLASSIFIER_TRAINER: ClassifierTrainer = Zeroed::ZEROED;
    static mut FUSED_TRAINER: FusedClassifierTrainer = Zeroed::ZEROED;
    static mut SENSOR_TRAINER: CalibrationTrainer = Zeroed::ZEROED;
    static mut SENSOR: OnlineCalibration = OnlineCalibration::new();
    let trained = xor::run(XOR_TRAINER, &mut Silent).is_ok()
        && classifier::run(CLASSIFIER_TRAINER, &mut Silent).is_ok()
        && classifier::run_fused(FUSED_TRAINER, &mut Silent).is_ok()
        && sensor::run(SENSOR_TRAINER, SENSOR, &mut Silent).is_ok();
    if !trained {
        board::exit(EXIT_STEP_ERROR)
    }
    let learned = xor::learned(XOR_TRAINER.network())
        && classifier::correct(CLASSIFIER_TRAINER.network()) >= classifier::MIN_CORRECT
        && classifier::correct(FUSED_TRAINER.network()) >= classifier::MIN_CORRECT
        && sensor::rms_error_celsius(SENSOR_TRAINER.network()) < sensor::MAX_RMS_CELSIUS;
    board::exit(if learned { 0 } else { EXIT_NOT_CONVERGED })
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        /// Defined nowhere: a reachable panic fails the link, naming this symbol.
        fn a_panic_is_reachable_in_the_training_firmware() -> !;
    }
    // SAFETY: never executed: the binary links only if this call is unreachable.
    unsafe { a_panic_is_reachable_in_the_training_firmware() }
}
