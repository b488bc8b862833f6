"""Instructions per line of the C backend's feed, for callgrind (exact on a loaded machine).

    valgrind --tool=callgrind --toggle-collect=Feeder_feed \\
        python -m bench.lines_insns KIND [LINES]

counts only inside ``Feeder.feed`` (the C feeder: tokenizer, line table, events):
divide the total by LINES (default 5000). KIND is a label of ``pyqio bench --lines``
(``TestResponse``, ``+CEREG read`` ...; a stream of that line repeated) or of its
``varied`` rows (every line different). The decoder reads one line first, so that
nothing is counted for building the table.
"""
from __future__ import annotations

import sys

from pyqio.cli._bench_lines import LINES, VARIED
from pyqio.wire import Decoder


def main(argv: list[str]) -> int:
    kind, n = argv[0], int(argv[1]) if len(argv) > 1 else 5000
    repeated = {label: line for label, line, _ in LINES}
    varied = {label: make for label, make, _ in VARIED}
    if kind in repeated:
        lines = [repeated[kind]] * (n + 1)
    elif kind in varied:
        lines = [varied[kind](10_000 + i) for i in range(n + 1)]
    else:
        print(f"unknown kind {kind!r}: one of {sorted(repeated) + sorted(varied)}")
        return 2
    module = dict((label, m) for label, _, m in LINES + VARIED)[kind]
    decoder = Decoder(module=module)  # type: ignore[arg-type]  # a profile name
    decoder.feed(b"\r\n" + lines[0] + b"\r\n")
    chunks = [b"".join(b"\r\n" + x + b"\r\n" for x in lines[i:i + 50])
              for i in range(1, n + 1, 50)]
    made = sum(len(decoder.feed(c)) for c in chunks)
    return 0 if made == n else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
