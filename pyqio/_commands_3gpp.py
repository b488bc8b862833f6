"""Builders of the 3GPP TS 27.007 commands a host stack needs to bring a module up.

Functionality (``AT+CFUN``), EPS registration (``AT+CEREG``), packet attach
(``AT+CGATT``), PDP addresses and contexts (``AT+CGPADDR``, ``AT+CGDCONT``), signal
(``AT+CSQ``), PSM and eDRX (``AT+CPSMS``, ``AT+CEDRXS``), the clock (``AT+CCLK``; the
note points to it after ``AT+QNTP``, 2.3.6) and identity (``AT+CGSN``, ``AT+CIMI``,
``AT+CGMR``). Class names are the command's name with one capital (``Cereg`` is
``AT+CEREG=<n>``); ``...Query`` is the read form (``AT+CEREG?``).

Checked like every builder (:mod:`pyqio._commands_check`); string parameters (APN,
timer strings, the clock) are printable ASCII without ``"``, so they cannot inject.
The answers decode to the events of :mod:`pyqio._events_3gpp`.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import ClassVar

from ._commands import Command, _join, _q, _set
from ._commands_check import check_flag, check_int, check_nesting, check_opt_int, show
from ._events_3gpp import clock_time
from ._timers3gpp import check_bits
from .errors import InvalidArgument

__all__ = ["PDP_TYPES", "Cclk", "CclkQuery", "Cedrxs", "CedrxsQuery", "Cereg", "CeregQuery",
           "Cfun", "CfunQuery", "Cgatt", "CgattQuery", "Cgdcont", "CgdcontQuery", "Cgmr",
           "Cgpaddr", "Cgsn", "Cimi", "Cpsms", "CpsmsQuery", "Csq"]

#: ``<PDP_type>`` values of AT+CGDCONT (27.007 10.1.1) an NB-IoT module takes.
PDP_TYPES = ("IP", "IPV6", "IPV4V6", "Non-IP")
#: ``<cid>`` range (27.007 leaves it to the module; the BC660K-GL takes 0–10, as <contextID>).
CID_RANGE = (0, 10)
#: The longest APN (3GPP TS 23.003 9.1: 100 octets).
MAX_APN = 100


def _cid(name: str, value: object) -> int:
    return check_int(name, value, *CID_RANGE)


def _opt_fields(*values: object) -> list[bytes | int]:
    """Optional trailing fields: empty where None before a given one, dropped after the last."""
    parts: list[bytes | int] = [b"" if v is None else v for v in values]  # type: ignore[misc]
    while parts and values[len(parts) - 1] is None:
        parts.pop()
    return parts


def _check_text(name: str, value: object, max_len: int) -> str:
    """A quoted string that may be empty: printable ASCII, no ``"``, at most *max_len*."""
    if not isinstance(value, str):
        raise InvalidArgument(f"{name}={show(value)} is not a str (0–{max_len} bytes)")
    for ch in value:
        if ch == '"' or not " " <= ch <= "~":
            what = "'\"', which would end the quoted parameter" if ch == '"' else \
                f"{ch!r}: quoted parameters take printable ASCII only (a control byte " \
                "could inject a command)"
            raise InvalidArgument(f"{name}={show(value)} contains {what}")
    if len(value) > max_len:
        raise InvalidArgument(f"{name} is {len(value)} bytes long, over the maximum of "
                              f"{max_len} bytes (allowed: 0–{max_len})")
    return value


class _Query(Command):
    """``AT+<NAME>?``: the read form, answered by ``+<NAME>:`` lines then ``OK``."""

    __slots__ = ()

    def _body(self) -> bytes:
        return b"AT+" + self.name.encode() + b"?"


class _Exec(Command):
    """``AT+<NAME>``: the execution form."""

    __slots__ = ()

    def _body(self) -> bytes:
        return b"AT+" + self.name.encode()


@dataclass(frozen=True, slots=True)
class Cfun(Command):
    """``AT+CFUN=<fun>[,<rst>]`` (27.007 8.2): 0 minimum, 1 full, 4 RF off; ``rst`` 1 resets first.

    ``fun`` 0–127 (5–127 are the manufacturer's), ``rst`` 0–1.
    """

    fun: int
    rst: int | None = None
    name: ClassVar[str] = "CFUN"

    def __post_init__(self) -> None:
        check_int("fun", self.fun, 0, 127)
        check_opt_int("rst", self.rst, 0, 1)

    def _body(self) -> bytes:
        return b"AT+CFUN=" + _join(self.fun, *_opt_fields(self.rst))


@dataclass(frozen=True, slots=True)
class CfunQuery(_Query):
    """``AT+CFUN?``: answered ``+CFUN: <fun>`` (a :class:`~pyqio.events.Functionality`)."""

    name: ClassVar[str] = "CFUN"
    info_prefix: ClassVar[str | None] = "+CFUN"


