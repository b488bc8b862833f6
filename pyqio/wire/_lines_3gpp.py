"""Readers of the 3GPP TS 27.007 ``+NAME:`` lines, for :func:`pyqio._lines.classify_line`.

Each takes the split fields of one line and gives its typed event, or raises
:class:`pyqio._fields.Shape` (the line becomes a ``ProtocolError`` naming what was
wrong). Empty fields, which modules print for absent optional values
(``+CEREG: 2,1,"1A2B",,9``), read as None; strings are taken quoted or bare.
"""
from __future__ import annotations

from collections.abc import Callable

from ..errors import FieldShapeError as Shape
from . import _fields as F
from ._event_base import Event
from ._events_3gpp import (
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
    clock_time,
)

__all__ = ["HANDLERS"]

Field = tuple[int, str]  # (kind, text) as pyqio.wire._fields.split gives them
Fields = list[Field]


def _empty(field: Field) -> bool:
    return bool(field[0] == F.BARE and field[1] == "")


def _int(field: Field, what: str) -> int | None:
    return None if _empty(field) else F.to_int(field, what)


def _str(field: Field, what: str) -> str | None:
    return None if _empty(field) else F.to_str(field, what)


def _bits(field: Field, what: str, width: int = 8) -> str | None:
    value = _str(field, what)
    if value is not None and (len(value) != width or value.strip("01")):
        raise Shape(f"{what} is not a string of {width} bits: {value!r}")
    return value


def _count(f: Fields, allowed: tuple[int, ...], form: str) -> None:
    if len(f) not in allowed:
        raise Shape(f"expected {form}, got {len(f)} field(s)")


def _cfun(f: Fields) -> Event:
    """``+CFUN: <fun>`` (27.007 8.2)."""
    _count(f, (1,), "<fun>")
    return Functionality(F.to_int(f[0], "<fun>"))


_CEREG_TAIL = ("<tac>", "<ci>", "<AcT>", "<cause_type>", "<reject_cause>", "<Active-Time>",
               "<Periodic-TAU>")


def _cereg(f: Fields) -> Event:
    """``+CEREG:`` URC (1, 4, 6 or 8 fields) or read answer, ``<n>`` first (2, 5, 7 or 9).

    27.007 10.1.22 gives the optional fields in groups (``<tac>,<ci>,<AcT>``, then the
    two cause fields, then the two PSM timers), so the two forms never have the same
    number of fields.
    """
    _count(f, (1, 2, 4, 5, 6, 7, 8, 9),
           "<stat>[,<tac>,<ci>,<AcT>[,<cause_type>,<reject_cause>[,<Active-Time>,"
           "<Periodic-TAU>]]], with <n> first in the read answer")
    n = None
    if len(f) in (2, 5, 7, 9):
        n = F.to_int(f[0], "<n>")
        f = f[1:]
    tail = f[1:] + [(F.BARE, "")] * (7 - len(f[1:]))
    return Registration(
        F.to_int(f[0], "<stat>"), _str(tail[0], "<tac>"), _str(tail[1], "<ci>"),
        _int(tail[2], "<AcT>"), _int(tail[3], "<cause_type>"), _int(tail[4], "<reject_cause>"),
        _bits(tail[5], "<Active-Time>"), _bits(tail[6], "<Periodic-TAU>"), n)


def _cgatt(f: Fields) -> Event:
    """``+CGATT: <state>`` (27.007 10.1.9)."""
    _count(f, (1,), "<state>")
    return AttachState(F.to_flag(f[0], "<state>"))


def _cgpaddr(f: Fields) -> Event:
    """``+CGPADDR: <cid>[,<PDP_addr_1>[,<PDP_addr_2>]]`` (27.007 10.1.14)."""
    _count(f, (1, 2, 3), "<cid>[,<PDP_addr_1>[,<PDP_addr_2>]]")
    addrs = [_str(x, "<PDP_addr>") for x in f[1:]]
    return PdpAddress(F.to_int(f[0], "<cid>"), *addrs)


def _param(field: Field) -> int | str | None:
    kind, value = field
    if kind == F.BARE:
        if value == "":
            return None
        return F.to_int(field, "a parameter") if value.lstrip("-").isdigit() else value
    return F.to_str(field, "a parameter")


def _cgdcont(f: Fields) -> Event:
    """``+CGDCONT: <cid>,<PDP_type>,<APN>[,...]`` (27.007 10.1.1); the rest kept as printed."""
    if len(f) < 3:
        raise Shape(f"expected <cid>,<PDP_type>,<APN>[,...], got {len(f)} field(s)")
    return PdpContext(F.to_int(f[0], "<cid>"), F.to_str(f[1], "<PDP_type>"),
                      F.to_str(f[2], "<APN>"), tuple(_param(x) for x in f[3:]))


def _csq(f: Fields) -> Event:
    """``+CSQ: <rssi>,<ber>`` (27.007 8.5)."""
    _count(f, (2,), "<rssi>,<ber>")
    return SignalQuality(F.to_int(f[0], "<rssi>"), F.to_int(f[1], "<ber>"))


def _cpsms(f: Fields) -> Event:
    """``+CPSMS: <mode>,[<RAU>],[<READY>],[<Periodic-TAU>],[<Active-Time>]`` (27.007 7.38)."""
    _count(f, (1, 2, 3, 4, 5), "<mode>[,<Periodic-RAU>,<GPRS-READY-timer>,<Periodic-TAU>,"
                               "<Active-Time>]")
    names = ("<Requested_Periodic-RAU>", "<Requested_GPRS-READY-timer>",
             "<Requested_Periodic-TAU>", "<Requested_Active-Time>")
    timers = [_bits(x, n) for x, n in zip(f[1:], names, strict=False)]
    return PsmSettings(F.to_int(f[0], "<mode>"), *timers)


def _cedrxs(f: Fields) -> Event:
    """``+CEDRXS: <AcT-type>[,<Requested_eDRX_value>]`` (27.007 7.40)."""
    _count(f, (1, 2), "<AcT-type>[,<Requested_eDRX_value>]")
    value = _bits(f[1], "<Requested_eDRX_value>", 4) if len(f) == 2 else None
    return EdrxSetting(F.to_int(f[0], "<AcT-type>"), value)


def _cclk(f: Fields) -> Event:
    """``+CCLK: "yy/MM/dd,hh:mm:ss±zz"`` (27.007 8.15); a bare time arrives split at its comma."""
    _count(f, (1, 2), '"yy/MM/dd,hh:mm:ss±zz"')
    if len(f) == 2:
        if f[0][0] != F.BARE or f[1][0] != F.BARE:
            raise Shape('expected "yy/MM/dd,hh:mm:ss±zz", got 2 fields')
        text = f"{f[0][1]},{f[1][1]}"
    else:
        text = F.to_str(f[0], "<time>")
    try:
        clock_time(text)
    except ValueError as exc:
        raise Shape(f"<time> {exc}") from None
    return Clock(text)


def _cgsn(f: Fields) -> Event:
    """``+CGSN: <sn>`` (27.007 5.4), quoted or bare."""
    _count(f, (1,), "<sn>")
    return SerialNumber(F.to_str(f[0], "<sn>"))


HANDLERS: dict[str, Callable[[Fields], Event]] = {
    "CFUN": _cfun, "CEREG": _cereg, "CGATT": _cgatt, "CGPADDR": _cgpaddr,
    "CGDCONT": _cgdcont, "CSQ": _csq, "CPSMS": _cpsms, "CEDRXS": _cedrxs, "CCLK": _cclk,
    "CGSN": _cgsn,
}
