"""Socket objects over the module's connections: the base and the client socket.

(The two server kinds of AT+QIOPEN, :class:`UdpService` and :class:`Listener`, are
in :mod:`pyqio.modem._socket_server`.)

They look like CPython sockets where they can (``recv``/``send``/``close``,
``settimeout(None|0|float)``, ``TimeoutError`` on a timeout, ``b""`` only when the
peer closed in order), but every method that waits is a coroutine.

Receive buffer policy.  The module pushes every packet the moment it arrives
(direct push mode, note 1.2), so each socket buffers what its owner has not read
yet.  A TCP stream never goes on after losing bytes; what happens when a stream
socket's buffer passes ``buffer_limit`` is its ``overflow`` policy:

``"pause"`` (default)
    the modem stops reading the link (``pause_reading()`` on the transport, as
    asyncio's ``StreamReader`` does) until the owner has read the buffer down to
    half the limit.  Nothing is lost: the bytes wait in the OS and the port (on a
    serial line with hardware flow control, ``rtscts``, the module holds them), and
    what was already read when the pause began is kept, so the buffer may pass the
    limit by one read of the link.  *Head-of-line*: while the link is paused, no
    other socket receives, no URC arrives and no command is answered, so a command
    sent meanwhile may time out (its error says the link is paused and why).
``"fail"``
    the socket fails with :class:`~pyqio.errors.ReceiveOverflow`: the owner reads
    every byte that fitted, then gets the error; later data for it is counted in
    ``dropped_bytes`` and the module socket is closed (``AT+QICLOSE``).  Other
    sockets are not held up.

Datagram sockets (UDP, UDP SERVICE) drop a datagram that does not fit (or past
``max_datagrams``), as a UDP stack does, and count it in ``dropped_bytes`` /
``dropped_packets``; what is already buffered is kept.  (Wiping the whole buffer
on overflow, as some drivers do, loses far more than the packet that did not fit.)

A TCP socket in direct push mode receives on the demux path: its stream buffer is
attached to the session (:meth:`pyqio.session.Session.attach`), the decoder appends
the payloads of a whole read to it, and the socket counts them, checks its bound
and wakes its reader once per read (:meth:`ModemSocket._on_appended`), not per URC.
The bound holds as above: a read lands whole, so the buffer passes the limit by one
read at most.

What the module cannot say, the sockets cannot either: ``+QIURC: "closed"``
(note 2.4.1) is the only close report, for a peer's FIN and a network error
alike, so both read as ``b""``; and a downlink packet over 1024 bytes arrives as
several URCs (note 2.4, NOTE 5), so a UDP socket hands it out as several datagrams.
"""
from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from ..errors import ReceiveOverflow, SocketClosedError
from ..wire._result import ResultCode
from ._waiting import _check_bufsize, _Waiting, check_overflow

log = logging.getLogger("pyqio.modem")

DEFAULT_BUFFER_LIMIT = 256 * 1024
DEFAULT_MAX_DATAGRAMS = 256
DEFAULT_BACKLOG = 8

Address = tuple[str, int]


_S = TypeVar("_S", bound="_SocketBase")


