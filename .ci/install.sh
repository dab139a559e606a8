#!/usr/bin/env bash
# .ci/install.sh -- install everything CI needs, idempotently and quietly.
#
#  Debian packages:
#    rustc-web cargo-web rust-web-src   Debian's Rust 1.96 with library source, for
#                                       `-Z build-std=core` on Cortex-M and RISC-V
#    gcc-arm-none-eabi libnewlib-...    linker, nm, size for the firmware example
#    qemu-system-arm                    QEMU with the mps2-an386 (Cortex-M4F) machine
#    gcc libc6-dev valgrind             host C compiler (QEMU plugin), instruction counts
#  rustup: clippy and rustfmt on stable; the minimal 1.88 toolchain (the declared
#  rust-version) to check that the library still builds with it.
#  pip: numpy and safetensors, for the safetensors interop tests.
#  cargo install: gungraun-runner, for the instruction-count benches.
set -euo pipefail

pkgs=(rustc-web cargo-web rust-web-src gcc-arm-none-eabi libnewlib-arm-none-eabi
      qemu-system-arm gcc libc6-dev valgrind)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    log="$(mktemp)"
    sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
    if ! { $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
            >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"; exit 1
    fi
    rm -f "$log"
fi

rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
msrv="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)"
rustup toolchain list | grep -q "^$msrv" || rustup toolchain install "$msrv" --profile minimal >/dev/null 2>&1

# gungraun-runner: runs the instruction-count benches; must be the version of
# the gungraun dev-dependency. Compiling it takes about 3.5 minutes on 2 cores,
# once per machine.
gungraun="$(sed -n 's/^gungraun = "\(.*\)"/\1/p' Cargo.toml)"
if ! gungraun-runner --version 2>/dev/null | grep -qF "$gungraun"; then
    cargo install gungraun-runner --version "$gungraun" --locked --quiet
fi

# Python 3 with numpy and safetensors (PyPI), for tests/safetensors_interop.rs:
# it loads fixture files and checks files we write with tests/fixtures/*.py.
if ! python3 -c 'import numpy, safetensors' 2>/dev/null; then
    echo "installing: numpy safetensors (pip)"
    pip_=(python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore)
    "${pip_[@]}" numpy safetensors 2>/dev/null || "${pip_[@]}" --user --break-system-packages numpy safetensors
fi

echo "install ok: $(rustc --version | cut -d' ' -f1-2) (rustup), $(/usr/bin/rustc --version | cut -d' ' -f1-2) (Debian), msrv $msrv, $(python3 -c 'import sys, numpy, safetensors; print("python", sys.version.split()[0], "numpy", numpy.__version__, "safetensors", safetensors.__version__)')"
