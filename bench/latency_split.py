"""Where a lone message's one-hop latency goes, in the host process.

    python -m bench.latency_split [--messages N] [--rounds R] [--pin]

The one-hop latency of ``pyqio bench --e2e`` (a simulator process writes one
stamped 64-byte URC into the PTY each 2 ms; the Modem's ``recv()`` returns it),
cut in three with stamps taken in this process: from the write to the transport's
read callback (``FdTransport._read_ready``) starting, which is the kernel's and the
scheduler's; the callback itself (the read, the session, the socket's wake-up),
which is pyqio's; and from its end to ``recv()`` returning (the loop's turn and
the reader task's step, which any asyncio receive API pays). p50 of each, per round.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from typing import Any

from pyqio.cli import _bench_latency as L
from pyqio.cli import _bench_modems as M
from pyqio.transports import _fd


async def one_round(count: int, empty: str) -> list[tuple[float, float, float]]:
    marks: list[tuple[int, int]] = []
    ready = _fd.FdTransport._read_ready

    def timed(self: Any) -> None:
        t0 = time.perf_counter_ns()
        ready(self)
        marks.append((t0, time.perf_counter_ns()))

    _fd.FdTransport._read_ready = timed  # type: ignore[method-assign]
    out = []
    try:
        async with M.OneHop(empty, False, messages=count) as one:
            sock = await one.modem.connect("127.0.0.1", one.port)
            marks.clear()
            while data := await sock.recv(65536):
                now = time.perf_counter_ns()
                t0, t1 = marks[-1]
                out += [((t0 - int(line)) / 1000, (t1 - t0) / 1000, (now - t1) / 1000)
                        for line in data.split(b"\n") if line]
            await sock.close()
    finally:
        _fd.FdTransport._read_ready = ready  # type: ignore[method-assign]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pin", action="store_true", help="host and module on one CPU")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, L.pinned(args.pin) as cpu:
        empty = os.path.join(tmp, "empty")
        open(empty, "wb").close()
        how = "not pinned" if cpu is None else f"pinned to CPU {cpu}"
        print(f"one hop, {args.messages} messages per round, p50 in us ({how}):")
        for _ in range(args.rounds):
            floor = asyncio.run(L.latency_add_reader(args.messages))
            cols = list(zip(*asyncio.run(one_round(args.messages, empty)), strict=True))
            kernel, callback, turn = (L.pct(list(c), 50) for c in cols)
            print(f"  write -> read callback {kernel:5.0f}   callback (pyqio) {callback:5.1f}"
                  f"   callback end -> recv() returns {turn:5.1f}"
                  f"   | add_reader floor, whole {L.pct(floor, 50):5.0f}")


if __name__ == "__main__":
    main()
