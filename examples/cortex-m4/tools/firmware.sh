# tools/firmware.sh -- sourced by check.sh and footprint.sh: build the firmware
# with Debian's Rust and run it on QEMU's mps2-an386 (Cortex-M4F) under the
# instruction counter.
#
# Environment: MCU_CARGO_HOME (cargo home for Debian's cargo, default
# /tmp/mcu-cargo). Builds go to <repo>/target/cortex-m4/opt-<level>; the
# QEMU plugin to <repo>/target/cortex-m4/libinsncount.so.

fw_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fw_repo="$(cd "$fw_dir/../.." && pwd)"
fw_target="$fw_repo/target/cortex-m4"
fw_triple=thumbv7em-none-eabihf
fw_plugin="$fw_target/libinsncount.so"

# Debian's cargo/rustc (with the library source -Z build-std needs) ahead of rustup's.
fw_cargo() {
    (cd "$fw_dir" && env -u RUSTUP_TOOLCHAIN -u RUSTC -u CARGO_BUILD_TARGET -u RUSTFLAGS \
        PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 CARGO_HOME="${MCU_CARGO_HOME:-/tmp/mcu-cargo}" \
        cargo "$@")
}

# fw_build OPT BIN...: builds the binaries at opt-level OPT. Fails on a
# compiler warning too; cargo's messages go to stderr, so a failed link shows
# its undefined symbols.
fw_build() {
    local opt="$1"; shift
    local bins=() log status=0
    for b in "$@"; do bins+=(--bin "$b"); done
    log="$(mktemp)"
    CARGO_PROFILE_RELEASE_OPT_LEVEL="$opt" fw_cargo build --quiet --locked --release \
        --target-dir "$fw_target/opt-$opt" "${bins[@]}" 2>"$log" || status=$?
    cat "$log" >&2
    if [ "$status" = 0 ] && grep -q '^warning' "$log"; then
        echo "firmware build: warnings are errors here" >&2; status=1
    fi
    rm -f "$log"
    return "$status"
}

# fw_elf OPT BIN: the path of a built binary.
fw_elf() {
    echo "$fw_target/opt-$1/$fw_triple/release/$2"
}

# The counting plugin, rebuilt when missing or older than its source.
fw_plugin_build() {
    mkdir -p "$fw_target"
    if [ ! -e "$fw_plugin" ] || [ "$fw_dir/tools/insncount.c" -nt "$fw_plugin" ]; then
        gcc -O2 -shared -fPIC -fvisibility=hidden -o "$fw_plugin" "$fw_dir/tools/insncount.c"
    fi
}

# fw_symbol ELF NAME: a global symbol's address with the Thumb bit cleared.
fw_symbol() {
    local a
    a="$(arm-none-eabi-nm "$1" | awk -v s="$2" '$3==s { print $1; exit }')"
    [ -n "$a" ] && printf '0x%x\n' $(( 0x$a & ~1 ))
}

# fw_run ELF OUT COUNTS: runs ELF in QEMU (deterministic timing, -icount),
# semihosting output to OUT, the counter's windows (if the ELF has the
# markers) to COUNTS; returns QEMU's exit status (the firmware's).
fw_run() {
    local elf="$1" out="$2" counts="$3" start end plugin=()
    : >"$counts"
    start="$(fw_symbol "$elf" bench_start || true)"
    end="$(fw_symbol "$elf" bench_end || true)"
    if [ -n "$start" ] && [ -n "$end" ]; then
        plugin=(-plugin "$fw_plugin,start=$start,end=$end,out=$counts")
    fi
    timeout "${FW_TIMEOUT:-300}" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 \
        -nographic -monitor none -icount shift=0 \
        -semihosting-config enable=on,target=native "${plugin[@]}" \
        -kernel "$elf" </dev/null >"$out" 2>&1
}

# fw_windows COUNTS: the closed windows' instruction counts, space-separated.
fw_windows() {
    awk '$1=="window" { printf "%s%s", sep, $3; sep = " " } END { print "" }' "$1"
}

# fw_trainers_in_bss ELF: succeeds when the ELF has trainer statics (symbols
# whose demangled name ends in TRAINER) and every one is in .bss (nm type b/B);
# prints where each is, and the offenders.
fw_trainers_in_bss() {
    local elf="$1" found
    found="$(arm-none-eabi-nm -C -S -t d "$elf" | awk '$NF ~ /TRAINER$/ { print $3, $2 + 0, $NF }')"
    if [ -z "$found" ]; then
        echo "$(basename "$elf"): no trainer static (*TRAINER) found"; return 1
    fi
    if awk '$1 !~ /^[bB]$/ { bad = 1 } END { exit !bad }' <<<"$found"; then
        echo "$(basename "$elf"): trainer statics outside .bss:"; awk '$1 !~ /^[bB]$/' <<<"$found"; return 1
    fi
    echo "$(basename "$elf"): in .bss: $(awk '{ printf "%s%s (%d bytes)", sep, $3, $2; sep = ", " }' <<<"$found")"
}
