"""Builders of the 3GPP TS 27.007 commands a host stack needs to bring a module up.

Functionality (``AT+CFUN``), EPS registration (``AT+CEREG``), packet attach
(``AT+CGATT``), PDP addresses and contexts (``AT+CGPADDR``, ``AT+CGDCONT``), signal
(``AT+CSQ``), PSM and eDRX (``AT+CPSMS``, ``AT+CEDRXS``), the clock (``AT+CCLK``; the
note points to it after ``AT+QNTP``, 2.3.6) and identity (``AT+CGSN``, ``AT+CIMI``,
``AT+CGMR``). Class names are the command's name with one capital (``Cereg`` is
``AT+CEREG=<n>``); ``...Query`` is the read form (``AT+CEREG?``). Each is declared
once (:mod:`pyqio.commands._spec`).

String parameters (APN, timer strings, the clock) are printable ASCII without
``"``, so they cannot inject. The answers decode to the events of
:mod:`pyqio.wire._events_3gpp`.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any

from ..errors import InvalidArgument
from ..protocol import CID_RANGE, MAX_APN, PDP_TYPES
from ..wire._events_3gpp import clock_time
from ._base import Command
from ._check import show
from ._spec import bits, choice, command, custom, flag, integer, text

__all__ = ["PDP_TYPES", "Cclk", "CclkQuery", "Cedrxs", "CedrxsQuery", "Cereg", "CeregQuery",
           "Cfun", "CfunQuery", "Cgatt", "CgattQuery", "Cgdcont", "CgdcontQuery", "Cgmr",
           "Cgpaddr", "Cgsn", "Cimi", "Cpsms", "CpsmsQuery", "Csq"]


@command("CFUN")
class Cfun(Command):
    """``AT+CFUN=<fun>[,<rst>]`` (27.007 8.2): 0 minimum, 1 full, 4 RF off; ``rst`` 1 resets first.

    ``fun`` 0–127 (5–127 are the manufacturer's), ``rst`` 0–1.
    """

    fun: int = integer("fun", range(0, 128))
    rst: int | None = integer("rst", range(0, 2), default=None)


@command("CFUN", form="read")
class CfunQuery(Command):
    """``AT+CFUN?``: answered ``+CFUN: <fun>`` (a :class:`~pyqio.events.Functionality`)."""


@command("CEREG")
class Cereg(Command):
    """``AT+CEREG=<n>`` (27.007 10.1.22): which ``+CEREG:`` URCs the module prints, 0–5.

    0 none, 1 ``<stat>``, 2 with location, 3 with the cause, 4 with the PSM timers,
    5 with location, cause and timers.
    """

    n: int = integer("n", range(0, 6))


@command("CEREG", form="read")
class CeregQuery(Command):
    """``AT+CEREG?``: answered ``+CEREG: <n>,<stat>[,...]`` (a :class:`~pyqio.events.Registration`
    with ``n`` set); a ``+CEREG:`` URC meanwhile stays a URC."""


@command("CGATT")
class Cgatt(Command):
    """``AT+CGATT=<state>`` (27.007 10.1.9): attach (True/1) or detach (False/0)."""

    state: bool = flag("state")


@command("CGATT", form="read")
class CgattQuery(Command):
    """``AT+CGATT?``: answered ``+CGATT: <state>`` (an :class:`~pyqio.events.AttachState`)."""


@command("CGPADDR", form="exec")
class Cgpaddr(Command):
    """``AT+CGPADDR[=<cid>]`` (27.007 10.1.14): the address of one context, or of every one.

    Answered by ``+CGPADDR: <cid>,<addr>`` rows (:class:`~pyqio.events.PdpAddress`).
    """

    cid: int | None = integer("cid", CID_RANGE, default=None)


@command("CGDCONT")
class Cgdcont(Command):
    """``AT+CGDCONT=<cid>[,<PDP_type>[,<APN>]]`` (27.007 10.1.1): define a PDP context.

    ``pdp_type`` one of :data:`PDP_TYPES`; ``apn`` up to 100 printable ASCII
    characters, "" asks the network for its default. ``Cgdcont(cid)`` alone
    undefines the context.
    """

    cid: int = integer("cid", CID_RANGE)
    pdp_type: str | None = choice("PDP_type", PDP_TYPES, default=None)
    apn: str | None = text("APN", MAX_APN, min_len=0, default=None)


@command("CGDCONT", form="read")
class CgdcontQuery(Command):
    """``AT+CGDCONT?``: one ``+CGDCONT:`` row per context (:class:`~pyqio.events.PdpContext`)."""


@command("CSQ", form="exec")
class Csq(Command):
    """``AT+CSQ`` (27.007 8.5): answered ``+CSQ: <rssi>,<ber>`` (:class:`~pyqio.events.SignalQuality`)."""


@command("CPSMS", gaps=True)
class Cpsms(Command):
    """``AT+CPSMS=<mode>[,<Periodic-RAU>[,<GPRS-READY-timer>[,<Periodic-TAU>[,<Active-Time>]]]]`` (27.007 7.38).

    ``mode`` 0 off, 1 on, 2 off and reset the timers. The timers are 8-bit strings
    (:func:`~pyqio.commands.periodic_tau_bits`, :func:`~pyqio.commands.active_time_bits`
    make them from seconds); an omitted one is written as an empty field when a later
    one is given (``AT+CPSMS=1,,,"00100001","00000101"``): 27.007 allows that here.
    """

    mode: int = integer("mode", range(0, 3))
    periodic_rau: str | None = bits("Requested_Periodic-RAU", default=None)
    gprs_ready_timer: str | None = bits("Requested_GPRS-READY-timer", default=None)
    periodic_tau: str | None = bits("Requested_Periodic-TAU", default=None)
    active_time: str | None = bits("Requested_Active-Time", default=None)


@command("CPSMS", form="read")
class CpsmsQuery(Command):
    """``AT+CPSMS?``: answered ``+CPSMS: <mode>,...`` (:class:`~pyqio.events.PsmSettings`)."""


@command("CEDRXS")
class Cedrxs(Command):
    """``AT+CEDRXS=<mode>[,<AcT-type>[,<Requested_eDRX_value>]]`` (27.007 7.40).

    ``mode`` 0 off, 1 on, 2 on with ``+CEDRXP`` URCs, 3 off and reset; ``act_type``
    0–5 (5 is E-UTRAN NB-S1); ``value`` a 4-bit string
    (:func:`~pyqio.commands.edrx_bits` makes it from seconds).
    """

    mode: int = integer("mode", range(0, 4))
    act_type: int | None = integer("AcT-type", range(0, 6), default=None)
    value: str | None = bits("Requested_eDRX_value", 4, default=None)


@command("CEDRXS", form="read")
class CedrxsQuery(Command):
    """``AT+CEDRXS?``: one ``+CEDRXS:`` row per access technology (:class:`~pyqio.events.EdrxSetting`)."""


def _clock_text(value: Any) -> str:
    if isinstance(value, _dt.datetime):
        if not 2000 <= value.year <= 2099:
            raise InvalidArgument(f"time={value!r}: the year must be 2000–2099 (written yy)")
        offset = value.utcoffset() or _dt.timedelta(0)
        quarters, rest = divmod(int(offset.total_seconds()), 900)
        if rest or not -48 <= quarters <= 48:
            raise InvalidArgument(f"time={value!r}: the zone must be whole quarter hours "
                                  "within ±12 h")
        return value.strftime("%y/%m/%d,%H:%M:%S") + f"{'-' if quarters < 0 else '+'}" \
            f"{abs(quarters):02d}"
    if not isinstance(value, str):
        raise InvalidArgument(f"time={show(value)} is not a str or datetime")
    try:
        clock_time(value)
    except ValueError as exc:
        raise InvalidArgument(f"time={show(value)} is not a valid time yy/MM/dd,hh:mm:ss±zz "
                              f"({exc})") from None
    if len(value) != 20:
        raise InvalidArgument(f"time={show(value)} must be written yy/MM/dd,hh:mm:ss±zz "
                              "(two digits each, zone in quarter hours)")
    return value


@command("CCLK")
class Cclk(Command):
    """``AT+CCLK="yy/MM/dd,hh:mm:ss±zz"`` (27.007 8.15): set the clock.

    ``time`` is that string, or an aware datetime (written in its own zone; a naive
    one as UTC), kept as the string.
    """

    time: str = custom("time", lambda name, value, cmd: _clock_text(value), quoted=True)


@command("CCLK", form="read")
class CclkQuery(Command):
    """``AT+CCLK?``: answered ``+CCLK: "..."`` (a :class:`~pyqio.events.Clock`)."""


@command("CGSN", form="exec", text_lines=True)
class Cgsn(Command):
    """``AT+CGSN[=<snt>]`` (27.007 5.4): the serial number.

    ``snt`` None or 0: the serial number (IMEI on these modules) as a bare line
    (:class:`~pyqio.events.Text`); 1 IMEI, 2 IMEISV, 3 SVN as ``+CGSN: <sn>``
    (:class:`~pyqio.events.SerialNumber`).
    """

    snt: int | None = integer("snt", range(0, 4), default=None)


@command("CIMI", form="exec", text_lines=True)
class Cimi(Command):
    """``AT+CIMI`` (27.007 5.6): the IMSI, a bare line (:class:`~pyqio.events.Text`)."""


@command("CGMR", form="exec", text_lines=True)
class Cgmr(Command):
    """``AT+CGMR`` (27.007 5.3): the firmware revision, bare line(s) (:class:`~pyqio.events.Text`)."""
