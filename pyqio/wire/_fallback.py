"""Saying once, and why, that the C tokenizer is not built.

``setup.py`` falls back to a pure-Python install when the C parts do not compile
(no compiler, no Python headers, ...). It prints one line on stderr then, and
records the reason beside the C modules (``pyqio/_no_c_reason.txt``), since pip shows a
successful build's output only under ``pip -v``. The first import after such an
install repeats the reason in one ``RuntimeWarning`` and marks the record as
shown, so later imports and later ``pyqio`` commands stay quiet; where the package
folder is read-only, every process warns once. ``PYQIO_NO_C_WARNING=1`` silences
the warning; ``PYQIO_BACKEND=python`` asks for the twin and so never warns.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

__all__ = ["REASON_FILE", "SILENCE_ENV", "warn_no_c"]

REASON_FILE = "_no_c_reason.txt"
SILENCE_ENV = "PYQIO_NO_C_WARNING"
_SHOWN = "shown"


def warn_no_c(import_error: ImportError) -> None:
    """Warn that the twin is in use and why, unless silenced or already shown."""
    if os.environ.get(SILENCE_ENV, "") not in ("", "0"):
        return
    record = Path(__file__).resolve().parent.parent / REASON_FILE  # beside pyqio/_tokenizer_c
    try:
        lines = record.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []  # no record: the build had C, and the module went missing since
    if lines[1:2] == [_SHOWN]:
        return
    reason = lines[0] if lines and lines[0].strip() else f"it does not import: {import_error}"
    warnings.warn(
        f"pyqio: the C tokenizer is not built ({reason}); using the pure-Python twin, which "
        "gives the same events more slowly. Reinstall with a C compiler and the Python headers "
        f"to build it, or set {SILENCE_ENV}=1 to silence this warning.",
        RuntimeWarning, stacklevel=3)
    if lines:
        try:
            record.write_text(f"{lines[0]}\n{_SHOWN}\n", encoding="utf-8")
        except OSError:
            pass  # a read-only install: the warning comes once per process instead