class _SocketBase(_Waiting):
    def __init__(self, modem: Any, connect_id: int, service_type: str, *,
                 buffer_limit: int = DEFAULT_BUFFER_LIMIT) -> None:
        super().__init__()
        self._modem = modem
        self.connect_id = connect_id
        self.service_type = service_type
        self.buffer_limit = buffer_limit
        self.dropped_bytes = 0
        self.dropped_packets = 0
        self.bytes_received = 0
        self.bytes_sent = 0
        self._peer_closed = False
        self._closed = False
        self._send_lock = asyncio.Lock()
        #: the PDP context the socket runs on (+QIURC: "pdpdeact" names it)
        self.context_id = 0
        #: AT+QIOPEN's <access_mode>: 1 direct push, 0 buffer access (read with AT+QIRD)
        self.access_mode = 1
        self._room: asyncio.Event | None = None  # set when the owner read (buffer access)

    def _buffered_bytes(self) -> int:
        return 0

    def _made_room(self) -> None:
        if self._room is not None:
            self._room.set()

    async def _wait_room(self, size: int) -> None:
        """Wait until *size* more bytes fit the receive buffer (or it is empty), or the
        socket is closed: the modem reads no more from the module until then."""
        while (self._buffered_bytes() and self._buffered_bytes() + size > self.buffer_limit
               and not self._closed and self._error is None):
            if self._room is None:
                self._room = asyncio.Event()
            self._room.clear()
            await self._room.wait()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran (locally) or the link to the module went away."""
        return self._closed

    def _release_link(self) -> None:
        """Only stream sockets hold the link (see the module docstring)."""

    def _drop(self, data: bytes) -> None:
        self.dropped_bytes += len(data)
        self.dropped_packets += 1
        log.warning("socket %d: dropped a %d-byte packet (%s)", self.connect_id, len(data),
                    "the stream had ended" if self._error is not None or self._closed
                    else f"receive buffer full, {self.buffer_limit} bytes")

    def _on_closed(self) -> None:
        """``+QIURC: "closed"`` (note 2.4.1): reads drain the buffer, then return b""."""
        self._peer_closed = True
        self._wake()

    def _check_open(self) -> None:
        if self._error is not None:
            raise self._error
        if self._closed:
            raise self._closed_error()

    def _closed_error(self) -> BaseException:
        return self._error or SocketClosedError(f"socket {self.connect_id} is closed",
                                                result=ResultCode.SOCKET_CLOSED)

    def _check_sendable(self) -> None:
        self._check_open()
        if self._peer_closed:
            raise SocketClosedError(f"socket {self.connect_id} was closed by the peer",
                                    result=ResultCode.SOCKET_CLOSED)

    async def close(self) -> None:
        """``AT+QICLOSE`` (note 2.3.2); also needed after the peer closed, to free the id."""
        if self._closed:
            return
        self._closed = True
        self._modem._unroute(self)
        self._release_link()
        self._wake()
        self._made_room()
        await self._modem._close_socket(self)

    async def __aenter__(self: _S) -> _S:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("peer-closed" if self._peer_closed else "open")
        return f"<{type(self).__name__} id={self.connect_id} {self.service_type} {state}>"


class ModemSocket(_SocketBase):
    """A TCP or UDP client connection (or one accepted by a listener) on the module.

    TCP sockets are byte streams; UDP sockets return one datagram per ``recv``
    (truncated to *bufsize* as CPython does, the rest counted in ``truncated_bytes``).
    """

    def __init__(self, modem: Any, connect_id: int, service_type: str,
                 peer: Address, *, buffer_limit: int = DEFAULT_BUFFER_LIMIT,
                 max_datagrams: int = DEFAULT_MAX_DATAGRAMS, overflow: str = "pause") -> None:
        super().__init__(modem, connect_id, service_type, buffer_limit=buffer_limit)
        self.overflow = check_overflow(overflow)
        self._holding = False  # this socket asked the modem to pause the link
        self.peer = peer
        self.is_stream = service_type in ("TCP", "TCP INCOMING")
        self._stream = bytearray()
        self._counted = 0   # bytes of _stream counted in bytes_received already
        self._datagrams: collections.deque[bytes] = collections.deque()
        self._dgram_bytes = 0
        self.max_datagrams = max_datagrams
        self.truncated_bytes = 0

    def getpeername(self) -> Address:
        return self.peer

    def buffered(self) -> int:
        """Bytes received and not read yet."""
        return len(self._stream) + self._dgram_bytes

    def _buffered_bytes(self) -> int:
        return len(self._stream) + self._dgram_bytes

    def _on_data(self, data: bytes) -> None:
        self.bytes_received += len(data)
        if self.is_stream:
            if self._error is not None or self._closed:
                return self._drop(data)  # the stream already ended: never a gap inside it
            self._stream += data
            self._counted += len(data)
            if len(self._stream) > self.buffer_limit:
                self._overflow()
        else:
            if (self._dgram_bytes + len(data) > self.buffer_limit
                    or len(self._datagrams) >= self.max_datagrams):
                return self._drop(data)
            self._datagrams.append(data)
            self._dgram_bytes += len(data)
        self._wake()

    def _on_appended(self) -> None:
        """The session appended a read's payloads to the stream buffer (attached to it,
        :meth:`pyqio.session.Session.attach`): count them, bound it, wake the reader."""
        size = len(self._stream)
        self.bytes_received += size - self._counted
        self._counted = size
        if size > self.buffer_limit:
            self._overflow()
        # _wake(), written out: this runs once per read of the link
        waiters = self._waiters
        if waiters:
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)
            waiters.clear()
        if self._sink is not None:
            self._sink()

    def _overflow(self) -> None:
        """The stream buffer passed ``buffer_limit``: pause the link or fail this socket."""
        if self.overflow == "pause" and self._modem._hold_link(self):
            self._holding = True
            return
        if self.overflow == "pause":
            why = "the link cannot pause reading"
        else:
            why = "overflow='fail'"
        self._fail(ReceiveOverflow(
            f"socket {self.connect_id}: receive buffer over {self.buffer_limit} bytes "
            f"({why}); the stream ends here so that it never goes on with a gap: "
            f"read faster, raise buffer_limit or use overflow='pause'",
            result=ResultCode.SOCKET_READ_FAILED))
        self._modem._drop_socket(self)

    def _release_link(self) -> None:
        if self._holding:
            self._holding = False
            self._modem._release_link(self)

    def _fail(self, exc: BaseException) -> None:
        self._release_link()
        self._modem._unroute(self)
        super()._fail(exc)

    def _take(self, bufsize: int) -> bytes:
        if self._room is not None:
            self._room.set()    # _made_room(), a call less per read
        if self.is_stream:
            stream = self._stream
            if len(stream) <= bufsize:   # all of it: one copy; all of it was counted
                data = bytes(stream)
                stream.clear()
                self._counted = 0
            else:
                data = bytes(stream[:bufsize])
                del stream[:bufsize]
                self._counted = max(self._counted - bufsize, 0)
            if self._holding and len(stream) <= self.buffer_limit // 2:
                self._release_link()
            return data
        data = self._datagrams.popleft()
        self._dgram_bytes -= len(data)
        if len(data) > bufsize:
            self.truncated_bytes += len(data) - bufsize
            data = data[:bufsize]
        return data

    def _readable(self) -> bool:
        return bool(self._stream or self._datagrams)

    async def recv(self, bufsize: int = 65536) -> bytes:
        """Up to *bufsize* received bytes; b"" once the peer closed and all is read."""
        if type(bufsize) is not int or bufsize <= 0:
            _check_bufsize(bufsize)
        while True:
            if self._closed:  # closed here: as CPython, reading a closed socket is an error
                self._check_open()
            if self._stream or self._datagrams:  # what came before a link loss is still read
                return self._take(bufsize)
            if self._error is not None:   # _check_open(), _closed being False here
                raise self._error
            if self._peer_closed:
                return b""
            if self._timeout is not None:
                await self._wait("recv")
                continue
            # _wait()'s common case (no timeout) without its coroutine: a read's wake-up
            # resumes this frame alone
            fut = asyncio.get_running_loop().create_future()
            waiters = self._waiters
            waiters.append(fut)
            try:
                await fut
            finally:
                if waiters and fut in waiters:   # a wake-up emptied the list
                    waiters.remove(fut)

    async def send(self, data: bytes) -> int:
        """Send all of *data* (in chunks the module accepts); returns ``len(data)``.

        Raises :class:`SendFailed` on ``SEND FAIL`` and :class:`SocketClosedError`
        once the connection is closed.
        """
        data = bytes(data)
        async with self._send_lock:
            self._check_sendable()
            await self._modem._send_data(self, data)
        return len(data)

    async def sendall(self, data: bytes) -> None:
        await self.send(data)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iter()

    async def _iter(self) -> AsyncIterator[bytes]:
        while True:
            chunk = await self.recv()
            if not chunk:
                return
            yield chunk
