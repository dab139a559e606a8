//! A training run as the printing firmware performs it: measured, reported, and ended with the exit status the scripts check.

use cortex_m_semihosting::hprintln;
use tinymlp::Error;

use crate::board::{self, EXIT_NOT_CONVERGED, EXIT_STEP_ERROR};
use crate::console::{Console, report_error, report_step};

/// Measures the empty counter window, then runs `run` with the printing
/// probe and prints its step's measurements under `name`; ends the emulation
/// with [`EXIT_STEP_ERROR`] after printing the error if a step failed.
/// Returns what the run returned.
#[inline(always)]
pub fn train<R>(name: &str, run: impl FnOnce(&mut Console) -> Result<R, Error>) -> R {
    board::empty_window();
    let mut console = Console::default();
    let result = run(&mut console);
    report_step(name, &console.measured);
    match result {
        Ok(trained) => trained,
        Err(error) => {
            report_error(&error);
            board::exit(EXIT_STEP_ERROR)
        }
    }
}

/// Prints the run's weights checksum and whether it learned what it should,
/// and ends the emulation: status 0 if it did, [`EXIT_NOT_CONVERGED`] if not.
pub fn finish(run: &str, checksum: u64, converged: bool) -> ! {
    hprintln!("checksum {} {:#018x}", run, checksum);
    if converged {
        hprintln!("converged: yes");
        board::exit(0)
    }
    hprintln!("converged: NO");
    board::exit(EXIT_NOT_CONVERGED)
}
