"""What each command's answer looks like: which lines belong to it and which one ends it.

A *plan* is a small state machine per request.  The session hands it every event
that is not a URC; ``step(ev)`` answers ``NOT_MINE`` (the line does not belong to
this command: the session surfaces it unattached), ``MORE`` (attached, keep
waiting) or the final event (attached, the request is complete; the final may be
a reading of the line the plan converted, e.g. a lone ``+QPING: <result>`` read as
the summary).

Rules common to every plan (2.3.x "If there is any error: ERROR"): ``ERROR`` and
``+CME ERROR`` end the command at any stage.  Deferred results (``+QIOPEN``,
``CLOSE OK``, ``SEND OK``, ``+QPING``, ``+QNTP``, ``+QIDNSGIP``) are only taken
after the command's ``OK``: a late deferred result of a command the caller gave up
on cannot end the next command before that one's own ``OK``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..wire._result import ResultCode, result_code
from ..wire.events import (
    CloseOk,
    CmeError,
    DnsAddress,
    DnsResult,
    Error,
    Event,
    Info,
    NtpResult,
    Ok,
    OpenResult,
    PingReply,
    PingSummary,
    Prompt,
    SendFail,
    SendOk,
    TestResponse,
    Text,
)

__all__ = ["MORE", "NOT_MINE", "Plan", "plan_for", "prefix_of"]

NOT_MINE = None
MORE = object()


def prefix_of(ev: Event) -> str | None:
    """The ``+NAME`` an information line came with ("QIOPEN"), or None for other events."""
    name = type(ev).prefix  # a typed information line says which +NAME it came with
    if name is not None:
        return name
    if isinstance(ev, (Info, TestResponse)):
        return ev.name.lstrip("+").upper()
    return None


def _lone_int(ev: Event, name: str) -> int | None:
    """A ``+NAME: <int>`` line the decoder could only read as Info (a bare result code)."""
    if isinstance(ev, Info) and ev.name.lstrip("+").upper() == name \
            and len(ev.params) == 1 and isinstance(ev.params[0], int):
        return ev.params[0]
    return None


class Plan:
    """Information lines with a prefix in ``names`` (and Text lines if ``text``) then ``OK``.

    This is the query/test/set shape of every command (2.3.x).
    """

    waiting_for = "OK"
    deferred = False
    needs_prompt = False

    def __init__(self, names: frozenset[str] = frozenset(), text: bool = False) -> None:
        self.names = names
        self.text = text

    def step(self, ev: Event) -> Any:
        if isinstance(ev, (Error, CmeError)):
            return ev
        if self.deferred:
            return self.step_deferred(ev)
        if isinstance(ev, Ok):
            return self.on_ok(ev)
        if self.text and isinstance(ev, Text):
            return MORE
        if prefix_of(ev) in self.names:
            return MORE
        return NOT_MINE

    def on_ok(self, ev: Ok) -> Any:
        return ev

    def step_deferred(self, ev: Event) -> Any:  # pragma: no cover - plans that defer override
        return NOT_MINE

    def _defer(self, waiting_for: str) -> Any:
        self.deferred = True
        self.waiting_for = waiting_for
        return MORE


class OpenPlan(Plan):
    """``AT+QIOPEN``: ``OK`` then ``+QIOPEN: <connectID>,<result>`` (2.3.1)."""

    def __init__(self, connect_id: int) -> None:
        super().__init__()
        self.connect_id = connect_id

    def on_ok(self, ev: Ok) -> Any:
        return self._defer("+QIOPEN")

    def step_deferred(self, ev: Event) -> Any:
        if isinstance(ev, OpenResult) and ev.connect_id == self.connect_id:
            return ev
        return NOT_MINE


class ClosePlan(Plan):
    """``AT+QICLOSE``: ``OK`` then ``CLOSE OK`` (2.3.2)."""

    def on_ok(self, ev: Ok) -> Any:
        return self._defer("CLOSE OK")

    def step_deferred(self, ev: Event) -> Any:
        return ev if isinstance(ev, CloseOk) else NOT_MINE


class SendPlan(Plan):
    """``AT+QISEND`` with data: [``>``,] ``OK``, then ``SEND OK`` / ``SEND FAIL`` (2.3.4).

    In data mode the payload goes out only after the prompt, and ``SEND OK``/``SEND
    FAIL`` are taken also without the ``OK`` before them (the note's table for the
    fixed-length form shows ``SEND OK`` alone); the inline form takes them only
    after its ``OK``, so that a late ``SEND OK`` of an abandoned send is not its.  After an Esc cancel the note shows
    no answer; the first result code of any kind ends the command.
    """

    def __init__(self, data_mode: bool, cancel: bool = False) -> None:
        super().__init__()
        self.needs_prompt = data_mode
        self.cancel = cancel
        self.waiting_for = ">" if data_mode else "OK"

    def step(self, ev: Event) -> Any:
        if isinstance(ev, (Error, CmeError)):
            return ev
        if self.waiting_for == ">":
            if isinstance(ev, Prompt):
                self.waiting_for = "OK"
                return MORE
            return NOT_MINE
        if self.cancel and isinstance(ev, (Ok, SendOk, SendFail)):
            return ev
        if isinstance(ev, (SendOk, SendFail)) and (self.deferred or self.needs_prompt):
            return ev  # inline sends need their OK first: a late SEND OK is not theirs
        if isinstance(ev, Ok) and not self.deferred:
            return self._defer("SEND OK")
        return NOT_MINE


# Of a lone "+QPING: <result>", only what befalls one echo request is a failed
# *reply* after which the module goes on with the next: no answer within <time_out>
# (569), or the request could not be written or its answer read (558, 559).  Every
# other code (DNS parse failed, PDP context broke down, busy, unknown ...) stops the
# whole ping, so it is the failed summary (<finresult>): ending early on a code we do
# not know beats waiting for replies that never come.
_PER_REPLY_FAILURES = frozenset({
    int(ResultCode.OPERATION_TIMEOUT), int(ResultCode.SOCKET_WRITE_FAILED),
    int(ResultCode.SOCKET_READ_FAILED),
})


class PingPlan(Plan):
    """``AT+QPING``: ``OK``, up to <ping_num> ``+QPING`` replies, then the summary (2.3.5).

    A 7-field line is the summary.  A lone ``+QPING: <result>`` is a failed reply
    while fewer than <ping_num> replies came and the code befalls one request (569
    timeout, 558/559 write/read failed); otherwise it is the failed summary, which
    ends the command even after fewer replies (a DNS or PDP failure stops the ping
    at once).
    """

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count
        self.replies = 0

    def on_ok(self, ev: Ok) -> Any:
        return self._defer("+QPING")

    def step_deferred(self, ev: Event) -> Any:
        if isinstance(ev, PingSummary):
            return ev
        lone = _lone_int(ev, "QPING")
        if isinstance(ev, PingReply) and ev.ip is not None:
            self.replies += 1
            return MORE
        if isinstance(ev, PingReply):
            lone = int(ev.result)
        if lone is None:
            return NOT_MINE
        if self.replies < self.count and lone in _PER_REPLY_FAILURES:
            self.replies += 1
            return MORE
        return PingSummary(result_code(lone))


class NtpPlan(Plan):
    """``AT+QNTP``: ``OK`` then ``+QNTP: <result>[,<time>]`` (2.3.6)."""

    def on_ok(self, ev: Ok) -> Any:
        return self._defer("+QNTP")

    def step_deferred(self, ev: Event) -> Any:
        if isinstance(ev, NtpResult):
            return ev
        lone = _lone_int(ev, "QNTP")
        return NOT_MINE if lone is None else NtpResult(result_code(lone))


class DnsPlan(Plan):
    """``AT+QIDNSGIP``: ``OK``, ``+QIDNSGIP: <result>,<IP_count>,<DNS_ttl>``, address lines (2.3.7).

    Note 3 of 2.3.7: only the first address is displayed, whatever <IP_count>
    says.  So the answer ends at the header when <result> != 0 or <IP_count> is
    0, else at the first address line; further address lines (should a firmware
    show more) come out unattached.  The final is the header (it holds the
    result); the address is among the attached events.  A lone
    ``+QIDNSGIP: <result>`` (no count, no ttl) is read as a failed header.

    The BG96 family prints the answer as ``+QIURC: "dnsgip"`` URCs (``urc=True``) and
    lists every address (BG96 TCP/IP AN 2.2.11): after such a header the answer ends
    at its ``<IP_count>``-th address.
    """

    def __init__(self) -> None:
        super().__init__()
        self.header: DnsResult | None = None
        self.left = 0

    def on_ok(self, ev: Ok) -> Any:
        return self._defer("+QIDNSGIP")

    def step_deferred(self, ev: Event) -> Any:
        if self.header is not None:
            if not isinstance(ev, DnsAddress):
                return NOT_MINE
            self.left -= 1
            return self.header if self.left <= 0 else MORE
        header = ev if isinstance(ev, DnsResult) else self._lone_header(ev)
        if header is None:
            return NOT_MINE
        if header.result != 0 or header.ip_count <= 0:
            return header
        self.header = header
        # the note shows one address whatever the count; the URC form lists them all
        self.left = min(header.ip_count, 32) if getattr(header, "urc", False) else 1
        self.waiting_for = "+QIDNSGIP address"
        return MORE

    @staticmethod
    def _lone_header(ev: Event) -> DnsResult | None:
        lone = _lone_int(ev, "QIDNSGIP")
        if lone is None and isinstance(ev, DnsAddress) and ev.ip.isdigit():
            lone = int(ev.ip)  # "+QIDNSGIP: 565" read as a bare address by the decoder
        return None if lone is None else DnsResult(result_code(lone), 0, 0)


class StatePlan(Plan):
    """``AT+QISTATE?`` / ``AT+QISTATE=<type>,<id>``: rows then ``OK`` (2.3.3)."""

    def __init__(self, full: bool) -> None:
        super().__init__(frozenset({"QISTATE"}))
        self.full = full


class SendExPlan(Plan):
    """``AT+QISENDEX``: ``SEND OK``/``SEND FAIL``, with or without an ``OK`` before it
    (the BG95&BG77&BG600L TCP/IP Application Note's example 3.3.2 shows ``SEND OK`` alone)."""

    waiting_for = "SEND OK"

    def step(self, ev: Event) -> Any:
        if isinstance(ev, (Error, CmeError, SendOk, SendFail)):
            return ev
        if isinstance(ev, Ok) and not self.deferred:
            return self._defer("SEND OK")
        return NOT_MINE


def plan_for(cmd: Any, payload: bytes | None) -> Plan:
    """The plan of *cmd*, from the ``plan`` its declaration names (:mod:`pyqio.commands._spec`).

    ``"lines"`` (most commands, ``Raw`` and ``TestCommand`` included): ``+NAME:``
    lines of the command's own name (its ``info_prefix``), bare text lines when its
    ``text_lines`` is true, then ``OK``. The other kinds wait for a deferred result.
    """
    spec = getattr(cmd, "spec", None)
    kind = spec.plan if spec is not None else "lines"
    make = _BY_KIND.get(kind)
    if make is not None:
        made: Plan = make(cmd, payload)
        return made
    prefix = getattr(cmd, "info_prefix", None) or ""
    names = frozenset({str(prefix).lstrip("+").upper()}) - {""}
    return Plan(names, text=bool(getattr(cmd, "text_lines", False)))


def _send(cmd: Any, payload: bytes | None) -> Plan:
    return SendPlan(data_mode=False)


def _send_data(cmd: Any, payload: bytes | None) -> Plan:
    return SendPlan(data_mode=True, cancel=payload is not None and payload.endswith(b"\x1b"))


def _send_fixed(cmd: Any, payload: bytes | None) -> Plan:
    # fixed-length data is any byte, Esc included: a payload of <send_length> bytes
    # (twice that in hex) is data even when it ends in 0x1B; only a shorter one is
    # the Esc cancel
    cancel = (payload is not None and payload.endswith(b"\x1b")
              and len(payload) not in (cmd.length, 2 * cmd.length))
    return SendPlan(data_mode=True, cancel=cancel)


# the plans with a deferred result, and the socket-state queries, by the kind a
# declaration names; every other command takes the generic "lines" plan
_BY_KIND: dict[str, Callable[[Any, bytes | None], Plan]] = {
    "open": lambda c, p: OpenPlan(c.connect_id),
    "close": lambda c, p: ClosePlan(),
    "send_ex": lambda c, p: SendExPlan(),
    "state_all": lambda c, p: StatePlan(full=True),
    "state": lambda c, p: StatePlan(full=(c.query_type == 0)),
    "send": _send,
    "send_data": _send_data,
    "send_fixed": _send_fixed,
    "ping": lambda c, p: PingPlan(4 if c.count is None else c.count),
    "ntp": lambda c, p: NtpPlan(),
    "dns": lambda c, p: DnsPlan(),
}
