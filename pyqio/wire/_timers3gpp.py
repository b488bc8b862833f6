"""The PSM and eDRX timer strings of ``AT+CPSMS``, ``AT+CEREG`` and ``AT+CEDRXS``, in seconds.

3GPP TS 27.007 writes these timers as bit strings, the octet of TS 24.008 that
carries them: ``"00100001"`` is 1 hour. The top three bits pick the unit, the low
five the count (0–31):

- *Periodic-TAU* / *Periodic-RAU* (T3412/T3312 extended, GPRS Timer 3, 24.008
  10.5.7.4a): ``000`` 10 min, ``001`` 1 h, ``010`` 10 h, ``011`` 2 s, ``100`` 30 s,
  ``101`` 1 min, ``110`` 320 h, ``111`` deactivated.
- *Active-Time* / *GPRS-READY-timer* (T3324/T3314, GPRS Timer 2, 10.5.7.3):
  ``000`` 2 s, ``001`` 1 min, ``010`` 6 min (decihours), ``111`` deactivated; other
  units are read as 1 min, as 10.5.7.3 asks.
- *eDRX* cycle (4 bits, 24.008 10.5.5.32, E-UTRAN and NB-S1): ``0000`` 5.12 s up to
  ``1111`` 10485.76 s.

Deactivated reads as None. Writing picks the finest unit that gives the value
exactly, and refuses a value no unit gives, naming the nearest that exist.
"""
from __future__ import annotations

import re

from ..errors import InvalidArgument

__all__ = [
    "active_time_bits",
    "active_time_seconds",
    "check_bits",
    "edrx_bits",
    "edrx_seconds",
    "periodic_tau_bits",
    "periodic_tau_seconds",
]

_T3 = {0b000: 600, 0b001: 3600, 0b010: 36000, 0b011: 2, 0b100: 30, 0b101: 60,
       0b110: 1152000}
_T2 = {0b000: 2, 0b001: 60, 0b010: 360}
_DEACTIVATED = 0b111
_EDRX = (5.12, 10.24, 20.48, 40.96, 61.44, 81.92, 102.4, 122.88, 143.36, 163.84,
         327.68, 655.36, 1310.72, 2621.44, 5242.88, 10485.76)
_BITS = {8: re.compile("[01]{8}"), 4: re.compile("[01]{4}")}


def check_bits(name: str, value: object, width: int = 8) -> str:
    """*value* as a timer string of *width* ``0``/``1`` characters (``"00100001"``)."""
    if not isinstance(value, str) or not _BITS[width].fullmatch(value):
        raise InvalidArgument(f"{name}={value!r} is not a string of {width} bits "
                              f"(e.g. {'00100001' if width == 8 else '0101'!r})")
    return value


def _seconds(name: str, bits: str, units: dict[int, int], other: int | None) -> int | None:
    octet = int(check_bits(name, bits), 2)
    unit = octet >> 5
    if unit == _DEACTIVATED:
        return None
    return (octet & 0x1F) * units.get(unit, other or 0)


def periodic_tau_seconds(bits: str) -> int | None:
    """``"00100001"`` -> 3600: a Periodic-TAU (or -RAU) string in seconds; None if deactivated."""
    return _seconds("periodic_tau", bits, _T3, None)


def active_time_seconds(bits: str) -> int | None:
    """``"00000101"`` -> 10: an Active-Time (or GPRS-READY) string in seconds; None if deactivated."""
    return _seconds("active_time", bits, _T2, 60)


def _bits(name: str, seconds: int | None, units: dict[int, int]) -> str:
    if seconds is None:
        return "11100000"
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
        raise InvalidArgument(f"{name}={seconds!r} is not a number of seconds >= 0 (or None: "
                              "deactivated)")
    for unit, size in sorted(units.items(), key=lambda item: item[1]):
        if seconds % size == 0 and seconds // size <= 31:
            return f"{unit:03b}{seconds // size:05b}"
    exact = sorted({n * size for size in units.values() for n in range(32)})
    below = max(v for v in exact if v < seconds)
    above = [v for v in exact if v > seconds]
    nearest = f"{below} s or {above[0]} s" if above else f"{below} s (the maximum)"
    raise InvalidArgument(f"{name}={seconds} s cannot be written as a 3GPP timer; "
                          f"the nearest values are {nearest}")


def periodic_tau_bits(seconds: int | None) -> str:
    """3600 -> ``"00000110"`` (6 x 10 min): seconds as a Periodic-TAU string (None: deactivated).

    Of the units that give the value exactly, the finest is used.
    """
    return _bits("periodic_tau", seconds, _T3)


def active_time_bits(seconds: int | None) -> str:
    """10 -> ``"00000101"``: seconds as an Active-Time string (None: deactivated)."""
    return _bits("active_time", seconds, _T2)


def edrx_seconds(bits: str) -> float:
    """``"0101"`` -> 81.92: an eDRX cycle string in seconds (E-UTRAN / NB-S1 table)."""
    return _EDRX[int(check_bits("edrx", bits, 4), 2)]


def edrx_bits(seconds: float) -> str:
    """81.92 -> ``"0101"``: an eDRX cycle length (one of the table's) as its string."""
    for i, value in enumerate(_EDRX):
        if isinstance(seconds, (int, float)) and abs(seconds - value) < 0.005:
            return f"{i:04b}"
    raise InvalidArgument(f"edrx={seconds!r} s is not an eDRX cycle length; the cycles are "
                          + ", ".join(f"{v:g}" for v in _EDRX) + " s")
