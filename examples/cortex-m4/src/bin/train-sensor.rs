//! Learns a thermistor's calibration online from a stream of noisy samples in tinymlp's ring buffer (`SampleBuffer`, `fit`, Adam, MSE); prints the loss per epoch, the error in °C and the weights' checksum.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use tinymlp_cortex_m4::board::{self, EXIT_NOT_CONVERGED, EXIT_PANIC, EXIT_STEP_ERROR};
use tinymlp_cortex_m4::console::{Console, Fixed, report_error, report_step};
use tinymlp_cortex_m4::runs::checksum::weights_checksum;
use tinymlp_cortex_m4::runs::sensor::{self, MAX_RMS_CELSIUS, OnlineCalibration};

#[entry]
fn main() -> ! {
    // cortex-m-rt turns this into a `&'static mut`: nothing of it lives on the stack.
    static mut DEVICE: OnlineCalibration = OnlineCalibration::new();
    board::empty_window();
    let mut console = Console::default();
    let result = sensor::run(DEVICE, &mut console);
    report_step("train-sensor", &console.measured);
    let trained = match result {
        Ok(trained) => trained,
        Err(error) => {
            report_error(&error);
            board::exit(EXIT_STEP_ERROR)
        }
    };
    let network = DEVICE.trainer.network();
    let rms = sensor::rms_error_celsius(network);
    hprintln!("measured_window_steps: {}", sensor::STEPS_PER_TRAINING);
    hprintln!("steps {}", trained.steps);
    hprintln!(
        "final loss {}, calibration rms error {} degC",
        Fixed(trained.loss),
        Fixed(rms)
    );
    hprintln!("checksum sensor {:#018x}", weights_checksum(network));
    if rms < MAX_RMS_CELSIUS {
        hprintln!("converged: yes");
        board::exit(0)
    }
    hprintln!("converged: NO");
    board::exit(EXIT_NOT_CONVERGED)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    board::exit(EXIT_PANIC)
}
