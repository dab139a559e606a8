//! Trains the 4-16-16-3 ReLU/softmax classifier (Adam, cross-entropy, batch 8, checked step) on the device; prints the loss, the RAM breakdown, the measurements and the weights' checksum.
#![no_std]
#![no_main]

use core::mem::size_of;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use tinymlp::optim::AdamSlot;
use tinymlp::{Adam, Model};
use tinymlp_cortex_m4::board::{self, EXIT_NOT_CONVERGED, EXIT_PANIC, EXIT_STEP_ERROR};
use tinymlp_cortex_m4::console::{Console, Fixed, report_error, report_step};
use tinymlp_cortex_m4::runs::checksum::weights_checksum;
use tinymlp_cortex_m4::runs::classifier::{self, BATCH, Classifier, ClassifierTrainer, Dataset, SAMPLES};

#[entry]
fn main() -> ! {
    // cortex-m-rt turns this into a `&'static mut`: the trainer never lives on the stack.
    static mut TRAINER: ClassifierTrainer = classifier::trainer();
    board::empty_window();
    let mut console = Console::default();
    let result = classifier::run(TRAINER, &mut console);
    report_step("train-classifier", &console.measured);
    let loss = match result {
        Ok(loss) => loss,
        Err(error) => {
            report_error(&error);
            board::exit(EXIT_STEP_ERROR)
        }
    };
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
    hprintln!("checksum classifier {:#018x}", weights_checksum(TRAINER.network()));
    if correct >= SAMPLES - SAMPLES / 16 {
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
