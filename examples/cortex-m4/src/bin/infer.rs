//! Inference only: one forward pass of the 4-16-16-3 classifier, weights in flash; prints the measurements.
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use tinymlp_cortex_m4::board::{self, EXIT_PANIC, PaintedStack, bench_end, bench_start};
use tinymlp_cortex_m4::console::{Fixed, report_stack};
use tinymlp_cortex_m4::runs::classifier::{self, Classifier};

/// The network, built by the compiler: an immutable `static` stays in flash.
static NETWORK: Classifier = classifier::initial_network();
/// The first training sample (a constant, so the dataset is not linked in).
const SAMPLE: [f32; 4] = classifier::dataset().x[0].as_array()[0];

#[entry]
fn main() -> ! {
    board::empty_window();
    let x = black_box(SAMPLE);
    let painted = PaintedStack::paint();
    bench_start();
    let out = black_box(black_box(&NETWORK).forward(&x));
    bench_end();
    report_stack("infer", painted.high_water());
    hprintln!("output {} {} {}", Fixed(out[0]), Fixed(out[1]), Fixed(out[2]));
    board::exit(0)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    board::exit(EXIT_PANIC)
}
