"""What the simulated module does for AT+QIDNSCFG, AT+QIDNSGIP, AT+QNTP and AT+QPING.

A mixin of :class:`pyqio.sim.Simulator` (through :class:`._handlers.Handlers`): each
command answers ``OK`` at once and its result comes later as unsolicited output,
from real DNS, SNTP and ICMP exchanges (:mod:`._netsvc`). Without a PDP context the
result is the detach code at once (561 before the first attach, 570 after a breakdown).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..wire import events as ev
from ..wire._result import ResultCode as RC
from . import _netsvc, _wire

__all__ = ["ServiceCommands"]


class ServiceCommands:
    """DNS (2.3.7, 2.3.8), NTP (2.3.6) and ping (2.3.5) handlers."""

    # provided by Simulator
    reply: Callable[..., None]
    urc: Callable[..., None]
    start: Callable[..., Any]
    config: Any
    dns: list[str]
    attached: bool
    detach_code: int
    bg96: bool
    context_ok: Callable[[int], bool]

    # DNS (2.3.7, 2.3.8) -------------------------------------------------------------

    def _do_QIDnsCfg(self, cmd: Any) -> None:
        if cmd.context_id != 0:  # "Currently, only <contextID>=0 is supported."
            self.reply(ev.Error())
            return
        self.dns = [a for a in (cmd.primary, cmd.secondary) if a]
        self.reply(ev.Ok())

    def _do_QIDnsCfgQuery(self, cmd: Any) -> None:
        if cmd.context_id != 0:
            self.reply(ev.Error())
            return
        shown = (self.dns + ["0.0.0.0", "0.0.0.0"])[:2]  # two addresses, as example 4.6 shows
        self.reply(ev.DnsServers(0, tuple(shown)), ev.Ok())

    def _do_QIDnsGip(self, cmd: Any) -> None:
        urc = self.config.module == "bg96"  # the family answers with "dnsgip" URCs
        if self._deferred_ok(cmd.context_id, lambda code: ev.DnsResult(code, 0, 0, urc)):
            self.start(self._dns_gip(cmd.hostname, urc),
                       _wire.encode(ev.DnsResult(RC.PDP_CONTEXT_BROKE_DOWN, 0, 0, urc)))

    async def _dns_gip(self, hostname: str, urc: bool = False) -> None:
        ans = await _netsvc.resolve(hostname, self._dns_servers(), self.config.dns_port,
                                     self.config.service_timeout)
        if ans.result != RC.OK:
            self.urc(_wire.encode(ev.DnsResult(ans.result, 0, 0, urc)))
            return
        if urc:  # BG96 TCP/IP AN 2.2.11: the header, then one URC per address
            self.urc(_wire.encode(ev.DnsResult(RC.OK, len(ans.addresses), ans.ttl, True))
                     + b"".join(_wire.encode(ev.DnsAddress(a, True)) for a in ans.addresses))
            return
        # "Currently, only the first IP address returned by the DNS server is displayed."
        self.urc(_wire.encode(ev.DnsResult(RC.OK, len(ans.addresses), ans.ttl))
                 + _wire.encode(ev.DnsAddress(ans.addresses[0])))

    def _dns_servers(self) -> tuple[str, ...]:
        """The configured DNS servers the sockets may reach (``allow_dest``)."""
        return tuple(s for s in self.dns if not self.config.dest.refuse("a DNS query", s))

    def _deferred_ok(self, context_id: int, failure: Any) -> bool:
        """OK for a command with a deferred result; False if it fails at once.

        ``failure(code)`` is the result event written when there is no PDP context.
        """
        if not self.context_ok(context_id):
            self.reply(ev.Error())
            return False
        self.reply(ev.Ok())
        if not self.attached:
            self.urc(_wire.encode(failure(self.detach_code)))
            return False
        return True

    # NTP (2.3.6) and ping (2.3.5) ---------------------------------------------------

    def _do_QNtp(self, cmd: Any) -> None:
        if self._deferred_ok(cmd.context_id, ev.NtpResult):
            self.start(self._ntp(cmd),
                       _wire.encode(ev.NtpResult(RC.PDP_CONTEXT_BROKE_DOWN)))

    async def _ntp(self, cmd: Any) -> None:
        ans = await _netsvc.resolve(cmd.server, self._dns_servers(), self.config.dns_port,
                                     self.config.service_timeout)
        if ans.result != RC.OK:
            self.urc(_wire.encode(ev.NtpResult(ans.result)))
            return
        if self.config.dest.refuse("an NTP query", ans.addresses[0]):
            self.urc(_wire.encode(ev.NtpResult(RC.OPERATION_TIMEOUT)))  # no answer comes
            return
        port = self.config.ntp_port or cmd.port or 123
        result, when = await _netsvc.sntp(ans.addresses[0], port, self.config.service_timeout)
        self.urc(_wire.encode(ev.NtpResult(result, when)))

    def _do_QPing(self, cmd: Any) -> None:
        if self._deferred_ok(cmd.context_id, ev.PingSummary):
            self.start(self._ping(cmd),
                       _wire.encode(ev.PingSummary(RC.PDP_CONTEXT_BROKE_DOWN)))

    async def _ping(self, cmd: Any) -> None:
        ans = await _netsvc.resolve(cmd.host, self._dns_servers(), self.config.dns_port,
                                     self.config.service_timeout)
        if ans.result != RC.OK:
            self.urc(_wire.encode(ev.PingSummary(ans.result)))
            return
        ip, size = ans.addresses[0], cmd.size or 32
        if self.config.dest.refuse("a ping", ip):
            self.urc(_wire.encode(ev.PingSummary(RC.OPERATION_TIMEOUT)))  # no reply comes
            return
        times: list[int] = []
        count = cmd.count or 4
        for seq in range(count):
            r = await _netsvc.ping_once(ip, seq + 1, size, cmd.timeout or 4)
            if r.result == RC.CREATE_SOCKET_FAILED:  # this host allows no ICMP socket
                self.urc(_wire.encode(ev.PingSummary(r.result)))
                return
            if r.result == RC.OK:
                times.append(r.time_ms)
                self.urc(_wire.encode(ev.PingReply(RC.OK, ip, size, r.time_ms, r.ttl)))
            else:
                self.urc(_wire.encode(ev.PingReply(r.result)))
        # example 4.4 counts requests here ("0,4,4,0,..."), not bytes as the table says
        self.urc(_wire.encode(ev.PingSummary(
            RC.OK, count, len(times), count - len(times), min(times, default=0),
            max(times, default=0), sum(times) // len(times) if times else 0)))

