//! Trains the 4-16-16-3 classifier of `train-classifier` with the fused fast path (`FusedTrainer`: updates inside the backward pass, no gradient buffer); prints the loss, the RAM breakdown, the measurements and the weights' checksum, which equals the checked run's.
#![no_std]
#![no_main]

use core::mem::size_of;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use tinymlp::Zeroed;
use tinymlp_cortex_m4::board::{self, EXIT_PANIC};
use tinymlp_cortex_m4::console::{Fixed, report_classifier_ram};
use tinymlp_cortex_m4::printed_run;
use tinymlp_cortex_m4::runs::checksum::weights_checksum;
use tinymlp_cortex_m4::runs::classifier::{self, FusedClassifierTrainer, MIN_CORRECT, SAMPLES};

#[entry]
fn main() -> ! {
    // cortex-m-rt turns this into a `&'static mut`: the trainer never lives on
    // the stack. All zeros, so it sits in `.bss`; the run sets it up.
    static mut TRAINER: FusedClassifierTrainer = Zeroed::ZEROED;
    let loss = printed_run::train("train-classifier-fused", |console| {
        classifier::run_fused(TRAINER, console)
    });
    report_classifier_ram(size_of::<FusedClassifierTrainer>(), None);
    let correct = classifier::correct(TRAINER.network());
    hprintln!("final loss {}, {}/{} samples right", Fixed(loss), correct, SAMPLES);
    printed_run::finish(
        "classifier-fused",
        weights_checksum(TRAINER.network()),
        correct >= MIN_CORRECT,
    )
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    board::exit(EXIT_PANIC)
}
