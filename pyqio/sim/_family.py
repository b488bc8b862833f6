"""The BG96 family's personality of the simulator (``sim://?module=bg96``).

A mixin of :class:`pyqio.sim.Simulator` (through :class:`._handlers.Handlers`). With
``SimConfig.module == "bg96"`` the simulated module answers as the BG96 TCP/IP
Application Note (and the BG95&BG77&BG600L one) describe:

- PDP contexts 1–16 configured with ``AT+QICSGP`` and activated with ``AT+QIACT``
  (none is active after boot; ``AT+QIACT?`` lists the active ones); a PDP breakdown
  prints ``+QIURC: "pdpdeact",<contextID>`` for each active context;
- sockets on connect ids 0–11, opened in buffer access (0) or direct push (1) mode;
  direct push writes ``+QIURC: "recv",<id>,<len>`` CR LF then the raw data; buffer
  access keeps the data and prints ``+QIURC: "recv",<id>`` only when a socket's buffer
  goes from empty to non-empty (AN 2.3.2), for ``AT+QIRD`` to read;
- a full buffer stops reading the host socket, so the peer's TCP window closes: the
  natural flow control of buffer access mode (UDP datagrams that do not fit are lost,
  as on the module);
- ``AT+QIDNSGIP`` answers with ``+QIURC: "dnsgip"`` URCs listing every address;
  ``+QISTATE`` rows have 10 fields; ``AT+QISENDEX`` and ``AT+QIGETERROR``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..wire import events as ev
from ..wire._result import ResultCode as RC
from ..wire._result import result_code
from . import _wire
from ._host_conns import CONNECTED, Conn

__all__ = ["BUFFER_LIMIT", "Context", "FamilyCommands"]

#: Bytes a socket's receive buffer holds in buffer access mode before the simulated
#: module stops reading the host socket (the module's own buffer is of this order).
BUFFER_LIMIT = 64 * 1024
_READ_MAX = 1500


@dataclass
class Context:
    """One PDP context as AT+QICSGP configured it and AT+QIACT activated it."""

    context_type: int = 1
    apn: str = ""
    username: str = ""
    password: str = ""
    authentication: int = 0
    active: bool = False


class FamilyCommands:
    """AT+QICSGP/QIACT/QIDEACT/QIRD/QISENDEX/QIGETERROR and buffer access mode."""

    # provided by Simulator / Handlers
    reply: Callable[..., None]
    write: Callable[[bytes], None]
    urc: Callable[..., None]
    config: Any
    conns: dict[int, Conn]
    attached: bool
    contexts: dict[int, Context]
    last_error: int
    send: Callable[..., None]
    _send_target: Callable[[Any], Any]
    socket_closed: Callable[..., None]

    @property
    def bg96(self) -> bool:
        return bool(self.config.module == "bg96")

    def context_ok(self, context_id: int) -> bool:
        """Whether sockets and services may use *context_id*: 0 on the BC660K (2.3.1);
        an active context on the BG96 family."""
        if not self.bg96:
            return context_id == 0
        ctx = self.contexts.get(context_id)
        return ctx is not None and ctx.active

    # PDP contexts (BG96 TCP/IP AN 2.2.1-2.2.3) --------------------------------------

    def _do_QICsgp(self, cmd: Any) -> None:
        if not self.bg96:
            self.reply(ev.Error())
            return
        ctx = self.contexts.setdefault(cmd.context_id, Context())
        if cmd.is_query:
            self.reply(ev.ContextConfig(ctx.context_type, ctx.apn, ctx.username, ctx.password,
                                        ctx.authentication), ev.Ok())
            return
        ctx.context_type, ctx.apn = cmd.context_type, cmd.apn
        if cmd.username is not None:
            ctx.username, ctx.password = cmd.username, cmd.password
        if cmd.authentication is not None:
            ctx.authentication = cmd.authentication
        self.reply(ev.Ok())

    def _do_QIAct(self, cmd: Any) -> None:
        ctx = self.contexts.setdefault(cmd.context_id, Context())
        if not self.bg96 or not self.attached or ctx.active:
            # the module refuses to activate an active context, and without a network
            self.last_error = RC.OPEN_PDP_CONTEXT_FAILED
            self.reply(ev.Error())
            return
        ctx.active = True
        self.reply(ev.Ok())

    def _do_QIActQuery(self, cmd: Any) -> None:
        if not self.bg96:
            self.reply(ev.Error())
            return
        rows = [ev.ContextState(cid, 1, ctx.context_type, self.config.ip)
                for cid, ctx in sorted(self.contexts.items()) if ctx.active]
        self.reply(*rows, ev.Ok())

    def _do_QIDeact(self, cmd: Any) -> None:
        ctx = self.contexts.get(cmd.context_id)
        if not self.bg96:
            self.reply(ev.Error())
            return
        if ctx is not None:
            ctx.active = False
        for conn in [c for c in self.conns.values() if c.context_id == cmd.context_id]:
            del self.conns[conn.connect_id]
            conn.close()
        self.reply(ev.Ok())

    def deactivate_all(self) -> None:
        """The network took the PDP contexts away: ``+QIURC: "pdpdeact"`` for each active
        one (AN 2.3.5); their sockets are dead until the host closes them."""
        for cid, ctx in sorted(self.contexts.items()):
            if not ctx.active:
                continue
            ctx.active = False
            for conn in self.conns.values():
                if conn.context_id == cid and conn.transport is not None:
                    transport, conn.transport = conn.transport, None
                    transport.close()
                    conn.state = 4  # "Closing": the host must AT+QICLOSE it
            self.urc(_wire.encode(ev.PdpDeactivated(cid)))

    def _do_QIGetError(self, cmd: Any) -> None:
        code = result_code(int(self.last_error))
        words = code.description if isinstance(code, RC) else "unknown error"
        self.reply(ev.LastError(int(code), words.lower()), ev.Ok())

    # data (AN 2.2.7, 2.2.8) ----------------------------------------------------------

    def _do_QISendEx(self, cmd: Any) -> None:
        target = self._send_target(cmd)
        if target is None:
            self.reply(ev.Error())
            return
        ok = self.attached and target[0].write(cmd.data, target[1])
        self.reply(ev.SendOk() if ok else ev.SendFail())  # no OK before it (BG95 AN 3.3.2)

    def _do_QIRd(self, cmd: Any) -> None:
        conn = self.conns.get(cmd.connect_id)
        if conn is None or conn.access_mode != 0 or not self.bg96:
            self.reply(ev.Error())
            return
        if cmd.read_length == 0:
            self.reply(ev.ReadStats(conn.rx_total, conn.rx_total - conn.rx_buffered(),
                                    conn.rx_buffered()), ev.Ok())
            return
        want = _READ_MAX if cmd.read_length is None else cmd.read_length
        data, addr = conn.rx_take(want)
        if conn.service_type == "UDP SERVICE" and data:
            answer = ev.ReadData(data, addr[0], addr[1])
        else:
            answer = ev.ReadData(data)
        self.write(answer.to_bytes(module="bg96") + _wire.encode(ev.Ok()))
        if conn.paused and conn.rx_buffered() < BUFFER_LIMIT // 2 and conn.transport is not None:
            conn.paused = False
            conn.transport.resume_reading()

    def buffer_data(self, conn: Conn, data: bytes, addr: tuple[str, int]) -> None:
        """Data for a socket in buffer access mode: kept; a notice when it was empty."""
        was_empty = conn.rx_buffered() == 0
        if conn.is_udp and conn.rx_buffered() + len(data) > BUFFER_LIMIT:
            return  # a datagram that does not fit is lost, as on the module
        conn.rx_put(data, addr)
        if conn.rx_buffered() >= BUFFER_LIMIT and not conn.is_udp and not conn.paused \
                and conn.transport is not None and conn.state == CONNECTED:
            conn.paused = True
            conn.transport.pause_reading()  # the peer's window closes: flow control
        if was_empty:
            self.urc(_wire.encode(ev.RecvNotice(conn.connect_id)))

    def push_data(self, conn: Conn, data: bytes, addr: tuple[str, int]) -> None:
        """Direct push in the family's form: header, CR LF, the raw bytes (AN 2.3.2)."""
        service = conn.service_type == "UDP SERVICE"
        for i in range(0, len(data), _READ_MAX):
            piece = data[i:i + _READ_MAX]
            event = ev.Recv(conn.connect_id, piece, len(piece),
                            addr[0] if service else None, addr[1] if service else None)
            self.urc(event.to_bytes(module="bg96"), droppable=True)
