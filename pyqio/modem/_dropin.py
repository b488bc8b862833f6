"""Drop-in connections: the argument rules of :func:`socket.create_connection`
and :meth:`asyncio.loop.create_connection`, and a connect bounded as a whole.

:func:`pyqio.blocking.Modem.create_connection` and the asyncio
:meth:`pyqio.Modem.create_connection` accept what the standard library and the
clients built on it pass (paho-mqtt 2.x, urllib3 2.x, requests, http.client,
aiohttp-style protocol factories), so a program can be handed the modem in
place of the host's network stack.  What cannot mean anything on a module
socket (a local address to bind: the module picks its own) is refused with a
clear error unless it is the "any address, any port" the clients pass by default.
"""
from __future__ import annotations

import asyncio
import errno
import logging
import socket
import sys
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import CommandTimeout, InvalidArgument
from ._socket import ModemSocket

log = logging.getLogger("pyqio.modem")

#: ``socket.create_connection``'s "no timeout given" sentinel
DEFAULT_TIMEOUT: Any = socket._GLOBAL_DEFAULT_TIMEOUT  # type: ignore[attr-defined]
_ANY_HOSTS = ("", "0.0.0.0", "::")
#: loop.create_connection's keywords that tune the host's own connect and mean
#: nothing when the module connects
TUNING = frozenset({"happy_eyeballs_delay", "interleave", "all_errors"})


def connect_timeout(timeout: Any) -> float | None:
    """The number of seconds *timeout* allows, or None for no bound.

    Accepts every form callers pass: a number, None, the standard library's
    ``socket._GLOBAL_DEFAULT_TIMEOUT`` and urllib3's ``_DEFAULT_TIMEOUT`` token
    (both mean "the default": :func:`socket.getdefaulttimeout`)."""
    if timeout is DEFAULT_TIMEOUT or type(timeout).__name__ == "_TYPE_DEFAULT":
        return socket.getdefaulttimeout()
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise InvalidArgument(f"timeout must be None or a number >= 0, got {timeout!r}")
    return float(timeout)


def check_source_address(source_address: Any) -> None:
    """Only "any address, any port" is accepted: ``None``, ``("", 0)`` (what
    paho-mqtt 2.x passes by default), ``("0.0.0.0", 0)`` or ``("::", 0)``.  The
    module binds its own local address and port (``AT+QIOPEN``'s ``<local_port>``
    is 0 for a client, note 2.3.1), so any other value would be silently ignored."""
    if source_address is None:
        return
    try:
        host, port = source_address[:2]
    except (TypeError, ValueError):
        raise InvalidArgument(
            f"source_address must be a (host, port) pair or None, got {source_address!r}"
        ) from None
    if host not in _ANY_HOSTS or port != 0:
        raise InvalidArgument(
            f"source_address={source_address!r}: the module picks its own local address "
            "and port; pass None or ('', 0)")


def check_address(address: Any) -> tuple[str, int]:
    try:
        host, port = address[:2]
    except (TypeError, ValueError):
        raise InvalidArgument(f"address must be a (host, port) pair, got {address!r}") from None
    if isinstance(host, bytes):
        host = host.decode("ascii", "strict")
    if isinstance(port, str) and port.isdigit():  # socket.create_connection takes "80" too
        port = int(port)
    if not isinstance(host, str) or not host or isinstance(port, bool) \
            or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidArgument(
            f"address must be (host, port 1-65535), got {address!r}")
    return host, port


def group_errors(exc: BaseException, all_errors: bool) -> BaseException:
    """``all_errors=True`` raises an ``ExceptionGroup`` of the attempts, as
    :func:`socket.create_connection` does on 3.11+ (one attempt here: the module
    resolves the name and tries itself).  On 3.10, which has no groups, the
    error itself."""
    if all_errors and sys.version_info >= (3, 11) and isinstance(exc, Exception):
        return ExceptionGroup("create_connection failed", [exc])  # noqa: F821
    return exc


async def open_bounded(modem: Any, host: str, port: int, timeout: float | None) -> Any:
    """Open a module TCP socket within *timeout* seconds in all: the ``AT+QIOPEN``,
    its ``OK`` and its deferred ``+QIOPEN`` result (note 2.3.1) together.

    On timeout the module may still be opening the socket: the modem closes
    that connect id in the background (``AT+QICLOSE``) before reusing it."""
    if timeout is None:
        return await modem.connect(host, port, "tcp")
    try:
        return await asyncio.wait_for(modem.connect(host, port, "tcp", timeout=timeout),
                                      timeout)
    except asyncio.TimeoutError:
        raise CommandTimeout(f"connecting to {host}:{port} took more than {timeout:g} s",
                             command=None) from None


