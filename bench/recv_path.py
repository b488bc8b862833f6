"""The Modem's receive path offline: CPU per MB from a read of the link to ``recv()``.

    python -m bench.recv_path [--hex] [--size N] [--read N] [--rounds R]

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
"""
from __future__ import annotations

import argparse
import asyncio
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hex", action="store_true")
    ap.add_argument("--size", type=int, default=4 << 20)
    ap.add_argument("--read", type=int, default=4096)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
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
