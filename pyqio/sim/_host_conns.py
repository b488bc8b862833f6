"""The host sockets behind the module's connect ids, opened for real with asyncio.

One :class:`Conn` per ``<connectID>`` (0-4, note 2.3.1) keeps what ``AT+QISTATE``
shows (2.3.3) and the host transport doing the work. Data and closes found on the
host side go to a *sink* (the simulator), which turns them into URCs.
"""
from __future__ import annotations

import asyncio
import collections
import errno
import fcntl
import struct
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..wire import events as ev
from ..wire._result import ResultCode as RC

__all__ = [
    "CLOSING",
    "CONNECTED",
    "CONNECTING",
    "INITIAL",
    "REMOTE_CLOSING",
    "Conn",
    "Sink",
    "open_socket",
]

# <socket_state> values of AT+QISTATE (2.3.3)
INITIAL, CONNECTING, CONNECTED, CLOSING, REMOTE_CLOSING = range(5)
_SIOCOUTQ = 0x5411  # Linux: bytes in a TCP send queue not yet acknowledged by the peer


class Sink(Protocol):
    def socket_data(self, conn: Conn, data: bytes, addr: tuple[str, int]) -> None: ...
    def socket_closed(self, conn: Conn) -> None: ...
    def socket_accepted(self, server: Conn, proto: _Stream) -> Conn | None: ...


@dataclass(eq=False)
class Conn:
    """One socket service of the module, as AT+QISTATE reports it."""

    connect_id: int
    service_type: str
    host: str
    remote_port: int
    local_port: int
    state: int = INITIAL
    server_id: int | None = None
    transport: Any = None  # asyncio transport, or the Server of a TCP LISTENER
    peer: tuple[str, int] | None = None  # resolved address of a client's remote end
    sent: int = 0
    task: asyncio.Task[Any] | None = None
    children: list[Conn] = field(default_factory=list)
    # what the host socket got before +QIOPEN was reported, reported right after it
    early: list[tuple[bytes, tuple[str, int]]] = field(default_factory=list)
    early_closed: bool = False
    # the BG96 family: the PDP context, AT+QIOPEN's <access_mode>, the profile's row form
    context_id: int = 0
    access_mode: int = 1
    long_rows: bool = False
    # buffer access mode: what AT+QIRD has not read yet (datagrams kept apart)
    rx: collections.deque[tuple[bytes, tuple[str, int]]] = field(
        default_factory=collections.deque)
    rx_bytes: int = 0
    rx_total: int = 0
    paused: bool = False

    def rx_put(self, data: bytes, addr: tuple[str, int]) -> None:
        self.rx.append((data, addr))
        self.rx_bytes += len(data)
        self.rx_total += len(data)

    def rx_buffered(self) -> int:
        return self.rx_bytes

    def rx_take(self, want: int) -> tuple[bytes, tuple[str, int]]:
        """Up to *want* bytes: of one datagram (UDP), or across pieces (TCP)."""
        if not self.rx:
            return b"", ("", 0)
        if self.is_udp:
            data, addr = self.rx.popleft()
            self.rx_bytes -= len(data)
            return data[:want], addr
        out = bytearray()
        addr = self.rx[0][1]
        while self.rx and len(out) < want:
            data, a = self.rx.popleft()
            room = want - len(out)
            if len(data) > room:
                self.rx.appendleft((data[room:], a))
                data = data[:room]
            out += data
        self.rx_bytes -= len(out)
        return bytes(out), addr

    @property
    def is_udp(self) -> bool:
        return self.service_type in ("UDP", "UDP SERVICE")

    def status(self) -> ev.SocketStatus:
        if self.long_rows:  # the BG96 family's 10 fields: serverID, access mode, AT port
            return ev.SocketStatus(self.connect_id, self.service_type, self.host,
                                   self.remote_port, self.local_port, self.state,
                                   self.context_id, self.access_mode,
                                   self.server_id if self.server_id is not None else 0, "uart1")
        return ev.SocketStatus(self.connect_id, self.service_type, self.host, self.remote_port,
                               self.local_port, self.state, 0, 1)

    def stats(self) -> ev.SendStats:
        """``+QISEND: <sent>,<acked>,<nAcked>`` (2.3.4).

        For TCP, "not acknowledged" is what still waits in asyncio's buffer plus what
        the kernel's send queue holds unacknowledged (SIOCOUTQ): the peer's real ACKs.
        The note says acked/nAcked apply to TCP only, so UDP reports 0,0.
        """
        if self.is_udp or self.transport is None or self.state == INITIAL:
            return ev.SendStats(self.sent, 0, 0)
        pending = self.transport.get_write_buffer_size() if not self.transport.is_closing() else 0
        sock = self.transport.get_extra_info("socket")
        if sock is not None and sock.fileno() >= 0:
            try:
                pending += struct.unpack("i", fcntl.ioctl(sock.fileno(), _SIOCOUTQ, b"\0" * 4))[0]
            except OSError:
                pass
        pending = min(pending, self.sent)
        return ev.SendStats(self.sent, self.sent - pending, pending)

    def write(self, data: bytes, addr: tuple[str, int] | None = None) -> bool:
        """Hand *data* to the host socket; False when the socket cannot send."""
        if self.state != CONNECTED or self.transport is None or self.transport.is_closing():
            return False
        if self.service_type == "UDP SERVICE":
            if addr is None:
                return False
            self.transport.sendto(data, addr)
        elif self.service_type == "UDP":
            self.transport.sendto(data)  # connected: to the peer given at open
        elif self.service_type == "TCP LISTENER":
            return False
        else:
            self.transport.write(data)
        self.sent += len(data)
        return True

    def close(self) -> None:
        """Close the host side without telling the sink (the host asked for it)."""
        self.state = CLOSING
        if self.task is not None:
            self.task.cancel()
        if self.transport is not None:
            self.transport.close()
        self.transport = None


