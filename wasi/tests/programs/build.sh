#!/bin/sh
# Builds the WASI test programs (*.c beside this script) into the .wasm files the tests load.
# The .wasm outputs are committed, so running the tests needs no C toolchain; rerun this after
# changing a program. Needs clang with the wasm32-wasi target and a wasi-libc sysroot
# (WASI_SYSROOT, else the compiler's default, else /usr/share/wasi-sysroot).
set -eu
cd "$(dirname "$0")"
CC=${CC:-clang}
SYSROOT_FLAG=
if [ -n "${WASI_SYSROOT:-}" ]; then
    SYSROOT_FLAG="--sysroot=$WASI_SYSROOT"
elif ! echo 'int main(void){return 0;}' | "$CC" --target=wasm32-wasi -x c - -o /dev/null 2>/dev/null; then
    SYSROOT_FLAG="--sysroot=/usr/share/wasi-sysroot"
fi
for src in *.c; do
    out="${src%.c}.wasm"
    # shellcheck disable=SC2086
    "$CC" --target=wasm32-wasi $SYSROOT_FLAG -O2 -Wall -Wextra -Werror -Wl,--strip-all "$src" -o "$out"
    echo "built $out"
done
