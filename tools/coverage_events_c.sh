#!/bin/sh
# Line and branch coverage of csrc/events_c.c and csrc/lines.c (pyqio._events_c)
# from their Python tests: the extension is built with gcc --coverage into a scratch copy of the
# tree, the events_c suites run against it, and gcov sums up. Prints gcov's
# summary and, with -v, the annotated source of lines or branches never taken.
#   [PYTHON=python3.x] tools/coverage_events_c.sh [-v] [BUILD_DIR]
set -eu
verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; shift; fi
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$(mktemp -d)}
py=${PYTHON:-python}
mkdir -p "$out/obj"
cd "$out"
rm -rf pyqio tests csrc
cp -r "$root/pyqio" "$root/tests" "$root/csrc" "$root/pyproject.toml" .
rm -f pyqio/_events_c*.so
inc=$($py -c "import sysconfig; print(sysconfig.get_paths()['include'])")
suffix=$($py -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
# as setup.py builds it (limited API), at -O0 so that every branch in the source
# is a branch in the object
for src in events_c lines tokenizer hex; do
    gcc -c -fPIC -O0 --coverage -DPy_LIMITED_API=0x030A0000 -Wall -Wextra -Werror \
        -I"$inc" -Icsrc "csrc/$src.c" -o "obj/$src.o"
done
gcc -shared --coverage obj/events_c.o obj/lines.o obj/tokenizer.o obj/hex.o \
    -o "pyqio/_events_c$suffix"
PYTHONPATH="$out" PYQIO_BACKEND=c $py -m pytest -q -p no:cacheprovider -p no:randomly \
    tests/test_events_c_safety.py tests/test_events_c_nomem.py tests/test_feeder.py \
    tests/test_no_loss.py tests/test_events_c.py tests/test_feed_ordered.py \
    tests/test_recv_fields.py tests/test_lines_c.py tests/test_lines_c_safety.py \
    tests/test_events_c_append.py \
    -k "not dev_mode" >pytest.txt 2>&1 || { tail -50 pytest.txt; exit 1; }
tail -1 pytest.txt
gcov -b -c -o obj csrc/events_c.c csrc/lines.c >gcov.txt 2>&1 || { cat gcov.txt; exit 1; }
for src in events_c lines; do
    awk "/^File .*\/$src\\.c/{p=1} p&&/^\$/{exit} p" gcov.txt
    if [ "$verbose" = 1 ]; then
        grep -n -E '#####|branch +[0-9]+ (never executed|taken 0)' "$src.c.gcov" || true
    fi
done
