#!/bin/sh
# Rebuilds the benchmark workloads. The .wasm files are committed, so this is only
# needed after changing a source. Needs clang and wasm-ld with the wasm32 target,
# and python3 for the generated workload.
#
# The C programs are freestanding: no libc and no imports, only an exported
# `run(n)` and the module's own memory. Bulk memory is enabled so struct copies
# lower to memory.copy instead of calls to a memcpy that does not exist. Sources
# named simd_*.c use wasm_simd128.h and are built with 128-bit SIMD (-msimd128);
# the others are not, so the compiler does not auto-vectorise the scalar workloads.
set -eu
cd "$(dirname "$0")"
CC=${CC:-clang}
PYTHON=${PYTHON:-python3}

"$PYTHON" src/gen_big.py > src/big.c

for src in src/*.c; do
    name=$(basename "$src" .c)
    case "$name" in
    simd_*) simd=-msimd128 ;;
    *) simd= ;;
    esac
    "$CC" --target=wasm32 -nostdlib -O2 -mbulk-memory $simd \
        -Wl,--no-entry -Wl,--export=run -Wl,--strip-all \
        -Wl,-z,stack-size=1048576 \
        -o "$name.wasm" "$src"
    echo "built $name.wasm ($(wc -c < "$name.wasm") bytes)"
done
