//! Measurement firmware for QEMU mps2-an386 (Cortex-M4F): runs one workload
//! of `benches/workloads/mod.rs` in counted windows.
//!
//! Built from `../shared/mcu/template`; the board code (markers, stack
//! painting, exit) is `examples/cortex-m4/src/board.rs`. Contract with
//! `measure.sh`:
//!  * each measured call runs between the `#[no_mangle] #[inline(never)]`
//!    markers `bench_start()` and `bench_end()`; the QEMU plugin counts every
//!    instruction from the first instruction of `bench_start` up to the first
//!    instruction of `bench_end`, one number per window (the markers add a
//!    fixed 4 instructions: `bench_start`'s 3-instruction body and `bl bench_end`);
//!  * results go out over semihosting as integers and hex bits (formatting
//!    floats would pull ~10 KB of code into the image and blur the sizes);
//!    the exit status is 0 when the workload's check passes, 1 otherwise.
//!
//! The workload is chosen by exactly one cargo feature (`w1`, `w2`, …); with
//! `without-call` everything is built but the measured call, so the `.text`
//! difference between the two builds is what the measured code costs in flash.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;

#[path = "../../workloads/mod.rs"]
mod workloads;

// ---------------------------------------------------------------- WORKLOAD

/// Number of counted windows: training steps 0, 1, 2 (or three inferences).
const WINDOWS: usize = if cfg!(feature = "w2-phases") { 4 } else { 3 };

#[cfg(any(feature = "w1", feature = "w1-fused"))]
mod workload {
    use super::*;
    use tinymlp::Matrix;
    use workloads::*;

    pub const NAME: &str = if cfg!(feature = "w1") {
        "w1 checked step"
    } else {
        "w1 fused step"
    };

    #[cfg(feature = "w1")]
    type Training = W1Trainer;
    #[cfg(not(feature = "w1"))]
    type Training = tinymlp::FusedTrainer<W1Net, W1Optimizer, tinymlp::Mse, 4>;

    pub struct State {
        trainer: Training,
        x: Matrix<f32, 4, 2>,
        y: Matrix<f32, 4, 1>,
        losses: [Option<f32>; WINDOWS],
    }

    pub fn setup() -> State {
        let (x, y) = w1_data();
        State {
            trainer: Training::new(network(), w1_optimizer(), tinymlp::Mse),
            x,
            y,
            losses: [None; WINDOWS],
        }
    }

    #[inline(always)]
    pub fn run(state: &mut State, k: usize) {
        if cfg!(feature = "without-call") {
            black_box(&mut *state);
            return;
        }
        let loss = state.trainer.step(black_box(&state.x), black_box(&state.y));
        if let Some(slot) = state.losses.get_mut(k) {
            *slot = loss.ok();
        }
    }

    pub fn report(state: &State) -> bool {
        report_training(&state.losses, checksum(state.trainer.network()))
    }
}

#[cfg(any(feature = "w2", feature = "w2-fused"))]
mod workload {
    use super::*;
    use tinymlp::Matrix;
    use workloads::*;

    pub const NAME: &str = if cfg!(feature = "w2") {
        "w2 checked step"
    } else {
        "w2 fused step"
    };

    #[cfg(feature = "w2")]
    type Training = W2Trainer;
    #[cfg(not(feature = "w2"))]
    type Training = tinymlp::FusedTrainer<W2Net, tinymlp::Adam<f32>, tinymlp::CrossEntropy, 8>;

    pub struct State {
        trainer: Training,
        batches: [(Matrix<f32, W2_BATCH, 4>, Matrix<f32, W2_BATCH, 3>); WINDOWS],
        losses: [Option<f32>; WINDOWS],
    }

    pub fn setup() -> State {
        let data = w2_data();
        State {
            trainer: Training::new(network(), adam(), tinymlp::CrossEntropy),
            batches: core::array::from_fn(|k| w2_batch(&data, k)),
            losses: [None; WINDOWS],
        }
    }

    #[inline(always)]
    pub fn run(state: &mut State, k: usize) {
        if cfg!(feature = "without-call") {
            black_box(&mut *state);
            return;
        }
        if let (Some((x, y)), Some(slot)) = (state.batches.get(k), state.losses.get_mut(k)) {
            *slot = state.trainer.step(black_box(x), black_box(y)).ok();
        }
    }

    pub fn report(state: &State) -> bool {
        report_training(&state.losses, checksum(state.trainer.network()))
    }
}

#[cfg(feature = "w2-infer")]
mod workload {
    use super::*;
    use workloads::*;

    pub const NAME: &str = "w2 inference of one sample";

    pub struct State {
        net: W2Net,
        samples: [[f32; 4]; WINDOWS],
        outputs: [[f32; 3]; WINDOWS],
    }

    pub fn setup() -> State {
        let (x, _) = w2_data();
        State {
            net: network(),
            samples: core::array::from_fn(|k| x.row(k).copied().unwrap_or_default()),
            outputs: [[0.0; 3]; WINDOWS],
        }
    }

    #[inline(always)]
    pub fn run(state: &mut State, k: usize) {
        if cfg!(feature = "without-call") {
            black_box(&mut *state);
            return;
        }
        if let (Some(x), Some(out)) = (state.samples.get(k), state.outputs.get_mut(k)) {
            *out = state.net.forward(black_box(x));
        }
    }

