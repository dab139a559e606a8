//! Trains the 4-16-16-3 ReLU/softmax classifier (Adam, cross-entropy, batch 8, checked step) on the device; prints the loss, the RAM breakdown, the measurements and the weights' checksum.
#![no_std]
#![no_main]

use core::mem::size_of;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use tinymlp::{Model, Zeroed};
use tinymlp_cortex_m4::board::{self, EXIT_PANIC};
use tinymlp_cortex_m4::console::{Fixed, report_classifier_ram};
use tinymlp_cortex_m4::printed_run;
use tinymlp_cortex_m4::runs::checksum::weights_checksum;
use tinymlp_cortex_m4::runs::classifier::{self, Classifier, ClassifierTrainer, MIN_CORRECT, SAMPLES};

#[entry]
fn main() -> ! {
    // cortex-m-rt turns this into a `&'static mut`: the trainer never lives on
    // the stack. All zeros, so it sits in `.bss`; the run sets it up.
    static mut TRAINER: ClassifierTrainer = Zeroed::ZEROED;
    let loss = printed_run::train("train-classifier", |console| classifier::run(TRAINER, console));
    report_classifier_ram(
        size_of::<ClassifierTrainer>(),
        Some(size_of::<<Classifier as Model>::Slots<f32>>()),
    );
    let correct = classifier::correct(TRAINER.network());
    hprintln!("final loss {}, {}/{} samples right", Fixed(loss), correct, SAMPLES);
    printed_run::finish(
        "classifier",
        weights_checksum(TRAINER.network()),
        correct >= MIN_CORRECT,
    )
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    board::exit(EXIT_PANIC)
}
