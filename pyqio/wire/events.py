"""Typed events: one frozen, slotted class per response and URC of the module.

Field names follow the application note (``connect_id`` for ``<connectID>``,
``remote_port`` for ``<remote_port>`` ...).  ``result`` fields hold a
:class:`pyqio.ResultCode` member where the code is in chapter 3, else the int.

Every event can be written back as the module sends it with ``to_bytes()``
(``<CR><LF><response><CR><LF>``, note 2.1.2); the simulator uses that, and
``decode(event.to_bytes()) == [event]`` for every event.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ..errors import InvalidArgument
from ..protocol import MODULES
from . import _accel
from ._eventfmt import _b, _jsonable, _params_line, _q
from ._result import ResultCode

Result = ResultCode | int

__all__ = [
    "Event", "Ok", "Error", "CmeError", "SendOk", "SendFail", "CloseOk", "Prompt",
    "Recv", "Closed", "Incoming", "OpenResult", "SocketStatus", "SendStats",
    "PingReply", "PingSummary", "NtpResult", "DnsResult", "DnsAddress", "DnsServers",
    "DataFormat", "ShowRA", "IpAddress", "TestResponse", "Info", "Text", "ProtocolError",
    # 3GPP TS 27.007 answers and the +CEREG URC (pyqio._events_3gpp)
    "Functionality", "Registration", "AttachState", "PdpAddress", "PdpContext",
    "SignalQuality", "PsmSettings", "EdrxSetting", "Clock", "SerialNumber",
    # the BG96 family's forms (pyqio.wire._events_family)
    "RecvNotice", "ReadData", "ReadStats", "PdpDeactivated", "IncomingFull",
    # the BG96 family's context commands (pyqio.wire._context_events)
    "ContextConfig", "ContextState", "LastError",
]


def _data(data: bytes, recv_format: str) -> bytes:
    """A payload as the module writes it: raw, or upper-case hex (``AT+QICFG="dataformat"``)."""
    if recv_format == "hex":
        return data.hex().upper().encode("ascii")
    if recv_format == "text":
        return data
    raise InvalidArgument(f"recv_format={recv_format!r}: allowed values are 'text' and 'hex'")


def _profile(module: str) -> str:
    """*module* checked against :data:`pyqio.protocol.MODULES`."""
    if module not in MODULES:
        raise InvalidArgument(
            f"module={module!r}: allowed values are {', '.join(map(repr, MODULES))}")
    return module


class Event:
    """Base class of every event.

    ``to_bytes()`` gives the module's bytes for the event; ``to_dict()`` a
    JSON-ready dict ``{"event": <class name>, <field>: <value>, ...}``.
    """

    __slots__ = ()
    #: NAME of the ``+NAME:`` line the event is read from ("QIOPEN"), for pairing it with
    #: the command of that name; None for result codes, URCs and untyped lines
    prefix: ClassVar[str | None] = None

    def _body(self) -> bytes:
        raise NotImplementedError

    def to_bytes(self, recv_format: str = "text", module: str = "bc660k") -> bytes:
        """``<CR><LF><response><CR><LF>`` as the module sends it (note 2.1.2).

        *recv_format* (``"text"``/``"hex"``) matters only to the data events, *module*
        (a profile of :data:`pyqio.protocol.MODULES`) only to :class:`Recv`; every
        event takes both so that a writer can pass them to all of them.
        """
        return b"\r\n" + self._body() + b"\r\n"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: bytes as ``{"hex": ..., "text": ...}`` ("text" only when valid
        UTF-8), datetimes ISO 8601, result codes as numbers, ranges as ``{"range": [a, b]}``."""
        out: dict[str, Any] = {"event": type(self).__name__}
        for f in fields(self):  # type: ignore[arg-type]  # subclasses are dataclasses, the base not
            out[f.name] = _jsonable(getattr(self, f.name))
        return out


@dataclass(frozen=True, slots=True)
class Ok(Event):
    """``OK``: the command was accepted (a deferred result may follow)."""

    def _body(self) -> bytes:
        return b"OK"


@dataclass(frozen=True, slots=True)
class Error(Event):
    """``ERROR``: the command was refused."""

    def _body(self) -> bytes:
        return b"ERROR"


