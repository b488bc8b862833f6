"""An asyncio transport over a file descriptor: serial ports, PTY ends.

The event loop watches the descriptor (``loop.add_reader``); each readiness
callback reads what is waiting, up to ``READ_SIZE`` bytes, and hands it to
``protocol.data_received`` in one call: no thread, no per-line await.

A tty read returns at most what its line discipline holds (about 4 KiB), so
under a stream one read per readiness means a callback, a decoder call and a
reader wake-up per 4 KiB. While reads come back that large (``_MORE``), more
is most likely queued behind them: the callback reads again, up to
``READ_SIZE`` in all, and joins the pieces (one copy of the bytes, far cheaper
than the per-call costs above it). A short read ends the callback at once, so a
lone message pays one read, as before. The bound keeps one busy port from
starving the others on the loop, and since the protocol is called once, after
the reads, a ``pause_reading()`` it makes stops the next read.
Writes go out at once when the descriptor takes them, the rest waits in a
buffer drained by ``loop.add_writer``.
"""
from __future__ import annotations

import asyncio
import errno
import os
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

from ._base import BaseTransport

__all__ = ["FdTransport"]

#: Bytes asked for per read. A tty hands over what its line discipline holds
#: (a few KiB), so this only bounds the allocation; a bigger read means fewer
#: calls into the tokenizer when data piles up.
READ_SIZE = 65536

#: A read at least this large suggests a backlog: read again in the same callback.
_MORE = 2048


def _vanished(what: str) -> OSError:
    # A tty read returns b"" once the other side hung up (PTY master closed,
    # USB serial unplugged on some drivers): for a serial line that is no EOF
    # the host asked for, it is the port going away.
    return OSError(errno.EIO, f"{what}: end of file, the port went away")


class FdTransport(BaseTransport):
    """Non-blocking transport over ``fd``.

    ``read``/``write`` default to ``os.read``/``os.write`` on the descriptor;
    pass the serial object's own methods for pyserial URL handlers that must
    see the bytes (``spy://``). ``on_release`` frees what owns the descriptor
    (``serial.close`` or ``os.close``).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, protocol: asyncio.BaseProtocol,
                 fd: int, *, on_release: Callable[[], Any],
                 read: Callable[[int], bytes] | None = None,
                 write: Callable[[bytes | bytearray | memoryview], int | None] | None = None,
                 extra: dict[str, Any] | None = None,
                 waiter: asyncio.Future[None] | None = None) -> None:
        super().__init__(loop, protocol, {"fd": fd, **(extra or {})})
        self._fd = fd
        # partial, not a lambda: no Python frame per read or write
        self._read = read or partial(os.read, fd)
        self._write = write or partial(os.write, fd)
        self._on_release = on_release
        self._buffer: deque[bytes | memoryview] = deque()
        self._buffered = 0
        self._reading = False
        self._reading_paused = False
        self._failed = False
        os.set_blocking(fd, False)
        loop.call_soon(self._make_connection, waiter, self._add_reader)

    # reading ---------------------------------------------------------------

    def _add_reader(self) -> None:
        if not self._reading and not self._reading_paused and not self._closing:
            self._loop.add_reader(self._fd, self._read_ready)
            self._reading = True

    def _remove_reader(self) -> None:
        if self._reading:
            self._loop.remove_reader(self._fd)
            self._reading = False

    def _read_ready(self) -> None:
        try:
            data = self._read(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # EIO / ENXIO: the port vanished
            self._fail(exc)
            return
        if not data:
            self._fail(_vanished(str(self._extra.get("url", self._fd))))
            return
        if len(data) >= _MORE:
            data = self._read_more(data)
        self._protocol.data_received(data)

    def _read_more(self, first: bytes) -> bytes:
        # What was read is delivered even when a later read fails: the failure
        # (connection_lost) comes from the loop after it, as the data came first.
        pieces, total, size = [first], len(first), len(first)
        while size >= _MORE and total < READ_SIZE:
            try:
                piece = self._read(READ_SIZE - total)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                self._fail(exc)
                break
            if not piece:
                # a wrapper's read (pyserial's, timeout 0) returns b"" for "nothing
                # now"; a real hang-up gives the next readiness callback b"" again
                break
            pieces.append(piece)
            size = len(piece)
            total += size
        return first if len(pieces) == 1 else b"".join(pieces)

    def pause_reading(self) -> None:
        self._reading_paused = True
        self._remove_reader()

    def resume_reading(self) -> None:
        self._reading_paused = False
        self._add_reader()

    def is_reading(self) -> bool:
        return self._reading

    # writing ---------------------------------------------------------------

    def get_write_buffer_size(self) -> int:
        return self._buffered

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing or not data:
            return  # asyncio convention: writes after close are dropped
        n = 0
        if not self._buffer:
            try:
                n = self._write(data) or 0
            except (BlockingIOError, InterruptedError):
                n = 0
            except OSError as exc:
                self._fail(exc)
                return
            if n == len(data):
                return
            self._loop.add_writer(self._fd, self._write_ready)
        chunk = bytes(memoryview(data)[n:])  # one copy: the caller may reuse its buffer
        self._buffer.append(chunk)
        self._buffered += len(chunk)
        self._maybe_pause_protocol()

    def _write_ready(self) -> None:
        while self._buffer:
            chunk = self._buffer[0]
            try:
                n = self._write(chunk) or 0
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self._fail(exc)
                return
            self._buffered -= n
            if n < len(chunk):
                # a view, not a copy: a large write to a slow port goes out in
                # pieces, and copying the rest each time would be quadratic
                self._buffer[0] = memoryview(chunk)[n:]
                return
            self._buffer.popleft()
        self._loop.remove_writer(self._fd)
        self._maybe_resume_protocol()
        if self._closing:
            self._loop.call_soon(self._connection_lost, None)

    # closing ---------------------------------------------------------------

    def close(self) -> None:
        """Stop reading, flush queued writes, then ``connection_lost(None)``."""
        if self._closing:
            return
        self._closing = True
        self._remove_reader()
        if not self._buffer:
            self._loop.call_soon(self._connection_lost, None)

    def abort(self) -> None:
        """Drop queued writes and end the link now; ``connection_lost(None)``."""
        self._fail(None)

    def _fail(self, exc: Exception | None) -> None:
        # connection_lost runs from the loop, never inside the caller's write()
        if self._failed or self._lost:
            return
        self._failed = self._closing = True
        self._remove_reader()
        self._buffer.clear()
        self._buffered = 0
        self._loop.remove_writer(self._fd)
        self._loop.call_soon(self._connection_lost, exc)

    def _release(self) -> None:
        self._remove_reader()
        self._loop.remove_writer(self._fd)
        try:
            self._on_release()
        except OSError:
            pass  # the port is already gone; nothing left to free
