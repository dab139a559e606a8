#!/usr/bin/env bash
# .ci/no-std-builds.sh -- build the library (not run it) for targets without std
# or an allocator, with and without default features: if `std` or `alloc`
# sneaks in, `core`-only targets fail to link it and these builds fail.
# Cortex-M4F (FPU), Cortex-M0 (no FPU: soft floats), RISC-V 32 (no FPU).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Debian's rustc/cargo ship the library source that -Z build-std needs; rustup's
# stable has no thumb targets installed and cannot fetch them here.
export PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1
export CARGO_HOME="${MCU_CARGO_HOME:-/tmp/mcu-cargo}"
unset RUSTUP_TOOLCHAIN RUSTC 2>/dev/null || true

for target in thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imac-unknown-none-elf; do
    for features in "" "--no-default-features"; do
        echo "--- $target ${features:-(default features)}"
        cargo build --quiet --release -Z build-std=core --target "$target" --lib $features \
            --target-dir target/no-std
    done
done
