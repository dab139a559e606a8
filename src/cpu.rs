//! Which instructions the host runs: on x86-64 with `std`, a copy of each
//! training step and of inference compiled for AVX2, taken when the CPU has
//! it.
//!
//! The default x86-64 target assumes SSE2 only: four lanes, and two-operand
//! instructions that spend a register copy on most products. AVX2's eight
//! lanes and three operands take W2's checked step from 16,071 instructions
//! to 8,334 (BENCHMARKS.md). The copy is the same Rust compiled with one more
//! target feature, so it performs the same IEEE operations in the same order:
//! Rust never fuses a multiply and an add unasked, and AVX2 alone has no FMA.
//! Its results are bit-identical (`examples/cortex-m4/check.sh` compares the
//! host's default and `std` builds with each other and with the Cortex-M4F).
//!
//! Each entry point (`Trainer::step_rows`, `FusedTrainer::step_rows`,
//! `Network::logits`, and so `step`, `fit`, `forward` and `evaluate`) tests
//! `has_avx2` and calls its `#[target_feature(enable = "avx2")]` copy: the
//! one `unsafe` call, whose contract is exactly what the test established. A
//! function compiled for the baseline target stays a baseline function
//! whoever calls it, so the steady step's path is `inline(always)` in these
//! builds: the step bodies, the layers' `logits`, `forward_tape_with`,
//! `backward` and `visit_params`, and the optimizers' and losses' batch
//! methods. Elsewhere they keep their `#[inline]` hint: `inline(always)` on
//! every target changed the Cortex-M4F's code at opt-level 3 (W2 +29
//! instructions). What stays out of line runs baseline code, with the same
//! bits: the cold passes behind `train::visit_cold` (first step, dry run,
//! norm clipping), and the sealed traits' own methods called directly.
//!
//! `core` has no run-time detection, so a build without `std` (plain
//! `cargo test` included) has no copy; it gets AVX2 by enabling it at
//! compile time (`-C target-cpu=native`). `--cfg tinymlp_portable` keeps a
//! `std` build on its SSE2 code: that is how BENCHMARKS.md measures what a
//! CPU without AVX2 runs.

/// Whether this CPU runs AVX2 and the OS saves its registers: std's
/// detection (CPUID, and XGETBV for the YMM state), cached after the first
/// call. The entry points' `unsafe` calls rely on it answering `true` only
/// when AVX2 is usable.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn has_avx2() -> bool {
    !cfg!(tinymlp_portable) && std::is_x86_feature_detected!("avx2")
}
