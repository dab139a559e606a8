#!/usr/bin/env bash
# footprint.sh -- flash, RAM, stack and instructions per training step of the
# firmware on the emulated Cortex-M4F, as a Markdown table per opt-level.
#
#  .text/.data/.bss   arm-none-eabi-size (Berkeley: .text includes .rodata and
#                     the vector table; .data is in RAM and its image in flash)
#  stack              high-water mark by stack painting: bytes below the top of
#                     RAM reached during the measured work (reset handler and
#                     main's frame included); printing happens only after it
#  RAM                .data + .bss + stack: everything the firmware uses
#  instructions       exact guest instructions of one training step (step 1,
#                     after a warm-up step), or of one forward pass for
#                     `infer`, minus the markers' own cost (an empty window);
#                     `train-sensor` trains through `Trainer::fit`, so its
#                     window is one call to `fit` (the second), divided by the
#                     steps it takes (the firmware prints measured_window_steps)
#
# Also prints where the RAM of the 4-16-16-3 trainers goes (checked step and
# fused fast path), fails if the checked one needs more than 9 KiB of RAM in
# total, and says whether the fused one meets the 6.5 KiB aim.
# Environment: OPT (default "s 3"; "s" is what the firmware ships with), MCU_CARGO_HOME.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools/firmware.sh"
OPT="${OPT:-s 3}"
RAM_BUDGET=9216
FUSED_RAM_AIM=6656
logs="$fw_target/footprint"
mkdir -p "$logs"
fw_plugin_build

# bin|what it runs
firmware=(
    "baseline|the harness alone: startup, semihosting, stack painting"
    "infer|inference only: one forward pass of 4-16-16-3 (weights in flash)"
    "train-xor|XOR 2-4-1 sigmoid, SGD, MSE, batch 4"
    "train-classifier|4-16-16-3 ReLU/softmax, Adam, cross-entropy, batch 8"
    "train-classifier-fused|the same with the fused fast path (FusedTrainer: no gradient buffer)"
    "train-sensor|online calibration 1-8-8-1 tanh, Adam, MSE, batch 8, fit over a SampleBuffer of 64"
    "train-silent|all four training runs, no output, panic handler that cannot link"
)

# ram_breakdown OUT DATA BSS STACK RAM LIMIT: where a 4-16-16-3 trainer
# firmware's RAM goes, from the size_of lines it printed; LIMIT describes the
# budget or aim the total is held against.
ram_breakdown() {
    local out="$1" data="$2" bss="$3" stack="$4" ram="$5" limit="$6" trainer parts
    trainer="$(sed -n 's/^ram trainer_bytes: \([0-9]*\)$/\1/p' "$out")"
    parts="$(sed -n 's/^ram \(network\|adam_state\|gradient\|tape\|optimizer\)_bytes: \([0-9]*\)$/\2/p' "$out" \
        | awk '{ sum += $1 } END { print sum + 0 }')"
    sed -n 's/^ram \(network\|adam_state\|gradient\|tape\|optimizer\)_bytes: \([0-9]*\)$/  \1: \2 bytes/p' "$out"
    [ "$trainer" -gt "$parts" ] && echo "  the checked step's carried update bounds: $(( trainer - parts )) bytes"
    echo "  the trainer, all of the above (size_of, a static in .bss): $trainer bytes"
    echo "  everything else in .data + .bss (semihosting, cortex-m): $(( data + bss - trainer )) bytes"
    echo "  stack high-water mark: $stack bytes"
    echo "  total: $ram bytes ($limit)"
    sed -n 's/^flash dataset_bytes: \([0-9]*\)$/  not counted: the training data, \1 bytes, in flash/p' "$out"
}

fail=0
declare -A ram_of breakdown
for opt in $OPT; do
    bins=(); for f in "${firmware[@]}"; do bins+=("${f%%|*}"); done
    fw_build "$opt" "${bins[@]}"
    echo
    echo "opt-level $opt:"
    echo
    echo "| firmware | what it runs | .text | .data | .bss | flash (.text+.data) | stack | RAM (.data+.bss+stack) | instructions per step |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    for f in "${firmware[@]}"; do
        bin="${f%%|*}"; what="${f#*|}"
        elf="$(fw_elf "$opt" "$bin")"; out="$logs/$bin-$opt.txt"; counts="$logs/$bin-$opt.counts"
        status=0; fw_run "$elf" "$out" "$counts" || status=$?
        [ "$status" = 0 ] || { cat "$out"; echo "$bin: exit status $status"; fail=1; }
        read -r text data bss < <(arm-none-eabi-size "$elf" | awk 'NR==2 { print $1, $2, $3 }')
        stack="$(sed -n 's/^stack_high_water_bytes: \([>=0-9]*\) .*/\1/p' "$out")"
        read -r -a w <<<"$(fw_windows "$counts")"
        if [ "${#w[@]}" -ge 2 ]; then insns=$(( w[1] - w[0] )); else insns="–"; fi
        if [[ "$stack" =~ ^[0-9]+$ ]]; then ram=$(( data + bss + stack )); else ram="–"; stack="${stack:-–}"; fi
        [ "$bin" = infer ] && [ "$insns" != "–" ] && insns="$insns (forward pass)"
        steps="$(sed -n 's/^measured_window_steps: \([0-9]*\)$/\1/p' "$out")"
        if [[ "$steps" =~ ^[1-9][0-9]*$ ]] && [[ "$insns" =~ ^[0-9]+$ ]]; then
            insns="$(( (insns + steps / 2) / steps )) (fit call of $steps steps: $insns)"
        fi
        [ "$bin" = baseline ] && insns="–"
        echo "| \`$bin\` | $what | $text | $data | $bss | $(( text + data )) | $stack | $ram | $insns |"
        case "$bin" in
            train-classifier) limit="the budget: 9 KiB, $RAM_BUDGET bytes" ;;
            train-classifier-fused) limit="the aim: 6.5 KiB, $FUSED_RAM_AIM bytes" ;;
            *) limit="" ;;
        esac
        if [ -n "$limit" ]; then
            ram_of["$bin"]="$ram"
            breakdown["$bin"]="$(ram_breakdown "$out" "$data" "$bss" "$stack" "$ram" "$limit")"
        fi
    done
    for bin in train-classifier train-classifier-fused; do
        echo
        echo "Where the RAM of \`$bin\` goes (opt-level $opt; size_of, printed by the firmware):"
        echo
        echo "${breakdown[$bin]}"
    done
    checked="${ram_of[train-classifier]}"; fused="${ram_of[train-classifier-fused]}"
    echo
    if [[ "$checked" =~ ^[0-9]+$ ]] && [ "$checked" -le "$RAM_BUDGET" ]; then
        echo "RAM budget, checked step: $checked of $RAM_BUDGET bytes (9 KiB): met"
    else
        echo "RAM budget, checked step: FAILED ($checked > $RAM_BUDGET bytes)"; fail=1
    fi
    if [[ "$fused" =~ ^[0-9]+$ ]] && [ "$fused" -le "$FUSED_RAM_AIM" ]; then
        echo "RAM aim, fused fast path: $fused of $FUSED_RAM_AIM bytes (6.5 KiB): met, $(( FUSED_RAM_AIM - fused )) bytes to spare"
    else
        echo "RAM aim, fused fast path: $fused of $FUSED_RAM_AIM bytes (6.5 KiB): missed (an aim, not a failure)"
    fi
done
[ "$fail" = 0 ] || { echo "footprint: FAILED"; exit 1; }
