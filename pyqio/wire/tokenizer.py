"""Pick the tokenizer backend: the C core when it is built, else the Python twin.

Both backends implement ``csrc/TOKENS.md`` byte for byte, so the choice changes
speed only. As msgpack does, the environment can force one:

- ``PYQIO_BACKEND=python`` always uses the pure-Python twin;
- ``PYQIO_BACKEND=c`` uses the C core and raises :class:`BackendUnavailable` if
  it is not built (so CI notices a silently missing extension);
- unset (or empty): C when importable, else the twin with one ``RuntimeWarning``
  that says why the C part is missing (:mod:`pyqio.wire._fallback`;
  ``PYQIO_NO_C_WARNING=1`` silences it).

Other modules import from here: ``from pyqio.wire.tokenizer import Tokenizer, backend, T_LINE``.
"""
from __future__ import annotations

import os
from typing import Literal

from ..errors import BackendUnavailable
from ..protocol import T_ERROR, T_LINE, T_PROMPT, T_READ, T_RECV  # token kinds (TOKENS.md), once
from ._fallback import warn_no_c

__all__ = ["T_ERROR", "T_LINE", "T_PROMPT", "T_READ", "T_RECV", "Tokenizer", "backend"]


def _load_c() -> type | ImportError:
    try:
        from ._ctokenizer import Tokenizer as CTokenizer
    except ImportError as exc:
        return exc
    return CTokenizer


def _load_python() -> type:
    from ._pytokenizer import Tokenizer as PyTokenizer
    return PyTokenizer


def _select() -> tuple[type, Literal["c", "python"]]:
    wanted = os.environ.get("PYQIO_BACKEND", "").strip().lower()
    if wanted not in ("", "c", "python"):
        raise BackendUnavailable(
            f"PYQIO_BACKEND={wanted!r}: allowed values are 'c', 'python' or unset")
    if wanted == "python":
        return _load_python(), "python"
    cls = _load_c()
    if not isinstance(cls, ImportError):
        return cls, "c"
    if wanted == "c":
        raise BackendUnavailable(
            "PYQIO_BACKEND=c but the C tokenizer (pyqio._tokenizer_c) is not built; "
            "reinstall with a C compiler and cffi, or unset PYQIO_BACKEND")
    warn_no_c(cls)
    return _load_python(), "python"


Tokenizer, _BACKEND = _select()


def backend() -> Literal["c", "python"]:
    """Return which tokenizer backend this process uses: ``"c"`` or ``"python"``."""
    return _BACKEND
