"""The asyncio modem: one :class:`Modem` drives one module over one transport.

- ``_modem``: :class:`Modem`, bring-up, the session pump and reconnection;
- ``_link``: the command link (one request at a time, timeouts, the AT transcript);
- ``_socket_ops``: opening, sending on and closing sockets (``AT+QIOPEN``,
  ``AT+QISEND``, ``AT+QICLOSE``), a mixin of :class:`Modem`;
- ``_socket``: the socket objects handed out (:class:`ModemSocket`,
  :class:`Listener`, :class:`UdpService`) and their bounded receive buffers;
- ``_streams``: asyncio streams (``open_connection``) over a module socket;
- ``_ops``: ping, NTP, DNS and raw commands, a mixin of :class:`Modem`.

Bytes are never parsed here (:mod:`pyqio.session` does that) and nothing here
opens a port itself (:mod:`pyqio.transports` does). :mod:`pyqio.blocking` wraps
this for programs without an event loop.
"""
from __future__ import annotations

from ._modem import (
    CommandTimeout,
    Listener,
    Modem,
    ModemSocket,
    OpenFailed,
    PingResult,
    ReconnectPolicy,
    SendFailed,
    SocketClosedError,
    SocketError,
    Timeouts,
    UdpService,
)

__all__ = [
    "CommandTimeout",
    "Listener",
    "Modem",
    "ModemSocket",
    "OpenFailed",
    "PingResult",
    "ReconnectPolicy",
    "SendFailed",
    "SocketClosedError",
    "SocketError",
    "Timeouts",
    "UdpService",
]
