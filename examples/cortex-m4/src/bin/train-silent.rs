//! All three training runs with no output and a panic handler that cannot link: if this binary links, no panic is reachable.
//!
//! The panic handler calls a function that exists nowhere. The linker only
//! resolves what is reachable after LTO and dead-code elimination, so the
//! image links exactly when the optimiser removed every path to a panic
//! (index checks, unwraps, overflow and division checks) from the training
//! steps, the runs and the checks after them. Nothing is printed: `core::fmt`
//! itself keeps a panicking bounds check at opt-level "s". The exit status
//! says whether the runs converged.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use tinymlp_cortex_m4::board::{self, EXIT_NOT_CONVERGED, EXIT_STEP_ERROR};
use tinymlp_cortex_m4::runs::classifier::{self, ClassifierTrainer};
use tinymlp_cortex_m4::runs::sensor::{self, OnlineCalibration};
use tinymlp_cortex_m4::runs::{Silent, xor};

#[entry]
fn main() -> ! {
    static mut XOR: xor::XorTrainer = xor::trainer();
    static mut CLASSIFIER: ClassifierTrainer = classifier::trainer();
    static mut SENSOR: OnlineCalibration = OnlineCalibration::new();
    let trained = xor::run(XOR, &mut Silent).is_ok()
        && classifier::run(CLASSIFIER, &mut Silent).is_ok()
        && sensor::run(SENSOR, &mut Silent).is_ok();
    if !trained {
        board::exit(EXIT_STEP_ERROR)
    }
    let learned = xor::learned(XOR.network())
        && classifier::correct(CLASSIFIER.network()) >= classifier::MIN_CORRECT
        && sensor::rms_error_celsius(SENSOR.trainer.network()) < sensor::MAX_RMS_CELSIUS;
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