@dataclass(frozen=True, slots=True)
class CmeError(Event):
    """``+CME ERROR: <err>``; ``code`` is an int, or the text in verbose mode."""

    code: int | str

    def _body(self) -> bytes:
        return b"+CME ERROR: " + _b(str(self.code))


@dataclass(frozen=True, slots=True)
class SendOk(Event):
    """``SEND OK``: the data reached the module's protocol stack (AT+QISEND, note 2.3.4)."""

    def _body(self) -> bytes:
        return b"SEND OK"


@dataclass(frozen=True, slots=True)
class SendFail(Event):
    """``SEND FAIL``: the command was accepted but sending failed (AT+QISEND, 2.3.4)."""

    def _body(self) -> bytes:
        return b"SEND FAIL"


@dataclass(frozen=True, slots=True)
class CloseOk(Event):
    """``CLOSE OK``: follows ``OK`` of ``AT+QICLOSE`` (2.3.2)."""

    def _body(self) -> bytes:
        return b"CLOSE OK"


@dataclass(frozen=True, slots=True)
class Prompt(Event):
    """The ``>`` prompt of ``AT+QISEND`` data mode (``>``, ``> ``, ``\\r\\n>`` ...)."""

    def to_bytes(self, recv_format: str = "text", module: str = "bc660k") -> bytes:
        """``<CR><LF>> `` : the form the note shows (2.3.4); the decoder takes every variant."""
        return b"\r\n> "


_E = TypeVar("_E", bound=Event)

# Recv's fields are kept by a base class: the extension's RecvFields where it is
# built (a struct of its own, which its feeder fills in one step through the public
# C API instead of calling six descriptors: the commonest event, made per URC),
# else plain slots. Either way Recv is a frozen dataclass with exactly these
# fields, no __dict__, the same ==, hash, repr and pickling (tests/test_fastpath.py).
_RECV_FIELDS = ("connect_id", "data", "length", "remote_ip", "remote_port", "framed")


class _RecvSlots:
    __slots__ = _RECV_FIELDS


if TYPE_CHECKING:
    _RecvBase = _RecvSlots
else:
    _RecvBase = _RecvSlots if _accel.events_c is None else _accel.events_c.RecvFields


def _fields_in_base(cls: type[_E]) -> type[_E]:
    """*cls*, a dataclass whose fields a base class keeps, without the class attributes
    ``@dataclass`` leaves for defaults (they would hide the base's descriptors; its
    ``__init__`` keeps the defaults), as ``slots=True`` does when it adds the slots."""
    for f in fields(cls):  # type: ignore[arg-type]  # a dataclass
        if f.name in vars(cls):
            delattr(cls, f.name)
    return cls


@_fields_in_base
@dataclass(frozen=True)
class Recv(Event, _RecvBase):
    """``+QIURC: "recv",<connectID>[,<current_recv_length>][,<recv_ip>,<recv_port>],<data>``.

    The recv URC of note 2.4.2.

    ``data`` is the payload as bytes (hex-decoded in hex mode); ``length`` is the
    length field, None when the URC has none; ``remote_ip``/``remote_port`` are
    None unless the URC carries the sender's address (UDP SERVICE or showRA=1).
    ``framed`` is False when there was no length field and the payload was framed
    by its closing quote and line end instead.
    """

    connect_id: int
    data: bytes
    length: int | None = None
    remote_ip: str | None = None
    remote_port: int | None = None
    framed: bool = True

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.connect_id, self.data, self.length, self.remote_ip,
                             self.remote_port, self.framed))

    def to_bytes(self, recv_format: str = "text", module: str = "bc660k") -> bytes:
        """The URC (2.4.2): the length field unless ``length`` is None, the address form when
        ``remote_ip`` is set, ``data`` in quotes, as text or upper-case hex per *recv_format*.

        Without a length the payload is framed by ``"`` + line end, so such data must not
        hold that sequence, and the address must be present (note 2.4.2's forms).

        With ``module="bg96"`` the direct-push form of that family instead: the header
        (``length``, or the data's length when None), CR LF, the raw data, CR LF.
        """
        data = _data(self.data, recv_format)
        if _profile(module) == "bg96":
            head = b'+QIURC: "recv",%d,%d' % (
                self.connect_id, len(self.data) if self.length is None else self.length)
            if self.remote_ip is not None:
                head += b",%s,%d" % (_q(self.remote_ip), self.remote_port or 0)
            return b"\r\n" + head + b"\r\n" + data + b"\r\n"
        parts = [b'+QIURC: "recv",%d' % self.connect_id]
        if self.length is not None:
            parts.append(b"%d" % self.length)
        if self.remote_ip is not None:
            parts += [_q(self.remote_ip), b"%d" % (self.remote_port or 0)]
        return b"\r\n" + b",".join(parts) + b',"' + data + b'"\r\n'


