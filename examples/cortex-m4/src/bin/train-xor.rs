//! Trains XOR (2-4-1 sigmoid, SGD, MSE, batch 4) on the device; prints the loss, the measurements and the weights' checksum.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use tinymlp::Zeroed;
use tinymlp_cortex_m4::board::{self, EXIT_PANIC};
use tinymlp_cortex_m4::console::Fixed;
use tinymlp_cortex_m4::printed_run;
use tinymlp_cortex_m4::runs::checksum::weights_checksum;
use tinymlp_cortex_m4::runs::xor;

#[entry]
fn main() -> ! {
    // cortex-m-rt turns this into a `&'static mut`: the trainer never lives on
    // the stack. All zeros, so it sits in `.bss`; the run sets it up.
    static mut TRAINER: xor::XorTrainer = Zeroed::ZEROED;
    let loss = printed_run::train("train-xor", |console| xor::run(TRAINER, console));
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
    printed_run::finish("xor", weights_checksum(network), xor::learned(network))
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    board::exit(EXIT_PANIC)
}
