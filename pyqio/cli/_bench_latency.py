"""``pyqio bench --e2e``: the latency rows, and what of them is pyqio's.

64-byte messages, each stamped with ``time.perf_counter_ns`` (the system's
monotonic clock, shared by every process) by the process that writes it, one
each 2 ms; the figure is the time from that write to the message's arrival:
``recv()`` returning for the Modem, the ``add_reader`` callback's ``feed_demux``
returning for the floors. Four paths, each with one or two hops:

- ``add_reader + feed_demux``: a writer process puts stamped ``+QIURC: "recv"``
  URCs into a PTY that this process reads (one hop);
- ``add_reader + feed_demux, two hops``: the same reader, but the stamped
  messages come from the loopback peer of ``Modem recv`` through a minimal relay
  process in the module's place (a blocking ``recv()`` from the peer, one
  ``os.write`` of each URC into the PTY: the least a second hop costs);
- ``Modem recv``: that peer sends to the simulator, which frames the data for
  the Modem over its PTY (two hops: it includes the simulator's own);
- ``Modem recv, 1 hop``: the simulator writes the stamped URCs itself, as the
  one-hop floor's writer does (:mod:`pyqio.cli._bench_modems`).

Most of such a latency is the machine's: a process woken on another CPU, the
PTY's own work. So besides the goals, which are absolute, the output gives for
each Modem row the floor with as many hops, its p50/p99 and the difference to
it: the one-hop difference is pyqio's share, the two-hop one pyqio's and the
simulator's (against the relay). When a floor itself misses a goal, the goal is
beyond what this machine gives any reader, and the output says so. The floors
and the Modem rows take turns, round by round, so that the machine's moods fall
on each alike. *pin* (``--pin``) runs this process and
every process it starts for these rows on one CPU (``os.sched_setaffinity``), so
that no wake-up crosses CPUs; the output says which was used.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterator
from typing import Any

from ._bench_e2e import AIO_FLOOR, RECV, RECV1, LostBytes, _decoder, _spawn, arun

AIO_FLOOR2 = "add_reader + feed_demux, two hops"
# each Modem row and the floor with as many hops
FLOOR_OF = {RECV: AIO_FLOOR2, RECV1: AIO_FLOOR}

LATENCY_GOALS = ((40.0, "p50"), (150.0, "p99"))

_STAMPER = ("import os, sys, time\nfd, n = int(sys.argv[1]), int(sys.argv[2])\n"
            "for _ in range(n):\n    time.sleep(0.002)\n"
            "    m = b'%063d\\n' % time.perf_counter_ns()\n"
            "    os.write(fd, b'\\r\\n+QIURC: \"recv\",0,64,\"' + m + b'\"\\r\\n')\n")

# the second hop's floor: in the module's place, a relay that frames what the
# loopback peer sends as the module would, one blocking recv() and one write each
_RELAY = ("import os, socket, sys\nfd, port = int(sys.argv[1]), int(sys.argv[2])\n"
          "s = socket.create_connection(('127.0.0.1', port))\n"
          "while d := s.recv(1024):\n"
          "    v = memoryview(b'\\r\\n+QIURC: \"recv\",0,%d,\"%s\"\\r\\n' % (len(d), d))\n"
          "    while v:\n        v = v[os.write(fd, v):]\n")


def stamps(data: bytes, now: int) -> list[float]:
    """Microseconds from each stamp in *data* (one per line) to *now* (ns)."""
    return [(now - int(line)) / 1000 for line in data.split(b"\n") if line]


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def latency_add_reader(count: int, peer_file: str | None = None) -> list[float]:
    """The floor's latency: a process writes stamped recv URCs into the PTY; with
    *peer_file*, a relay process that frames what the loopback peer sends (two hops)."""
    from ..transports.pty import open_pty

    loop = asyncio.get_running_loop()
    master, path = open_pty()
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    dec, buf, out, done = _decoder(False), bytearray(), [], loop.create_future()
    bufs: list[bytearray | None] = [buf, None, None, None, None]

    def readable() -> None:
        dec.feed_demux(os.read(fd, 65536), bufs)
        if buf:
            out.extend(stamps(bytes(buf), time.perf_counter_ns()))
            buf.clear()
        if len(out) >= count and not done.done():
            done.set_result(None)
    loop.add_reader(fd, readable)
    peer = None
    if peer_file is None:
        writer = _spawn(_STAMPER, str(master), str(count), fds=(master,))
    else:
        from ._bench_modems import _PEER

        peer = _spawn(_PEER, peer_file, str(count))
        assert peer.stdout is not None
        writer = _spawn(_RELAY, str(master), peer.stdout.readline().decode().strip(),
                        fds=(master,))
    try:
        await done
    finally:
        loop.remove_reader(fd)
        if peer is not None:
            peer.terminate()
            peer.wait()
        writer.wait()
        os.close(fd)
        os.close(master)
    return out


@contextlib.contextmanager
def pinned(pin: bool) -> Iterator[int | None]:
    """With *pin*, this process, and every process it starts meanwhile (they inherit
    the mask), runs on one CPU, the lowest it may use; yields that CPU, or None."""
    if not pin:
        yield None
        return
    before = os.sched_getaffinity(0)
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, before)


def measure_latency(tmpdir: str, messages: int, rounds: int = 1, pin: bool = False,
                    ) -> dict[str, Any]:
    """The latency rows: *messages* per path, in *rounds* turns (the floor, the
    two-hop floor, the Modem's two hops, its one hop)."""
    from . import _bench_modems as M

    per = [messages // rounds + (r < messages % rounds) for r in range(rounds)]
    got: dict[str, list[float]] = {AIO_FLOOR: [], AIO_FLOOR2: [], RECV: [], RECV1: []}
    peer_file = os.path.join(tmpdir, "payload")
    with pinned(pin) as cpu:
        for n in per:
            got[AIO_FLOOR] += arun(latency_add_reader(n))
            got[AIO_FLOOR2] += arun(latency_add_reader(n, peer_file))
            got[RECV] += arun(M.latency_modem(peer_file, n))
            got[RECV1] += arun(M.latency_onehop(os.path.join(tmpdir, "urcs"), n))
    for path, v in got.items():
        if len(v) != messages:
            raise LostBytes(f"{path} latency: {len(v)} of {messages} messages")
    rows = []
    for path, v in got.items():
        row: dict[str, Any] = {"path": path, "messages": len(v), "p50_us": pct(v, 50),
                               "p99_us": pct(v, 99)}
        if path in FLOOR_OF:
            row["floor"] = FLOOR_OF[path]
            for q in (50, 99):
                row[f"p{q}_minus_floor_us"] = row[f"p{q}_us"] - pct(got[FLOOR_OF[path]], q)
        rows.append(row)
    return {"rows": rows, "setup": {"pinned_cpu": cpu, "cpus": len(os.sched_getaffinity(0)),
                                    "rounds": rounds}}


def latency_goals(lat: dict[str, Any]) -> list[dict[str, Any]]:
    """The absolute goals, each with the same hops' floor's own figure and the
    difference to it; a goal the floor itself misses is beyond this machine."""
    by = {r["path"]: r for r in lat["rows"]}
    out = []
    for path, hop in ((RECV, ", two hops"), (RECV1, ", one hop")):
        for most, name in LATENCY_GOALS:
            floor_path = FLOOR_OF[path]
            value, floor = by[path][f"{name}_us"], by[floor_path][f"{name}_us"]
            note = (f"the {floor_path} floor's own {name}: {floor:.0f} us; "
                    f"the Modem minus it: {value - floor:+.0f} us")
            if floor > most and value > most:
                note += "; the floor itself misses the goal: beyond this machine"
            out.append({"goal": f"Modem recv latency {name} <= {most:.0f} us (64-byte message"
                        f"{hop})", "measured": f"{value:.0f} us", "met": value <= most,
                        "note": note, "floor": floor, "floor_met": floor <= most})
    return out


def format_latency(lat: dict[str, Any]) -> list[str]:
    setup = lat["setup"]
    if setup["pinned_cpu"] is None:
        how = f"writer and reader not pinned ({setup['cpus']} CPUs; --pin puts them on one)"
    else:
        how = f"writer and reader pinned to CPU {setup['pinned_cpu']} (--pin)"
    lines = [f"latency, 64-byte messages, write to return; {how}; {setup['rounds']} round(s):"]
    for r in lat["rows"]:
        line = (f"  {r['path']:33} p50 {r['p50_us']:>7.0f} us  p99 {r['p99_us']:>7.0f} us"
                f"  ({r['messages']} messages)")
        if "p50_minus_floor_us" in r:
            line += (f"  minus {r['floor']}: p50 {r['p50_minus_floor_us']:+.0f} us, "
                     f"p99 {r['p99_minus_floor_us']:+.0f} us")
        lines.append(line)
    return lines
