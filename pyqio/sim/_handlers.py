"""What the simulated module does for each command (note 2.3), and for its sockets (2.4).

A mixin of :class:`pyqio.sim.Simulator`: ``self.reply()`` writes a response now,
``self.urc()`` writes unsolicited output (with its faults), ``self.start()`` runs
deferred work whose result comes after ``OK`` (``+QIOPEN``, ``+QPING``, ``+QNTP``,
``+QIDNSGIP``).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ..protocol import PROFILE_CONNECT_IDS
from ..wire import events as ev
from ..wire._result import ResultCode as RC
from . import _netsvc, _wire
from ._datamode import DataMode
from ._family import FamilyCommands
from ._host_conns import CONNECTED, CONNECTING, INITIAL, REMOTE_CLOSING, Conn, open_socket
from ._services import ServiceCommands

__all__ = ["Handlers"]



class Handlers(ServiceCommands, FamilyCommands):
    """Command and socket handlers; see the module docstring."""

    # provided by Simulator
    network_line: Callable[[bytes], bool]
    reply: Callable[..., None]
    write: Callable[[bytes], None]
    urc: Callable[..., None]
    throttle: Callable[[Any], None]
    start: Callable[..., Any]
    save_nvram: Callable[[], None]
    enter_datamode: Callable[[DataMode], None]
    loop: Any
    config: Any
    rng: Any
    conns: dict[int, Conn]
    nvram: dict[str, bool]
    dns: list[str]
    attached: bool
    detach_code: int
    echo: bool

    def command_line(self, line: bytes) -> None:
        """Parse and carry out one command line (without its CR); ERROR if malformed."""
        from ..commands import parse

        if self.network_line(line):  # the 3GPP commands (._network), read by their own grammar
            return
        try:
            cmd = parse(line + b"\r", send_format="hex" if self.nvram["send_hex"] else "text",
                        module=self.config.module)
        except ValueError:
            self.reply(ev.Error())
            return
        handler = getattr(self, "_do_" + type(cmd).__name__, None)
        if handler is None:
            self.reply(ev.Error())
            return
        try:
            handler(cmd)
        except Exception as exc:  # noqa: BLE001  # a simulator bug must not take the link down
            self.loop.call_exception_handler({
                "message": f"pyqio.sim: {cmd} failed", "exception": exc})
            self.reply(ev.Error())

    # basic commands -------------------------------------------------------------

    def _do_At(self, cmd: Any) -> None:
        self.reply(ev.Ok())

    def _do_Echo(self, cmd: Any) -> None:
        self.echo = cmd.enabled
        self.reply(ev.Ok())

    def _do_Identify(self, cmd: Any) -> None:
        # one block of lines, as the module prints it, then the final result
        self.write(_wire.line(b"\r\n".join(_wire.IDENTITY))
                   + _wire.encode(ev.Ok()))

    def _do_TestCommand(self, cmd: Any) -> None:
        answer = _wire.TEST_ANSWERS.get(cmd.name)
        if answer is None:
            self.reply(ev.Error())
            return
        self.write(b"".join(_wire.line(t) for t in answer)
                   + _wire.encode(ev.Ok()))

    # AT+QICFG (2.3.9), kept in NVRAM ----------------------------------------------

    def _do_QICfgDataFormat(self, cmd: Any) -> None:
        if cmd.send_hex is None and cmd.recv_hex is None:
            self.reply(ev.DataFormat(self.nvram["send_hex"], self.nvram["recv_hex"]),
                       ev.Ok())
            return
        if cmd.send_hex is not None:
            self.nvram["send_hex"] = bool(cmd.send_hex)
        if cmd.recv_hex is not None:
            self.nvram["recv_hex"] = bool(cmd.recv_hex)
        self.save_nvram()
        self.reply(ev.Ok())

    def _do_QICfgShowRA(self, cmd: Any) -> None:
        if cmd.enabled is None:
            self.reply(ev.ShowRA(self.nvram["show_ra"]), ev.Ok())
            return
        self.nvram["show_ra"] = bool(cmd.enabled)
        self.save_nvram()
        self.reply(ev.Ok())

    # sockets: open, close, state (2.3.1-2.3.3) --------------------------------------

    def _do_QIOpen(self, cmd: Any) -> None:
        cid = cmd.connect_id
        if cmd.access_mode == 2 or (not self.bg96 and cmd.context_id != 0):
            self.reply(ev.Error())  # transparent mode is not simulated
            return
        self.reply(ev.Ok())
        if cid in self.conns:
            self.urc(_wire.encode(ev.OpenResult(cid, RC.SOCKET_IDENTITY_USED)))
            return
        conn = Conn(cid, cmd.service_type, cmd.host, cmd.remote_port, cmd.local_port or 0,
                    CONNECTING, context_id=cmd.context_id,
                    access_mode=(0 if self.bg96 else 1) if cmd.access_mode is None
                    else cmd.access_mode,
                    long_rows=self.bg96)
        self.conns[cid] = conn
        if self.bg96 and not self.context_ok(cmd.context_id):
            conn.state = INITIAL
            self.urc(_wire.encode(ev.OpenResult(cid, RC.OPEN_PDP_CONTEXT_FAILED)))
            return
        if not self.attached:
            conn.state = INITIAL
            self.urc(_wire.encode(ev.OpenResult(cid, self.detach_code)))
            return
        conn.task = self.start(self._open(conn),
                               _wire.encode(ev.OpenResult(cid, RC.PDP_CONTEXT_BROKE_DOWN)))

    async def _open(self, conn: Conn) -> None:
        result: int = RC.OK
        ip = conn.host
        if self.config.open_delay:
            await asyncio.sleep(self.config.open_delay)
        if conn.service_type in ("TCP", "UDP"):
            ans = await _netsvc.resolve(conn.host, self._dns_servers(), self.config.dns_port,
                                            self.config.service_timeout)
            result, ip = ans.result, (ans.addresses or ("",))[0]
            if result == RC.OK and self.config.dest.refuse(f"a {conn.service_type} socket", ip):
                result = RC.SOCKET_CONNECTION_FAILED  # as for a host it cannot reach
        if result == RC.OK:
            result = await open_socket(conn, self, ip, self.config.listen_host,
                                       self.config.connect_timeout)
        conn.task = None
        if result != RC.OK:
            conn.state = INITIAL  # the host must still AT+QICLOSE it (2.3.1, NOTE 3)
        if self.conns.get(conn.connect_id) is not conn:
            conn.close()  # closed by AT+QICLOSE while connecting
            return
        self.urc(_wire.encode(ev.OpenResult(conn.connect_id, result)))
        early, conn.early = conn.early, []
        for data, addr in early:
            self.socket_data(conn, data, addr)
        if conn.early_closed:
            self.socket_closed(conn)

    def _do_QIClose(self, cmd: Any) -> None:
        conn = self.conns.pop(cmd.connect_id, None)
        if conn is None:
            self.reply(ev.Error())
            return
        for child in conn.children:  # a listener takes its accepted connections along
            if self.conns.get(child.connect_id) is child:
                del self.conns[child.connect_id]
                child.close()
        conn.close()
        self.reply(ev.Ok(), ev.CloseOk())

    def _rows(self, ids: list[int]) -> None:
        rows = [self.conns[i].status() for i in sorted(ids) if i in self.conns]
        self.reply(*rows, ev.Ok())

    def _do_QIStateAll(self, cmd: Any) -> None:
        self._rows(list(self.conns))

    def _do_QIState(self, cmd: Any) -> None:
        if cmd.query_type == 0:
            self._rows(list(self.conns) if cmd.id == 0 else [])
        else:
            self._rows([cmd.id])

    # AT+QISEND (2.3.4) ------------------------------------------------------------

    def _send_target(self, cmd: Any) -> tuple[Conn, tuple[str, int] | None] | None:
        """The socket and address a send goes to, or None (ERROR) when it cannot."""
        conn = self.conns.get(cmd.connect_id)
        # a socket that never opened (its open failed and it waits for AT+QICLOSE,
        # 2.3.1 NOTE 3, or it is still connecting) answers ERROR, not ">" (2.3.4: "If
        # there is any other error: ERROR"); one that was connected and lost its
        # peer still takes the command and answers SEND FAIL
        if conn is None or conn.service_type == "TCP LISTENER" \
                or conn.state not in (CONNECTED, REMOTE_CLOSING):
            return None
        service = conn.service_type == "UDP SERVICE"
        if service != (cmd.remote_ip is not None) or (service and not _netsvc.is_ip(cmd.remote_ip)):
            return None
        return conn, ((cmd.remote_ip, cmd.remote_port) if service else None)

    def _do_QISend(self, cmd: Any) -> None:
        target = self._send_target(cmd)
        if target is None:
            self.reply(ev.Error())
        else:
            self.send(target[0], cmd.data, target[1])

    def _do_QISendData(self, cmd: Any) -> None:
        self._prompt(cmd, None)

    def _do_QISendFixed(self, cmd: Any) -> None:
        hex_ = self.nvram["send_hex"]
        if hex_ and cmd.length > 512:
            self.reply(ev.Error())
            return
        self._prompt(cmd, cmd.length * 2 if hex_ else cmd.length)

    def _prompt(self, cmd: Any, fixed: int | None) -> None:
        target = self._send_target(cmd)
        if target is None:
            self.reply(ev.Error())
            return
        self.enter_datamode(DataMode(target[0], target[1], fixed,
                                     self.nvram["send_hex"]))

    def _do_QISendStats(self, cmd: Any) -> None:
        conn = self.conns.get(cmd.connect_id)
        if conn is None:
            self.reply(ev.Error())
        else:
            self.reply(conn.stats(), ev.Ok())

    def send(self, conn: Conn, data: bytes, addr: tuple[str, int] | None) -> None:
        """``OK`` then ``SEND OK`` once the host socket took the data, else ``SEND FAIL``."""
        self.reply(ev.Ok())
        cfg = self.config
        closing = bool(cfg.peer_close_rate) and conn.state == CONNECTED \
            and self.rng.random() < cfg.peer_close_rate  # the peer goes away under this send
        failed = bool(cfg.send_fail_rate) and self.rng.random() < cfg.send_fail_rate
        refused = addr is not None and self.config.dest.refuse("a datagram", addr[0])
        ok = not (closing or failed or refused) and self.attached and conn.write(data, addr)
        self.urc(_wire.encode(ev.SendOk() if ok else ev.SendFail()))
        if closing:
            self.socket_closed(conn, force=True)

    # host socket events (2.4) --------------------------------------------------------

    def socket_data(self, conn: Conn, data: bytes, addr: tuple[str, int]) -> None:
        """``+QIURC: "recv"`` per piece of at most 1024 bytes (2.4, NOTE 5), 512 in hex."""
        if self.bg96:
            (self.buffer_data if conn.access_mode == 0 else self.push_data)(conn, data, addr)
            return
        hex_ = self.nvram["recv_hex"]
        show = self.nvram["show_ra"] or conn.service_type == "UDP SERVICE"
        step = 512 if hex_ else 1024  # keeps a hex URC under the 1400-byte maximum
        for i in range(0, len(data), step):
            piece = data[i:i + step]
            event = ev.Recv(conn.connect_id, piece, len(piece),
                            addr[0] if show else None, addr[1] if show else None)
            self.urc(_wire.encode_recv(event, recv_hex=hex_), droppable=True,
                     connect_id=conn.connect_id, datagram=len(piece) if conn.is_udp else None)
        if not conn.is_udp:
            self.throttle(conn.transport)  # the host is behind: the peer waits, as on a module

    def socket_closed(self, conn: Conn, force: bool = False) -> None:
        """The peer (or the network) closed *conn*: ``+QIURC: "closed"`` (2.4.1)."""
        if conn.state != CONNECTED or self.conns.get(conn.connect_id) is not conn:
            return
        transport, conn.transport = conn.transport, None
        conn.state = REMOTE_CLOSING
        if force and transport is not None:
            transport.abort() if hasattr(transport, "abort") else transport.close()
        if conn.service_type in ("TCP", "TCP INCOMING") or force:
            self.urc(_wire.encode(ev.Closed(conn.connect_id)), droppable=True,
                     connect_id=conn.connect_id)

    def socket_accepted(self, server: Conn, proto: Any) -> Conn | None:
        """A TCP LISTENER accepted a client: it takes the lowest free connect id (2.4.3)."""
        free = [i for i in PROFILE_CONNECT_IDS[self.config.module] if i not in self.conns]
        if server.state != CONNECTED or self.conns.get(server.connect_id) is not server:
            return None
        if not free:
            if self.bg96:
                self.urc(_wire.encode(ev.IncomingFull()), droppable=True)
            return None
        ip, port = proto.transport.get_extra_info("peername")[:2]
        # an accepted socket takes its listener's access mode (BG96 TCP/IP AN 2.2.4)
        conn = Conn(free[0], "TCP INCOMING", ip, port, server.local_port, CONNECTED,
                    server_id=server.connect_id, transport=proto.transport, peer=(ip, port),
                    context_id=server.context_id, access_mode=server.access_mode,
                    long_rows=server.long_rows)
        self.conns[conn.connect_id] = conn
        server.children.append(conn)
        self.urc(_wire.encode(ev.Incoming(conn.connect_id, server.connect_id, ip, port)),
                 droppable=True, connect_id=conn.connect_id)
        return conn
