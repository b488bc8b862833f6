"""The optional extension ``pyqio._events_c`` (``csrc/events_c.c``), loaded once.

None where it is not built, or where ``PYQIO_NO_EVENTS_C=1`` turns it off: pyqio
then makes every event in Python, with the same result (tests/test_events_c.py).
"""
from __future__ import annotations

import importlib
import os
from typing import Any

__all__ = ["events_c"]


def _load() -> Any:
    if os.environ.get("PYQIO_NO_EVENTS_C") == "1":
        return None
    try:
        return importlib.import_module("pyqio._events_c")
    except ImportError:
        return None


events_c: Any = _load()
