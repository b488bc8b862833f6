"""The modem's non-socket operations: ping, NTP, DNS, state, settings, raw commands.

A mixin of :class:`pyqio.modem.Modem`; each method is one command of the note.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any, TypeVar

from .. import commands as C
from ..errors import CommandError, InvalidArgument
from ..session import Response
from ..wire import events as E
from ..wire._result import ResultCode, result_code


@dataclasses.dataclass(frozen=True)
class PingResult:
    """What ``AT+QPING`` answered (note 2.3.5): each reply, then the summary."""

    replies: tuple[E.PingReply, ...]
    summary: E.PingSummary

    @property
    def ok(self) -> bool:
        """True when the final result is 0 and at least one reply came back."""
        return self.summary.result == 0 and any(r.result == 0 for r in self.replies)


def _fail(what: str, code: Any) -> CommandError:
    rc = result_code(int(code)) if isinstance(code, int) else code
    text = f"{int(rc)} {rc.description}" if isinstance(rc, ResultCode) else str(code)
    return CommandError(f"{what} failed: {text}", result=rc)


_Ev = TypeVar("_Ev", bound=E.Event)


def _of(resp: Response, kind: type[_Ev]) -> list[_Ev]:
    found = [ev for ev in resp.events if isinstance(ev, kind)]
    if isinstance(resp.final, kind) and resp.final not in found:
        found.append(resp.final)
    return found


class OpsMixin:
    """Ping, NTP, DNS, state, settings and raw commands (needs ``self.request``)."""

    module: str
    context_id: int

    async def request(self, cmd: C.Command, payload: bytes | None = None, *,
                      timeout: float | None = None) -> Response:  # pragma: no cover
        raise NotImplementedError

    async def command(self, cmd: C.Command | str | bytes | bytearray | memoryview,
                      payload: bytes | None = None, *,
                      timeout: float | None = None) -> Response:
        """Send any command: a :mod:`pyqio.commands` object or any AT line (``"AT+CSQ"``).

        A line is read by ``commands.parse(line, raw=True)``: a command pyqio has a
        builder for becomes that builder (so ``"AT+QIOPEN=..."`` waits for its
        ``+QIOPEN`` and updates the socket table exactly as ``QIOpen`` does), any other
        line a :class:`~pyqio.commands.Raw`, checked against injection: a line with
        CR/LF/Ctrl-Z/Esc/NUL, another control byte, ``;`` outside quotes or not
        starting with ``AT`` raises :class:`InvalidArgument` and nothing is written.

        Returns the session's :class:`~pyqio.session.Response`: ``.final`` ended it,
        ``.info`` holds its information lines (``+CSQ: ...`` as ``SignalQuality``, bare
        lines as ``Text``); ``ERROR``/``+CME ERROR`` raise :class:`CommandError`, and so
        does a raw line the module answers with ``>`` (cancelled with Esc at once).
        """
        if isinstance(cmd, (str, bytes, bytearray, memoryview)):
            send_format = "hex" if self.send_hex else "text"
            cmd = C.parse(cmd, send_format=send_format, raw=True)
        return await self.request(cmd, payload, timeout=timeout)

    async def ping(self, host: str, *, timeout: int | None = None,
                   count: int | None = None, size: int | None = None) -> PingResult:
        """``AT+QPING`` (note 2.3.5): every reply and the summary.  A failed ping is a
        result, not an exception: check :attr:`PingResult.ok`."""
        resp = await self.request(C.QPing(self.context_id, host, timeout, count, size, module=self.module))
        replies = tuple(_of(resp, E.PingReply))
        summaries = _of(resp, E.PingSummary)
        summary = summaries[-1] if summaries else E.PingSummary(
            getattr(resp.final, "result", ResultCode.UNKNOWN_ERROR))
        return PingResult(replies, summary)

    async def ntp(self, server: str, port: int | None = None, *,
                  auto_set_time: bool | None = None) -> _dt.datetime:
        """``AT+QNTP`` (note 2.3.6): the UTC time the server gave."""
        auto = None if auto_set_time is None else int(bool(auto_set_time))
        resp = await self.request(C.QNtp(self.context_id, server, port, auto, module=self.module))
        found = _of(resp, E.NtpResult)
        if not found or found[-1].result != 0 or found[-1].time is None:
            raise _fail(f"AT+QNTP {server}", found[-1].result if found else "no +QNTP")
        return found[-1].time

    async def resolve(self, hostname: str) -> list[str]:
        """``AT+QIDNSGIP`` (note 2.3.7): the addresses (the BC660K shows only the first; the
        BG96 family answers with ``+QIURC: "dnsgip"`` URCs listing them all)."""
        resp = await self.request(C.QIDnsGip(self.context_id, hostname, module=self.module))
        header = _of(resp, E.DnsResult)
        if header and header[-1].result != 0:
            raise _fail(f"AT+QIDNSGIP {hostname}", header[-1].result)
        addrs = [ev.ip for ev in _of(resp, E.DnsAddress)]
        if not addrs:
            raise _fail(f"AT+QIDNSGIP {hostname}", ResultCode.DNS_PARSE_FAILED)
        return addrs

    async def set_dns(self, primary: str, secondary: str | None = None) -> None:
        """``AT+QIDNSCFG=0,<pri>[,<sec>]`` (note 2.3.8)."""
        await self.request(C.QIDnsCfg(0, primary, secondary))

    async def get_dns(self) -> tuple[str, ...]:
        """``AT+QIDNSCFG=0`` (note 2.3.8): the configured DNS server addresses."""
        resp = await self.request(C.QIDnsCfgQuery(0))
        found = _of(resp, E.DnsServers)
        return found[-1].addresses if found else ()

    async def state(self, connect_id: int | None = None) -> list[E.SocketStatus]:
        """``AT+QISTATE?`` or ``AT+QISTATE=1,<connectID>`` (note 2.3.3): one row per socket."""
        cmd = C.QIStateAll() if connect_id is None else C.QIState(1, connect_id, module=self.module)
        resp = await self.request(cmd)
        return _of(resp, E.SocketStatus)

    async def send_stats(self, connect_id: int) -> E.SendStats:
        """``AT+QISEND=<connectID>,0`` (note 2.3.4): bytes sent, acked, not acked."""
        resp = await self.request(C.QISendStats(connect_id, module=self.module))
        found = _of(resp, E.SendStats)
        if not found:
            raise CommandError("AT+QISEND=<id>,0 gave no +QISEND line")
        return found[-1]

    async def set_data_format(self, send_hex: bool, recv_hex: bool) -> None:
        """``AT+QICFG="dataformat",<send>,<recv>`` (note 2.3.9); True means hex.

        The session switches the decoder's recv format when the ``OK`` comes;
        sends switch between the text and hex forms of ``AT+QISEND``.
        """
        if not isinstance(send_hex, bool) or not isinstance(recv_hex, bool):
            raise InvalidArgument(
                f"send_hex and recv_hex must be bools, got {send_hex!r}, {recv_hex!r}")
        await self.request(C.QICfgDataFormat(send_hex, recv_hex))
        self.send_hex, self.recv_hex = send_hex, recv_hex
        self._sync_decoder()

    async def set_show_ra(self, enabled: bool) -> None:
        """``AT+QICFG="showRA",<mode>`` (note 2.3.9): recv URCs carry the sender's address."""
        if not isinstance(enabled, bool):
            raise InvalidArgument(f"enabled must be a bool, got {enabled!r}")
        await self.request(C.QICfgShowRA(enabled))
        self.show_ra = enabled
        self._sync_decoder()

    def _sync_decoder(self) -> None:  # pragma: no cover - provided by Modem
        pass
