"""asyncio's own StreamReader/StreamWriter over a module TCP socket.

:func:`open_stream` wires a :class:`asyncio.StreamReaderProtocol` to a small
:class:`asyncio.Transport` whose writes go out through ``ModemSocket.send``.  Reads
are pushed, as asyncio's own transports push them: the socket calls the transport
when a read of the link added to its buffer (its ``_sink``), and the transport hands
the whole buffer to ``protocol.data_received`` there and then, with no task in
between; the peer's close becomes ``eof_received`` after the last data.
Stream-based libraries get the classes they expect, with the usual flow control:
``drain()`` waits while more than the high-water mark is queued for the module.  The module cannot pause
direct push (note 1.2), so when the reader pauses, received data waits in the
socket's bounded buffer (see :mod:`pyqio.modem._socket`).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("pyqio.modem")

WRITE_CHUNK = 4096


class SocketTransport(asyncio.Transport):
    """An asyncio transport on a :class:`pyqio.modem.ModemSocket`.

    The module has no TCP half-close, so ``can_write_eof()`` is False.
    """

    def __init__(self, sock: Any, protocol: asyncio.BaseProtocol) -> None:
        super().__init__(extra={"peername": sock.peer, "pyqio_socket": sock})
        self._sock = sock
        self._protocol: Any = protocol
        self._loop = asyncio.get_running_loop()
        self._buf = bytearray()
        self._closing = False
        self._lost = False
        self._high, self._low = 64 * 1024, 16 * 1024
        self._write_paused = False
        self._paused = False
        self._eof = False
        self._writer: asyncio.Task[None] | None = None
        sock._sink = self._pull
        self._loop.call_soon(self._pull)    # what came before the transport existed

    # -- reading -----------------------------------------------------------
    def _pull(self) -> None:
        """The socket has news (data, the peer's close, an error): hand it on, in that
        order.  Called by the socket as it wakes, inside the modem's read of the link,
        as a selector transport calls ``data_received`` inside its read callback."""
        if self._paused or self._lost or self._eof:
            return
        sock = self._sock
        try:
            if sock._closed:  # closed here: as recv(), what is left is not handed out
                raise sock._closed_error()
            stream = sock._stream
            if stream or sock._datagrams:  # data that came before a link loss is still handed out
                self._protocol.data_received(sock._take(len(stream) or 65536))
                if self._paused or self._lost:
                    return
            if sock._error is not None:
                raise sock._error
            if sock._peer_closed and not (stream or sock._datagrams):
                self._eof = True
                self._protocol.eof_received()
        except Exception as exc:  # the link went away, the socket was closed, or the
            # protocol failed: as asyncio's transports, the connection ends with it
            self._connection_lost(exc if not self._closing else None)

    def pause_reading(self) -> None:
        self._paused = True

    def resume_reading(self) -> None:
        if self._paused:
            self._paused = False
            self._loop.call_soon(self._pull)

    def is_reading(self) -> bool:
        return not self._paused and not self._lost

    # -- writing -----------------------------------------------------------
    def write(self, data: Any) -> None:
        if self._closing or self._lost:
            return  # as asyncio's transports: writes after close are ignored
        self._buf += data
        if self._writer is None or self._writer.done():
            self._writer = self._loop.create_task(self._write_loop())
        if not self._write_paused and len(self._buf) > self._high:
            self._write_paused = True
            self._protocol.pause_writing()

    async def _write_loop(self) -> None:
        try:
            while self._buf:
                chunk = bytes(self._buf[:WRITE_CHUNK])
                del self._buf[:WRITE_CHUNK]
                await self._sock.send(chunk)
                if self._write_paused and len(self._buf) <= self._low:
                    self._write_paused = False
                    self._protocol.resume_writing()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._buf.clear()
            self._connection_lost(exc)
            return
        if self._closing:
            await self._finish()

    def get_write_buffer_size(self) -> int:
        return len(self._buf)

    def set_write_buffer_limits(self, high: int | None = None,
                                low: int | None = None) -> None:
        self._high = 64 * 1024 if high is None else high
        self._low = self._high // 4 if low is None else low

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._low, self._high

    def can_write_eof(self) -> bool:
        return False

    def write_eof(self) -> None:
        raise NotImplementedError("the module has no TCP half-close; close() instead")

    # -- closing -----------------------------------------------------------
    def is_closing(self) -> bool:
        return self._closing or self._lost

    def close(self) -> None:
        """Send what is queued, then ``AT+QICLOSE``, then ``connection_lost(None)``."""
        if self._closing:
            return
        self._closing = True
        if self._writer is None or self._writer.done():
            self._loop.create_task(self._finish())

    def abort(self) -> None:
        self._closing = True
        self._buf.clear()
        if self._writer is not None:
            self._writer.cancel()
        self._loop.create_task(self._finish())

    async def _finish(self) -> None:
        self._sock._sink = None
        try:
            await self._sock.close()
        except Exception as exc:  # closing over a dead link: nothing more to do
            log.debug("closing socket %d: %s", self._sock.connect_id, exc)
        self._connection_lost(None)

    def _connection_lost(self, exc: BaseException | None) -> None:
        if self._lost:
            return
        self._lost = True
        if self._sock._sink == self._pull:
            self._sock._sink = None
        self._protocol.connection_lost(exc)


def open_stream(sock: Any, *, limit: int = 2 ** 16
                ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """asyncio's StreamReader and StreamWriter over the module socket *sock*."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=limit, loop=loop)
    protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
    transport = SocketTransport(sock, protocol)
    protocol.connection_made(transport)
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    return reader, writer
