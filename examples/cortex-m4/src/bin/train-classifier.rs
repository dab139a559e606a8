//! Trains the 4-16-16-3 ReLU/softmax classifier (Adam, cross-entropy, batch 8, checked step) on the device; prints the loss, the RAM breakdown, the measurements and the weights' checksum.
#![no_std]
#![no_main]

use core::mem::size_of;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use tinymlp::optim::AdamSlot;
use tinymlp::{Adam, Model};
use tinymlp_cortex_m4::board::{self, EXIT_PANIC};
use tinymlp_cortex_m4::console::Fixed;
use tinymlp_cortex_m4::printed_run;
use tinymlp_cortex_m4::runs::checksum::weights_checksum;
use tinymlp_cortex_m4::runs::classifier::{self, BATCH, Classifier, ClassifierTrainer, Dataset, MIN_CORRECT, SAMPLES};

#[entry]
fn main() -> ! {
    // cortex-m-rt turns this into a `&'static mut`: the trainer never lives on the stack.
    static mut TRAINER: ClassifierTrainer = classifier::trainer();
    let loss = printed_run::train("train-classifier", |console| classifier::run(TRAINER, console));
    hprintln!("ram network_bytes: {}", size_of::<Classifier>());
    hprintln!(
        "ram adam_state_bytes: {}",
        size_of::<<Classifier as Model>::Slots<AdamSlot<f32>>>()
    );
    hprintln!("ram gradient_bytes: {}", size_of::<<Classifier as Model>::Slots<f32>>());
    hprintln!("ram tape_bytes: {}", size_of::<<Classifier as Model>::Tape<BATCH>>());
    hprintln!("ram optimizer_bytes: {}", size_of::<Adam<f32>>());
    hprintln!("ram trainer_bytes: {}", size_of::<ClassifierTrainer>());
    hprintln!("flash dataset_bytes: {}", size_of::<Dataset>());
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
