"""TCP links: ``socket://host:port`` to a serial server, and serving one.

``socket://`` is opened with asyncio's own TCP transport, not pyserial's
``socket://`` handler: the loop's socket transport is non-blocking with a
write buffer and flow control, tells a reset (``ConnectionResetError``) from
an orderly close, and costs no ``select`` per read. A ser2net or
``pyqio sim --listen`` server sends the raw byte stream, so nothing of the
serial handler's (RFC 2217 option negotiation is ``rfc2217://``) is missed.
asyncio sets TCP_NODELAY, so an AT command line leaves at once.

For a device link an orderly close from the server is the port going away,
so the protocol gets ``connection_lost(ConnectionResetError)`` then, as for
a reset (see :mod:`pyqio.transports._base`).
"""
from __future__ import annotations

import asyncio
import errno
import ipaddress
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidArgument

__all__ = ["is_loopback", "open_socket", "parse_host_port", "serve_tcp"]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``, bracketed
    or not): what a server may listen on without serving other hosts."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_host_port(text: str, *, what: str = "address") -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) -> (host, port); port 0..65535."""
    parts = urlsplit("//" + text)
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None or parts.path or parts.query:
        raise InvalidArgument(f"{what} {text!r}: expected HOST:PORT with PORT 0..65535")
    return parts.hostname, port


class _DeviceLink(asyncio.Protocol):
    """Passes a TCP stream through, turning the server's EOF into a lost port."""

    def __init__(self, protocol: Any, where: str) -> None:
        self._protocol = protocol
        self._where = where
        self._eof = False
        # the hot path goes straight to the user's protocol, no extra call
        self.data_received = protocol.data_received  # type: ignore[method-assign]
        for hook in ("pause_writing", "resume_writing"):
            if hasattr(protocol, hook):
                setattr(self, hook, getattr(protocol, hook))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._protocol.connection_made(transport)

    def eof_received(self) -> bool:
        self._eof = True
        return False  # close our side too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is None and self._eof:
            exc = ConnectionResetError(errno.ECONNRESET, f"{self._where}: the server closed the link")
        self._protocol.connection_lost(exc)


async def open_socket(url: str, protocol_factory: Callable[[], Any], *,
                      loop: asyncio.AbstractEventLoop | None = None) -> tuple[Any, Any]:
    """Connect to ``socket://host:port`` (no options) and return (transport, protocol)."""
    rest = url[len("socket://"):]
    if "?" in rest or "/" in rest:
        raise InvalidArgument(f"device {url!r}: socket:// takes HOST:PORT and no options")
    host, port = parse_host_port(rest, what=f"device {url!r}:")
    if port == 0:
        raise InvalidArgument(f"device {url!r}: port 0 cannot be connected to; allowed 1..65535")
    loop = loop or asyncio.get_running_loop()
    protocol = protocol_factory()
    transport, _ = await loop.create_connection(lambda: _DeviceLink(protocol, url), host, port)
    return transport, protocol


async def serve_tcp(host: str, port: int, protocol_factory: Callable[[], Any], *,
                    loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Server:
    """Listen on ``host:port`` (0 picks a free port), one protocol per connection.

    For ``pyqio sim --listen HOST:PORT``; the bound address is in
    ``server.sockets[0].getsockname()``. Accepted connections are plain asyncio
    TCP transports (so the protocol sees ``eof_received`` and
    ``connection_lost(None)`` when a client leaves in order).
    """
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise InvalidArgument(f"port {port!r}: allowed 0..65535")
    loop = loop or asyncio.get_running_loop()
    return await loop.create_server(protocol_factory, host, port)

