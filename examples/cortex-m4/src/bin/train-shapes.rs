//! Trains a 4-7-8-7-3 network (ReLU, tanh, sigmoid; Adam, MSE, batches of 8 and 6) that reaches every block shape of the kernels; prints the loss and the weights' checksum.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use tinymlp::Zeroed;
use tinymlp_cortex_m4::board::{self, EXIT_PANIC};
use tinymlp_cortex_m4::console::Fixed;
use tinymlp_cortex_m4::printed_run;
use tinymlp_cortex_m4::runs::checksum::weights_checksum;
use tinymlp_cortex_m4::runs::shapes;

#[entry]
fn main() -> ! {
    // cortex-m-rt turns this into a `&'static mut`: the trainer never lives on
    // the stack. All zeros, so it sits in `.bss`; the run sets it up.
    static mut TRAINER: shapes::ShapesTrainer = Zeroed::ZEROED;
    let loss = printed_run::train("train-shapes", |console| shapes::run(TRAINER, console));
    let network = TRAINER.network();
    hprintln!("final loss {}", Fixed(loss));
    printed_run::finish("shapes", weights_checksum(network), shapes::learned(network))
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    board::exit(EXIT_PANIC)
}
