#!/usr/bin/env bash
# Rebuilds sqlite3.wasm and expected.txt from Debian's sqlite3 source package.
#
#   tests/programs/sqlite/build.sh
#
# 1. `apt-get source` fetches and unpacks the pinned Debian source package
#    (the upstream source tree with Debian's patches applied).
# 2. The amalgamation (sqlite3.c) and the shell (shell.c) are generated from
#    it the way the package build does it (`configure` then `make`).
# 3. The same sources, with the same SQLite options, are compiled twice: a
#    native shell with the host C compiler and a wasm32-wasi shell with clang
#    and wasi-libc.
# 4. The native shell runs workload.sql; its output becomes expected.txt.
#    The wasm shell is copied to sqlite3.wasm.
#
# Needs: deb-src entries in APT's sources, dpkg-dev, tcl (tclsh), make, a
# host C compiler, clang, lld, wasi-libc and libclang-rt-14-dev-wasm32.
# On Debian 12: apt-get install dpkg-dev tcl make gcc clang lld wasi-libc \
#   libclang-rt-14-dev-wasm32
#
# Environment:
#   SQLITE_DEB_VERSION  Debian version to fetch (default: the pinned one).
#   WASI_SYSROOT        A wasi-sdk style sysroot to use instead of Debian's
#                       multiarch wasi-libc (/usr/include/wasm32-wasi).
#   CC                  Host C compiler for the native shell (default: cc).
#   WASM_CC             Clang for the wasm shell (default: clang).
#   KEEP_BUILD_DIR=1    Keep the scratch directory and print its path.
#   TANDEM              If set to a tandem binary, also run the wasm shell
#                       under it and compare with expected.txt.
set -euo pipefail

SQLITE_DEB_VERSION=${SQLITE_DEB_VERSION:-3.40.1-2+deb12u2}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CC=${CC:-cc}
WASM_CC=${WASM_CC:-clang}

BUILD=$(mktemp -d)
cleanup() {
  if [ "${KEEP_BUILD_DIR:-}" = 1 ]; then
    echo "build directory kept: $BUILD" >&2
  else
    rm -rf "$BUILD"
  fi
}
trap cleanup EXIT

# --- 1. The Debian source package --------------------------------------------
cd "$BUILD"
if ! apt-get source "sqlite3=$SQLITE_DEB_VERSION" >apt-source.log 2>&1; then
  cat apt-source.log >&2
  echo "apt-get source failed: enable deb-src entries for APT and make sure" \
    "version $SQLITE_DEB_VERSION is still served (or set SQLITE_DEB_VERSION)." >&2
  exit 1
fi
SRC=$(find "$BUILD" -maxdepth 1 -type d -name 'sqlite3-*' | head -n 1)
[ -n "$SRC" ] || { echo "no unpacked sqlite3 source in $BUILD" >&2; exit 1; }

# --- 2. Amalgamation and shell, as the package build generates them ----------
mkdir "$BUILD/gen"
cd "$BUILD/gen"
"$SRC/configure" --disable-tcl --enable-json >configure.log 2>&1 ||
  { cat configure.log >&2; exit 1; }
make sqlite3.c shell.c >make.log 2>&1 || { cat make.log >&2; exit 1; }

# --- 3. Two builds of the same program ----------------------------------------
# SQLite options shared by both builds. The first group follows the feature
# set of Debian's own package; the second is what WASI requires (see
# README.md), applied to the native build too so both run the same program.
SQLITE_OPTS=(
  -DSQLITE_ENABLE_FTS4
  -DSQLITE_ENABLE_FTS5
  -DSQLITE_ENABLE_RTREE=1
  -DSQLITE_SOUNDEX=1
  -DSQLITE_ENABLE_MATH_FUNCTIONS
  -DSQLITE_ENABLE_DBSTAT_VTAB
  -DSQLITE_ENABLE_COLUMN_METADATA
  -DSQLITE_ENABLE_STMTVTAB
  -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1
  -DSQLITE_SECURE_DELETE
  -DSQLITE_LIKE_DOESNT_MATCH_BLOBS
  -DSQLITE_USE_URI=1

  -DSQLITE_THREADSAFE=0
  -DSQLITE_OMIT_LOAD_EXTENSION
  -DSQLITE_OMIT_WAL
  -DSQLITE_MAX_MMAP_SIZE=0
  -DSQLITE_OMIT_POPEN
  '-DSQLITE_DEFAULT_UNIX_VFS="unix-dotfile"'
)

