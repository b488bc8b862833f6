#!/bin/sh
# Line and branch coverage of the C core that ships in the cffi module,
# csrc/tokenizer.c and csrc/hex.c, from the C test driver over the fuzz seed
# corpus (gcc --coverage + gcov). Prints gcov's summary of each file and, with
# -v, the annotated source of lines or branches never taken. Only the code this
# machine compiles is measured: on x86-64 the scalar, SSE2 and AVX2 hex paths;
# the NEON path (ARM only) is held by the qemu differential runs of tests/test_arm.py.
#   tools/coverage_c.sh [-v] [BUILD_DIR]
set -eu
verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; shift; fi
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$(mktemp -d)}
mkdir -p "$out"
cd "$out"
cc=${CC:-gcc}
# -O0 so that every branch in the source is a branch in the object
$cc -std=c99 -O0 --coverage -Wall -Wextra -Werror -I"$root/csrc" \
    -o driver "$root/csrc/tokenizer.c" "$root/csrc/hex.c" "$root/csrc/fuzz/driver.c" \
    "$root/csrc/fuzz/check.c" "$root/csrc/fuzz/ref.c" "$root/csrc/fuzz/sink.c"
./driver "$root"/csrc/fuzz/corpus/*
for f in tokenizer hex; do
    gcov -b -c -o "driver-$f" "$root/csrc/$f.c" >"gcov-$f.txt" 2>&1 || { cat "gcov-$f.txt"; exit 1; }
    # the block of this file only (gcov reports the headers it includes too)
    awk -v f="$f.c" 'index($0, "File ") == 1 && index($0, "/" f "'"'"'") {p=1} p&&/^$/{exit} p' "gcov-$f.txt"
    if [ "$verbose" = 1 ]; then
        grep -n -E '#####|branch +[0-9]+ (never executed|taken 0)' "$f.c.gcov" || true
    fi
done
