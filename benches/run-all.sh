#!/usr/bin/env bash
# benches/run-all.sh -- every figure of BENCHMARKS.md, in one run.
#
#   1. x86-64 instructions per step / inference (callgrind via gungraun), with
#      ratios to the nalgebra baseline computed from this same run: as a host
#      build runs them (`instructions`: the steps' AVX2 copy where the CPU has
#      it), on SSE2 alone (`sse2`: `--cfg tinymlp_portable`), and with both
#      sides compiled for AVX2 (`avx2`: `-C target-feature=+avx2`);
#   2. Cortex-M4F instructions and flash (QEMU + insncount, benches/cortex-m4);
#   3. wall time (criterion; noisy on shared machines, for orientation only).
#
# Usage: benches/run-all.sh [instructions|sse2|avx2|m4|wall]...   (default: all)
# Needs valgrind and gungraun-runner 0.20.0 (.ci/install.sh installs both).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(instructions sse2 avx2 m4 wall)

instructions() {
    echo "=== x86-64 instructions (callgrind), one call each${1:+, $1}"
    local log
    log="$(mktemp)"
    cargo bench --features std --quiet --bench instructions 2>&1 | tee "$log" >/dev/null
    awk '
        /^instructions::/ { split($1, p, "::"); name = p[3] }
        /Instructions:/ { split($2, v, "|"); ir[name] = v[1]; order[++n] = name }
        END {
            printf "%-22s %10s %10s %8s\n", "benchmark", "ours", "nalgebra", "ratio"
            for (i = 1; i <= n; i++) {
                b = order[i]
                if (b ~ /_baseline$/) continue
                base = b
                sub(/_(checked|fused|ours)$/, "_baseline", base)
                if (b ~ /first_step/) base = ""
                if (base in ir) printf "%-22s %10d %10d %8.3f\n", b, ir[b], ir[base], ir[b] / ir[base]
                else printf "%-22s %10d %10s %8s\n", b, ir[b], "-", "-"
            }
        }' "$log"
    rm -f "$log"
}

# RUSTFLAGS reach every crate, so these two build in their own target
# directories (CARGO_TARGET_DIR: gungraun keeps its output there too). They
# replace any RUSTFLAGS of the caller's.
sse2() {
    CARGO_TARGET_DIR=target/bench-sse2 RUSTFLAGS="--cfg tinymlp_portable" \
        instructions "tinymlp on SSE2 only (--cfg tinymlp_portable)"
}

avx2() {
    CARGO_TARGET_DIR=target/bench-avx2 RUSTFLAGS="-C target-feature=+avx2" \
        instructions "both sides compiled for AVX2"
}

m4() {
    echo "=== Cortex-M4F (QEMU mps2-an386): instructions per call, flash bytes of the call"
    benches/cortex-m4/measure.sh
}

wall() {
    echo "=== wall time (criterion)"
    cargo bench --features std --quiet --bench wall_time -- --noplot 2>&1 | grep -E '^[a-z0-9_]+/[a-z]+ +time:' |
        awk '{ printf "%-22s median %s %s  (95%% interval %s %s .. %s %s)\n", $1, $5, $6, $3, $4, $7, $8 }' |
        tr -d '[]'
}

for part in "${parts[@]}"; do
    "$part"
done
