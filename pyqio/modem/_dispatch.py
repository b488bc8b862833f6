"""The modem's dispatch of what the session hands out: events to socket objects.

A mixin of :class:`pyqio.modem.Modem`. :meth:`DispatchMixin._on_event` is the Link's
``on_event``: it runs once per event, and on the demux path once per read of the
link (``Appended``, taken first), so it is written for that rhythm: the kind of
event is told by ``type()`` for the common ones, ``isinstance`` for the rest.
Received data reaches its socket here (``+QIURC: "recv"``, 2.4.2, or ``AT+QIRD``
answers), ``+QIURC: "closed"`` (2.4.1) ends a socket's stream after its data, and
``+QIURC: "incoming"`` (2.4.3) becomes an accepted socket.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from ..session import Appended
from ..wire import events as E
from ._recovery import BOOT_LINE
from ._socket import ModemSocket
from ._socket_server import Listener, UdpService

log = logging.getLogger("pyqio.modem")


class DispatchMixin:
    """Events from the session to the socket objects; see the module docstring."""

    buffer_limit: int
    overflow: str
    ip: str | None
    protocol_errors: int
    orphan_bytes: int
    unattached: list[Any]
    _ip_count: int
    _ip_event: asyncio.Event
    _sockets: dict[int, Any]

    if TYPE_CHECKING:   # the other mixins' (stubs here would shadow them: this class comes first)
        def _on_family_event(self, ev: Any) -> bool: ...
        def _closed_while_unregistered(self, sock: Any) -> bool: ...
        def _closed_in_buffer_mode(self, connect_id: int) -> bool: ...
        def _on_registration(self, reg: E.Registration) -> None: ...
        def _suspect_restart(self, why: str) -> None: ...
        def _route(self, sock: Any) -> None: ...

    def _deliver(self, connect_id: int, data: bytes, addr: tuple[str, int] | None) -> None:
        """Received bytes to their socket, pushed by the module or read with AT+QIRD."""
        sock = self._sockets.get(connect_id)
        if isinstance(sock, UdpService):
            sock._on_data(data, addr or ("", 0))
        elif isinstance(sock, ModemSocket):
            sock._on_data(data)
        else:
            self.orphan_bytes += len(data)
            log.warning("data for unknown socket %d dropped (%d bytes)", connect_id, len(data))

    def _on_event(self, ev: Any) -> None:
        cls = type(ev)
        if cls is Appended:    # the demux path: one per read and socket
            sock = self._sockets.get(ev.connect_id)
            if sock is not None:
                sock._on_appended()
            else:   # unrouted before the event came: cannot happen, counted if it does
                self.orphan_bytes += ev.size
            return
        if cls is E.Recv:
            self._deliver(ev.connect_id, ev.data,
                          (ev.remote_ip, ev.remote_port or 0) if ev.remote_ip else None)
        elif self._on_family_event(ev):
            pass
        elif isinstance(ev, E.Closed):
            sock = self._sockets.get(ev.connect_id)
            if sock is not None and not self._closed_while_unregistered(sock) \
                    and not self._closed_in_buffer_mode(ev.connect_id):
                sock._on_closed()
        elif isinstance(ev, E.Registration) and ev.n is None:  # the +CEREG URC
            self._on_registration(ev)
        elif isinstance(ev, E.Incoming):
            self._on_incoming(ev)
        elif isinstance(ev, E.IpAddress):
            self.ip = ev.ip
            self._ip_event.set()
            self._ip_count += 1
        elif isinstance(ev, E.ProtocolError):
            self.protocol_errors += 1
            log.warning("protocol error from the module: %s %r", ev.reason, ev.raw)
            # a reboot that cuts a URC shows only as broken framing (its RDY is taken
            # as payload); the raw bytes hold a peer's payload, so they are never
            # searched: the module is asked instead
            self._suspect_restart(f"protocol error ({ev.reason})")
        elif isinstance(ev, E.Text) and ev.line.strip() == BOOT_LINE:
            self._suspect_restart("a boot line RDY")
        else:
            log.debug("unattached event %r", ev)
            self.unattached = (self.unattached + [ev])[-32:]

    def _on_incoming(self, ev: Any) -> None:
        listener = self._sockets.get(ev.server_id)
        sock = ModemSocket(self, ev.connect_id, "TCP INCOMING", (ev.remote_ip, ev.remote_port),
                           buffer_limit=self.buffer_limit, overflow=self.overflow)
        if listener is not None:  # an accepted socket takes its listener's context and mode
            sock.context_id = listener.context_id
            sock.access_mode = listener.access_mode
        self._sockets[ev.connect_id] = sock
        self._route(sock)
        if not isinstance(listener, Listener) or not listener._on_incoming(
                sock, (ev.remote_ip, ev.remote_port)):
            log.warning("incoming connection %d refused (no listener %d or backlog full)",
                        ev.connect_id, ev.server_id)
            asyncio.get_running_loop().create_task(sock.close())