@dataclass(frozen=True, slots=True)
class Cereg(Command):
    """``AT+CEREG=<n>`` (27.007 10.1.22): which ``+CEREG:`` URCs the module prints, 0–5.

    0 none, 1 ``<stat>``, 2 with location, 3 with the cause, 4 with the PSM timers,
    5 with location, cause and timers.
    """

    n: int
    name: ClassVar[str] = "CEREG"

    def __post_init__(self) -> None:
        check_int("n", self.n, 0, 5)

    def _body(self) -> bytes:
        return b"AT+CEREG=" + _join(self.n)


@dataclass(frozen=True, slots=True)
class CeregQuery(_Query):
    """``AT+CEREG?``: answered ``+CEREG: <n>,<stat>[,...]`` (a :class:`~pyqio.events.Registration`
    with ``n`` set); a ``+CEREG:`` URC meanwhile stays a URC."""

    name: ClassVar[str] = "CEREG"
    info_prefix: ClassVar[str | None] = "+CEREG"


@dataclass(frozen=True, slots=True)
class Cgatt(Command):
    """``AT+CGATT=<state>`` (27.007 10.1.9): attach (True/1) or detach (False/0)."""

    state: bool
    name: ClassVar[str] = "CGATT"

    def __post_init__(self) -> None:
        _set(self, "state", check_flag("state", self.state))

    def _body(self) -> bytes:
        return b"AT+CGATT=" + _join(self.state)


@dataclass(frozen=True, slots=True)
class CgattQuery(_Query):
    """``AT+CGATT?``: answered ``+CGATT: <state>`` (an :class:`~pyqio.events.AttachState`)."""

    name: ClassVar[str] = "CGATT"
    info_prefix: ClassVar[str | None] = "+CGATT"


@dataclass(frozen=True, slots=True)
class Cgpaddr(Command):
    """``AT+CGPADDR[=<cid>]`` (27.007 10.1.14): the address of one context, or of every one.

    Answered by ``+CGPADDR: <cid>,<addr>`` rows (:class:`~pyqio.events.PdpAddress`).
    """

    cid: int | None = None
    name: ClassVar[str] = "CGPADDR"
    info_prefix: ClassVar[str | None] = "+CGPADDR"

    def __post_init__(self) -> None:
        if self.cid is not None:
            _cid("cid", self.cid)

    def _body(self) -> bytes:
        return b"AT+CGPADDR" + (b"" if self.cid is None else b"=" + _join(self.cid))


@dataclass(frozen=True, slots=True)
class Cgdcont(Command):
    """``AT+CGDCONT=<cid>[,<PDP_type>[,<APN>]]`` (27.007 10.1.1): define a PDP context.

    ``pdp_type`` one of :data:`PDP_TYPES`; ``apn`` up to 100 printable ASCII
    characters, "" asks the network for its default. ``Cgdcont(cid)`` alone
    undefines the context.
    """

    cid: int
    pdp_type: str | None = None
    apn: str | None = None
    name: ClassVar[str] = "CGDCONT"

    def __post_init__(self) -> None:
        _cid("cid", self.cid)
        check_nesting(("pdp_type", "apn"), (self.pdp_type, self.apn))
        if self.pdp_type is not None and self.pdp_type not in PDP_TYPES:
            raise InvalidArgument(f"pdp_type={show(self.pdp_type)} is not one of "
                                  + ", ".join(f'"{t}"' for t in PDP_TYPES))
        if self.apn is not None:
            _check_text("apn", self.apn, MAX_APN)

    def _body(self) -> bytes:
        opt = [_q(v) for v in (self.pdp_type, self.apn) if v is not None]
        return b"AT+CGDCONT=" + _join(self.cid, *opt)


@dataclass(frozen=True, slots=True)
class CgdcontQuery(_Query):
    """``AT+CGDCONT?``: one ``+CGDCONT:`` row per context (:class:`~pyqio.events.PdpContext`)."""

    name: ClassVar[str] = "CGDCONT"
    info_prefix: ClassVar[str | None] = "+CGDCONT"


@dataclass(frozen=True, slots=True)
class Csq(_Exec):
    """``AT+CSQ`` (27.007 8.5): answered ``+CSQ: <rssi>,<ber>`` (:class:`~pyqio.events.SignalQuality`)."""

    name: ClassVar[str] = "CSQ"
    info_prefix: ClassVar[str | None] = "+CSQ"


_PSM_NAMES = ("periodic_rau", "gprs_ready_timer", "periodic_tau", "active_time")