@dataclass(frozen=True, slots=True)
class Closed(Event):
    """``+QIURC: "closed",<connectID>``: the peer or the network closed the socket (2.4.1)."""

    connect_id: int

    def _body(self) -> bytes:
        return b'+QIURC: "closed",%d' % self.connect_id


@dataclass(frozen=True, slots=True)
class Incoming(Event):
    """``+QIURC: "incoming",<connectID>,<serverID>,<remoteIP>,<remote_port>`` (2.4.3)."""

    connect_id: int
    server_id: int
    remote_ip: str
    remote_port: int

    def _body(self) -> bytes:
        return b'+QIURC: "incoming",%d,%d,%s,%d' % (
            self.connect_id, self.server_id, _q(self.remote_ip), self.remote_port)


@dataclass(frozen=True, slots=True)
class OpenResult(Event):
    """``+QIOPEN: <connectID>,<result>``: the deferred result of AT+QIOPEN (2.3.1)."""

    prefix: ClassVar[str | None] = "QIOPEN"

    connect_id: int
    result: Result

    def _body(self) -> bytes:
        return b"+QIOPEN: %d,%d" % (self.connect_id, self.result)


@dataclass(frozen=True, slots=True)
class SocketStatus(Event):
    """One ``+QISTATE:`` row (2.3.3).

    The BG96 family prints 10 fields: ``server_id`` (the listener that accepted a
    ``TCP INCOMING`` socket) and ``at_port`` (``"uart1"``, ``"usbat"`` ...) are set
    from those rows and None from the note's 8-field rows.
    """

    prefix: ClassVar[str | None] = "QISTATE"

    connect_id: int
    service_type: str
    host: str
    remote_port: int
    local_port: int
    socket_state: int
    context_id: int
    access_mode: int
    server_id: int | None = None
    at_port: str | None = None

    def _body(self) -> bytes:
        """The note's 8 fields, or the BG96 family's 10 (``<serverID>`` before
        ``<access_mode>``, ``"<AT_port>"`` last) when ``at_port`` is set."""
        if self.at_port is None:
            return b"+QISTATE: %d,%s,%s,%d,%d,%d,%d,%d" % (
                self.connect_id, _q(self.service_type), _q(self.host), self.remote_port,
                self.local_port, self.socket_state, self.context_id, self.access_mode)
        return b"+QISTATE: %d,%s,%s,%d,%d,%d,%d,%d,%d,%s" % (
            self.connect_id, _q(self.service_type), _q(self.host), self.remote_port,
            self.local_port, self.socket_state, self.context_id, self.server_id or 0,
            self.access_mode, _q(self.at_port))


@dataclass(frozen=True, slots=True)
class SendStats(Event):
    """``+QISEND: <sent>,<acked>,<nAcked>`` answering ``AT+QISEND=<connectID>,0`` (2.3.4)."""

    prefix: ClassVar[str | None] = "QISEND"

    sent: int
    acked: int
    nacked: int

    def _body(self) -> bytes:
        return b"+QISEND: %d,%d,%d" % (self.sent, self.acked, self.nacked)


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class DnsServers(Event):
    """``+QIDNSCFG: <contextID>,<pridnsaddr>,<secdnsaddr>[,...]`` (2.3.8): two or four addresses."""

    prefix: ClassVar[str | None] = "QIDNSCFG"

    context_id: int
    addresses: tuple[str, ...]

    def _body(self) -> bytes:
        return b"+QIDNSCFG: %d," % self.context_id + b",".join(_q(a) for a in self.addresses)


