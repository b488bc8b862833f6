"""The Modem's receive path offline: CPU per MB from a read of the link to ``recv()``.

    python -m bench.recv_path [--hex] [--size N] [--read N] [--rounds R]
    python -m bench.recv_path --latency N [--rounds R]

No process, PTY or simulator: the reads of the link are prepared chunks (``--read``
bytes each, 4 KiB by default: what a PTY read returns) of ``+QIURC: "recv"`` URCs
(1 KiB payloads; 512 B in hex), handed to ``Link.data_received`` one by one, and a
reader task ``await sock.recv()``s them, as a user would. Beside it, on the same
chunks: ``Decoder.feed_demux`` into one bytearray (the floor of goal 1, without its
I/O), ``Decoder.feed`` (one Recv per URC), and ``feed_demux`` with the least a
reader task costs (a future and a task step per read, no pyqio: what any asyncio
reader pays, the bench's own ``sleep(0)`` per read included). Rounds interleave; medians. Run it
with two trees (``PYTHONPATH=<tree> python -m bench.recv_path``) to compare them:
the I/O the e2e rows add is the same for both.

``--latency N``: pyqio's own share of a lone message's latency, in one process.
A pipe stands for the PTY; each of N stamped 64-byte ``+QIURC: "recv"`` URCs is
written into it once the previous one came out, and the time from the write to
the message's arrival is taken: for the Modem when ``recv()`` returns (a real
``FdTransport`` reads the pipe and drives the Link), for the floor when an
``add_reader`` callback's ``feed_demux`` returns, and for the least any asyncio
reader pays when a task awaiting a future per message resumes. The paths
alternate message by message, so the machine's moods fall on each alike; no
process wakes another, so what is left is the loop's turn and the code's.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any

from pyqio.cli._bench_e2e import make_payload, recv_urc
from pyqio.wire import Decoder


class _Transport:
    """What the Link asks of a transport: nothing is written anywhere."""

    def write(self, data: bytes) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass


def chunks(nbytes: int, hex_mode: bool, read: int) -> tuple[list[bytes], bytes]:
    pieces = make_payload(nbytes, hex_mode)
    stream = b"".join(recv_urc(0, p, hex_mode) for p in pieces)
    return [stream[i:i + read] for i in range(0, len(stream), read)], b"".join(pieces)


def floor(parts: list[bytes], want: bytes, hex_mode: bool) -> float:
    dec, buf = Decoder("hex" if hex_mode else "text"), bytearray()
    bufs: list[bytearray | None] = [buf, None, None, None, None]
    t0 = time.process_time()
    for part in parts:
        dec.feed_demux(part, bufs)
    cpu = time.process_time() - t0
    assert buf == want
    return cpu


def events(parts: list[bytes], want: bytes, hex_mode: bool) -> float:
    dec = Decoder("hex" if hex_mode else "text")
    t0 = time.process_time()
    n = 0
    for part in parts:
        for ev in dec.feed(part):
            n += len(ev.data)
    cpu = time.process_time() - t0
    assert n == len(want)
    return cpu


async def minimal(parts: list[bytes], want: bytes, hex_mode: bool) -> float:
    """feed_demux plus the least a reader task costs: a future per read, a task step."""
    loop = asyncio.get_running_loop()
    dec, buf = Decoder("hex" if hex_mode else "text"), bytearray()
    bufs: list[bytearray | None] = [buf, None, None, None, None]
    waiter: list[asyncio.Future[None]] = []
    got: list[bytes] = []

    async def reader() -> None:
        n = 0
        while n < len(want):
            if not buf:
                fut = loop.create_future()
                waiter.append(fut)
                await fut
            data = bytes(buf)
            buf.clear()
            got.append(data)
            n += len(data)

    task = loop.create_task(reader())
    await asyncio.sleep(0)
    t0 = time.process_time()
    for part in parts:
        dec.feed_demux(part, bufs)
        if waiter:
            waiter.pop().set_result(None)
        await asyncio.sleep(0)
    await task
    cpu = time.process_time() - t0
    assert b"".join(got) == want
    return cpu


async def modem(parts: list[bytes], want: bytes, hex_mode: bool) -> float:
    from pyqio.modem import Modem
    from pyqio.modem._link import Link, Timeouts
    from pyqio.modem._socket import ModemSocket
    from pyqio.session import Session

    m: Any = Modem("bench://")
    session = Session(recv_format="hex" if hex_mode else "text")
    link = Link(session, timeouts=Timeouts(), on_event=m._on_event, on_lost=m._on_lost)
    link.connection_made(_Transport())
    m._link = link
    sock = ModemSocket(m, 0, "TCP", ("127.0.0.1", 7), buffer_limit=1 << 30)
    m._sockets[0] = sock
    route = getattr(m, "_route", None)     # the demux path, where the tree has it
    if route is not None:
        route(sock)
    got: list[bytes] = []

    async def reader() -> None:
        n = 0
        while n < len(want):
            data = await sock.recv(65536)
            got.append(data)
            n += len(data)

    task = asyncio.get_running_loop().create_task(reader())
    await asyncio.sleep(0)
    t0 = time.process_time()
    for part in parts:
        link.data_received(part)
        await asyncio.sleep(0)      # the loop turns once per read, as after a real read
    await task
    cpu = time.process_time() - t0
    assert b"".join(got) == want
    return cpu



_STAMPED = b'\r\n+QIURC: "recv",0,64,"%063d\n"\r\n'


class _Pipe:
    def __init__(self) -> None:
        self.r, self.w = os.pipe()
        os.set_blocking(self.r, False)

    def send(self) -> int:
        t0 = time.perf_counter_ns()
        os.write(self.w, _STAMPED % t0)
        return t0

    def close(self) -> None:
        os.close(self.w)
        os.close(self.r)


class LatencyPaths:
    """The three paths of ``--latency``, set up once, one message at a time."""

    async def __aenter__(self) -> LatencyPaths:
        from pyqio.modem import Modem
        from pyqio.modem._link import Link, Timeouts
        from pyqio.modem._socket import ModemSocket
        from pyqio.session import Session
        from pyqio.transports._fd import FdTransport

        loop = asyncio.get_running_loop()
        self.loop = loop
        # the floor: add_reader + feed_demux, the stamp read in the callback
        self.floor_pipe, self.floor_dec = _Pipe(), Decoder("text")
        self.floor_buf = bytearray()
        self.floor_bufs: list[bytearray | None] = [self.floor_buf, None, None, None, None]
        self.floor_done: asyncio.Future[int] | None = None
        loop.add_reader(self.floor_pipe.r, self._floor_ready)
        # the same, and a task resumed by a future per message
        self.task_pipe, self.task_dec = _Pipe(), Decoder("text")
        self.task_buf = bytearray()
        self.task_bufs: list[bytearray | None] = [self.task_buf, None, None, None, None]
        self.task_waiter: asyncio.Future[None] | None = None
        loop.add_reader(self.task_pipe.r, self._task_ready)
        # the Modem: FdTransport -> Link -> Session -> socket -> recv()
        self.modem_pipe = _Pipe()
        m: Any = Modem("bench://")
        link = Link(Session(), timeouts=Timeouts(), on_event=m._on_event, on_lost=m._on_lost)
        waiter = loop.create_future()
        self.transport = FdTransport(loop, link, self.modem_pipe.r, on_release=lambda: None,
                                     write=lambda data: len(data), waiter=waiter)
        await waiter
        m._link = link
        self.sock = ModemSocket(m, 0, "TCP", ("127.0.0.1", 7))
        m._sockets[0] = self.sock
        route = getattr(m, "_route", None)
        if route is not None:
            route(self.sock)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.loop.remove_reader(self.floor_pipe.r)
        self.loop.remove_reader(self.task_pipe.r)
        self.transport.close()
        await asyncio.sleep(0)
        for pipe in (self.floor_pipe, self.task_pipe, self.modem_pipe):
            pipe.close()

    def _floor_ready(self) -> None:
        self.floor_dec.feed_demux(os.read(self.floor_pipe.r, 65536), self.floor_bufs)
        if self.floor_buf and self.floor_done is not None:
            stamp = int(self.floor_buf[:63])
            self.floor_done.set_result(time.perf_counter_ns() - stamp)
            self.floor_buf.clear()

    def _task_ready(self) -> None:
        self.task_dec.feed_demux(os.read(self.task_pipe.r, 65536), self.task_bufs)
        if self.task_buf and self.task_waiter is not None:
            self.task_waiter.set_result(None)
            self.task_waiter = None

    async def floor(self) -> float:
        self.floor_done = self.loop.create_future()
        self.floor_pipe.send()
        ns = await self.floor_done
        return ns / 1000

    async def task(self) -> float:
        self.task_waiter = self.loop.create_future()
        t0 = self.task_pipe.send()
        await self.task_waiter
        data = bytes(self.task_buf)
        self.task_buf.clear()
        assert len(data) == 64
        return (time.perf_counter_ns() - t0) / 1000

    async def modem(self) -> float:
        t0 = self.modem_pipe.send()
        data = await self.sock.recv(65536)
        assert len(data) == 64, data
        return (time.perf_counter_ns() - t0) / 1000


async def latency(count: int, rounds: int) -> dict[str, list[float]]:
    names = ("add_reader + feed_demux (floor)", "floor + a task per message (no pyqio)",
             "Modem: pipe -> FdTransport -> recv()")
    out: dict[str, list[float]] = {n: [] for n in names}
    async with LatencyPaths() as p:
        for _ in range(200):    # warm up: first calls, caches, allocator
            await p.floor(), await p.task(), await p.modem()
        for _ in range(rounds):
            for _ in range(count):
                out[names[0]].append(await p.floor())
                out[names[1]].append(await p.task())
                out[names[2]].append(await p.modem())
    return out


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main_latency(count: int, rounds: int) -> None:
    res = asyncio.run(latency(count, rounds))
    names = list(res)
    floor_p50 = _pct(res[names[0]], 50)
    print(f"latency, one process, a pipe, {count} x {rounds} messages of 64 B "
          "(us, write to arrival):")
    for name, v in res.items():
        p50 = _pct(v, 50)
        print(f"  {name:38s} p50 {p50:6.1f}  p90 {_pct(v, 90):6.1f}  p99 {_pct(v, 99):6.1f}"
              f"  p50 - floor {p50 - floor_p50:5.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hex", action="store_true")
    ap.add_argument("--size", type=int, default=4 << 20)
    ap.add_argument("--read", type=int, default=4096)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--latency", type=int, default=0, metavar="N",
                    help="time N lone 64-byte messages per round instead (see above)")
    args = ap.parse_args()
    if args.latency:
        return main_latency(args.latency, args.rounds)
    parts, want = chunks(args.size, args.hex, args.read)
    runs = {"feed_demux (floor)": lambda: floor(parts, want, args.hex),
            "feed (a Recv per URC)": lambda: events(parts, want, args.hex),
            "feed_demux + a reader task (no pyqio)": lambda: asyncio.run(
                minimal(parts, want, args.hex)),
            "Modem: Link.data_received -> recv()": lambda: asyncio.run(
                modem(parts, want, args.hex))}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            times[name].append(run())
    mb = len(want) / 1e6
    base = statistics.median(times["feed_demux (floor)"])
    print(f"{'hex' if args.hex else 'text'}, {len(parts)} reads of {args.read} B, "
          f"{mb:.2f} MB, median of {args.rounds}:")
    for name, t in times.items():
        med = statistics.median(t)
        print(f"  {name:38s} {med / mb * 1000:7.2f} ms/MB  {med / base:5.2f}x floor")


if __name__ == "__main__":
    main()
