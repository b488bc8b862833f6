"""Splitting the parameters of a ``+NAME: p1,p2,...`` line, and reading their values.

The module writes string parameters in double quotes and integers bare
(note 2.1.2); the test-command answers add parenthesised ranges and lists
(``(0-10)``, ``(0,1)``). One example of chapter 4 has a space after a comma
(``+QIURC: "recv",0,12, "220.180.239.212",...``), so blanks around every field
are tolerated.

A field is a ``(kind, value)`` pair: ``BARE``, ``QUOTED`` (value without its
quotes) or ``PAREN`` (value without its parentheses). Text is decoded as UTF-8
with ``surrogateescape`` so that any byte survives the trip back to bytes.
"""
from __future__ import annotations

import datetime as _dt
import re

from ..errors import FieldShapeError as Shape

BARE, QUOTED, PAREN = 0, 1, 2
Field = tuple[int, str]  # (kind, value)

# One field and the separator after it; `\Z` so that a stray LF cannot end it.
_FIELD_RE = re.compile(r'[ \t]*(?:"([^"]*)"|\(([^)]*)\)|([^,"()]*?))[ \t]*(,|\Z)')
_INT_RE = re.compile(r"-?[0-9]+\Z")
_IPCH_RE = re.compile(r"[0-9A-Fa-f.:]{1,45}\Z")
# "YY/MM/DD,hh:mm:ss" (documented, 2.3.6) or "YYYY/MM/DD,hh:mm:ss" (shown, 4.5), with an
# optional time zone in quarter hours as AT+CCLK writes it ("+32" is UTC+8).
_TIME_RE = re.compile(
    r"([0-9]{2}|[0-9]{4})/([0-9]{1,2})/([0-9]{1,2}),[ ]?"
    r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:([+-])([0-9]{1,2}))?\Z")


def text(raw: bytes) -> str:
    """Bytes of a line as str, reversible for every byte."""
    return raw.decode("utf-8", "surrogateescape")


def split(rest: str) -> list[Field]:
    """Split the parameters after ``+NAME:`` into fields; :class:`Shape` if quotes break."""
    if '"' not in rest and "(" not in rest:
        # fast path: plain numbers and bare words
        if not rest.strip():
            return []
        return [(BARE, f.strip(" \t")) for f in rest.split(",")]
    # quoted fields without a comma inside (nearly all): one str.split and a look at
    # each part; anything else (commas in quotes, parentheses, broken quotes) is
    # walked field by field
    fields: list[Field] = []
    for part in rest.split(","):
        value = part.strip(" \t")
        if value[:1] == '"':
            if len(value) < 2 or value[-1] != '"' or '"' in value[1:-1]:
                return _split_slowly(rest)
            fields.append((QUOTED, value[1:-1]))
        elif '"' in value or "(" in value or ")" in value:
            return _split_slowly(rest)
        else:
            fields.append((BARE, value))
    return fields


def _split_slowly(rest: str) -> list[Field]:
    """The field-by-field split: raises :class:`Shape` naming the column it stops at."""
    fields: list[Field] = []
    pos, end = 0, len(rest)
    while True:
        m = _FIELD_RE.match(rest, pos)
        if m is None:
            raise Shape(f"unbalanced quote or parenthesis at column {pos}")
        quoted, paren, bare, sep = m.groups()
        if quoted is not None:
            fields.append((QUOTED, quoted))
        elif paren is not None:
            fields.append((PAREN, paren))
        else:
            fields.append((BARE, bare))
        if not sep:
            if m.end() != end:  # pragma: no cover - \Z guarantees the end
                raise Shape(f"trailing bytes at column {m.end()}")
            return fields
        pos = m.end()


def has_paren(fields: list[Field]) -> bool:
    """True when a field is a parenthesised range or list (a test-command answer)."""
    return any(kind == PAREN for kind, _ in fields)


def to_int(field: Field, what: str) -> int:
    """The integer of a bare numeric field; :class:`Shape` naming *what* otherwise."""
    kind, value = field
    if kind == BARE and value.isdigit() and value.isascii():  # the common case, no regex
        return int(value)
    if kind != BARE or not _INT_RE.match(value):
        raise Shape(f"{what} is not an integer: {_show(field)}")
    return int(value)


def to_str(field: Field, what: str) -> str:
    """A string parameter, quoted or bare (the note shows both for addresses)."""
    kind, value = field
    if kind == PAREN:
        raise Shape(f"{what} is a parenthesised list: {_show(field)}")
    return value


def to_ip(field: Field, what: str) -> str:
    """An IPv4/IPv6 address, quoted or bare; :class:`Shape` if it has other characters."""
    value = to_str(field, what)
    if not _IPCH_RE.match(value):
        raise Shape(f"{what} is not an IP address: {_show(field)}")
    return value


def to_flag(field: Field, what: str) -> bool:
    """A 0/1 setting as bool."""
    value = to_int(field, what)
    if value not in (0, 1):
        raise Shape(f"{what} must be 0 or 1, got {value}")
    return bool(value)


def to_time_zone(value: str) -> tuple[_dt.datetime, int | None]:
    """The ``+QNTP`` time read as the BG96 family prints it: ``(time, zone_quarters)``.

    The printed time is UTC and the suffix (quarter hours) the module's local zone,
    as a real EC200U log shows (the host set its clock to the printed time plus 8 h
    for ``+32``); the suffix is returned apart, None when absent.
    """
    m = _TIME_RE.match(value.strip())
    if m is None:
        raise Shape(f"time is not YY/MM/DD,hh:mm:ss or YYYY/MM/DD,hh:mm:ss: {value!r}")
    year, month, day, hour, minute, second, sign, quarters = m.groups()
    y = int(year) + (2000 if len(year) == 2 else 0)
    zone = None if quarters is None else (-1 if sign == "-" else 1) * int(quarters)
    try:
        t = _dt.datetime(y, int(month), int(day), int(hour), int(minute), int(second),
                         tzinfo=_dt.timezone.utc)
        if zone is not None:
            _dt.timezone(_dt.timedelta(minutes=15 * zone))  # within a day
    except ValueError as exc:
        raise Shape(f"time {value!r} is not a valid date: {exc}") from None
    return t, zone


def generic(field: Field) -> object:
    """An Info/TestResponse parameter: int when bare and numeric, else str; parens parsed."""
    kind, value = field
    if kind == BARE and _INT_RE.match(value):
        return int(value)
    if kind == PAREN:
        return _paren(value)
    return value


def _paren(value: str) -> object:
    """``a-b`` -> ``range(a, b + 1)``; ``a,b,...`` (or one item) -> tuple of ints/str."""
    if not value.strip(" \t"):
        return ()
    lo, dash, hi = value.partition("-")
    lo, hi = lo.strip(), hi.strip()  # str.strip's blanks, some of which int() refuses
    if dash and _INT_RE.match(lo) and _INT_RE.match(hi):
        return range(int(lo), int(hi) + 1)
    items: list[int | str] = []
    for item in value.split(","):
        item = item.strip(" \t")
        if _INT_RE.match(item):
            items.append(int(item))
        else:
            items.append(item[1:-1] if len(item) >= 2 and item[0] == item[-1] == '"' else item)
    return tuple(items)


def _show(field: Field) -> str:
    kind, value = field
    return {BARE: value, QUOTED: f'"{value}"', PAREN: f"({value})"}[kind] or "(empty)"
