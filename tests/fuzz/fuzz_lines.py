"""atheris harness for the C line classifier (``pyqio._events_c.Lines``, csrc/lines.c).

Invariant, for every input line (the input, without CR and LF, which end a line
before it reaches a classifier):

1. the C table with its fallback gives the event ``classify_line`` gives: same class,
   same fields, each of the same type, down into tuples and datetimes (or raises
   the same exception type when the reference raises);
2. an event the table makes in C (``peek``) is that event too;
3. through the decoder, the C backend's events for the line between line ends are
   the pure-Python backend's (``bc660k`` and ``bg96`` profiles).

Run: ``python tests/fuzz/fuzz_lines.py [libFuzzer flags] [CORPUS_DIR ...]``; the seed
corpus is ``tests/fuzz/corpus/lines`` (one line of every kind the decoder reads).
"""
from __future__ import annotations

import dataclasses
import datetime
import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

with atheris.instrument_imports(include=["pyqio"]):
    from pyqio.wire import _lines_c
    from pyqio.wire._decoder import Decoder
    from pyqio.wire._lines import classify_line

TABLE = _lines_c.classifier()
DECODERS = {m: (Decoder(backend="c", module=m), Decoder(backend="python", module=m))
            for m in ("bc660k", "bg96")}


def same(a: object, b: object) -> bool:
    """a == b with the same types all the way down."""
    if type(a) is not type(b):
        return False
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime.datetime):
        return a == b and a.tzinfo == b.tzinfo
    return bool(a == b)


def test_one_input(data: bytes) -> None:
    line = data.replace(b"\r", b"").replace(b"\n", b"")
    try:
        want = classify_line(line)
    except Exception as exc:  # noqa: BLE001 - the table must raise the same
        try:
            TABLE(line)
        except type(exc):
            return
        raise AssertionError(f"the table did not raise {type(exc).__name__} for {line!r}") from exc
    got = TABLE(line)
    if not same(got, want):
        raise AssertionError(f"table {got!r} != reference {want!r} for {line!r}")
    made = TABLE.peek(line)
    if made is not None and not same(made, want):
        raise AssertionError(f"made in C {made!r} != reference {want!r} for {line!r}")
    for module, (c, py) in DECODERS.items():
        stream = b"\r\n" + line + b"\r\n"
        a, b = c.feed(stream), py.feed(stream)
        if len(a) != len(b) or not all(same(x, y) for x, y in zip(a, b, strict=True)):
            raise AssertionError(f"{module}: C backend {a!r} != Python backend {b!r}")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
