//! The harness alone (startup, semihosting output, stack painting), no network: the floor of the footprint table.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use tinymlp_cortex_m4::board::{self, EXIT_PANIC, PaintedStack, bench_end, bench_start};
use tinymlp_cortex_m4::console::report_stack;

#[entry]
fn main() -> ! {
    board::empty_window();
    let painted = PaintedStack::paint();
    bench_start();
    bench_end();
    report_stack("baseline", painted.high_water());
    board::exit(0)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    board::exit(EXIT_PANIC)
}
