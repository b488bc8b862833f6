"""Events of the services and settings: note 2.3.5-2.3.9 (AT+QPING, AT+QNTP, AT+QIDNSGIP,
AT+QIDNSCFG, AT+QICFG) and the ``+IP:`` line.

Re-exported by :mod:`pyqio.wire.events` (and :mod:`pyqio.events`).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import field
from typing import ClassVar

from .._frozen import frozen
from ._event_base import Event, Result
from ._eventfmt import _b, _q

__all__ = ["DataFormat", "DnsAddress", "DnsResult", "DnsServers", "IpAddress", "NtpResult",
           "PingReply", "PingSummary", "ShowRA"]


@frozen
class PingReply(Event):
    """``+QPING: <result>[,<IP_address>,<bytes>,<time>,<ttl>]``: one ping reply (2.3.5).

    A lone ``+QPING: <result>`` decodes as a reply with the other fields None; the
    session, which knows how many replies it asked for, turns the last one into a
    :class:`PingSummary`.
    """

    prefix: ClassVar[str | None] = "QPING"

    result: Result
    ip: str | None = None
    size: int | None = None
    time_ms: int | None = None
    ttl: int | None = None

    def _body(self) -> bytes:
        if self.ip is None:
            return b"+QPING: %d" % self.result
        return b"+QPING: %d,%s,%d,%d,%d" % (
            self.result, _q(self.ip), self.size or 0, self.time_ms or 0, self.ttl or 0)


@frozen
class PingSummary(Event):
    """``+QPING: <finresult>[,<sent>,<rcvd>,<lost>,<min>,<max>,<avg>]`` (2.3.5)."""

    prefix: ClassVar[str | None] = "QPING"

    result: Result
    sent: int | None = None
    received: int | None = None
    lost: int | None = None
    min_ms: int | None = None
    max_ms: int | None = None
    avg_ms: int | None = None

    def _body(self) -> bytes:
        """A summary without counts is written as the lone result (it then decodes as a
        :class:`PingReply`, which the session turns back into a summary)."""
        if self.sent is None:
            return b"+QPING: %d" % self.result
        counts = (self.sent, self.received, self.lost, self.min_ms, self.max_ms, self.avg_ms)
        return b"+QPING: %d," % self.result + b",".join(b"%d" % (c or 0) for c in counts)


@frozen
class NtpResult(Event):
    """``+QNTP: <result>[,<time>]`` (2.3.6).

    ``time`` is a UTC-aware datetime; the note documents ``"YY/MM/DD,hh:mm:ss"``
    but shows ``"2019/06/11,11:08:20"``: both are accepted.

    Modules of the BG96 family (EC200U, EC2x ...) append the zone in quarter hours,
    ``"2024/05/01,12:00:00+32"``. In a real EC200U log the printed time is UTC and
    the suffix the module's local zone (the host there set its clock to the printed
    time plus 8 h for ``+32``), so it is read that way: ``time`` is the printed time
    as UTC, ``zone_quarters`` the suffix (None when absent), ``local_time`` the same
    instant in that zone. Equality compares ``result`` and ``time`` (the instant).
    """

    prefix: ClassVar[str | None] = "QNTP"

    result: Result
    time: _dt.datetime | None = None
    # how the module shows the instant, not the instant: left out of ==, so that a
    # "+00" suffix decodes equal to none (note 4.5's conformance)
    zone_quarters: int | None = field(default=None, compare=False)

    @property
    def tzinfo(self) -> _dt.timezone | None:
        """The module's local zone (``zone_quarters`` as a fixed offset), or None."""
        if self.zone_quarters is None:
            return None
        return _dt.timezone(_dt.timedelta(minutes=15 * self.zone_quarters))

    @property
    def local_time(self) -> _dt.datetime | None:
        """``time`` in the module's local zone (``time`` itself when no zone was printed)."""
        zone = self.tzinfo
        if self.time is None or zone is None:
            return self.time
        return self.time.astimezone(zone)

    def _body(self) -> bytes:
        """The time as the note shows it (4.5): ``"YYYY/MM/DD,hh:mm:ss"`` in UTC, and the
        zone suffix (``+32``) when ``zone_quarters`` is set."""
        if self.time is None:
            return b"+QNTP: %d" % self.result
        utc = _dt.timezone.utc
        t = self.time.replace(tzinfo=utc) if self.time.tzinfo is None else self.time.astimezone(utc)
        zone = b"" if self.zone_quarters is None else b"%+03d" % self.zone_quarters
        return b'+QNTP: %d,"%s%s"' % (self.result, t.strftime("%Y/%m/%d,%H:%M:%S").encode(), zone)


@frozen
class DnsResult(Event):
    """``+QIDNSGIP: <result>,<IP_count>,<DNS_ttl>``: the header of a DNS answer (2.3.7).

    The BG96 family prints it as the URC ``+QIURC: "dnsgip",<err>,<IP_count>,<DNS_ttl>``
    (``urc`` True); the same class, so that a resolve is answered by either.
    """

    prefix: ClassVar[str | None] = "QIDNSGIP"

    result: Result
    ip_count: int
    ttl: int
    urc: bool = False

    def _body(self) -> bytes:
        if self.urc:
            return b'+QIURC: "dnsgip",%d,%d,%d' % (self.result, self.ip_count, self.ttl)
        return b"+QIDNSGIP: %d,%d,%d" % (self.result, self.ip_count, self.ttl)


@frozen
class DnsAddress(Event):
    """``+QIDNSGIP: <hostIPaddr>``: one address line of a DNS answer, quoted or bare (2.3.7),
    or the BG96 family's ``+QIURC: "dnsgip","<hostIPaddr>"`` (``urc`` True)."""

    prefix: ClassVar[str | None] = "QIDNSGIP"

    ip: str
    urc: bool = False

    def _body(self) -> bytes:
        """Bare, as shown in 4.7; the URC form (``urc``) quoted, as the BG96 family prints it."""
        if self.urc:
            return b'+QIURC: "dnsgip",' + _q(self.ip)
        return b"+QIDNSGIP: " + _b(self.ip)


@frozen
class DnsServers(Event):
    """``+QIDNSCFG: <contextID>,<pridnsaddr>,<secdnsaddr>[,...]`` (2.3.8): two or four addresses."""

    prefix: ClassVar[str | None] = "QIDNSCFG"

    context_id: int
    addresses: tuple[str, ...]

    def _body(self) -> bytes:
        return b"+QIDNSCFG: %d," % self.context_id + b",".join(_q(a) for a in self.addresses)


@frozen
class DataFormat(Event):
    """``+QICFG: "dataformat",<send_data_format>,<recv_data_format>`` (2.3.9); True is hex."""

    prefix: ClassVar[str | None] = "QICFG"

    send_hex: bool
    recv_hex: bool

    def _body(self) -> bytes:
        return b'+QICFG: "dataformat",%d,%d' % (self.send_hex, self.recv_hex)


@frozen
class ShowRA(Event):
    """``+QICFG: "showRA",<showRA_mode>`` (2.3.9)."""

    prefix: ClassVar[str | None] = "QICFG"

    enabled: bool

    def _body(self) -> bytes:
        return b'+QICFG: "showRA",%d' % self.enabled


@frozen
class IpAddress(Event):
    """``+IP: <ip>``: the module has an IP address (registered to the network)."""

    ip: str

    def _body(self) -> bytes:
        """Bare, as note 2.3.1 shows it (``+IP: 10.18.237.42``)."""
        return b"+IP: " + _b(self.ip)