"$CC" -O2 "${SQLITE_OPTS[@]}" -o sqlite3-native shell.c sqlite3.c -lm

if [ -n "${WASI_SYSROOT:-}" ]; then
  WASI_INCLUDE=(--sysroot="$WASI_SYSROOT")
  WASI_LINK=(--sysroot="$WASI_SYSROOT")
else
  # Debian's clang searches /usr/include after wasi-libc's headers; keep the
  # host's glibc headers out of a wasm build.
  WASI_INCLUDE=(-nostdlibinc -isystem /usr/include/wasm32-wasi)
  WASI_LINK=()
fi
WASM_FLAGS=(
  --target=wasm32-wasi -O2
  -I"$HERE/wasi" -include "$HERE/wasi/compat.h"
  -D_WASI_EMULATED_GETPID
  -D_WASI_EMULATED_SIGNAL
  -D_WASI_EMULATED_PROCESS_CLOCKS
)
"$WASM_CC" "${WASM_FLAGS[@]}" "${WASI_INCLUDE[@]}" "${SQLITE_OPTS[@]}" \
  -c sqlite3.c -o sqlite3.wasm.o
"$WASM_CC" "${WASM_FLAGS[@]}" "${WASI_INCLUDE[@]}" "${SQLITE_OPTS[@]}" \
  -c shell.c -o shell.wasm.o
# wasm-ld's default stack is 64 KiB with no guard page; give the shell 1 MiB.
"$WASM_CC" --target=wasm32-wasi "${WASI_LINK[@]}" -O2 \
  -Wl,-z,stack-size=1048576 -Wl,--strip-debug \
  -o sqlite3.wasm shell.wasm.o sqlite3.wasm.o \
  -lwasi-emulated-getpid -lwasi-emulated-signal -lwasi-emulated-process-clocks

# --- 4. Expected output from the native build --------------------------------
# The workload runs in an empty directory that is also $HOME (so no
# ~/.sqliterc is read), on the database file test.db in it.
run_native() {
  local dir
  dir=$(mktemp -d "$BUILD/run.XXXXXX")
  (cd "$dir" && HOME="$dir" "$BUILD/gen/sqlite3-native" test.db) \
    <"$HERE/workload.sql" >"$BUILD/native.out" 2>"$BUILD/native.err"
}
run_native || { cat "$BUILD/native.err" >&2; echo "native run failed" >&2; exit 1; }
if [ -s "$BUILD/native.err" ]; then
  cat "$BUILD/native.err" >&2
  echo "native run wrote to stderr" >&2
  exit 1
fi

cp "$BUILD/native.out" "$HERE/expected.txt"
cp "$BUILD/gen/sqlite3.wasm" "$HERE/sqlite3.wasm"
echo "sqlite3 $SQLITE_DEB_VERSION: expected.txt $(wc -l <"$HERE/expected.txt") lines," \
  "sqlite3.wasm $(wc -c <"$HERE/sqlite3.wasm") bytes"

# --- Optional: the wasm shell under tandem -----------------------------------
if [ -n "${TANDEM:-}" ]; then
  dir=$(mktemp -d "$BUILD/run.XXXXXX")
  "$TANDEM" run --env HOME=/ --dir "$dir::." "$HERE/sqlite3.wasm" test.db \
    <"$HERE/workload.sql" >"$BUILD/wasm.out"
  diff -u "$HERE/expected.txt" "$BUILD/wasm.out"
  echo "tandem output matches expected.txt"
fi
