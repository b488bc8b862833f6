"""Byte transports between the host and the module: one URL names each.

``await open_transport(url, protocol_factory)`` opens the link and returns
``(transport, protocol)``, as ``loop.create_connection`` does:

``/dev/ttyUSB0``, ``/dev/pts/3`` (any absolute path)
    a serial port; line settings in the query, ``/dev/ttyUSB0?baudrate=9600&rtscts=1``
    (default 115200 8N1); read through ``loop.add_reader`` on its descriptor.
``socket://HOST:PORT``
    a raw TCP serial server (ser2net, ``pyqio sim --listen``), over asyncio's
    own TCP transport (why: :mod:`._tcp`).
``rfc2217://``, ``loop://``, ``spy://``, ``alt://`` ...
    pyserial's URL handlers, with the same query settings (``spy://...?file=LOG``
    writes a file, so it needs ``allow_files=True``); ``spy://`` and
    ``alt://`` have a descriptor and use ``add_reader``, those without one
    (``loop://``, ``rfc2217://``) are read by one thread (:mod:`._thread`).
``sim://[?options]``
    the built-in simulator, in process, joined by an in-memory pair
    (:mod:`.memory`). The simulator registers this scheme itself, with
    :func:`register_scheme`, when its subpackage is imported (``pyqio.Modem``
    imports it for a ``sim://`` URL): the transports never import the simulator.

The interface (:class:`Transport` plus ``asyncio.Protocol`` callbacks) and the
conventions every transport here keeps are in :mod:`pyqio.transports._base`:
``connection_lost(None)`` only after your own ``close()``; a port that goes
away gives ``connection_lost(OSError)`` once; writes after close are dropped.

Another transport plugs in with :func:`register_scheme`: an async opener
taking ``(url, protocol_factory, *, loop)`` and returning ``(transport,
protocol)``; subclassing :class:`BaseTransport` gives it the flow control and
the once-only ``connection_lost``.

Helpers for serving the module's side: :func:`open_pty`, :func:`serve_pty`,
:func:`serve_fd`, :func:`serve_tcp`; and :func:`connect_protocols` for an
in-memory pair.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import InvalidArgument
from ._base import BaseTransport, Transport
from ._fd import FdTransport
from ._files import check_file_options
from ._serial import open_serial, serial_settings
from ._tcp import open_socket, parse_host_port, serve_tcp
from .memory import MemoryTransport, connect_protocols, open_pipe
from .pty import open_pty, serve_fd, serve_pty

__all__ = [
    "BaseTransport",
    "FdTransport",
    "MemoryTransport",
    "Transport",
    "connect_protocols",
    "open_pipe",
    "open_pty",
    "open_serial",
    "open_socket",
    "open_transport",
    "parse_host_port",
    "register_scheme",
    "serial_settings",
    "serve_fd",
    "serve_pty",
    "serve_tcp",
]

Opener = Callable[..., Awaitable[tuple[Any, Any]]]
_OPENERS: dict[str, Opener] = {}


def register_scheme(scheme: str, opener: Opener) -> None:
    """Make ``open_transport("scheme://...")`` call ``opener`` (replacing any before).

    ``socket`` is built in and ``sim`` is registered by the simulator; both may
    be overridden. Any other scheme not registered goes to pyserial's URL handlers.
    """
    if not scheme.isidentifier() or scheme != scheme.lower():
        raise InvalidArgument(f"scheme {scheme!r}: expected a lower-case name such as 'ble'")
    _OPENERS[scheme] = opener


async def open_transport(url: str, protocol_factory: Callable[[], Any], *,
                         loop: asyncio.AbstractEventLoop | None = None,
                         allow_files: bool = False,
                         rtscts: bool | None = None) -> tuple[Any, Any]:
    """Open the link ``url`` names; return ``(transport, protocol)``.

    Returns once ``protocol.connection_made`` has run. Raises
    :class:`~pyqio.errors.InvalidArgument` for a malformed URL or setting,
    ``OSError`` (``serial.SerialException`` is one) when the port cannot be
    opened. A URL with an option that writes a file (``spy://...?file=``,
    ``sim://?state_file=``) needs ``allow_files=True`` (see :mod:`._files`);
    the file is created only once the port is open. *rtscts* turns RTS/CTS
    hardware flow control on or off on a serial port (as ``?rtscts=1`` does):
    with it, a protocol that pauses reading makes the module hold its data.
    """
    if not isinstance(url, str) or not url:
        raise InvalidArgument(f"device {url!r}: expected a path or a URL such as "
                              "/dev/ttyUSB0, socket://HOST:PORT or sim://")
    check_file_options(url, allow_files)
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme == "sim" and scheme not in _OPENERS:
        raise InvalidArgument(f"{url!r}: the simulator registers sim:// when it is imported; "
                              "import its subpackage (sim) first, or open it with pyqio.Modem")
    opener = _OPENERS.get(scheme)
    if opener is None:
        return await open_serial(url, protocol_factory, loop=loop, rtscts=rtscts)
    if rtscts is not None:
        raise InvalidArgument(f"rtscts={rtscts!r}: device {url!r} is not a serial port "
                              "(hardware flow control applies to serial ports only)")
    return await opener(url, protocol_factory, loop=loop)


register_scheme("socket", open_socket)
