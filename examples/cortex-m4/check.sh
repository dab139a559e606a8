#!/usr/bin/env bash
# check.sh -- train on the emulated Cortex-M4F and prove it:
#  1. builds the firmware at opt-level "s" (what it ships with) and at 3;
#  2. runs each training firmware in QEMU: it must exit 0 and say
#     "converged: yes" (it exits non-zero when a run does not learn);
#  3. builds train-silent, whose panic handler calls a symbol defined nowhere:
#     it links only if no panic is reachable; runs it (exit 0 = converged);
#  4. runs the same training runs on the host (tests/device_twin.rs, same
#     source), once as is and once optimised with `std` (the AVX2 copy of the
#     steps where the CPU has it), and requires every weights checksum printed
#     by the firmware, at both opt-levels, to equal the host's (the host test
#     also requires the fused run's checksum to equal the checked run's);
#  5. requires every trainer `static` (a symbol named *TRAINER) to be in .bss:
#     all zeros, so it costs no flash.
# Environment: OPT (default "s 3"), MCU_CARGO_HOME.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools/firmware.sh"
OPT="${OPT:-s 3}"
trainers=(train-xor train-classifier train-classifier-fused train-sensor train-shapes)
logs="$fw_target/check"
mkdir -p "$logs"
fw_plugin_build

echo "--- host: the same runs, from the same source (cargo test --test device_twin)"
(cd "$fw_repo" && env -u RUSTFLAGS cargo test --test device_twin -- --nocapture --test-threads=1) >"$logs/host.txt" 2>&1 \
    || { cat "$logs/host.txt"; echo "host runs: FAILED"; exit 1; }
grep -o 'checksum [a-z-]* 0x[0-9a-f]*' "$logs/host.txt" | sort >"$logs/host.checksums"
cat "$logs/host.checksums"
[ "$(wc -l <"$logs/host.checksums")" = "${#trainers[@]}" ] \
    || { cat "$logs/host.txt"; echo "host runs: expected ${#trainers[@]} checksums"; exit 1; }

# With `std`, an x86-64 host whose CPU has AVX2 trains with the steps' AVX2
# copy (src/cpu.rs): the same runs, optimised, must end with the same bits.
# (RUSTFLAGS unset for both: `--cfg tinymlp_portable` would make them equal.)
echo "--- host with std, release (the AVX2 copy of the steps where the CPU has it: $(grep -qw avx2 /proc/cpuinfo && echo yes || echo no))"
(cd "$fw_repo" && env -u RUSTFLAGS cargo test --release --features std --test device_twin -- --nocapture --test-threads=1) \
    >"$logs/host-std.txt" 2>&1 || { cat "$logs/host-std.txt"; echo "host runs with std: FAILED"; exit 1; }
grep -o 'checksum [a-z-]* 0x[0-9a-f]*' "$logs/host-std.txt" | sort >"$logs/host-std.checksums"
diff -u "$logs/host.checksums" "$logs/host-std.checksums" \
    || { echo "bit-identity: FAILED between the host's builds (diff above: default vs std)"; exit 1; }
echo "bit-identical: the host with std ends with the same weight bits"

fail=0
for opt in $OPT; do
    echo "--- device, opt-level $opt"
    fw_build "$opt" "${trainers[@]}"
    : >"$logs/device-$opt.checksums"
    for bin in "${trainers[@]}"; do
        out="$logs/$bin-$opt.txt"
        status=0; fw_run "$(fw_elf "$opt" "$bin")" "$out" "$logs/$bin-$opt.counts" || status=$?
        grep -q '^converged: yes$' "$out" || status="${status/#0/not converged}"
        if [ "$status" = 0 ]; then
            echo "$bin: exit 0, $(grep -E '^(final|checksum)' "$out" | paste -sd';' - | sed 's/;/; /g')"
        else
            cat "$out"; echo "$bin: FAILED (exit status $status)"; fail=1
        fi
        grep '^checksum ' "$out" >>"$logs/device-$opt.checksums" || true
        fw_trainers_in_bss "$(fw_elf "$opt" "$bin")" || fail=1
    done
    sort -o "$logs/device-$opt.checksums" "$logs/device-$opt.checksums"
    if diff -u "$logs/host.checksums" "$logs/device-$opt.checksums"; then
        echo "bit-identical: host (x86-64, debug) and Cortex-M4F (opt-level $opt) end with the same weight bits"
    else
        echo "bit-identity: FAILED at opt-level $opt (diff above: host vs device)"; fail=1
    fi

    echo "--- no panic path, opt-level $opt: train-silent links only if no panic is reachable"
    if fw_build "$opt" train-silent 2>"$logs/silent-$opt.log"; then
        status=0; fw_run "$(fw_elf "$opt" train-silent)" "$logs/train-silent-$opt.txt" /dev/null || status=$?
        fw_trainers_in_bss "$(fw_elf "$opt" train-silent)" || status="trainers not in .bss"
        if [ "$status" = 0 ]; then
            echo "train-silent: links, exit 0 (all four runs converged)"
        else
            cat "$logs/train-silent-$opt.txt"; echo "train-silent: FAILED (exit status $status)"; fail=1
        fi
    else
        grep -E 'undefined reference|error' "$logs/silent-$opt.log" | head -n 20
        echo "train-silent: does NOT link at opt-level $opt: a panic is reachable (full log: $logs/silent-$opt.log)"
        fail=1
    fi
done
[ "$fail" = 0 ] && echo "firmware check ok" || { echo "firmware check FAILED"; exit 1; }
