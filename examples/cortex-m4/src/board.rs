//! What every firmware binary needs from the emulated board: exit codes, the counter's markers, stack painting.
//!
//! QEMU's `mps2-an386` is a Cortex-M4F with 4 MiB of RAM at `0x2000_0000`;
//! the stack grows down from its top (`_stack_start`). Output goes to the host
//! over semihosting, and `exit` ends QEMU with a status the scripts check.

use core::arch::asm;

/// Exit status when a run did not learn what it should.
pub const EXIT_NOT_CONVERGED: u32 = 1;
/// Exit status when a training step returned an error.
pub const EXIT_STEP_ERROR: u32 = 2;
/// Exit status after a panic (printing firmware only).
pub const EXIT_PANIC: u32 = 101;

/// Ends the emulation with `code` as QEMU's exit status (semihosting `SYS_EXIT_EXTENDED`).
pub fn exit(code: u32) -> ! {
    const SYS_EXIT_EXTENDED: usize = 0x20;
    const ADP_STOPPED_APPLICATION_EXIT: usize = 0x20026;
    let block = [ADP_STOPPED_APPLICATION_EXIT, code as usize];
    // SAFETY: the block is the two words SYS_EXIT_EXTENDED reads, and it
    // outlives the call (the call does not return under QEMU).
    unsafe { cortex_m_semihosting::syscall(SYS_EXIT_EXTENDED, &block) };
    loop {
        cortex_m::asm::bkpt();
    }
}

/// Opens the instruction counter's window: its first instruction starts the count.
///
/// The two markers must differ in their bodies, or LLVM merges them into one
/// function at one address. With this toolchain an empty window (the call to
/// `bench_start`, its body and the `bl bench_end`) costs a few instructions;
/// each firmware measures one and subtracts it.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn bench_start() {
    // SAFETY: an empty asm statement; it only keeps the call in place.
    unsafe { asm!("@ bench_start", options(nostack, preserves_flags)) }
}

/// Closes the instruction counter's window: reaching its first instruction stops the count.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn bench_end() {
    // SAFETY: as for `bench_start`.
    unsafe { asm!("@ bench_end", options(nostack, preserves_flags)) }
}

/// Bytes painted below the stack pointer; far more than any step here uses.
const STACK_PAINT_BYTES: usize = 64 * 1024;
const STACK_PATTERN: u32 = 0xC5AC_CE55;

unsafe extern "C" {
    // cortex-m-rt: the end of .bss/.uninit (the stack may not go below it) and
    // the initial stack pointer (the top of RAM).
    static mut __sheap: u32;
    static mut _stack_start: u32;
}

/// The painted part of the stack, to be scanned by [`PaintedStack::high_water`].
#[derive(Clone, Copy, Debug)]
pub struct PaintedStack {
    low: usize,
    sp: usize,
}

impl PaintedStack {
    /// Paints `[max(sp − 64 KiB, end of .bss), sp)` with a pattern. SP is read
    /// in the same asm block, so nothing the compiler spills lands in the
    /// painted area before it returns.
    #[inline(always)]
    pub fn paint() -> Self {
        let floor = core::ptr::addr_of!(__sheap) as usize;
        let (low, sp): (usize, usize);
        // SAFETY: writes only the free stack below the current SP and above
        // the end of the statics.
        unsafe {
            asm!(
                "mov {sp}, sp",
                "sub {p}, {sp}, {size}",
                "cmp {p}, {floor}",
                "it lo",
                "movlo {p}, {floor}",
                "mov {low}, {p}",
                "2:",
                "str {pat}, [{p}], #4",
                "cmp {p}, {sp}",
                "blo 2b",
                sp = out(reg) sp,
                p = out(reg) _,
                low = out(reg) low,
                size = in(reg) STACK_PAINT_BYTES,
                floor = in(reg) floor,
                pat = in(reg) STACK_PATTERN,
                options(nostack),
            );
        }
        Self { low, sp }
    }

    /// The deepest the stack has reached since painting, as bytes below the
    /// top of RAM (so it includes the frames of the reset handler, `main` and
    /// everything above the painting), and whether the whole painted area was
    /// used (the figure is then a lower bound).
    #[inline(always)]
    pub fn high_water(&self) -> (usize, bool) {
        let mut p = self.low;
        // SAFETY: reads the painted area only; pure asm, so the scan itself
        // uses no stack.
        unsafe {
            asm!(
                "2:",
                "cmp {p}, {sp}",
                "bhs 3f",
                "ldr {w}, [{p}]",
                "cmp {w}, {pat}",
                "bne 3f",
                "adds {p}, {p}, #4",
                "b 2b",
                "3:",
                p = inout(reg) p,
                sp = in(reg) self.sp,
                pat = in(reg) STACK_PATTERN,
                w = out(reg) _,
                options(nostack, readonly),
            );
        }
        let top = core::ptr::addr_of!(_stack_start) as usize;
        (top - p, p == self.low)
    }
}

/// What the firmware learns about a run's measured step.
#[derive(Clone, Copy, Debug, Default)]
pub struct StepProbe {
    painted: Option<PaintedStack>,
    /// Stack high-water mark over the first two steps, bytes below the top of
    /// RAM, and whether it is only a lower bound.
    pub stack: Option<(usize, bool)>,
}

impl StepProbe {
    /// Paints the stack before step 0, wraps step 1 in the counter's markers
    /// and scans the stack after it. Nothing is printed in between.
    #[inline(always)]
    pub fn step<R>(&mut self, index: u32, step: impl FnOnce() -> R) -> R {
        match index {
            0 => {
                self.painted = Some(PaintedStack::paint());
                step()
            }
            1 => {
                bench_start();
                let r = core::hint::black_box(step());
                bench_end();
                self.stack = self.painted.map(|p| p.high_water());
                r
            }
            _ => step(),
        }
    }
}

/// An empty counter window: what the markers alone cost, to subtract from a measured one.
#[inline(always)]
pub fn empty_window() {
    bench_start();
    bench_end();
}
