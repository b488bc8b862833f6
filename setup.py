"""Build pyqio with its C tokenizer (cffi, out-of-line API mode) and the optional
``pyqio._events_c`` extension (Recv events built in C, ``csrc/events_c.c``).

cffi has no optional-build switch, so, as markupsafe does, a failed compile is
caught and the package is installed again without the extension: pyqio then
runs on its pure-Python twin and says so with a warning at import.
The reason goes to stderr in one line and into ``pyqio/_no_c_reason.txt``, which
the first import reads to say why in one warning (``pyqio/_fallback.py``).
``_events_c`` is an ``optional=True`` Extension: if it fails to compile, the build
goes on without it and the decoder builds its events in Python. It links
``csrc/tokenizer.c`` itself and uses only the limited C API (3.10 and later), so
it is built as ``_events_c.abi3.so`` and, like the cffi module, serves every
CPython from 3.10 on from one wheel (tagged ``abi3``). A free-threaded CPython
has no limited API: there it is built for that interpreter alone.

``PYQIO_REQUIRE_C=1`` (CI, and every Python version .ci/run builds on) turns both
fallbacks off: a tokenizer or an ``_events_c`` that does not compile fails the
install, with the compiler's message, instead of a test run later.
"""
import os
import re
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup

CFFI = ["csrc/build_tokenizer.py:ffi"]
REQUIRE_C = os.environ.get("PYQIO_REQUIRE_C") == "1"
ABI3 = not sysconfig.get_config_var("Py_GIL_DISABLED")
LIMITED_API = "0x030A0000"     # the oldest CPython pyqio supports
REASON = Path(__file__).resolve().parent / "pyqio" / "_no_c_reason.txt"
EVENTS_C = Extension(
    "pyqio._events_c", ["csrc/events_c.c", "csrc/lines.c", "csrc/tokenizer.c", "csrc/hex.c"],
    optional=not REQUIRE_C,
    include_dirs=["csrc"], depends=["csrc/tokenizer.h", "csrc/hex.h", "csrc/lines.h"],
    extra_compile_args=["-O2", "-Wall", "-Wextra"],
    define_macros=[("Py_LIMITED_API", LIMITED_API)] if ABI3 else [],
    py_limited_api=ABI3,
)
WHEEL = {"bdist_wheel": {"py_limited_api": "cp310"}} if ABI3 else {}


def run(with_c: bool) -> None:
    setup(cffi_modules=CFFI if with_c else [], ext_modules=[EVENTS_C] if with_c else [],
          options=WHEEL if with_c else {})


def short_reason(exc: BaseException) -> str:
    """The compiler failure in a few words (distutils quotes the whole command line)."""
    text = str(exc).removeprefix("error: ").strip().rstrip(".") or type(exc).__name__
    m = re.search(r"Command '\['([^']+)'.*returned non-zero exit status (\d+)", text, re.S)
    if m:
        return f"the C compiler {m.group(1)} failed (exit status {m.group(2)})"
    if "No such file or directory" in text:
        return f"no C compiler ({text})"
    return text


def without_c(reason: str) -> None:
    print(f"pyqio: building WITHOUT the C tokenizer: {reason}. The pure-Python twin gives the "
          "same events more slowly; install a C compiler and the Python headers "
          "(Debian: apt-get install build-essential python3-dev) and reinstall to build it.",
          file=sys.stderr)
    REASON.write_text(reason + "\n", encoding="utf-8")
    run(False)


REASON.unlink(missing_ok=True)  # a record of an earlier build without C is stale now
if os.environ.get("PYQIO_NO_C") == "1":
    without_c("PYQIO_NO_C=1 was set at build time")
else:
    try:
        run(True)
    except (SystemExit, Exception) as exc:  # compiler missing or failing
        if REQUIRE_C:
            raise
        without_c(short_reason(exc))
