"""Typed events of the 3GPP TS 27.007 answers a host stack needs (public in :mod:`pyqio.events`).

Registration, attach, PDP context, signal, PSM/eDRX, clock and serial number: the
lines a module prints to ``AT+CEREG?``, ``AT+CSQ`` and the rest, and the ``+CEREG:``
URC. Field names follow 27.007 (``stat``, ``tac``, ``ci``, ``act``); fields a module
leaves empty (``+CEREG: 2,1,"1A2B",,9``) are None. Timer strings are kept as printed,
with properties giving seconds (:mod:`pyqio._timers3gpp`).

As every event, ``to_bytes()`` writes the line back and
``decode(ev.to_bytes()) == [ev]``.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import ClassVar

from .._frozen import frozen
from ._event_base import Event
from ._eventfmt import _b, _q
from ._timers3gpp import active_time_seconds, edrx_seconds, periodic_tau_seconds

__all__ = ["AttachState", "Clock", "EdrxSetting", "Functionality", "PdpAddress", "PdpContext",
           "PsmSettings", "Registration", "SerialNumber", "SignalQuality"]

Param = int | str | None


def _opt(value: Param) -> bytes:
    """An optional parameter: empty when None, bare when an int, quoted when a str."""
    if value is None:
        return b""
    if isinstance(value, int):
        return b"%d" % value
    return _q(value)


def _line(name: bytes, values: list[Param]) -> bytes:
    return name + b": " + b",".join(_opt(v) for v in values)


@frozen
class Functionality(Event):
    """``+CFUN: <fun>`` answering ``AT+CFUN?`` (27.007 8.2): 0 minimum, 1 full, 4 RF off."""

    prefix: ClassVar[str | None] = "CFUN"

    fun: int

    def _body(self) -> bytes:
        return b"+CFUN: %d" % self.fun


#: ``<stat>`` values meaning registered: 1 home network, 5 roaming (27.007 10.1.22).
REGISTERED = frozenset({1, 5})


@frozen
class Registration(Event):
    """``+CEREG:`` EPS registration (27.007 10.1.22): the URC, or the answer to ``AT+CEREG?``.

    The URC is ``+CEREG: <stat>[,[<tac>],[<ci>],[<AcT>][,[<cause_type>],[<reject_cause>]
    [,[<Active-Time>],[<Periodic-TAU>]]]]`` (1, 4, 6 or 8 fields); the read answer puts
    ``<n>`` first (2, 5, 7 or 9 fields). The decoder tells them apart by that count:
    ``n`` is None in the URC and set in the answer, and the session takes only the
    answer form as ``AT+CEREG?``'s answer; the URC form is a URC at any moment.

    ``stat``: 0 not registered, 1 home, 2 searching, 3 denied, 4 unknown, 5 roaming
    (see :attr:`registered`). ``tac``/``ci`` are the hex strings as printed.
    ``active_time``/``periodic_tau`` are the 8-bit timer strings (``n`` 4 or 5);
    :attr:`active_time_s` and :attr:`periodic_tau_s` give seconds.
    """

    prefix: ClassVar[str | None] = "CEREG"

    stat: int
    tac: str | None = None
    ci: str | None = None
    act: int | None = None
    cause_type: int | None = None
    reject_cause: int | None = None
    active_time: str | None = None
    periodic_tau: str | None = None
    n: int | None = None

    @property
    def registered(self) -> bool:
        """True when registered, to the home network or roaming (``<stat>`` 1 or 5)."""
        return self.stat in REGISTERED

    @property
    def is_urc(self) -> bool:
        """True for the unsolicited form (no ``<n>``)."""
        return self.n is None

    @property
    def active_time_s(self) -> int | None:
        """The Active-Time (T3324) in seconds; None when absent or deactivated."""
        return None if self.active_time is None else active_time_seconds(self.active_time)

    @property
    def periodic_tau_s(self) -> int | None:
        """The Periodic-TAU (T3412 extended) in seconds; None when absent or deactivated."""
        return None if self.periodic_tau is None else periodic_tau_seconds(self.periodic_tau)

    def _body(self) -> bytes:
        """The fewest fields that carry every value set (empty where None, as modules print)."""
        rest: list[Param] = [self.tac, self.ci, self.act, self.cause_type, self.reject_cause,
                             self.active_time, self.periodic_tau]
        if rest[5:] != [None, None]:
            keep = 7
        elif rest[3:5] != [None, None]:
            keep = 5
        elif rest[:3] != [None, None, None]:
            keep = 3
        else:
            keep = 0
        head: list[Param] = [self.stat] if self.n is None else [self.n, self.stat]
        return _line(b"+CEREG", head + rest[:keep])


@frozen
class AttachState(Event):
    """``+CGATT: <state>`` answering ``AT+CGATT?`` (27.007 10.1.9): attached to the packet domain."""

    prefix: ClassVar[str | None] = "CGATT"

    attached: bool

    def _body(self) -> bytes:
        return b"+CGATT: %d" % self.attached


@frozen
class PdpAddress(Event):
    """``+CGPADDR: <cid>[,<PDP_addr_1>[,<PDP_addr_2>]]`` (27.007 10.1.14); None when absent."""

    prefix: ClassVar[str | None] = "CGPADDR"

    cid: int
    address: str | None = None
    address2: str | None = None

    def _body(self) -> bytes:
        values: list[Param] = [self.cid, self.address, self.address2]
        while values[-1] is None and len(values) > 1:
            values.pop()
        return _line(b"+CGPADDR", values)


@frozen
class PdpContext(Event):
    """One ``+CGDCONT:`` row answering ``AT+CGDCONT?`` (27.007 10.1.1).

    ``+CGDCONT: <cid>,<PDP_type>,<APN>[,<PDP_addr>[,<d_comp>,<h_comp>,...]]``: the
    first three named, the rest kept as printed in ``extra`` (an int for a bare
    number, a str for a quoted string, None for an empty field).
    """

    prefix: ClassVar[str | None] = "CGDCONT"

    cid: int
    pdp_type: str
    apn: str
    extra: tuple[Param, ...] = ()

    def _body(self) -> bytes:
        return _line(b"+CGDCONT", [self.cid, self.pdp_type, self.apn, *self.extra])


@frozen
class SignalQuality(Event):
    """``+CSQ: <rssi>,<ber>`` (27.007 8.5): 99 is "not known or not detectable"."""

    prefix: ClassVar[str | None] = "CSQ"

    rssi: int
    ber: int

    @property
    def rssi_dbm(self) -> int | None:
        """``<rssi>`` in dBm: 0 is -113 or less, 31 is -51 or more; None when unknown (99)."""
        return -113 + 2 * self.rssi if 0 <= self.rssi <= 31 else None

    def _body(self) -> bytes:
        return b"+CSQ: %d,%d" % (self.rssi, self.ber)


@frozen
class PsmSettings(Event):
    """``+CPSMS: <mode>,[<Periodic-RAU>],[<GPRS-READY-timer>],[<Periodic-TAU>],[<Active-Time>]`` (27.007 7.38).

    The requested timers as 8-bit strings, None when empty; ``periodic_tau_s`` and
    ``active_time_s`` give seconds.
    """

    prefix: ClassVar[str | None] = "CPSMS"

    mode: int
    periodic_rau: str | None = None
    gprs_ready_timer: str | None = None
    periodic_tau: str | None = None
    active_time: str | None = None

    @property
    def periodic_tau_s(self) -> int | None:
        """The requested Periodic-TAU in seconds; None when absent or deactivated."""
        return None if self.periodic_tau is None else periodic_tau_seconds(self.periodic_tau)

    @property
    def active_time_s(self) -> int | None:
        """The requested Active-Time in seconds; None when absent or deactivated."""
        return None if self.active_time is None else active_time_seconds(self.active_time)

    def _body(self) -> bytes:
        return _line(b"+CPSMS", [self.mode, self.periodic_rau, self.gprs_ready_timer,
                                 self.periodic_tau, self.active_time])


@frozen
class EdrxSetting(Event):
    """``+CEDRXS: <AcT-type>,<Requested_eDRX_value>`` (27.007 7.40): one row; 5 is NB-S1."""

    prefix: ClassVar[str | None] = "CEDRXS"

    act_type: int
    value: str | None = None

    @property
    def cycle_s(self) -> float | None:
        """The requested eDRX cycle in seconds; None when absent."""
        return None if self.value is None else edrx_seconds(self.value)

    def _body(self) -> bytes:
        return _line(b"+CEDRXS", [self.act_type] + ([] if self.value is None else [self.value]))


_CCLK = re.compile(r"([0-9]{2}|[0-9]{4})/([0-9]{2})/([0-9]{2}),"
                   r"([0-9]{2}):([0-9]{2}):([0-9]{2})(?:([+-])([0-9]{1,2}))?\Z")


def clock_time(text: str) -> _dt.datetime:
    """``"24/05/01,12:00:00+32"`` -> the aware datetime it names (zone in quarter hours).

    Raises ``ValueError`` for anything else; two-digit years are 20YY and a missing
    zone is UTC.
    """
    m = _CCLK.match(text)
    if m is None:
        raise ValueError(f"{text!r} is not yy/MM/dd,hh:mm:ss±zz")
    year, month, day, hour, minute, second, sign, quarters = m.groups()
    offset = _dt.timedelta(minutes=15 * int(quarters or 0))
    return _dt.datetime(int(year) + (2000 if len(year) == 2 else 0), int(month), int(day),
                        int(hour), int(minute), int(second),
                        tzinfo=_dt.timezone(-offset if sign == "-" else offset))


@frozen
class Clock(Event):
    """``+CCLK: "yy/MM/dd,hh:mm:ss±zz"`` (27.007 8.15): the module's clock, as printed.

    ``text`` is the string; :attr:`time` the aware datetime (zone in quarter hours:
    ``+32`` is UTC+8). The note points here after ``AT+QNTP`` (2.3.6).
    """

    prefix: ClassVar[str | None] = "CCLK"

    text: str

    @property
    def time(self) -> _dt.datetime:
        """The clock as an aware datetime in the module's zone."""
        return clock_time(self.text)

    def _body(self) -> bytes:
        return b"+CCLK: " + _q(self.text)


@frozen
class SerialNumber(Event):
    """``+CGSN: <sn>`` answering ``AT+CGSN=<snt>`` (27.007 5.4): IMEI (1), IMEISV (2), SVN (3).

    ``AT+CGSN`` alone is answered with a bare line (a :class:`Text` event).
    """

    prefix: ClassVar[str | None] = "CGSN"

    value: str

    def _body(self) -> bytes:
        return b"+CGSN: " + _b(self.value)