class _Stream(asyncio.Protocol):
    def __init__(self, sink: Sink, conn: Conn | None, server: Conn | None = None):
        self.sink, self.conn, self.server = sink, conn, server
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        if self.server is not None:  # accepted by a TCP LISTENER
            self.conn = self.sink.socket_accepted(self.server, self)
            if self.conn is None:
                transport.close()

    def data_received(self, data: bytes) -> None:
        addr = self.transport.get_extra_info("peername")[:2]
        if self.conn is not None and self.conn.state == CONNECTING:
            self.conn.early.append((data, addr))
        elif self.conn is not None and self.conn.state == CONNECTED:
            self.sink.socket_data(self.conn, data, addr)

    def eof_received(self) -> bool:
        return False  # close our side too, as the module does on a peer FIN

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None and self.conn.state == CONNECTING:
            self.conn.early_closed = True
        elif self.conn is not None and self.conn.transport is self.transport:
            self.sink.socket_closed(self.conn)


class _Datagram(asyncio.DatagramProtocol):
    def __init__(self, sink: Sink, conn: Conn):
        self.sink, self.conn = sink, conn

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if self.conn.state == CONNECTING:
            self.conn.early.append((data, addr[:2]))
        elif self.conn.state == CONNECTED:
            self.sink.socket_data(self.conn, data, addr[:2])

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP port unreachable on a UDP client: the module drops it silently too


def _errno(exc: BaseException | None) -> int | None:
    """The error number of *exc*, or of the ``OSError`` it was raised from: uvloop's
    ``create_datagram_endpoint`` raises ``OSError("could not bind to local_addr ...")``
    with no number, from the ``OSError`` of the bind."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno is not None:
            return exc.errno
        exc = exc.__cause__
    return None


def _bind_error(exc: OSError, default: int) -> int:
    return RC.PORT_BUSY if _errno(exc) == errno.EADDRINUSE else default


async def open_socket(conn: Conn, sink: Sink, ip: str, listen_host: str, timeout: float) -> int:
    """Open the host socket behind *conn* (remote end *ip*); the ``+QIOPEN`` result code."""
    loop = asyncio.get_running_loop()
    any_host = "::" if ":" in ip else "0.0.0.0"
    local = (any_host, conn.local_port) if conn.local_port else None
    kind = conn.service_type
    try:
        if kind == "TCP":
            conn.transport, _ = await asyncio.wait_for(loop.create_connection(
                lambda: _Stream(sink, conn), ip, conn.remote_port, local_addr=local), timeout)
        elif kind == "UDP":
            conn.transport, _ = await loop.create_datagram_endpoint(
                lambda: _Datagram(sink, conn), remote_addr=(ip, conn.remote_port), local_addr=local)
        elif kind == "UDP SERVICE":
            conn.transport, _ = await loop.create_datagram_endpoint(
                lambda: _Datagram(sink, conn), local_addr=(listen_host, conn.local_port))
        else:  # TCP LISTENER
            conn.transport = await loop.create_server(
                lambda: _Stream(sink, None, conn), listen_host, conn.local_port)
    except asyncio.TimeoutError:
        return RC.OPERATION_TIMEOUT
    except OSError as exc:
        if kind == "TCP LISTENER":
            return _bind_error(exc, RC.SOCKET_BIND_FAILED)
        if _errno(exc) == errno.EADDRINUSE:
            return RC.PORT_BUSY
        return RC.SOCKET_CONNECTION_FAILED if kind == "TCP" else RC.CREATE_SOCKET_FAILED
    conn.peer = (ip, conn.remote_port)
    conn.state = CONNECTED
    return RC.OK
