#!/bin/sh
# Line and branch coverage of csrc/tokenizer.c from the C test driver over the
# fuzz seed corpus (gcc --coverage + gcov). Prints gcov's summary and, with -v,
# the annotated source of lines or branches never taken.
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
    -o driver "$root/csrc/tokenizer.c" "$root/csrc/fuzz/driver.c" \
    "$root/csrc/fuzz/check.c" "$root/csrc/fuzz/ref.c" "$root/csrc/fuzz/sink.c"
./driver "$root"/csrc/fuzz/corpus/*
gcov -b -c -o driver-tokenizer "$root/csrc/tokenizer.c" >gcov.txt 2>&1 || { cat gcov.txt; exit 1; }
# the block of tokenizer.c only (gcov reports the others too)
awk '/^File .*tokenizer\.c/{p=1} p&&/^$/{exit} p' gcov.txt
if [ "$verbose" = 1 ]; then
    grep -n -E '#####|branch +[0-9]+ (never executed|taken 0)' tokenizer.c.gcov || true
fi
