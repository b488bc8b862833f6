"""pytest-benchmark: building, writing and parsing command lines, beside a bare format.

Run from the repository root::

    python -m pytest bench/test_commands.py --benchmark-group-by=group

Each group holds one command: the declared builder (checks included), its
``to_bytes()``, ``commands.parse`` of its line, and the baseline, a ``%``-format of
the same line with no checks at all, in one table. The ratio to the baseline is
what the declared-once machinery (validation from the field declarations, the
line written from them, the grammar read from them) costs per command.

Needs: pytest-benchmark (pip).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pyqio import commands as C

CASES: dict[str, tuple[Callable[[], Any], Callable[[], bytes]]] = {
    "QIOPEN": (lambda: C.QIOpen(0, 1, "TCP", "220.180.239.212", 8062, 0, 1),
               lambda: b'AT+QIOPEN=%d,%d,"%s","%s",%d,%d,%d\r'
               % (0, 1, b"TCP", b"220.180.239.212", 8062, 0, 1)),
    "QISEND": (lambda: C.QISend(0, b"x" * 100),
               lambda: b'AT+QISEND=%d,%d,"%s"\r' % (0, 100, b"x" * 100)),
    "CPSMS": (lambda: C.Cpsms(1, None, None, "00100001", "00000101"),
              lambda: b'AT+CPSMS=%d,,,"%s","%s"\r' % (1, b"00100001", b"00000101")),
    "CGDCONT": (lambda: C.Cgdcont(1, "IP", "iot.nb"),
                lambda: b'AT+CGDCONT=%d,"%s","%s"\r' % (1, b"IP", b"iot.nb")),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("path", ["baseline format", "build", "build+to_bytes", "parse"])
def test_command(benchmark: Any, name: str, path: str) -> None:
    build, baseline = CASES[name]
    line = build().to_bytes()
    assert baseline() == line  # the baseline writes the very same line
    run = {"baseline format": baseline, "build": build,
           "build+to_bytes": lambda: build().to_bytes(),
           "parse": lambda: C.parse(line)}[path]
    benchmark.group = name
    benchmark.name = path
    benchmark(run)
