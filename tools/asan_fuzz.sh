#!/bin/sh
# Runs one atheris harness of tests/fuzz against the C extensions built with
# AddressSanitizer + UBSan and libFuzzer's coverage instrumentation, so that
# libFuzzer is steered by the C code's branches (csrc/tokenizer.c, lines.c,
# events_c.c) as well as by the Python ones, and any out-of-bounds access, use
# after free or undefined behaviour in C stops the run with the sanitizer's report.
#   tools/asan_fuzz.sh HARNESS [libFuzzer args]
#   e.g. tools/asan_fuzz.sh fuzz_lines.py -max_total_time=600 /tmp/fz tests/fuzz/corpus/lines
# It runs from the directory it is started in, so relative paths in the arguments hold.
#
# As atheris's "native extension fuzzing" describes: both extensions are compiled
# by clang with -fsanitize=address,undefined,fuzzer-no-link into a scratch copy of
# the tree (the normal in-place build is left alone), and python runs with
# atheris's asan_with_fuzzer.so preloaded: the ASan runtime (with UBSan's
# handlers) and the libFuzzer that atheris then drives, which takes the
# extensions' coverage counters when they are loaded ("Using preloaded libfuzzer",
# "Loaded 2 modules" at the start of the run). tests/test_sanitizers.py replays the
# corpora under gcc's libasan instead; that runtime has no libFuzzer to steer.
# Needs clang (Debian: clang libclang-rt-14-dev), atheris (pip install atheris)
# and cffi/setuptools. Set ASAN_FUZZ_KEEP=1 to keep the scratch tree.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 HARNESS [libFuzzer args]  (HARNESS: a file of tests/fuzz, e.g. fuzz_lines.py)" >&2
    exit 2
fi
harness=$(basename "$1")
shift
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-python}
[ -f "$root/tests/fuzz/$harness" ] || { echo "no harness tests/fuzz/$harness" >&2; exit 2; }
command -v clang >/dev/null || { echo "clang not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
runtime=$($py -c 'import atheris, os; print(os.path.join(atheris.path(), "asan_with_fuzzer.so"))') || {
    echo "atheris not found: pip install atheris" >&2; exit 2; }
[ -f "$runtime" ] || { echo "atheris has no $runtime (it was built without clang's ASan runtime)" >&2; exit 2; }

work=$(mktemp -d)
if [ "${ASAN_FUZZ_KEEP:-0}" = 1 ]; then echo "scratch tree: $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work/tests"
cp -r "$root/pyqio" "$root/csrc" "$work/"
cp -r "$root/tests/fuzz" "$work/tests/"
find "$work/pyqio" -name '__pycache__' -prune -exec rm -rf {} +
rm -f "$work"/pyqio/_tokenizer_c*.so "$work"/pyqio/_events_c*.so

san="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
# the cffi tokenizer, as csrc/build_tokenizer.py builds it, by clang
(cd "$work" && CC=clang LDSHARED="clang -shared" CFLAGS="$san" LDFLAGS="$san" \
    $py csrc/build_tokenizer.py >build.log 2>&1) || { tail -30 "$work/build.log"; exit 1; }
# pyqio._events_c as setup.py builds it (limited API), by clang
inc=$($py -c "import sysconfig; print(sysconfig.get_paths()['include'])")
(cd "$work" && clang -shared -fPIC $san -Wall -Wextra -Werror -DPy_LIMITED_API=0x030A0000 \
    -I"$inc" -Icsrc csrc/events_c.c csrc/lines.c csrc/tokenizer.c csrc/hex.c \
    -o pyqio/_events_c.abi3.so) || exit 1

# detect_leaks=0: CPython's own allocations at exit are not ours to report;
# PYTHONMALLOC=malloc: every Python object (the bytes handed to C among them) is
# its own allocation with ASan's red zones around it, not a slice of a pymalloc arena;
# the extensions must be the scratch tree's (PYTHONPATH, no bytecode of another tree)
LD_PRELOAD="$runtime" \
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}" \
PYTHONMALLOC=malloc PYTHONPATH="$work" PYQIO_BACKEND=c PYTHONDONTWRITEBYTECODE=1 \
    $py "$work/tests/fuzz/$harness" "$@"
