"""What the session learns from the module's answers and URCs: the socket table,
the decoder's framing settings and the buffers attached to connect ids.

A mixin of :class:`pyqio.session.Session` (which provides ``_table``, ``decoder``,
``send_format``, ``_out``, ``_abandoned``, ``_escape_prompt`` and ``detach``).  Each
effect is applied the moment its event is handled, in stream order: a settings
change made by ``OK`` frames the bytes after that ``OK`` (2.3.9), and a connection
that ends (``+QIURC: "closed"``, 2.4.1; ``CLOSE OK``, 2.3.2) or that a listener
replaces on its connect id (``+QIURC: "incoming"``, 2.4.3) takes no payload that
follows it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..commands import QICfgDataFormat, QICfgShowRA, QIClose, QIOpen
from ..protocol import FRAMING_IDS
from ..wire.events import (
    Closed,
    CloseOk,
    CmeError,
    DataFormat,
    Error,
    Event,
    Incoming,
    Ok,
    OpenResult,
    Prompt,
    ShowRA,
    SocketStatus,
    Text,
)
from . import _plans
from ._types import Request

if TYPE_CHECKING:
    from ..wire._decoder import Decoder
    from ._socket_table import SocketTable

_ESC = b"\x1b"


def _access_mode(cmd: QIOpen) -> int:
    # left out, it is 1 on the BC660K (its only mode) and 0 (buffer access) on the BG96
    # family (BG96 TCP/IP Application Note 2.2.4)
    if cmd.access_mode is not None:
        return cmd.access_mode
    return 0 if cmd.module == "bg96" else 1


class EffectsMixin:
    """The session's side effects of decoded events (see the module docstring)."""

    _table: SocketTable
    decoder: Decoder
    send_format: str
    _out: bytearray
    _abandoned: Request | None
    _escape_prompt: bool

    def detach(self, connect_id: int, buffer: bytearray | None = None) -> None:
        raise NotImplementedError  # pragma: no cover - Session's

    def _on_urc(self, ev: Event) -> None:
        if isinstance(ev, Closed):
            self._table.fire(ev.connect_id, "remote_closed")
            self.detach(ev.connect_id)   # that connection's payloads end here
        elif isinstance(ev, Incoming):
            self.detach(ev.connect_id)   # a new connection on the id: not the old buffer's
            if ev.connect_id not in FRAMING_IDS:
                # as a +QISTATE row past what the decoder frames (see _apply): the
                # caller gets the event, the table (and the decoder's framing) stay true
                return
            self._table.incoming(ev.connect_id, ev.server_id, ev.remote_ip, ev.remote_port)
            self._sync_udp_service()

    def _on_unattached(self, ev: Event) -> None:
        if isinstance(ev, Prompt) and self._escape_prompt:
            self._escape_prompt = False
            self._out += _ESC  # a late '>' of a send the caller gave up on: cancel it
            return
        old = self._abandoned
        if old is not None and not isinstance(ev, (Text, Ok, Error, CmeError)) \
                and old._plan.step(ev) is not _plans.NOT_MINE:
            self._apply(old, ev)  # a late answer still tells us about the socket

    def _apply(self, req: Request, ev: Event) -> None:
        cmd = req.command
        if isinstance(ev, Ok) and isinstance(cmd, QIOpen):
            self._table.open_ok(cmd.connect_id, cmd.service_type, cmd.host,
                                cmd.remote_port, cmd.local_port,
                                _access_mode(cmd))
        elif isinstance(ev, OpenResult):
            self._table.open_result(ev.connect_id, int(ev.result))
        elif isinstance(ev, CloseOk) and isinstance(cmd, QIClose):
            self._table.fire(cmd.connect_id, "close_ok")
            self.detach(cmd.connect_id)
        elif isinstance(ev, SocketStatus):
            if ev.connect_id not in FRAMING_IDS:
                # a row no module of any profile can send (the id is past what the
                # decoder can frame): the caller gets the event, the table stays true
                return
            self._table.sync(ev.connect_id, ev.service_type, ev.host, ev.remote_port,
                             ev.local_port, ev.socket_state, ev.access_mode)
        elif isinstance(ev, DataFormat):
            self._set_formats(ev.send_hex, ev.recv_hex)
        elif isinstance(ev, ShowRA):
            self.decoder.show_ra = ev.enabled
        else:
            return
        self._sync_udp_service()

    def _apply_ok(self, req: Request) -> None:
        """A command that ends with ``OK`` succeeded: apply what it set."""
        cmd = req.command
        if isinstance(cmd, QICfgDataFormat) and cmd.send_hex is not None:
            self._set_formats(cmd.send_hex, cmd.recv_hex)
        elif isinstance(cmd, QICfgShowRA) and cmd.enabled is not None:
            self.decoder.show_ra = bool(cmd.enabled)
        elif isinstance(req._plan, _plans.StatePlan) and req._plan.full:
            listed = {ev.connect_id for ev in req._events if isinstance(ev, SocketStatus)}
            self._table.sync_absent(set(self._table.sockets) - listed)
            self._sync_udp_service()

    def _set_formats(self, send_hex: bool | None, recv_hex: bool | None) -> None:
        if send_hex is not None:
            self.send_format = "hex" if send_hex else "text"
        if recv_hex is not None:
            self.decoder.recv_format = "hex" if recv_hex else "text"

    def _sync_udp_service(self) -> None:
        # the decoder frames by the sockets' kinds: a UDP SERVICE's recv URCs carry the
        # sender, a buffer access socket's "recv" with a length is a notice
        ids = self._table.udp_service_ids()
        if set(self.decoder.udp_service) != ids:
            self.decoder.udp_service = ids
        buffered = self._table.buffer_access_ids()
        if set(self.decoder.buffer_access) != buffered:
            self.decoder.buffer_access = buffered
