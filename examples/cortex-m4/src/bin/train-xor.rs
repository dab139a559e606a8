//! Trains XOR (2-4-1 sigmoid, SGD, MSE, batch 4) on the device; prints the loss, the measurements and the weights' checksum.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use tinymlp_cortex_m4::board::{self, EXIT_NOT_CONVERGED, EXIT_PANIC, EXIT_STEP_ERROR};
use tinymlp_cortex_m4::console::{Console, Fixed, report_error, report_step};
use tinymlp_cortex_m4::runs::checksum::weights_checksum;
use tinymlp_cortex_m4::runs::xor;

#[entry]
fn main() -> ! {
    // cortex-m-rt turns this into a `&'static mut`: the trainer never lives on the stack.
    static mut TRAINER: xor::XorTrainer = xor::trainer();
    board::empty_window();
    let mut console = Console::default();
    let result = xor::run(TRAINER, &mut console);
    report_step("train-xor", &console.measured);
    let loss = match result {
        Ok(loss) => loss,
        Err(error) => {
            report_error(&error);
            board::exit(EXIT_STEP_ERROR)
        }
    };
    let network = TRAINER.network();
    for (x, y) in xor::X.as_array().iter().zip(xor::Y.as_array()) {
        let [a, b] = x.map(|v| v as u8);
        hprintln!(
            "xor({}, {}) = {} (target {})",
            a,
            b,
            Fixed(network.forward(x)[0]),
            y[0] as u8
        );
    }
    hprintln!("final loss {}", Fixed(loss));
    hprintln!("checksum xor {:#018x}", weights_checksum(network));
    if xor::learned(network) {
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
