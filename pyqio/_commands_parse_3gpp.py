"""The 3GPP TS 27.007 forms for :func:`pyqio.commands.parse`: which exist, and their parameters.

``FORMS[name]`` is ``(read, exec, write)``: the builder of ``AT+<NAME>?``, of
``AT+<NAME>``, and a reader of the parameters after ``AT+<NAME>=`` (given the
parser's cursor), each None where the form does not exist. Every value goes through
the builder, so a bad one is refused with the builder's own message.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ._commands import Command
from ._commands_3gpp import (
    Cclk,
    CclkQuery,
    Cedrxs,
    CedrxsQuery,
    Cereg,
    CeregQuery,
    Cfun,
    CfunQuery,
    Cgatt,
    CgattQuery,
    Cgdcont,
    CgdcontQuery,
    Cgmr,
    Cgpaddr,
    Cgsn,
    Cimi,
    Cpsms,
    CpsmsQuery,
    Csq,
)

__all__ = ["FORMS", "Forms"]


class Forms(NamedTuple):
    read: Callable[[], Command] | None
    exec: Callable[[], Command] | None
    write: Callable[[Any], Command] | None


def _empty(p: Any) -> bool:
    """The next field is empty (``,,`` or a trailing ``,``): 27.007 leaves it out."""
    return p.peek() in ("", ",")


def _cfun(p: Any) -> Command:
    fun = p.integer("fun")
    return Cfun(fun, *p.opt_ints("rst"))


def _cereg(p: Any) -> Command:
    n = p.integer("n")
    p.end()
    return Cereg(n)


def _cgatt(p: Any) -> Command:
    state = p.integer("state")
    p.end()
    return Cgatt(state)  # type: ignore[arg-type]  # the builder refuses anything but 0/1


def _cgpaddr(p: Any) -> Command:
    cid = p.integer("cid")
    p.end()
    return Cgpaddr(cid)


def _cgdcont(p: Any) -> Command:
    cid = p.integer("cid")
    values = []
    for name in ("PDP_type", "APN"):
        if not p.more():
            break
        values.append(p.quoted(name))
    p.end()
    return Cgdcont(cid, *values)


def _cpsms(p: Any) -> Command:
    mode = p.integer("mode")
    timers: list[str | None] = []
    for name in ("Requested_Periodic-RAU", "Requested_GPRS-READY-timer",
                 "Requested_Periodic-TAU", "Requested_Active-Time"):
        if not p.more():
            break
        timers.append(None if _empty(p) else p.quoted(name))
    p.end()
    while timers and timers[-1] is None:
        timers.pop()  # "AT+CPSMS=1,," means what "AT+CPSMS=1" means
    return Cpsms(mode, *timers)


def _cedrxs(p: Any) -> Command:
    mode = p.integer("mode")
    act = value = None
    if p.more():
        act = p.integer("AcT-type")
        if p.more():
            value = p.quoted("Requested_eDRX_value")
    p.end()
    return Cedrxs(mode, act, value)


def _cclk(p: Any) -> Command:
    time = p.quoted("time")
    p.end()
    return Cclk(time)


def _cgsn(p: Any) -> Command:
    snt = p.integer("snt")
    p.end()
    return Cgsn(snt)


FORMS: dict[str, Forms] = {
    "CFUN": Forms(CfunQuery, None, _cfun),
    "CEREG": Forms(CeregQuery, None, _cereg),
    "CGATT": Forms(CgattQuery, None, _cgatt),
    "CGPADDR": Forms(None, Cgpaddr, _cgpaddr),
    "CGDCONT": Forms(CgdcontQuery, None, _cgdcont),
    "CSQ": Forms(None, Csq, None),
    "CPSMS": Forms(CpsmsQuery, None, _cpsms),
    "CEDRXS": Forms(CedrxsQuery, None, _cedrxs),
    "CCLK": Forms(CclkQuery, None, _cclk),
    "CGSN": Forms(None, Cgsn, _cgsn),
    "CIMI": Forms(None, Cimi, None),
    "CGMR": Forms(None, Cgmr, None),
}