    pub fn report(state: &State) -> bool {
        let mut ok = true;
        for (k, out) in state.outputs.iter().enumerate() {
            let bits = out.map(f32::to_bits);
            hprintln!(
                "window {}: outputs {:#010x} {:#010x} {:#010x}",
                k,
                bits[0],
                bits[1],
                bits[2]
            );
            let sum: f32 = out.iter().sum();
            ok &= cfg!(feature = "without-call") || (sum - 1.0).abs() < 1e-5;
        }
        ok
    }
}

#[cfg(feature = "w2-phases")]
mod workload {
    use super::*;
    use tinymlp::layer::{DataInput, ParamVisitor, StoreGradient, TensorId};
    use tinymlp::{Adam, CrossEntropy, Layer, Loss, Matrix, Optimizer, Zeroed};
    use workloads::*;

    pub const NAME: &str = "w2 phases: forward, loss, backward, optimizer";

    type Layers = <W2Net as tinymlp::Model>::Tape<8>;
    type W2Layers = tinymlp::Chain<
        tinymlp::Chain<tinymlp::Dense<f32, 4, 16, tinymlp::Relu>, tinymlp::Dense<f32, 16, 16, tinymlp::Relu>, 16>,
        tinymlp::Dense<f32, 16, 3, tinymlp::Softmax>,
        16,
    >;

    pub struct State {
        net: W2Net,
        tape: Layers,
        grads: <W2Net as tinymlp::Model>::Slots<f32>,
        state: <W2Net as tinymlp::Model>::Slots<tinymlp::optim::AdamSlot<f32>>,
        x: Matrix<f32, 8, 4>,
        y: Matrix<f32, 8, 3>,
        step: <Adam<f32> as Optimizer<f32>>::Step,
    }

    struct Commit(<Adam<f32> as Optimizer<f32>>::Step);

    impl ParamVisitor<f32, tinymlp::optim::AdamSlot<f32>> for Commit {
        fn visit(
            &mut self,
            _: TensorId,
            p: &mut [f32],
            g: &[f32],
            s: &mut [tinymlp::optim::AdamSlot<f32>],
        ) -> Result<(), tinymlp::Error> {
            <Adam<f32> as Optimizer<f32>>::update_tensor(&self.0, p, g, s);
            Ok(())
        }
    }

    pub fn setup() -> State {
        let (x, y) = w2_batch(&w2_data(), 1);
        State {
            net: network(),
            tape: Zeroed::ZEROED,
            grads: Zeroed::ZEROED,
            state: Zeroed::ZEROED,
            x,
            y,
            step: adam().prepare(1.0),
        }
    }

    #[inline(always)]
    pub fn run(s: &mut State, k: usize) {
        let layers = s.net.layers_mut();
        match k {
            0 => layers.forward_tape(&s.x, 8, &mut s.tape),
            1 => {
                let out = <W2Layers as Layer<f32, 4, 3>>::tape_output_mut(&mut s.tape);
                black_box(CrossEntropy::batch_loss_and_gradient(out, &s.y, 8));
            }
            2 => layers.backward(&mut DataInput(&s.x), 8, &mut s.tape, &mut s.grads, &mut StoreGradient),
            _ => {
                let _ = layers.visit_params(0, &s.grads, &mut s.state, &mut Commit(s.step));
            }
        }
    }

    pub fn report(s: &State) -> bool {
        hprintln!("weights checksum: {:#010x}", checksum(&s.net));
        true
    }
}

/// Prints each window's loss bits and the final weights' checksum (the host's
/// `reference_checksums` test prints the same run's); checks every step succeeded.
#[cfg(not(any(feature = "w2-infer", feature = "w2-phases")))]
fn report_training(losses: &[Option<f32>; WINDOWS], checksum: u32) -> bool {
    let mut ok = true;
    for (k, loss) in losses.iter().enumerate() {
        match loss {
            Some(l) => hprintln!("step {}: loss bits {:#010x}", k, l.to_bits()),
            None => hprintln!("step {}: no loss (refused or not run)", k),
        }
        ok &= cfg!(feature = "without-call") || loss.is_some_and(|l| l.is_finite());
    }
    hprintln!("weights checksum: {:#010x}", checksum);
    ok
}
// ------------------------------------------------------------ END WORKLOAD

// The board code (the counter's markers, stack painting, exit through
// semihosting) is the firmware example's, so both count the same way.
#[path = "../../../examples/cortex-m4/src/board.rs"]
#[allow(dead_code)] // the example's run probes and exit codes are not needed here
mod board;
use board::{PaintedStack, bench_end, bench_start, exit};

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    exit(board::EXIT_PANIC)
}

#[entry]
fn main() -> ! {
    let mut state = workload::setup();
    hprintln!(
        "workload: {}{}",
        workload::NAME,
        if cfg!(feature = "without-call") {
            " (without the call)"
        } else {
            ""
        }
    );

    let painted = PaintedStack::paint();
    for k in 0..WINDOWS {
        bench_start();
        // black_box after bench_start: nothing can start before the window opens.
        workload::run(black_box(&mut state), k);
        bench_end();
    }
    let (used, whole_paint_used) = painted.high_water();

    let ok = workload::report(&state);
    hprintln!(
        "stack_used_bytes: {}{} (below the top of RAM)",
        if whole_paint_used { ">=" } else { "" },
        used
    );
    hprintln!("check: {}", if ok { "ok" } else { "FAILED" });
    exit(if ok { 0 } else { 1 })
}
