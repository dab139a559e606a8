#!/usr/bin/env bash
# benches/cortex-m4/measure.sh -- instructions per call and flash bytes of the
# benchmark workloads on an emulated Cortex-M4F (QEMU mps2-an386), exact and
# deterministic (examples/cortex-m4/tools/insncount.c, a QEMU TCG plugin, counts every instruction
# between the firmware's bench_start and bench_end markers).
#
# For each opt-level and workload it builds the firmware twice: with the
# measured call, and without it (feature `without-call`); the `.text`
# difference is the flash the call's code costs. Each firmware runs three
# windows (steps 0, 1, 2, or three inferences); the table quotes step 1 (a
# steady-state step, as the host benches do) and prints all three. The
# firmware's loss bits and weight checksum must equal the host's for the same
# run (`cargo test --test workloads -- --ignored --exact reference_outputs`).
#
# Environment: OPT ("s 3"), WORKLOADS ("w1 w1-fused w2 w2-fused w2-infer"),
# TARGET_CPU (unset: the target's generic CPU; e.g. cortex-m4), TIMEOUT (60 s),
# MCU_CARGO_HOME (/tmp/mcu-cargo), BUILD_DIR (/tmp/tinymlp-bench-m4). Needs Debian's rustc/cargo with rust-src,
# gcc-arm-none-eabi, qemu-system-arm, gcc (.ci/install.sh installs them).
set -euo pipefail
shopt -s inherit_errexit

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
OPT="${OPT:-s 3}"
WORKLOADS="${WORKLOADS:-w1 w1-fused w2 w2-fused w2-infer}"
TIMEOUT="${TIMEOUT:-60}"
build_dir="${BUILD_DIR:-/tmp/tinymlp-bench-m4}"
mkdir -p "$build_dir"

# The host's reference outputs, computed with the same code (stable toolchain).
reference="$build_dir/reference.txt"
(cd "$repo" && cargo test --quiet --release --test workloads -- --ignored --exact reference_outputs --nocapture) \
    2>/dev/null | grep -E '^(w[0-9][^:]*: )' >"$reference"

# Debian's rustc/cargo (with rust-src, for -Z build-std) must win over rustup's.
export PATH="/usr/bin:$PATH"
export CARGO_HOME="${MCU_CARGO_HOME:-/tmp/mcu-cargo}"
export RUSTC_BOOTSTRAP=1
unset RUSTUP_TOOLCHAIN RUSTC CARGO_BUILD_TARGET 2>/dev/null || true

# shellcheck source=plugin.sh
source "$here/plugin.sh"

# build OPT FEATURES -> path of a copy of the ELF
build() {
    local opt="$1" features="$2" tdir="$build_dir/target/opt-$1${TARGET_CPU:+-$TARGET_CPU}" elf
    local flags=()   # appended to .cargo/config.toml's rustflags
    [ -z "${TARGET_CPU:-}" ] || flags=(--config "target.thumbv7em-none-eabihf.rustflags=[\"-C\", \"target-cpu=$TARGET_CPU\"]")
    (cd "$here" && CARGO_PROFILE_RELEASE_OPT_LEVEL="$opt" cargo build --quiet --release "${flags[@]}" \
        --no-default-features --features "$features" --target-dir "$tdir") || return 1
    elf="$build_dir/firmware-$opt${TARGET_CPU:+-$TARGET_CPU}-${features//,/+}.elf"
    cp "$tdir/thumbv7em-none-eabihf/release/tinymlp-bench-m4" "$elf" || return 1
    echo "$elf"
}

# run ELF -> prints "counts..." on stdout, semihosting output into ELF.out
run() {
    local elf="$1" cnt="$1.count" status
    : >"$cnt"
    set +e
    timeout "$TIMEOUT" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic -monitor none \
        -icount shift=0 -semihosting-config enable=on,target=native \
        -plugin "$plugin,start=$(sym "$elf" bench_start),end=$(sym "$elf" bench_end),out=$cnt" \
        -kernel "$elf" </dev/null >"$elf.out" 2>"$elf.err"
    status=$?
    set -e
    if [ "$status" != 0 ]; then
        echo "FAILED: $elf exited with $status" >&2; cat "$elf.out" "$elf.err" >&2; exit 1
    fi
    # 4 instructions of each window are the markers' own (bench_start's body, bl bench_end).
    awk '$1=="window"{printf "%d ", $3 - 4}' "$cnt"
}

text() { arm-none-eabi-size "$1" | awk 'NR==2 { print $1 }'; }

printf '%-4s %-9s %8s %28s %7s %10s\n' opt workload step1 "all windows" ".text" "call flash"
status=0
for opt in $OPT; do
    for w in $WORKLOADS; do
        elf="$(build "$opt" "$w")" || exit 1
        counts="$(run "$elf")"
        again="$(run "$elf")"
        [ "$counts" = "$again" ] || { echo "NOT DETERMINISTIC: $elf: $counts / $again" >&2; status=1; }
        bare="$(build "$opt" "$w,without-call")" || exit 1
        run "$bare" >/dev/null
        # (The firmware's stack figure is left out: the step is inlined into
        # main, whose frame the painting cannot see.)
        read -r -a c <<<"$counts"
        printf '%-4s %-9s %8s %28s %7s %10s\n' "$opt" "$w" "${c[1]}" "$counts" "$(text "$elf")" \
            "$(( $(text "$elf") - $(text "$bare") ))"
        # Same bits as the host: every line the host printed for this workload.
        key="${w%-fused}"
        key="${key%-infer}"
        [ "$w" = w2-infer ] && key=w2-infer
        while read -r line; do
            want="${line#*: }"
            grep -qxF -- "$want" "$elf.out" || { echo "MISMATCH $w ($opt): host says '$want'" >&2; status=1; }
        done < <(grep "^$key: " "$reference")
    done
done
[ "$status" = 0 ] && echo "all runs deterministic and bit-identical to the host"
exit "$status"