@dataclass(frozen=True, slots=True)
class Cpsms(Command):
    """``AT+CPSMS=<mode>[,<Periodic-RAU>[,<GPRS-READY-timer>[,<Periodic-TAU>[,<Active-Time>]]]]`` (27.007 7.38).

    ``mode`` 0 off, 1 on, 2 off and reset the timers. The timers are 8-bit strings
    (:func:`~pyqio.commands.periodic_tau_bits`, :func:`~pyqio.commands.active_time_bits`
    make them from seconds); an omitted one is written as an empty field when a later
    one is given (``AT+CPSMS=1,,,"00100001","00000101"``): 27.007 allows that here.
    """

    mode: int
    periodic_rau: str | None = None
    gprs_ready_timer: str | None = None
    periodic_tau: str | None = None
    active_time: str | None = None
    name: ClassVar[str] = "CPSMS"

    def __post_init__(self) -> None:
        check_int("mode", self.mode, 0, 2)
        for field in _PSM_NAMES:
            value = getattr(self, field)
            if value is not None:
                check_bits(field, value)

    def _body(self) -> bytes:
        timers = [None if v is None else _q(v) for v in
                  (self.periodic_rau, self.gprs_ready_timer, self.periodic_tau, self.active_time)]
        return b"AT+CPSMS=" + _join(self.mode, *_opt_fields(*timers))


@dataclass(frozen=True, slots=True)
class CpsmsQuery(_Query):
    """``AT+CPSMS?``: answered ``+CPSMS: <mode>,...`` (:class:`~pyqio.events.PsmSettings`)."""

    name: ClassVar[str] = "CPSMS"
    info_prefix: ClassVar[str | None] = "+CPSMS"


@dataclass(frozen=True, slots=True)
class Cedrxs(Command):
    """``AT+CEDRXS=<mode>[,<AcT-type>[,<Requested_eDRX_value>]]`` (27.007 7.40).

    ``mode`` 0 off, 1 on, 2 on with ``+CEDRXP`` URCs, 3 off and reset; ``act_type``
    0–5 (5 is E-UTRAN NB-S1); ``value`` a 4-bit string
    (:func:`~pyqio.commands.edrx_bits` makes it from seconds).
    """

    mode: int
    act_type: int | None = None
    value: str | None = None
    name: ClassVar[str] = "CEDRXS"

    def __post_init__(self) -> None:
        check_int("mode", self.mode, 0, 3)
        check_opt_int("act_type", self.act_type, 0, 5)
        check_nesting(("act_type", "value"), (self.act_type, self.value))
        if self.value is not None:
            check_bits("value", self.value, 4)

    def _body(self) -> bytes:
        opt: list[bytes | int] = [] if self.act_type is None else [self.act_type]
        if self.value is not None:
            opt.append(_q(self.value))
        return b"AT+CEDRXS=" + _join(self.mode, *opt)


@dataclass(frozen=True, slots=True)
class CedrxsQuery(_Query):
    """``AT+CEDRXS?``: one ``+CEDRXS:`` row per access technology (:class:`~pyqio.events.EdrxSetting`)."""

    name: ClassVar[str] = "CEDRXS"
    info_prefix: ClassVar[str | None] = "+CEDRXS"


def _clock_text(value: object) -> str:
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


@dataclass(frozen=True, slots=True)
class Cclk(Command):
    """``AT+CCLK="yy/MM/dd,hh:mm:ss±zz"`` (27.007 8.15): set the clock.

    ``time`` is that string, or an aware datetime (written in its own zone; a naive
    one as UTC), kept as the string.
    """

    time: str
    name: ClassVar[str] = "CCLK"

    def __post_init__(self) -> None:
        _set(self, "time", _clock_text(self.time))

    def _body(self) -> bytes:
        return b"AT+CCLK=" + _q(self.time)


@dataclass(frozen=True, slots=True)
class CclkQuery(_Query):
    """``AT+CCLK?``: answered ``+CCLK: "..."`` (a :class:`~pyqio.events.Clock`)."""

    name: ClassVar[str] = "CCLK"
    info_prefix: ClassVar[str | None] = "+CCLK"


@dataclass(frozen=True, slots=True)
class Cgsn(Command):
    """``AT+CGSN[=<snt>]`` (27.007 5.4): the serial number.

    ``snt`` None or 0: the serial number (IMEI on these modules) as a bare line
    (:class:`~pyqio.events.Text`); 1 IMEI, 2 IMEISV, 3 SVN as ``+CGSN: <sn>``
    (:class:`~pyqio.events.SerialNumber`).
    """

    snt: int | None = None
    name: ClassVar[str] = "CGSN"
    info_prefix: ClassVar[str | None] = "+CGSN"
    text_lines: ClassVar[bool] = True

    def __post_init__(self) -> None:
        check_opt_int("snt", self.snt, 0, 3)

    def _body(self) -> bytes:
        return b"AT+CGSN" + (b"" if self.snt is None else b"=" + _join(self.snt))


@dataclass(frozen=True, slots=True)
class Cimi(_Exec):
    """``AT+CIMI`` (27.007 5.6): the IMSI, a bare line (:class:`~pyqio.events.Text`)."""

    name: ClassVar[str] = "CIMI"
    text_lines: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Cgmr(_Exec):
    """``AT+CGMR`` (27.007 5.3): the firmware revision, bare line(s) (:class:`~pyqio.events.Text`)."""

    name: ClassVar[str] = "CGMR"
    text_lines: ClassVar[bool] = True
