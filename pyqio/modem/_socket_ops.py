"""The modem's socket operations: opening each service type of AT+QIOPEN, sending
in the chunks and forms AT+QISEND accepts, and closing with AT+QICLOSE.

A mixin of :class:`pyqio.modem.Modem` (which provides ``request``, the socket
table ``_sockets``, ``send_hex`` and ``buffer_limit``).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from .. import commands as C
from ..errors import (
    CommandError,
    CommandTimeout,
    InvalidArgument,
    OpenFailed,
    SendFailed,
    SocketClosedError,
    SocketError,
)
from ..protocol import PROFILE_CONNECT_IDS
from ..session import Response
from ..wire import events as E
from ..wire._result import ResultCode, result_code
from ._socket import ModemSocket, _SocketBase
from ._socket_server import Listener, UdpService, _check_address
from ._streams import open_stream

log = logging.getLogger("pyqio.modem")

TEXT_CHUNK = 1024       # <send_length> maximum in text mode (note 2.3.4)
HEX_CHUNK = 512         # ... and in hex mode

_Sock = TypeVar("_Sock", bound=_SocketBase)


def _describe(code: Any) -> str:
    rc = result_code(int(code))
    return f"{int(rc)} {rc.description}" if isinstance(rc, ResultCode) else str(code)


class SocketsMixin:
    """connect / listen / udp_service / open_connection and what sockets call back."""

    _sockets: dict[int, Any]
    _cleanups: set[asyncio.Task[Any]]
    _link: Any
    send_hex: bool
    buffer_limit: int
    overflow: str
    module: str
    context_id: int
    access_mode: int
    orphan_bytes: int

    async def request(self, cmd: C.Command, payload: bytes | None = None, *,
                      timeout: float | None = None) -> Response:  # pragma: no cover
        raise NotImplementedError

    def _free_id(self) -> int:
        ids = PROFILE_CONNECT_IDS[self.module]
        for cid in ids:
            if cid not in self._sockets:
                return cid
        raise SocketError(f"no free <connectID> ({ids[0]}-{ids[-1]}) on the module",
                          result=ResultCode.SOCKET_IDENTITY_USED)

    def _route(self, sock: Any) -> None:
        """A TCP socket in direct push mode receives on the demux path: its stream
        buffer is attached to the session (see :mod:`pyqio.modem._socket`).  Not
        while a ``trace`` watches: it is promised every event, each Recv included."""
        link = self._link
        if (link is not None and link._trace is None and type(sock) is ModemSocket
                and sock.is_stream
                and sock.access_mode == 1 and sock._error is None and not sock._closed):
            link.session.attach(sock.connect_id, sock._stream)

    def _unroute(self, sock: Any) -> None:
        """*sock* takes no more data (closed, failed, forgotten): its buffer is detached,
        so that what still comes for its connect id is an event (dropped and counted)."""
        link = self._link
        if link is not None and type(sock) is ModemSocket:
            link.session.detach(sock.connect_id, sock._stream)

    def _forget(self, sock: Any) -> None:
        """*sock* is done with: out of the socket table (if still its id's), unrouted,
        and its hold on the link released (a paused link waits for a read of its
        buffer, and nothing reads a socket the modem no longer knows)."""
        cid = sock.connect_id
        if self._sockets.get(cid) is sock:
            del self._sockets[cid]
        self._unroute(sock)
        sock._release_link()

    async def _open(self, sock: _Sock, cmd_args: tuple[str, str, int, int, int],
                    timeout: float | None) -> _Sock:
        sock.context_id = self.context_id
        sock.access_mode = cmd_args[4]
        self._sockets[sock.connect_id] = sock  # early data for it must find it
        self._route(sock)
        try:
            resp = await self.request(C.QIOpen(self.context_id, sock.connect_id, *cmd_args,
                                               module=self.module), timeout=timeout)
        except (CommandTimeout, asyncio.CancelledError) as exc:
            # the caller will never get this socket, so nobody will read its buffer:
            # it takes no more data, and the hold a full buffer took on the link goes
            # with it (else the AT+QICLOSE below waits behind that buffer and the
            # link stays paused for good)
            sock._fail(exc if isinstance(exc, CommandTimeout) else SocketClosedError(
                f"socket {sock.connect_id}: its open was cancelled",
                result=ResultCode.SOCKET_CLOSED))
            # the module may still be opening it: close it so the id is really free.
            # A task, so that a caller's deadline (create_connection's timeout)
            # cancelling us cannot cut the close short: the id stays taken until done
            task = asyncio.get_running_loop().create_task(self._release(sock))
            self._cleanups.add(task)
            task.add_done_callback(self._cleanups.discard)
            if isinstance(exc, CommandTimeout):
                await asyncio.shield(task)  # the id is free when the timeout is raised
            raise
        except BaseException:
            self._forget(sock)
            raise
        code = resp.result if resp.result is not None else getattr(resp.final, "result", 0)
        if code != 0:
            await self._quiet_close(sock.connect_id)  # note 3 of 2.3.1
            self._forget(sock)
            raise OpenFailed(f"AT+QIOPEN {cmd_args[0]} {cmd_args[1]}:{cmd_args[2]} failed: "
                             f"{_describe(code)}", result=result_code(int(code)))
        return sock

    def _mode(self, access_mode: int | None) -> int:
        mode = self.access_mode if access_mode is None else access_mode
        allowed = (0, 1) if self.module == "bg96" else (1,)
        if mode not in allowed:
            raise InvalidArgument(f"access_mode={mode!r}: the {self.module} profile takes "
                                  + " or ".join(map(str, allowed))
                                  + " (0 buffer access, 1 direct push)")
        return mode

    async def connect(self, host: str, port: int, proto: str = "tcp", *,
                      timeout: float | None = None, access_mode: int | None = None
                      ) -> ModemSocket:
        """Open a TCP or UDP client socket to *host*:*port* (``AT+QIOPEN``, note 2.3.1).

        *access_mode* (the ``bg96`` profile): 0 buffer access, 1 direct push; the
        modem's ``access_mode`` by default. Sockets behave the same in both.
        """
        kind = {"tcp": "TCP", "udp": "UDP"}.get(str(proto).lower())
        if kind is None:
            raise InvalidArgument(f"proto must be 'tcp' or 'udp', got {proto!r}")
        _check_address((host, port))
        mode = self._mode(access_mode)
        sock = ModemSocket(self, self._free_id(), kind, (host, port),
                           buffer_limit=self.buffer_limit, overflow=self.overflow)
        return await self._open(sock, (kind, host, port, 0, mode), timeout)

    async def listen(self, port: int, *, backlog: int = 8,
                     access_mode: int | None = None) -> Listener:
        """Open a ``TCP LISTENER`` on local *port* (note 2.3.1, example 4.3.1); the
        connections it accepts take its *access_mode*."""
        _check_address(("0.0.0.0", port))
        mode = self._mode(access_mode)
        sock = Listener(self, self._free_id(), port, backlog=backlog)
        return await self._open(sock, ("TCP LISTENER", "127.0.0.1", 0, port, mode), None)

    async def udp_service(self, port: int, *, access_mode: int | None = None) -> UdpService:
        """Open a ``UDP SERVICE`` on local *port* (note 2.3.1, example 4.2.1)."""
        _check_address(("0.0.0.0", port))
        mode = self._mode(access_mode)
        sock = UdpService(self, self._free_id(), port, buffer_limit=self.buffer_limit)
        return await self._open(sock, ("UDP SERVICE", "127.0.0.1", 1, port, mode), None)

    async def open_connection(self, host: str, port: int, *, limit: int = 2 ** 16
                              ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Like :func:`asyncio.open_connection`: asyncio's own reader and writer over a
        module TCP socket, so stream-based libraries run unchanged."""
        sock = await self.connect(host, port, "tcp")
        return open_stream(sock, limit=limit)

    async def create_connection(self, protocol_factory: Callable[[], asyncio.BaseProtocol],
                                host: str, port: int, *, ssl: Any = None, family: int = 0,
                                proto: int = 0, flags: int = 0, sock: Any = None,
                                local_addr: tuple[str, int] | None = None,
                                server_hostname: str | None = None,
                                ssl_handshake_timeout: float | None = None,
                                ssl_shutdown_timeout: float | None = None,
                                timeout: float | None = None, **tuning: Any
                                ) -> tuple[asyncio.Transport, asyncio.BaseProtocol]:
        """Like :meth:`asyncio.loop.create_connection`: ``(transport, protocol)`` over a
        module TCP socket, so protocol-based clients take the modem unchanged.

        The transport is an :class:`asyncio.Transport` (``write``, ``close``,
        ``abort``, ``pause_reading``/``resume_reading``, ``get_extra_info``:
        ``"peername"`` and ``"pyqio_socket"``); with *ssl* (an
        :class:`ssl.SSLContext` or True) asyncio's own TLS transport, with
        *server_hostname* (default *host*) and the TLS timeouts as the loop takes
        them.  *timeout* bounds the whole open (``AT+QIOPEN`` and its deferred
        result, note 2.3.1).  The loop method's other parameters are accepted where
        they ask for nothing the module cannot do: *family*, *proto*, *flags* and
        the connection-racing ones (``happy_eyeballs_delay``, ``interleave``,
        ``all_errors``) are ignored, since the module resolves and connects by
        itself; *local_addr* may only be None or ``("", 0)`` (the module binds its
        own); an existing *sock* is refused with :class:`InvalidArgument`."""
        from ._dropin import TUNING, create_transport

        unknown = sorted(set(tuning) - TUNING)
        if unknown:
            raise TypeError(f"create_connection() got unexpected keyword arguments {unknown}")
        if sock is not None:
            raise InvalidArgument("sock= has no meaning over a module socket: give host and port")
        return await create_transport(
            self, protocol_factory, host, port, ssl=ssl, server_hostname=server_hostname,
            ssl_handshake_timeout=ssl_handshake_timeout,
            ssl_shutdown_timeout=ssl_shutdown_timeout, local_addr=local_addr, timeout=timeout)

    async def _send_data(self, sock: Any, data: bytes,
                         remote: tuple[str, int] | None = None) -> None:
        """Send in chunks of at most 1024 (text) / 512 (hex) bytes, each after the
        previous one's ``SEND OK`` (note 2.3.4, NOTE 4).  Text mode uses fixed-length
        data mode, which carries any byte (Ctrl-Z framing could not carry 0x1A);
        hex mode sends the hex string inline, which any byte survives too."""
        size = HEX_CHUNK if self.send_hex else TEXT_CHUNK
        ip, port = remote if remote else (None, None)
        for off in range(0, len(data), size):
            chunk = data[off:off + size]
            cmd: Any
            payload: bytes | None = None
            if self.send_hex:
                cmd = C.QISend(sock.connect_id, chunk, hex=True, remote_ip=ip, remote_port=port,
                               module=self.module)
            else:
                cmd = C.QISendFixed(sock.connect_id, len(chunk), remote_ip=ip, remote_port=port,
                                    module=self.module)
                payload = C.fixed_payload(chunk, len(chunk))
            try:
                resp = await self.request(cmd, payload)
            except CommandError as exc:
                if sock._peer_closed:
                    raise SocketClosedError(f"socket {sock.connect_id} was closed by the peer",
                                            result=ResultCode.SOCKET_CLOSED) from exc
                raise
            if isinstance(resp.final, E.SendFail):
                raise SendFailed(f"socket {sock.connect_id}: SEND FAIL",
                                 result=ResultCode.SOCKET_WRITE_FAILED)
            sock.bytes_sent += len(chunk)

    async def _close_socket(self, sock: Any) -> None:
        cid = sock.connect_id
        if self._sockets.get(cid) is sock:  # not after a link loss or restart: id gone
            try:
                await self._quiet_close(cid)
            finally:
                self._forget(sock)

    async def _release(self, sock: Any) -> None:
        """Close and forget *sock*, given up while opening: its caller never got it, so
        what reached it (buffered, or dropped once it failed) is lost with it, and is
        counted where the user can see it, in ``orphan_bytes``."""
        cid = sock.connect_id
        try:
            await self._quiet_close(cid)
        except Exception as exc:  # a lost link frees every id anyway
            log.debug("releasing socket %d: %s", cid, exc)
        finally:
            self._forget(sock)
            lost = sock._buffered_bytes() + getattr(sock, "dropped_bytes", 0)
            if lost:
                self.orphan_bytes += lost
                log.warning("socket %d, given up while opening: %d received byte(s) "
                            "dropped", cid, lost)

    async def _quiet_close(self, connect_id: int) -> None:
        """``AT+QICLOSE``; an ERROR means the id is already free, which is what we want."""
        try:
            await self.request(C.QIClose(connect_id, module=self.module))
        except (CommandError, CommandTimeout) as exc:
            log.debug("AT+QICLOSE=%d: %s", connect_id, exc)
