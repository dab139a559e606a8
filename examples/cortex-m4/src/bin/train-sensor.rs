//! Learns a thermistor's calibration online from a stream of noisy samples in tinymlp's ring buffer (`SampleBuffer`, `fit`, Adam, MSE); prints the loss per epoch, the error in °C and the weights' checksum.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use tinymlp::Zeroed;
use tinymlp_cortex_m4::board::{self, EXIT_PANIC};
use tinymlp_cortex_m4::console::Fixed;
use tinymlp_cortex_m4::printed_run;
use tinymlp_cortex_m4::runs::checksum::weights_checksum;
use tinymlp_cortex_m4::runs::sensor::{self, CalibrationTrainer, MAX_RMS_CELSIUS, OnlineCalibration};

#[entry]
fn main() -> ! {
    // cortex-m-rt turns these into `&'static mut`s: nothing of them lives on
    // the stack. The trainer is all zeros, so it sits in `.bss`; the run sets
    // it up. The device's seeds and buffer are an image in `.data`.
    static mut TRAINER: CalibrationTrainer = Zeroed::ZEROED;
    static mut DEVICE: OnlineCalibration = OnlineCalibration::new();
    let trained = printed_run::train("train-sensor", |console| sensor::run(TRAINER, DEVICE, console));
    let network = TRAINER.network();
    let rms = sensor::rms_error_celsius(network);
    hprintln!("measured_window_steps: {}", sensor::STEPS_PER_TRAINING);
    hprintln!("steps {}", trained.steps);
    hprintln!(
        "final loss {}, calibration rms error {} degC",
        Fixed(trained.loss),
        Fixed(rms)
    );
    printed_run::finish("sensor", weights_checksum(network), rms < MAX_RMS_CELSIUS)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    board::exit(EXIT_PANIC)
}
