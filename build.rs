//! Detects whether the compiler lets the library use `core::f32::math` (an
//! unstable API: a nightly compiler, or `RUSTC_BOOTSTRAP=1`, which
//! `-Z build-std` firmware builds set anyway). If so, `Scalar::sqrt` is the
//! compiler's intrinsic (a single `vsqrt.f32` on a Cortex-M4F) rather than
//! libm's software routine; both round correctly, so results are identical.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rustc-check-cfg=cfg(tinymlp_core_float_math)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_BOOTSTRAP");
    if core_float_math_available() {
        println!("cargo:rustc-cfg=tinymlp_core_float_math");
    }
}

/// Compiles a two-line probe for the host (the feature gate is a property of
/// the compiler, not of the target, and the host's `core` is always there).
fn core_float_math_available() -> bool {
    let (Some(rustc), Some(out)) = (std::env::var_os("RUSTC"), std::env::var_os("OUT_DIR")) else {
        return false;
    };
    let out = PathBuf::from(out);
    let probe = out.join("probe_core_float_math.rs");
    let source = "#![no_std]\n#![feature(core_float_math)]\npub fn root(x: f32) -> f32 { core::f32::math::sqrt(x) }\n";
    if std::fs::write(&probe, source).is_err() {
        return false;
    }
    Command::new(rustc)
        .args([
            "--crate-type=lib",
            "--emit=metadata",
            "--edition=2021",
            "--crate-name=probe",
            "--out-dir",
        ])
        .arg(&out)
        .arg(&probe)
        .output()
        .is_ok_and(|o| o.status.success())
}
