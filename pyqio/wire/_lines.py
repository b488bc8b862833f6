"""Classify one line of module output (a ``T_LINE`` token) into a typed event.

The hot path: exact lines (``OK``, ``SEND OK`` ...) are one dict lookup; a
``+NAME:`` line is one more lookup on NAME and one precompiled regex split of its
parameters. Test-command answers (a parenthesised field anywhere) become
:class:`TestResponse` whatever the name. A known NAME with parameters of the wrong
shape becomes :class:`ProtocolError` naming what was wrong: never an exception.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import FieldShapeError as Shape
from . import _fields as F
from ._context_events import ContextConfig, ContextState, LastError
from ._lines_3gpp import HANDLERS as _3GPP_HANDLERS
from ._result import result_code
from .events import (
    Closed,
    CloseOk,
    CmeError,
    DataFormat,
    DnsAddress,
    DnsResult,
    DnsServers,
    Error,
    Event,
    Incoming,
    IncomingFull,
    Info,
    IpAddress,
    NtpResult,
    Ok,
    OpenResult,
    PdpDeactivated,
    PingReply,
    PingSummary,
    ProtocolError,
    ReadStats,
    RecvNotice,
    SendFail,
    SendOk,
    SendStats,
    ShowRA,
    SocketStatus,
    TestResponse,
    Text,
    _maker,
)

__all__ = ["classify_line"]

# Fast constructors (events._maker): a frozen event's own __init__ costs ~150 ns a field.
_Closed = _maker(Closed)
_CmeError = _maker(CmeError)
_DataFormat = _maker(DataFormat)
_DnsAddress = _maker(DnsAddress)
_DnsResult = _maker(DnsResult)
_DnsServers = _maker(DnsServers)
_Incoming = _maker(Incoming)
_Info = _maker(Info)
_IpAddress = _maker(IpAddress)
_NtpResult = _maker(NtpResult)
_OpenResult = _maker(OpenResult)
_PingReply = _maker(PingReply)
_PingSummary = _maker(PingSummary)
_PdpDeactivated = _maker(PdpDeactivated)
_ReadStats = _maker(ReadStats)
_RecvNotice = _maker(RecvNotice)
_ProtocolError = _maker(ProtocolError)
_SendStats = _maker(SendStats)
_ShowRA = _maker(ShowRA)
_SocketStatus = _maker(SocketStatus)
_TestResponse = _maker(TestResponse)
_Text = _maker(Text)
_ContextConfig = _maker(ContextConfig)
_ContextState = _maker(ContextState)
_LastError = _maker(LastError)

Handler = Callable[[list[F.Field]], Event]

# Whole lines (note 2.3.x "Response" rows); events are immutable, so shared.
_EXACT: dict[bytes, Event] = {
    b"OK": Ok(), b"ERROR": Error(), b"SEND OK": SendOk(), b"SEND FAIL": SendFail(),
    b"CLOSE OK": CloseOk(), b'+QIURC: "incoming full"': IncomingFull(),
}


def _count(fields: list[F.Field], allowed: tuple[int, ...], form: str) -> None:
    if len(fields) not in allowed:
        raise Shape(f"expected {form}, got {len(fields)} field(s)")


def _qiopen(f: list[F.Field]) -> Event:
    """``+QIOPEN: <connectID>,<result>`` (2.3.1)."""
    _count(f, (2,), "<connectID>,<result>")
    return _OpenResult(F.to_int(f[0], "<connectID>"), result_code(F.to_int(f[1], "<result>")))


def _qistate(f: list[F.Field]) -> Event:
    """``+QISTATE: <connectID>,<service_type>,<host>,<remote_port>,...`` (2.3.3)."""
    _count(f, (8, 10), "8 fields <connectID>,<service_type>,<host>,<remote_port>,"
                       "<local_port>,<socket_state>,<contextID>,<access_mode>, or 10 "
                       "with <serverID> before <access_mode> and <AT_port> last")
    head = (F.to_int(f[0], "<connectID>"), F.to_str(f[1], "<service_type>"),
            F.to_str(f[2], "<host>"), F.to_int(f[3], "<remote_port>"),
            F.to_int(f[4], "<local_port>"), F.to_int(f[5], "<socket_state>"),
            F.to_int(f[6], "<contextID>"))
    if len(f) == 8:
        return _SocketStatus(*head, F.to_int(f[7], "<access_mode>"), None, None)
    # the BG96 family: ...,<contextID>,<serverID>,<access_mode>,"<AT_port>"
    return _SocketStatus(*head, F.to_int(f[8], "<access_mode>"), F.to_int(f[7], "<serverID>"),
                         F.to_str(f[9], "<AT_port>"))


def _qird(f: list[F.Field]) -> Event:
    """``+QIRD: <total_receive_length>,<have_read_length>,<unread_length>`` (BG96 family).

    The data forms of ``+QIRD`` are framed by the tokenizer (``bg96`` profile); a
    ``+QIRD:`` line reaching here is the three-field answer to ``AT+QIRD=<id>,0``.
    """
    _count(f, (3,), "<total_receive_length>,<have_read_length>,<unread_length>")
    return _ReadStats(F.to_int(f[0], "<total_receive_length>"),
                      F.to_int(f[1], "<have_read_length>"), F.to_int(f[2], "<unread_length>"))


def _qisend(f: list[F.Field]) -> Event:
    """``+QISEND: <sent>,<acked>,<nAcked>`` (2.3.4)."""
    _count(f, (3,), "<sent>,<acked>,<nAcked>")
    return _SendStats(F.to_int(f[0], "<sent>"), F.to_int(f[1], "<acked>"),
                     F.to_int(f[2], "<nAcked>"))


def _qping(f: list[F.Field]) -> Event:
    """``+QPING:`` with 1 field (lone result), 5 (a reply) or 7 (the summary) (2.3.5)."""
    _count(f, (1, 5, 7), "1, 5 or 7 fields (<result>, a reply or the summary)")
    result = result_code(F.to_int(f[0], "<result>"))
    if len(f) == 1:
        return _PingReply(result, None, None, None, None)
    if len(f) == 5:
        return _PingReply(result, F.to_ip(f[1], "<IP_address>"), F.to_int(f[2], "<bytes>"),
                         F.to_int(f[3], "<time>"), F.to_int(f[4], "<ttl>"))
    names = ("<sent>", "<rcvd>", "<lost>", "<min>", "<max>", "<avg>")
    return _PingSummary(result, *(F.to_int(x, n) for x, n in zip(f[1:], names, strict=True)))


def _qntp(f: list[F.Field]) -> Event:
    """``+QNTP: <result>[,<time>]`` (2.3.6); a bare time arrives split at its comma."""
    _count(f, (1, 2, 3), '<result>[,"<time>"]')
    result = result_code(F.to_int(f[0], "<result>"))
    if len(f) == 1:
        return _NtpResult(result, None, None)
    if len(f) == 3:
        if f[1][0] != F.BARE or f[2][0] != F.BARE:
            raise Shape('expected <result>[,"<time>"], got 3 fields')
        return _NtpResult(result, *F.to_time_zone(f"{f[1][1]},{f[2][1]}"))
    return _NtpResult(result, *F.to_time_zone(F.to_str(f[1], "<time>")))


def _qidnsgip(f: list[F.Field]) -> Event:
    """``+QIDNSGIP: <result>,<IP_count>,<DNS_ttl>`` or ``+QIDNSGIP: <hostIPaddr>`` (2.3.7).

    The address is shown bare in 4.7 and documented as a string: both are read. A lone
    integer is a failing result without count (``DnsResult(code, 0, 0)``).
    """
    _count(f, (1, 3), "<result>,<IP_count>,<DNS_ttl> or <hostIPaddr>")
    return _dns(f, False)


def _dns(f: list[F.Field], urc: bool) -> Event:
    """The fields of a DNS answer line, ``+QIDNSGIP:`` or ``+QIURC: "dnsgip"`` (*urc*)."""
    if len(f) == 3:
        return _DnsResult(result_code(F.to_int(f[0], "<result>")),
                          F.to_int(f[1], "<IP_count>"), F.to_int(f[2], "<DNS_ttl>"), urc)
    kind, value = f[0]
    if kind == F.BARE and value.isdigit() and value.isascii():  # int() refuses "²"
        return _DnsResult(result_code(int(value)), 0, 0, urc)
    return _DnsAddress(F.to_ip(f[0], "<hostIPaddr>"), urc)


def _qidnscfg(f: list[F.Field]) -> Event:
    """``+QIDNSCFG: <contextID>,<pri>,<sec>[,<pri_v6>,<sec_v6>]`` (2.3.8, shown with two in 4.6)."""
    _count(f, (3, 5), "<contextID> and two or four addresses")
    addresses = tuple(F.to_str(x, "<dnsaddr>") for x in f[1:])
    return _DnsServers(F.to_int(f[0], "<contextID>"), addresses)


def _qicfg(f: list[F.Field]) -> Event:
    """``+QICFG: "dataformat",<send>,<recv>`` / ``+QICFG: "showRA",<mode>`` (2.3.9)."""
    kind = f[0][1] if f else ""
    if kind == "dataformat":
        _count(f, (3,), '"dataformat",<send_data_format>,<recv_data_format>')
        return _DataFormat(F.to_flag(f[1], "<send_data_format>"),
                          F.to_flag(f[2], "<recv_data_format>"))
    if kind == "showRA":
        _count(f, (2,), '"showRA",<showRA_mode>')
        return _ShowRA(F.to_flag(f[1], "<showRA_mode>"))
    return _info("QICFG", f)


def _ip(f: list[F.Field]) -> Event:
    """``+IP: <ip>``: the address URC (2.3.1 note 4), quoted or bare."""
    _count(f, (1,), "<ip>")
    return _IpAddress(F.to_ip(f[0], "<ip>"))


def _qiurc(f: list[F.Field]) -> Event:
    """``+QIURC: "closed"`` (2.4.1) and ``"incoming"`` (2.4.3); other kinds are Info."""
    kind = f[0][1] if f and f[0][0] == F.QUOTED else None
    if kind == "closed":
        _count(f, (2,), '"closed",<connectID>')
        return _Closed(F.to_int(f[1], "<connectID>"))
    if kind == "incoming":
        _count(f, (5,), '"incoming",<connectID>,<serverID>,<remoteIP>,<remote_port>')
        return _Incoming(F.to_int(f[1], "<connectID>"), F.to_int(f[2], "<serverID>"),
                        F.to_ip(f[3], "<remoteIP>"), F.to_int(f[4], "<remote_port>"))
    if kind == "recv":
        # The tokenizer frames every recv URC that carries data; what reaches here is the
        # buffer access notice of the bg96 profile (BG96 TCP/IP AN 2.3.2, BG95 2.4.2).
        _count(f, (2, 3), '"recv",<connectID>[,<data_len>] (a buffer access notice)')
        return _RecvNotice(F.to_int(f[1], "<connectID>"),
                           F.to_int(f[2], "<data_len>") if len(f) == 3 else None)
    if kind == "incoming full":
        _count(f, (1,), '"incoming full"')
        return IncomingFull()
    if kind == "pdpdeact":
        _count(f, (2,), '"pdpdeact",<contextID>')
        return _PdpDeactivated(F.to_int(f[1], "<contextID>"))
    if kind == "dnsgip":
        # AT+QIDNSGIP's answer as URCs (BG96 TCP/IP AN 2.2.11): the header, then addresses
        _count(f, (2, 4), '"dnsgip",<err>,<IP_count>,<DNS_ttl> or "dnsgip",<hostIPaddr>')
        return _dns(f[1:], True)
    return _info("QIURC", f)


def _qicsgp(f: list[F.Field]) -> Event:
    """``+QICSGP: <context_type>,"<APN>","<username>","<password>",<authentication>`` (BG96)."""
    _count(f, (5,), '<context_type>,"<APN>","<username>","<password>",<authentication>')
    return _ContextConfig(F.to_int(f[0], "<context_type>"), F.to_str(f[1], "<APN>"),
                          F.to_str(f[2], "<username>"), F.to_str(f[3], "<password>"),
                          F.to_int(f[4], "<authentication>"))


def _qiact(f: list[F.Field]) -> Event:
    """``+QIACT: <contextID>,<context_state>,<context_type>[,"<IP_address>"]`` (BG96)."""
    _count(f, (3, 4), '<contextID>,<context_state>,<context_type>[,"<IP_address>"]')
    return _ContextState(F.to_int(f[0], "<contextID>"), F.to_int(f[1], "<context_state>"),
                         F.to_int(f[2], "<context_type>"),
                         F.to_ip(f[3], "<IP_address>") if len(f) == 4 else None)


def _qigeterror(f: list[F.Field]) -> Event:
    """``+QIGETERROR: <err>,<errcode_description>`` (BG96); the description is free text,
    printed bare, and may hold commas of its own."""
    if len(f) < 2:
        raise Shape(f"expected <err>,<errcode_description>, got {len(f)} field(s)")
    return _LastError(F.to_int(f[0], "<err>"), ",".join(x[1] for x in f[1:]))


def _info(name: str, f: list[F.Field]) -> Event:
    return _Info(name, tuple(F.generic(x) for x in f))


_HANDLERS: dict[str, Handler] = {
    "QIOPEN": _qiopen, "QISTATE": _qistate, "QISEND": _qisend, "QPING": _qping,
    "QNTP": _qntp, "QIDNSGIP": _qidnsgip, "QIDNSCFG": _qidnscfg, "QICFG": _qicfg,
    "IP": _ip, "QIURC": _qiurc, "QIRD": _qird, "QICSGP": _qicsgp, "QIACT": _qiact,
    "QIGETERROR": _qigeterror, **_3GPP_HANDLERS,
}


def _cme(line: bytes, rest: str) -> Event:
    """``+CME ERROR: <err>``: numeric, or text in verbose mode."""
    rest = rest.strip(" \t")
    if rest.isdigit() and rest.isascii():  # int() refuses "²", a digit to isdigit()
        return _CmeError(int(rest))
    if not rest:
        return _ProtocolError("+CME ERROR: expected <err>, got nothing", line)
    return _CmeError(rest)


# The commonest +NAME: lines in their plain form (ASCII digits, the note's quoting, at
# most one space after the colon), read by one precompiled regex each; a line not
# matching exactly goes to the general splitter, which gives the same event for every
# line matched here (tests/test_fastpath.py checks that).
_NUM = rb"([0-9]{1,10})"
_IPS = rb"([0-9A-Fa-f.:]{1,45})"
_FAST_FORMS: dict[bytes, tuple[bytes, Callable[[re.Match[bytes]], Event]]] = {
    b"+QIOPEN": (rb" ?%s,%s\Z" % (_NUM, _NUM),
                 lambda m: _OpenResult(int(m[1]), result_code(int(m[2])))),
    b"+QISEND": (rb" ?%s,%s,%s\Z" % (_NUM, _NUM, _NUM),
                 lambda m: _SendStats(int(m[1]), int(m[2]), int(m[3]))),
    b"+QIDNSGIP": (rb" ?%s,%s,%s\Z" % (_NUM, _NUM, _NUM),
                   lambda m: _DnsResult(result_code(int(m[1])), int(m[2]), int(m[3]), False)),
    b"+QIURC": (rb' ?"closed",%s\Z' % _NUM, lambda m: _Closed(int(m[1]))),
    b"+IP": (rb" ?%s\Z" % _IPS, lambda m: _IpAddress(m[1].decode("ascii"))),
    b"+QPING": (rb' ?%s,"%s",%s,%s,%s\Z' % (_NUM, _IPS, _NUM, _NUM, _NUM),
                lambda m: _PingReply(result_code(int(m[1])), m[2].decode("ascii"),
                                     int(m[3]), int(m[4]), int(m[5]))),
    b"+QISTATE": (rb' ?%s,"([^"]*)","([^"]*)",%s,%s,%s,%s,%s\Z' % ((_NUM,) + (_NUM,) * 5),
                  lambda m: _SocketStatus(int(m[1]), F.text(m[2]), F.text(m[3]), int(m[4]),
                                          int(m[5]), int(m[6]), int(m[7]), int(m[8]),
                                          None, None)),
}
_FAST: dict[bytes, tuple[Callable[[bytes, int], re.Match[bytes] | None], Callable[[re.Match[bytes]], Event]]] = {
    k: (re.compile(pattern).match, build) for k, (pattern, build) in _FAST_FORMS.items()}


def classify_line(line: bytes) -> Event:
    """The event for one line of module output, without its line end.

    ``Info.name`` and ``TestResponse.name`` are the NAME of ``+NAME:`` without ``+``
    and ``:`` (``"QIOPEN"``, ``"CSQ"``).
    """
    event = _EXACT.get(line)
    if event is not None:
        return event
    colon = line.find(b":")
    fast = _FAST.get(line[:colon]) if colon > 0 else None
    if fast is not None:
        m = fast[0](line, colon + 1)
        if m is not None:
            return fast[1](m)
    return _classify(line)


def _classify(line: bytes) -> Event:
    """:func:`classify_line` without the fast forms: the general splitter."""
    if line[:1] != b"+":
        stripped = line.rstrip(b" \t")
        return _EXACT.get(stripped) or _Text(line)
    colon = line.find(b":")
    if colon < 2:
        return _Text(line)
    name = F.text(line[1:colon])
    rest = F.text(line[colon + 1:])
    if name == "CME ERROR":
        return _cme(line, rest)
    if '"' in name:
        return _Text(line)
    try:
        fields = F.split(rest)
        if "(" in rest and F.has_paren(fields):
            return _TestResponse(name, tuple(F.generic(x) for x in fields))
        handler = _HANDLERS.get(name)
        return handler(fields) if handler is not None else _info(name, fields)
    except Shape as exc:
        if name not in _HANDLERS:
            return _Text(line)  # an unknown line we cannot split is still just text
        return _ProtocolError(f"+{name}: {exc}", line)
