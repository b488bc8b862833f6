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
from dataclasses import dataclass
from typing import Union

from ._result import ResultCode

Result = Union[ResultCode, int]

__all__ = [
    "Event", "Ok", "Error", "CmeError", "SendOk", "SendFail", "CloseOk", "Prompt",
    "Recv", "Closed", "Incoming", "OpenResult", "SocketStatus", "SendStats",
    "PingReply", "PingSummary", "NtpResult", "DnsResult", "DnsAddress", "DnsServers",
    "DataFormat", "ShowRA", "IpAddress", "TestResponse", "Info", "Text", "ProtocolError",
]

_frozen = dataclass(frozen=True, slots=True)


class Event:
    """Base class of every event."""

    __slots__ = ()


@_frozen
class Ok(Event):
    """``OK``: the command was accepted (a deferred result may follow)."""


@_frozen
class Error(Event):
    """``ERROR``: the command was refused."""


@_frozen
class CmeError(Event):
    """``+CME ERROR: <err>``; ``code`` is an int, or the text in verbose mode."""

    code: Union[int, str]


@_frozen
class SendOk(Event):
    """``SEND OK``: the data reached the module's protocol stack (AT+QISEND, note 2.3.4)."""


@_frozen
class SendFail(Event):
    """``SEND FAIL``: the command was accepted but sending failed (AT+QISEND, 2.3.4)."""


@_frozen
class CloseOk(Event):
    """``CLOSE OK``: follows ``OK`` of ``AT+QICLOSE`` (2.3.2)."""


@_frozen
class Prompt(Event):
    """The ``>`` prompt of ``AT+QISEND`` data mode (``>``, ``> ``, ``\\r\\n>`` ...)."""


@_frozen
class Recv(Event):
    """``+QIURC: "recv",<connectID>[,<current_recv_length>][,<recv_ip>,<recv_port>],<data>`` (2.4.2).

    ``data`` is the payload as bytes (hex-decoded in hex mode); ``length`` is the
    length field, None when the URC has none; ``remote_ip``/``remote_port`` are
    None unless the URC carries the sender's address (UDP SERVICE or showRA=1).
    ``framed`` is False when there was no length field and the payload was framed
    by its closing quote and line end instead.
    """

    connect_id: int
    data: bytes
    length: "int | None" = None
    remote_ip: "str | None" = None
    remote_port: "int | None" = None
    framed: bool = True


@_frozen
class Closed(Event):
    """``+QIURC: "closed",<connectID>``: the peer or the network closed the socket (2.4.1)."""

    connect_id: int


@_frozen
class Incoming(Event):
    """``+QIURC: "incoming",<connectID>,<serverID>,<remoteIP>,<remote_port>`` (2.4.3)."""

    connect_id: int
    server_id: int
    remote_ip: str
    remote_port: int


@_frozen
class OpenResult(Event):
    """``+QIOPEN: <connectID>,<result>``: the deferred result of AT+QIOPEN (2.3.1)."""

    connect_id: int
    result: Result


@_frozen
class SocketStatus(Event):
    """One ``+QISTATE:`` row (2.3.3)."""

    connect_id: int
    service_type: str
    host: str
    remote_port: int
    local_port: int
    socket_state: int
    context_id: int
    access_mode: int


@_frozen
class SendStats(Event):
    """``+QISEND: <sent>,<acked>,<nAcked>`` answering ``AT+QISEND=<connectID>,0`` (2.3.4)."""

    sent: int
    acked: int
    nacked: int


@_frozen
class PingReply(Event):
    """``+QPING: <result>[,<IP_address>,<bytes>,<time>,<ttl>]``: one ping reply (2.3.5).

    A lone ``+QPING: <result>`` decodes as a reply with the other fields None; the
    session, which knows how many replies it asked for, turns the last one into a
    :class:`PingSummary`.
    """

    result: Result
    ip: "str | None" = None
    size: "int | None" = None
    time_ms: "int | None" = None
    ttl: "int | None" = None


@_frozen
class PingSummary(Event):
    """``+QPING: <finresult>[,<sent>,<rcvd>,<lost>,<min>,<max>,<avg>]`` (2.3.5)."""

    result: Result
    sent: "int | None" = None
    received: "int | None" = None
    lost: "int | None" = None
    min_ms: "int | None" = None
    max_ms: "int | None" = None
    avg_ms: "int | None" = None


@_frozen
class NtpResult(Event):
    """``+QNTP: <result>[,<time>]`` (2.3.6).

    ``time`` is a UTC-aware datetime; the note documents ``"YY/MM/DD,hh:mm:ss"``
    but shows ``"2019/06/11,11:08:20"``: both are accepted.
    """

    result: Result
    time: "_dt.datetime | None" = None


@_frozen
class DnsResult(Event):
    """``+QIDNSGIP: <result>,<IP_count>,<DNS_ttl>``: the header of a DNS answer (2.3.7)."""

    result: Result
    ip_count: int
    ttl: int


@_frozen
class DnsAddress(Event):
    """``+QIDNSGIP: <hostIPaddr>``: one address line of a DNS answer, quoted or bare (2.3.7)."""

    ip: str


@_frozen
class DnsServers(Event):
    """``+QIDNSCFG: <contextID>,<pridnsaddr>,<secdnsaddr>[,...]`` (2.3.8): two or four addresses."""

    context_id: int
    addresses: "tuple[str, ...]"


@_frozen
class DataFormat(Event):
    """``+QICFG: "dataformat",<send_data_format>,<recv_data_format>`` (2.3.9); True is hex."""

    send_hex: bool
    recv_hex: bool


@_frozen
class ShowRA(Event):
    """``+QICFG: "showRA",<showRA_mode>`` (2.3.9)."""

    enabled: bool


@_frozen
class IpAddress(Event):
    """``+IP: <ip>``: the module has an IP address (registered to the network)."""

    ip: str


@_frozen
class TestResponse(Event):
    """The answer to a test command (``AT+<cmd>=?``), e.g. ``+QIOPEN: (0-10),(0-4),...``.

    ``params`` holds each parameter: a ``range`` for ``(a-b)``, a tuple for a list
    ``(a,b)``, an int, or a str for quoted or placeholder text.
    """

    name: str
    params: tuple


@_frozen
class Info(Event):
    """Any other ``+NAME: ...`` line; ``params`` are ints where numeric, else str (unquoted)."""

    name: str
    params: tuple


@_frozen
class Text(Event):
    """Any other line, the module's echo of a command included."""

    line: bytes


@_frozen
class ProtocolError(Event):
    """Bytes that break the protocol; ``reason`` says how, ``raw`` holds (a bounded part of) them."""

    reason: str
    raw: bytes