@dataclass(frozen=True, slots=True)
class DataFormat(Event):
    """``+QICFG: "dataformat",<send_data_format>,<recv_data_format>`` (2.3.9); True is hex."""

    prefix: ClassVar[str | None] = "QICFG"

    send_hex: bool
    recv_hex: bool

    def _body(self) -> bytes:
        return b'+QICFG: "dataformat",%d,%d' % (self.send_hex, self.recv_hex)


@dataclass(frozen=True, slots=True)
class ShowRA(Event):
    """``+QICFG: "showRA",<showRA_mode>`` (2.3.9)."""

    prefix: ClassVar[str | None] = "QICFG"

    enabled: bool

    def _body(self) -> bytes:
        return b'+QICFG: "showRA",%d' % self.enabled


@dataclass(frozen=True, slots=True)
class IpAddress(Event):
    """``+IP: <ip>``: the module has an IP address (registered to the network)."""

    ip: str

    def _body(self) -> bytes:
        """Bare, as note 2.3.1 shows it (``+IP: 10.18.237.42``)."""
        return b"+IP: " + _b(self.ip)


@dataclass(frozen=True, slots=True)
class TestResponse(Event):
    """The answer to a test command (``AT+<cmd>=?``), e.g. ``+QIOPEN: (0-10),(0-4),...``.

    ``params`` holds each parameter: a ``range`` for ``(a-b)``, a tuple for a list
    ``(a,b)``, an int, or a str for quoted or placeholder text.
    """

    __test__ = False  # its name starts with "Test": keep pytest from collecting it

    name: str
    params: tuple[Any, ...]

    def _body(self) -> bytes:
        return _params_line(self.name, self.params)


@dataclass(frozen=True, slots=True)
class Info(Event):
    """Any other ``+NAME: ...`` line; ``params`` are ints where numeric, else str (unquoted)."""

    name: str
    params: tuple[Any, ...]

    def _body(self) -> bytes:
        return _params_line(self.name, self.params)


@dataclass(frozen=True, slots=True)
class Text(Event):
    """Any other line, the module's echo of a command included."""

    line: bytes

    def _body(self) -> bytes:
        return self.line


@dataclass(frozen=True, slots=True)
class ProtocolError(Event):
    """Bytes that break the protocol: ``reason`` says how, ``raw`` holds a bounded part of them."""

    reason: str
    raw: bytes

    def _body(self) -> bytes:
        """The offending bytes again (a simulator injecting faults writes them)."""
        return self.raw



# -- fast construction for the line classifier (private) ---------------------------
#
# A frozen dataclass's __init__ stores each field with object.__setattr__, looked up
# and called per field from Python: about 150 ns a field. Where pyqio._events_c is
# built, its Maker does the very same (object.__new__, then each field through the
# class's own slot descriptor) from C, in one call; elsewhere the class itself is
# the maker. Either way the result is an ordinary instance (==, hash, repr,
# frozenness unchanged; tests/test_fastpath.py), chosen once per class at import.

def _maker(cls: type[_E]) -> Callable[..., _E]:
    """``make(*values)`` building a *cls* event from all its fields, positionally."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]  # event classes are dataclasses
    if _accel.events_c is None or not names:
        return cls
    try:
        return _accel.events_c.Maker(cls, names)  # type: ignore[no-any-return]
    except TypeError:  # pragma: no cover - a class it cannot fill (too many fields, say)
        return cls


# The 3GPP events live in their own module (they need Event, defined above).
# The BG96 family's context command answers.
from ._context_events import ContextConfig, ContextState, LastError  # noqa: E402
from ._events_3gpp import (  # noqa: E402
    AttachState,
    Clock,
    EdrxSetting,
    Functionality,
    PdpAddress,
    PdpContext,
    PsmSettings,
    Registration,
    SerialNumber,
    SignalQuality,
)

# The BG96 family's events (buffer access, +QIRD, PDP and listener URCs).
from ._events_family import (  # noqa: E402
    IncomingFull,
    PdpDeactivated,
    ReadData,
    ReadStats,
    RecvNotice,
)
