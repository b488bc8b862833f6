"""``pyqio bench --e2e``: the latency rows, and what of them is pyqio's.

64-byte messages, each stamped with ``time.perf_counter_ns`` (the system's
monotonic clock, shared by every process) by the process that writes it, one
each 2 ms; the figure is the time from that write to the message's arrival:
``recv()`` returning for the Modem, the ``add_reader`` callback's ``feed_demux``
returning for the floor. Three paths:

- ``add_reader + feed_demux``: a writer process puts stamped ``+QIURC: "recv"``
  URCs into a PTY that this process reads (one hop);
- ``Modem recv``: a loopback peer sends to the simulator, which frames the data
  for the Modem over its PTY (two hops: it includes the simulator's own);
- ``Modem recv, 1 hop``: the simulator writes the stamped URCs itself, as the
  floor's writer does (:mod:`pyqio.cli._bench_modems`).

Most of such a latency is the machine's: a process woken on another CPU, the
PTY's own work. So besides the goals, which are absolute, the output gives the
floor's own p50/p99 and each Modem row minus it: the one-hop difference is
pyqio's share. The floor and the Modem rows take turns, round by round, so that
the machine's moods fall on each alike. *pin* (``--pin``) runs this process and
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

from ._bench_e2e import AIO_FLOOR, RECV, RECV1, _decoder, _spawn

LATENCY_GOALS = ((40.0, "p50"), (150.0, "p99"))

_STAMPER = ("import os, sys, time\nfd, n = int(sys.argv[1]), int(sys.argv[2])\n"
            "for _ in range(n):\n    time.sleep(0.002)\n"
            "    m = b'%063d\\n' % time.perf_counter_ns()\n"
            "    os.write(fd, b'\\r\\n+QIURC: \"recv\",0,64,\"' + m + b'\"\\r\\n')\n")


def stamps(data: bytes, now: int) -> list[float]:
    """Microseconds from each stamp in *data* (one per line) to *now* (ns)."""
    return [(now - int(line)) / 1000 for line in data.split(b"\n") if line]


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def latency_add_reader(count: int) -> list[float]:
    """The floor's latency: a process writes stamped recv URCs into the PTY."""
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
    writer = _spawn(_STAMPER, str(master), str(count), fds=(master,))
    try:
        await done
    finally:
        loop.remove_reader(fd)
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
    """The latency rows: *messages* per path, in *rounds* turns (floor, two hops, one hop)."""
    from . import _bench_modems as M

    per = [messages // rounds + (r < messages % rounds) for r in range(rounds)]
    got: dict[str, list[float]] = {AIO_FLOOR: [], RECV: [], RECV1: []}
    with pinned(pin) as cpu:
        for n in per:
            got[AIO_FLOOR] += asyncio.run(latency_add_reader(n))
            got[RECV] += asyncio.run(M.latency_modem(os.path.join(tmpdir, "payload"), n))
            got[RECV1] += asyncio.run(M.latency_onehop(os.path.join(tmpdir, "urcs"), n))
    floor = {q: pct(got[AIO_FLOOR], q) for q in (50, 99)}
    rows = []
    for path, v in got.items():
        row: dict[str, Any] = {"path": path, "messages": len(v), "p50_us": pct(v, 50),
                               "p99_us": pct(v, 99)}
        if path != AIO_FLOOR:
            row["p50_minus_floor_us"] = row["p50_us"] - floor[50]
            row["p99_minus_floor_us"] = row["p99_us"] - floor[99]
        rows.append(row)
    return {"rows": rows, "setup": {"pinned_cpu": cpu, "cpus": len(os.sched_getaffinity(0)),
                                    "rounds": rounds}}


def latency_goals(lat: dict[str, Any]) -> list[dict[str, Any]]:
    """The absolute goals, each with the floor's own figure and the difference to it."""
    by = {r["path"]: r for r in lat["rows"]}
    out = []
    for path, hop in ((RECV, ", two hops"), (RECV1, ", one hop")):
        for most, name in LATENCY_GOALS:
            value, floor = by[path][f"{name}_us"], by[AIO_FLOOR][f"{name}_us"]
            out.append({"goal": f"Modem recv latency {name} <= {most:.0f} us (64-byte message"
                        f"{hop})", "measured": f"{value:.0f} us", "met": value <= most,
                        "note": f"the add_reader floor's own {name}: {floor:.0f} us; "
                        f"the Modem minus the floor: {value - floor:+.0f} us"})
    return out


def format_latency(lat: dict[str, Any]) -> list[str]:
    setup = lat["setup"]
    if setup["pinned_cpu"] is None:
        how = f"writer and reader not pinned ({setup['cpus']} CPUs; --pin puts them on one)"
    else:
        how = f"writer and reader pinned to CPU {setup['pinned_cpu']} (--pin)"
    lines = [f"latency, 64-byte messages, write to return; {how}; {setup['rounds']} round(s):"]
    for r in lat["rows"]:
        line = (f"  {r['path']:24} p50 {r['p50_us']:>7.0f} us  p99 {r['p99_us']:>7.0f} us"
                f"  ({r['messages']} messages)")
        if "p50_minus_floor_us" in r:
            line += (f"  minus the floor: p50 {r['p50_minus_floor_us']:+.0f} us, "
                     f"p99 {r['p99_minus_floor_us']:+.0f} us")
        lines.append(line)
    return lines
