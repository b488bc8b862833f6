"""Helpers of the event serializers: parameters as the module writes them, values as JSON.

Kept apart from :mod:`pyqio.events` so that the event classes stay readable; the
``pyqio decode --direction host`` output uses :func:`_jsonable` too.
"""
from __future__ import annotations

import datetime as _dt
import enum as _enum
from typing import Any


def _b(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _q(s: str) -> bytes:
    return b'"' + _b(s) + b'"'


def _param(p: object) -> bytes:
    """A parameter written back: ints bare, ``<placeholder>`` bare, other text quoted,
    ``range`` as ``(a-b)`` and tuples as ``(x,y)`` (test-command answers, note 2.1.2)."""
    if isinstance(p, bool):
        return b"%d" % p
    if isinstance(p, int):
        return b"%d" % p
    if isinstance(p, range):
        return b"(%d-%d)" % (p.start, p.stop - 1)
    if isinstance(p, tuple):
        return b"(" + b",".join(_param(x) for x in p) + b")"
    text = str(p)
    if text.startswith("<") and text.endswith(">"):
        return _b(text)
    return _q(text)


def _params_line(name: str, params: tuple[Any, ...]) -> bytes:
    if not params:
        return b"+" + _b(name) + b":"
    return b"+" + _b(name) + b": " + b",".join(_param(p) for p in params)


def _jsonable(v: object) -> Any:
    if isinstance(v, (bytes, bytearray)):
        out = {"hex": bytes(v).hex()}
        try:
            out["text"] = bytes(v).decode("utf-8")
        except UnicodeDecodeError:
            pass
        return out
    if isinstance(v, _enum.Enum):
        return v.value
    if isinstance(v, _dt.datetime):
        return v.isoformat()
    if isinstance(v, range):
        return {"range": [v.start, v.stop - 1]}
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    return v
