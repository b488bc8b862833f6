#!/bin/sh
# Runs pytest against the C extension built with AddressSanitizer + UBSan.
# The source tree is copied to a scratch directory (so the normal in-place
# build is left alone), the extension is compiled there with the sanitizers,
# and python runs with their runtimes preloaded. PYQIO_BACKEND=c makes a
# missing extension an error rather than a silent fall-back.
#   tools/asan_pytest.sh [pytest args]   (default: the tokenizer tests)
# Tests that spawn other programs (a real chronyd, say) inherit LD_PRELOAD
# and may misbehave for that reason alone.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$root/pyqio" "$root/tests" "$root/csrc" "$root/pyproject.toml" "$work/"
rm -f "$work"/pyqio/_tokenizer_c*.so
cd "$work"
python - <<'PY'
import sys
sys.path.insert(0, "csrc")
from cffi import FFI
import build_tokenizer
san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
ffi = FFI()
ffi.cdef(build_tokenizer.CDEF)
ffi.set_source("pyqio._tokenizer_c", '#include "tokenizer.h"', sources=["csrc/tokenizer.c", "csrc/hex.c"],
               include_dirs=["csrc"], extra_compile_args=["-O1", "-g", "-fno-omit-frame-pointer", *san],
               extra_link_args=san)
ffi.compile(tmpdir=".")
PY
[ $# -gt 0 ] || set -- tests/test_tokenizer.py tests/test_backend.py
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 PYQIO_BACKEND=c \
    python -m pytest -q -p no:cacheprovider "$@"
