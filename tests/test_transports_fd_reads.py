"""How ``FdTransport`` reads: a backlog in one call, bounded, in order, pausable.

A tty read returns about 4 KiB at most; while reads come back that large the
transport reads again in the same callback (up to ``READ_SIZE``) and hands the
joined bytes to ``data_received`` once. These tests script the reads (the
descriptor is a pipe kept readable, so the loop calls back; ``read`` is ours).
"""
from __future__ import annotations

import asyncio
import errno
import os

from pyqio.transports import FdTransport
from pyqio.transports._fd import _MORE, READ_SIZE


class Script:
    """A read function: hands out *pieces* in order, then EAGAIN; logs each ask."""

    def __init__(self, pieces: list[bytes | BaseException]) -> None:
        self.pieces = list(pieces)
        self.asked: list[int] = []

    def __call__(self, n: int) -> bytes:
        self.asked.append(n)
        if not self.pieces:
            raise BlockingIOError(errno.EAGAIN, "nothing")
        piece = self.pieces.pop(0)
        if isinstance(piece, BaseException):
            raise piece
        assert len(piece) <= n, "the transport asked for less than this piece"
        return piece


class Log(asyncio.Protocol):
    def __init__(self, name: str = "", log: list | None = None) -> None:
        self.name = name
        self.log = log if log is not None else []
        self.transport: FdTransport | None = None
        self.on_data = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.log.append((self.name, "data", data))
        if self.on_data is not None:
            self.on_data()

    def connection_lost(self, exc) -> None:
        self.log.append((self.name, "lost", exc))


async def _open(script: Script, proto: Log) -> tuple[FdTransport, int]:
    r, w = os.pipe()
    os.write(w, b"x")  # level-triggered: the loop keeps calling back while scripted
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()

    def release() -> None:
        os.close(r)
        os.close(w)

    t = FdTransport(loop, proto, r, on_release=release, read=script,
                    write=lambda d: len(d), waiter=waiter)
    await waiter
    return t, w


async def _turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def run(coro) -> None:
    asyncio.run(asyncio.wait_for(coro, 20))


def test_a_backlog_is_read_in_one_callback_and_delivered_once_in_order() -> None:
    pieces = [bytes([i]) * 4095 for i in range(5)]

    async def main() -> None:
        script, proto = Script(pieces), Log()
        t, _ = await _open(script, proto)
        await _turns()
        assert proto.log == [("", "data", b"".join(pieces))]
        assert script.asked[:2] == [READ_SIZE, READ_SIZE - 4095]
        t.close()
        await _turns()
    run(main())


def test_a_short_read_ends_the_callback_without_another_read() -> None:
    async def main() -> None:
        script, proto = Script([b"OK\r\n", b"later"]), Log()
        t, _ = await _open(script, proto)
        t.pause_reading()
        script.asked.clear()
        proto.log.clear()
        script.pieces = [b"\r\nOK\r\n", b"next"]
        t.resume_reading()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        # each callback: one read; the short first read was not followed by a second
        assert proto.log[0] == ("", "data", b"\r\nOK\r\n")
        assert all(n == READ_SIZE for n in script.asked)
        t.close()
        await _turns()
    run(main())


def test_one_callback_reads_at_most_read_size_so_ports_take_turns() -> None:
    log: list = []
    endless = [b"a" * 4096] * 64  # 256 KiB waiting on each port

    async def main() -> None:
        a, b = Log("a", log), Log("b", log)
        ta, _ = await _open(Script(endless), a)
        ta.pause_reading()
        tb, _ = await _open(Script([p.replace(b"a", b"b") for p in endless]), b)
        tb.pause_reading()
        ta.resume_reading()
        tb.resume_reading()
        await _turns(20)
        sizes = [(name, len(data)) for name, kind, data in log if kind == "data"]
        assert all(size <= READ_SIZE for _, size in sizes)
        assert sum(size for name, size in sizes if name == "a") == 64 * 4096
        names = [name for name, _ in sizes]
        assert names[:4] in (["a", "b", "a", "b"], ["b", "a", "b", "a"])  # no port starves
        ta.close()
        tb.close()
        await _turns()
    run(main())


def test_pause_reading_in_data_received_stops_reading_at_once() -> None:
    async def main() -> None:
        script, proto = Script([b"x" * 4096] * 40), Log()
        t, _ = await _open(script, proto)
        t.pause_reading()
        proto.on_data = t.pause_reading
        t.resume_reading()
        await _turns()
        assert len(proto.log) == 1 and len(proto.log[0][2]) == READ_SIZE
        asked = len(script.asked)
        await _turns()
        assert len(script.asked) == asked and not t.is_reading()
        proto.on_data = None
        t.resume_reading()
        await _turns()
        assert sum(len(d) for _, k, d in proto.log if k == "data") == 40 * 4096
        t.close()
        await _turns()
    run(main())


def test_data_read_before_an_error_is_delivered_before_connection_lost() -> None:
    gone = OSError(errno.EIO, "port gone")

    async def main() -> None:
        script, proto = Script([b"1" * 4096, b"2" * _MORE, gone]), Log()
        t, _ = await _open(script, proto)
        await _turns()
        assert [k for _, k, _ in proto.log] == ["data", "lost"]
        assert proto.log[0][2] == b"1" * 4096 + b"2" * _MORE
        assert proto.log[1][2] is gone
        assert t.is_closing()
    run(main())


def test_an_empty_later_read_ends_the_callback_not_the_link() -> None:
    # pyserial's read (timeout 0, spy://) returns b"" for "nothing now"
    async def main() -> None:
        script, proto = Script([b"1" * 4096, b"", b"tail"]), Log()
        t, _ = await _open(script, proto)
        await _turns()
        assert [k for _, k, _ in proto.log] == ["data", "data"]
        assert b"".join(d for _, _, d in proto.log) == b"1" * 4096 + b"tail"
        assert not t.is_closing()
        t.close()
        await _turns()
    run(main())
