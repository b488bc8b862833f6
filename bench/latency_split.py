"""Where a lone message's latency goes: in the host process, and with --two-hops
in the simulator too.

    python -m bench.latency_split [--messages N] [--rounds R] [--pin] [--two-hops]
                                  [--loop asyncio|uvloop]

The one-hop latency of ``pyqio bench --e2e`` (a simulator process writes one
stamped 64-byte URC into the PTY each 2 ms; the Modem's ``recv()`` returns it),
cut in three with stamps taken in this process: from the write to the transport's
read callback (``FdTransport._read_ready``) starting, which is the kernel's and the
scheduler's; the callback itself (the read, the session, the socket's wake-up),
which is pyqio's; and from its end to ``recv()`` returning (the loop's turn and
the reader task's step, which any asyncio receive API pays). p50 of each, per round.

``--two-hops`` cuts the two-hop row instead (a loopback peer sends each stamped
message to the simulator, which frames it for the Modem): the simulator runs with
stamps of its own (``pyqio sim``'s code, timed where the peer's data comes in and
around the write of its URC into the PTY), so the six stages are: peer's send to
the simulator's ``data_received`` (the kernel's and the simulator's event loop);
the simulator's own work before the PTY write; the write itself (the PTY's kernel
work); from the write to the host's ``Link.data_received`` (the simulator's
return to its loop, the PTY's flush, the host's wake-up and read); the session,
dispatch and wake-up in ``Link.data_received``; its end to ``recv()`` returning.
A negative "write -> host Link" means the host ran inside the simulator's write
(woken by the PTY's flush and run before the write returned; seen on one CPU), so
the write's own stage then holds the host's wake-up too. Beside them, the same
round's two-hop floor (a minimal relay in the simulator's
place, read by ``add_reader`` + ``feed_demux``).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Any

from pyqio.cli import _bench_e2e as E
from pyqio.cli import _bench_latency as L
from pyqio.cli import _bench_modems as M
from pyqio.modem import _link
from pyqio.transports import _fd
from pyqio.transports._loops import LOOPS, loop_version

# pyqio sim, with each stamped message's arrival and its URC's write into the PTY
# timed: "<stamp> <data_received start> <write start> <write end>" per line
_TIMED_SIM = r"""
import sys, time
from pyqio.sim import _host_conns as H
from pyqio.transports import _fd
from pyqio.transports._loops import LOOPS, loop_version
out = open(sys.argv.pop(1), "w", buffering=1)
loop = sys.argv.pop(1)
wrote = []
write, received = _fd.FdTransport.write, H._Stream.data_received
def timed_write(self, data):
    t0 = time.perf_counter_ns(); write(self, data); wrote.append((t0, time.perf_counter_ns()))
def timed_received(self, data):
    wrote.clear(); t0 = time.perf_counter_ns(); received(self, data)
    if wrote and data[:63].isdigit():
        out.write("%d %d %d %d\n" % (int(data[:63]), t0, *wrote[-1]))
_fd.FdTransport.write, H._Stream.data_received = timed_write, timed_received
from pyqio.cli import main
sys.exit(main(["sim", "--pty", "--no-echo", "--loop", loop]))
"""
STAGES = ("peer -> simulator", "simulator's work", "PTY write", "write -> host Link",
          "Link (pyqio)", "Link end -> recv()")


async def two_hop_round(count: int, tmp: str) -> list[tuple[float, ...]]:
    """The six stages of each message (us): see the module docstring."""
    payload, stamps = os.path.join(tmp, "payload"), os.path.join(tmp, "sim-stamps")
    open(payload, "wb").close()
    at_link: dict[int, tuple[int, int]] = {}
    received = _link.Link.data_received

    def timed(self: Any, data: bytes) -> None:
        t0 = time.perf_counter_ns()
        received(self, data)
        t1 = time.perf_counter_ns()
        for line in data.split(b"\n"):
            if line[-63:].isdigit():
                at_link[int(line[-63:])] = (t0, t1)

    returned: dict[int, int] = {}
    _link.Link.data_received = timed  # type: ignore[method-assign]
    try:
        async with M.Simulated(1, payload, messages=count,
                               argv=[sys.executable, "-c", _TIMED_SIM, stamps, E.LOOP]) as sim:
            sock = await sim.modems[0].connect("127.0.0.1", sim.port)
            while data := await sock.recv(65536):
                now = time.perf_counter_ns()
                returned.update((int(line), now) for line in data.split(b"\n") if line)
            await sock.close()
    finally:
        _link.Link.data_received = received  # type: ignore[method-assign]
    out = []
    with open(stamps) as f:
        for line in f:
            sent, t_in, w0, w1 = map(int, line.split())
            if sent in at_link and sent in returned:
                l0, l1 = at_link[sent]
                out.append(tuple((b - a) / 1000 for a, b in (
                    (sent, t_in), (t_in, w0), (w0, w1), (w1, l0), (l0, l1),
                    (l1, returned[sent]))))
    if len(out) != count:
        raise RuntimeError(f"two hops: {len(out)} of {count} messages stamped through")
    return out


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
    ap.add_argument("--two-hops", action="store_true",
                    help="the two-hop row, cut in the simulator and the host")
    ap.add_argument("--loop", choices=LOOPS, default="asyncio",
                    help="the event loop of this process and the simulator's")
    args = ap.parse_args()
    shown = loop_version(args.loop)  # uvloop asked for and missing: said now
    E.LOOP = args.loop  # the Modem rows' simulators and one-hop module take it too
    with tempfile.TemporaryDirectory() as tmp, L.pinned(args.pin) as cpu:
        how = ("not pinned" if cpu is None else f"pinned to CPU {cpu}") + f"; {shown}"
        if args.two_hops:
            print(f"two hops, {args.messages} messages per round, p50 in us ({how}):")
            print("  " + " | ".join(STAGES) + " | whole | two-hop floor, whole")
            peer_file = os.path.join(tmp, "peer")
            open(peer_file, "wb").close()
            for _ in range(args.rounds):
                floor = E.arun(L.latency_add_reader(args.messages, peer_file))
                rows = E.arun(two_hop_round(args.messages, tmp))
                cols = [L.pct(list(c), 50) for c in zip(*rows, strict=True)]
                whole = L.pct([sum(r) for r in rows], 50)
                print("  " + " | ".join(f"{v:{len(n)}.1f}" for v, n in zip(cols, STAGES,
                                                                         strict=True))
                      + f" | {whole:5.0f} | {L.pct(floor, 50):5.0f}")
            return
        empty = os.path.join(tmp, "empty")
        open(empty, "wb").close()
        print(f"one hop, {args.messages} messages per round, p50 in us ({how}):")
        for _ in range(args.rounds):
            floor = E.arun(L.latency_add_reader(args.messages))
            cols = list(zip(*E.arun(one_round(args.messages, empty)), strict=True))
            kernel, callback, turn = (L.pct(list(c), 50) for c in cols)
            print(f"  write -> read callback {kernel:5.0f}   callback (pyqio) {callback:5.1f}"
                  f"   callback end -> recv() returns {turn:5.1f}"
                  f"   | add_reader floor, whole {L.pct(floor, 50):5.0f}")


if __name__ == "__main__":
    main()
