"""atheris harness for ``pyqio.commands.parse``.

Invariant, for every line (and ``send_format`` picked by the first byte):

1. ``parse(line)`` returns a :class:`Command` or raises ``ValueError`` (with a
   message); any other exception is a finding (a malformed or out-of-range line
   raises ValueError, or a subclass, saying why: :func:`pyqio.commands.parse`);
2. a parsed command's ``to_bytes()`` parses back to an equal command, and its
   bytes are the same again (a fixed point: ``to_bytes(parse(to_bytes(c))) == to_bytes(c)``);
3. ``to_bytes()`` is one command line: it ends in CR and holds no other CR, no LF
   and no control byte, so nothing a caller passes can reach the wire as a second
   command (docs/architecture.md, "No injection");
4. the error message stays bounded whatever the line's length.

Input: byte 0 bit 0 picks ``send_format="hex"``; the rest is the line.
Run: ``python tests/fuzz/fuzz_commands.py [libFuzzer flags] [CORPUS_DIR ...]``;
the seed corpus is ``tests/fuzz/corpus/commands``.
"""
from __future__ import annotations

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

with atheris.instrument_imports(include=["pyqio"]):
    from pyqio.commands import Command, parse

CONTROL = frozenset(range(0x20)) | {0x7F}
MAX_MESSAGE = 1000


def check_one_line(out: bytes) -> None:
    assert out.endswith(b"\r"), ("not ended by CR", out)
    bad = [b for b in out[:-1] if b in CONTROL]
    assert not bad, ("control byte inside the line: a second command could follow", out)


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    fmt = "hex" if data[0] & 1 else "text"
    line = data[1:]
    try:
        cmd = parse(line, send_format=fmt)
    except ValueError as exc:
        assert str(exc), "ValueError without a message"
        assert len(str(exc)) <= MAX_MESSAGE, ("unbounded message", len(str(exc)))
        return
    assert isinstance(cmd, Command), type(cmd)
    out = cmd.to_bytes()
    check_one_line(out)
    again = parse(out, send_format=fmt)
    assert again == cmd, ("to_bytes does not parse back equal", line, out, again, cmd)
    assert again.to_bytes() == out, ("to_bytes is not a fixed point", out, again.to_bytes())


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
