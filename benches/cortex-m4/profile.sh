#!/usr/bin/env bash
# benches/cortex-m4/profile.sh -- where the instructions of one measured call
# go: runs a firmware built by measure.sh (e.g. $BUILD_DIR/firmware-s-w2.elf)
# with the counting plugin's per-address profile, then writes ELF.annot (the
# disassembly, each instruction prefixed with how often it ran in the window)
# and prints the instructions per function and the hottest straight-line runs.
#
# Usage: profile.sh ELF [WINDOW]   (WINDOW: 0, 1 or 2; default 1, the step
# measure.sh quotes). Environment: BUILD_DIR as for measure.sh (where the
# plugin is built), TOP (runs to print, default 25).
set -euo pipefail
shopt -s inherit_errexit

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
elf="$1" window="${2:-1}"
build_dir="${BUILD_DIR:-/tmp/tinymlp-bench-m4}"
mkdir -p "$build_dir"

# shellcheck source=plugin.sh
source "$here/plugin.sh"

timeout "${TIMEOUT:-60}" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic -monitor none \
    -icount shift=0 -semihosting-config enable=on,target=native \
    -plugin "$plugin,start=$(sym "$elf" bench_start),end=$(sym "$elf" bench_end),out=/dev/null,profile=$elf.profile,window=$window" \
    -kernel "$elf" </dev/null >/dev/null

# Join the counts to the disassembly; a "run" is a stretch of consecutive
# instructions that ran equally often (a loop body, a straight block).
arm-none-eabi-objdump -d -C --no-show-raw-insn "$elf" | awk -v counts="$elf.profile" -v annot="$elf.annot" -v top="${TOP:-25}" '
    BEGIN { while ((getline line < counts) > 0) { split(line, kv, " "); n[kv[1]] = kv[2] } }
    function close_run() {
        if (run_len > 0) { runs[++nruns] = sprintf("%8d = %6d x %3d  %s .. %s  %s", run_n * run_len, run_n, run_len, run_from, run_to, fn) }
        run_len = 0
    }
    /^[0-9a-f]+ <.*>:$/ { close_run(); fn = substr($0, index($0, "<"), 110); print > annot; next }
    /^ +[0-9a-f]+:/ {
        addr = $1; sub(":", "", addr); sub(/^0+/, "", addr)
        c = (addr in n) ? n[addr] : 0
        printf "%8d %s\n", c, $0 > annot
        total += c; per_fn[fn] += c
        if (c == 0 || c != run_n) close_run()
        if (c > 0) { if (run_len == 0) { run_from = addr; run_n = c } run_len++; run_to = addr }
        next
    }
    { close_run(); print > annot }
    END {
        close_run()
        printf "instructions in window: %d\n\nper function:\n", total
        for (name in per_fn) if (per_fn[name] > 0) printf "%8d  %s\n", per_fn[name], name | "sort -rn"
        close("sort -rn")
        printf "\nhottest runs (instructions = times x length, addresses, function):\n"
        for (i = 1; i <= nruns; i++) print runs[i] | ("sort -rn | head -" top)
    }'