def local_pair() -> tuple[socket.socket, socket.socket]:
    """A connected pair of TCP sockets on loopback: ``(user's end, bridge's end)``.

    TCP rather than ``socketpair()``'s AF_UNIX so that what clients do to a
    socket they got from ``create_connection`` works: ``TCP_NODELAY``
    (http.client sets it and only tolerates ENOPROTOOPT), ``SO_KEEPALIVE``,
    ``getpeername()`` returning an address.  The listener lives only for the
    ``accept`` and the accepted peer is checked to be ours."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        user = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            user.connect(lsock.getsockname())
            lsock.settimeout(5)
            while True:
                ours, addr = lsock.accept()
                if addr == user.getsockname():
                    break
                ours.close()  # another local program raced in: not ours
        except BaseException:
            user.close()
            raise
    for s in (user, ours):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle on loopback
    return user, ours


def apply_socket_options(sock: socket.socket, options: Iterable[Any] | None) -> None:
    """urllib3's ``socket_options``: ``(level, option, value)`` triples set on the
    returned socket with ``setsockopt``.  They act on the local loopback end
    (``TCP_NODELAY``, ``SO_KEEPALIVE``, buffer sizes); the module's own TCP
    connection has no such settings over AT, so they do not reach it."""
    for opt in options or ():
        try:
            level, name, value = opt
        except (TypeError, ValueError):
            raise InvalidArgument(
                f"socket_options entries must be (level, option, value), got {opt!r}") from None
        try:
            sock.setsockopt(level, name, value)
        except OSError as exc:
            if exc.errno not in (errno.ENOPROTOOPT, errno.EOPNOTSUPP):
                raise
            log.debug("socket option %r has no meaning on the local end: %s", opt, exc)


async def create_transport(modem: Any, protocol_factory: Callable[[], asyncio.BaseProtocol],
                           host: str, port: int, *, ssl: Any = None,
                           server_hostname: str | None = None,
                           ssl_handshake_timeout: float | None = None,
                           ssl_shutdown_timeout: float | None = None,
                           local_addr: Any = None, timeout: float | None = None
                           ) -> tuple[asyncio.Transport, asyncio.BaseProtocol]:
    """:meth:`asyncio.loop.create_connection` over a module TCP socket.

    Plain TCP gets a :class:`~pyqio.modem._streams.SocketTransport` on the module
    socket itself.  TLS (*ssl* a context or True) runs in asyncio's own TLS
    transport: the module socket is bridged to one end of a loopback TCP pair
    (as the blocking ``create_connection`` does) and ``loop.create_connection``
    is given the other end with *ssl*, so every TLS option of the loop works."""
    from ._streams import SocketTransport

    check_source_address(local_addr)
    host, port = check_address((host, port))
    if ssl in (None, False) and server_hostname is not None:
        raise InvalidArgument("server_hostname is only meaningful with ssl")
    sock = await open_bounded(modem, host, port, timeout)
    if ssl not in (None, False):
        return await _over_tls(modem, sock, protocol_factory, host, ssl, server_hostname,
                               ssl_handshake_timeout, ssl_shutdown_timeout)
    try:
        protocol = protocol_factory()
        transport = SocketTransport(sock, protocol)
        protocol.connection_made(transport)
    except BaseException:
        await sock.close()
        raise
    return transport, protocol


async def _over_tls(modem: Any, sock: Any, protocol_factory: Callable[[], Any], host: str,
                    ssl: Any, server_hostname: str | None, handshake: float | None,
                    shutdown: float | None) -> tuple[Any, Any]:
    loop = asyncio.get_running_loop()
    try:
        user, ours = local_pair()
    except BaseException:
        await sock.close()
        raise
    ours.setblocking(False)
    task = loop.create_task(bridge(sock, ours))
    modem._cleanups.add(task)
    task.add_done_callback(modem._cleanups.discard)
    extra: dict[str, Any] = {}
    if handshake is not None:
        extra["ssl_handshake_timeout"] = handshake
    if shutdown is not None and sys.version_info >= (3, 11):
        extra["ssl_shutdown_timeout"] = shutdown
    try:
        return await loop.create_connection(
            protocol_factory, sock=user, ssl=ssl,
            server_hostname=host if server_hostname is None else server_hostname, **extra)
    except BaseException:
        user.close()  # the bridge sees EOF and closes the module socket
        raise


async def bridge(msock: ModemSocket, ours: socket.socket) -> None:
    """Copy bytes both ways between the local end *ours* (of :func:`local_pair`) and
    the module socket *msock* until either side is done; then close both."""
    loop = asyncio.get_running_loop()

    async def up() -> None:  # user -> module; EOF from the user closes the module socket
        while True:
            data = await loop.sock_recv(ours, 65536)
            if not data:
                return
            await msock.send(data)

    async def down() -> None:  # module -> user; the peer's close becomes EOF for the user
        async for chunk in msock:
            await loop.sock_sendall(ours, chunk)
        ours.shutdown(socket.SHUT_WR)

    up_t, down_t = loop.create_task(up()), loop.create_task(down())
    tasks, pending = [up_t, down_t], {up_t, down_t}
    try:
        # the user closing (up ends) or any failure finishes the bridge; the peer
        # closing in order (down ends) leaves up running so the user reads EOF, then closes
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            failed = [t for t in done if t.exception() is not None]
            for t in failed:
                log.debug("bridge of socket %d: %r", msock.connect_id, t.exception())
            if up_t in done or failed:
                break
    finally:
        for t in tasks:
            t.cancel()
        ours.close()
        try:
            await msock.close()
        except Exception as exc:
            log.debug("closing socket %d: %s", msock.connect_id, exc)
