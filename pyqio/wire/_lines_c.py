"""The C line classifier's table: the shapes of the commonest lines, for ``csrc/lines.c``.

:func:`pyqio.wire._lines.classify_line` is the reference and stays the only
classifier of the Python backends. With the ``_events_c`` extension, the C feeder
reads each line with a ``Lines`` object built from the table below: a line whose
every field fits one of its NAME's forms is made into the event in C (fields read
once, the event made by the same ``_maker`` constructors), every other line goes
to ``classify_line``. Each form mirrors a handler of ``_lines.py``/``_lines_3gpp.py``
(same section of the note); tests/test_lines_c.py checks, event for event, that the
two agree on every line kind and on random and hostile lines.

A form: ``(kind, kind_quoted, min_fields, max_fields, codes, make, args)``
(csrc/lines.c says what each code reads); ``args`` build ``make(*args)`` from
field numbers (:func:`_f`), constants (:func:`_c`), or the tuple (:func:`_t`) or
comma-join (:func:`_j`) of the fields from one on.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any

from . import _events_3gpp as G
from . import _lines as L
from ._accel import events_c
from ._result import _BY_VALUE
from .events import IncomingFull, _maker

__all__ = ["arguments", "build", "classifier", "entries"]

Arg = tuple[int, Any]
Form = tuple[bytes, bool, int, int, bytes, Any, tuple[Arg, ...]]


def _f(k: int) -> Arg:
    """Field *k*'s value (None past the last field)."""
    return (0, k)


def _c(value: object) -> Arg:
    return (1, value)


def _t(k: int) -> Arg:
    """The tuple of fields *k*, *k* + 1, ..."""
    return (2, k)


def _j(k: int) -> Arg:
    """Fields *k*, *k* + 1, ... joined by commas."""
    return (3, k)


def _s(k: int) -> Arg:
    """The items of field *k*'s value (a code giving a tuple: ``T``)."""
    return (4, k)


def _form(n: int | tuple[int, int], codes: str, make: Any, *args: Arg, kind: str = "",
          quoted: bool = False) -> Form:
    lo, hi = (n, n) if isinstance(n, int) else n
    return (kind.encode(), quoted, lo, hi, codes.encode(), make, args)


def _fields(*ks: int) -> tuple[Arg, ...]:
    return tuple(_f(k) for k in ks)


_NONE = _c(None)


def _cereg() -> list[Form]:
    """``+CEREG:``: the URC (1, 4, 6, 8 fields) and the read answer with ``<n>`` first."""
    urc = [_form(n, "iSSIIIBB", _maker(G.Registration), *_fields(*range(8)), _NONE)
           for n in (1, 4, 6, 8)]
    read = [_form(n, "iiSSIIIBB", _maker(G.Registration), *_fields(*range(1, 9)), _f(0))
            for n in (2, 5, 7, 9)]
    return urc + read


def _qiurc() -> list[Form]:
    """``+QIURC:`` by its quoted kind (2.4.x; the BG96 family's recv notice and dnsgip)."""
    def urc(kind: str, n: int | tuple[int, int], codes: str, make: Any, *args: Arg) -> Form:
        return _form(n, codes, make, *args, kind=kind, quoted=True)
    return [
        urc("closed", 2, "xi", L._Closed, _f(1)),
        urc("incoming", 5, "xiipi", L._Incoming, *_fields(1, 2, 3, 4)),
        urc("recv", (2, 3), "xii", L._RecvNotice, _f(1), _f(2)),
        urc("incoming full", 1, "x", None, _c(IncomingFull())),
        urc("pdpdeact", 2, "xi", L._PdpDeactivated, _f(1)),
        urc("dnsgip", 4, "xrii", L._DnsResult, *_fields(1, 2, 3), _c(True)),
        urc("dnsgip", 2, "xd", L._DnsResult, _f(1), _c(0), _c(0), _c(True)),
        urc("dnsgip", 2, "xp", L._DnsAddress, _f(1), _c(True)),
    ]


def entries() -> tuple[tuple[bytes, bool, tuple[Form, ...]], ...]:
    """``(NAME, Info when no form applies, forms)`` for every NAME of ``_lines._HANDLERS``,
    the commonest first (a NAME's lookup is a scan)."""
    table: dict[str, tuple[bool, list[Form]]] = {
        "QIURC": (True, _qiurc()),
        "QISEND": (False, [_form(3, "iii", L._SendStats, *_fields(0, 1, 2))]),
        "QIOPEN": (False, [_form(2, "ir", L._OpenResult, _f(0), _f(1))]),
        "QISTATE": (False, [
            _form(8, "issiiiii", L._SocketStatus, *_fields(*range(8)), _NONE, _NONE),
            _form(10, "issiiiiiis", L._SocketStatus, *_fields(*range(7), 8, 7, 9))]),
        "QIRD": (False, [_form(3, "iii", L._ReadStats, *_fields(0, 1, 2))]),
        "QPING": (False, [
            _form(1, "r", L._PingReply, _f(0), _NONE, _NONE, _NONE, _NONE),
            _form(5, "rpiii", L._PingReply, *_fields(*range(5))),
            _form(7, "riiiiii", L._PingSummary, *_fields(*range(7)))]),
        "IP": (False, [_form(1, "p", L._IpAddress, _f(0))]),
        "QIDNSGIP": (False, [
            _form(3, "rii", L._DnsResult, *_fields(0, 1, 2), _c(False)),
            _form(1, "d", L._DnsResult, _f(0), _c(0), _c(0), _c(False)),
            _form(1, "p", L._DnsAddress, _f(0), _c(False))]),
        "QNTP": (False, [_form(1, "r", L._NtpResult, _f(0), _NONE, _NONE),
                         _form(2, "rT", L._NtpResult, _f(0), _s(1))]),
        "QIDNSCFG": (False, [_form(n, "is", L._DnsServers, _f(0), _t(1)) for n in (3, 5)]),
        "QICFG": (True, [
            _form(3, "xff", L._DataFormat, _f(1), _f(2), kind="dataformat"),
            _form(2, "xf", L._ShowRA, _f(1), kind="showRA")]),
        "QICSGP": (False, [_form(5, "isssi", L._ContextConfig, *_fields(*range(5)))]),
        "QIACT": (False, [_form((3, 4), "iiip", L._ContextState, *_fields(0, 1, 2, 3))]),
        "QIGETERROR": (False, [_form((2, 32), "is", L._LastError, _f(0), _j(1))]),
        "CEREG": (False, _cereg()),
        "CSQ": (False, [_form(2, "ii", _maker(G.SignalQuality), _f(0), _f(1))]),
        "CFUN": (False, [_form(1, "i", _maker(G.Functionality), _f(0))]),
        "CGATT": (False, [_form(1, "f", _maker(G.AttachState), _f(0))]),
        "CGPADDR": (False, [_form((1, 3), "iSS", _maker(G.PdpAddress), *_fields(0, 1, 2))]),
        "CGDCONT": (False, [_form((3, 32), "issP", _maker(G.PdpContext), *_fields(0, 1, 2),
                                  _t(3))]),
        "CPSMS": (False, [_form((1, 5), "iBBBB", _maker(G.PsmSettings), *_fields(*range(5)))]),
        "CEDRXS": (False, [_form((1, 2), "ib", _maker(G.EdrxSetting), _f(0), _f(1))]),
        "CGSN": (False, [_form(1, "s", _maker(G.SerialNumber), _f(0))]),
        "CCLK": (False, [_form(1, "C", _maker(G.Clock), _f(0))]),
    }
    return tuple((name.encode(), info, tuple(forms)) for name, (info, forms) in table.items())


def arguments(fallback: Any) -> tuple[Any, ...]:
    """The arguments of ``Lines`` for this table, *fallback* reading the lines it does not."""
    return (fallback, L._Text, L._Info, L._CmeError, L._TestResponse, dict(_BY_VALUE),
            _dt.datetime, _dt.timezone.utc, tuple(L._EXACT.items()), entries())


def build(fallback: Any) -> Any:
    """A ``Lines`` classifier of this table, *fallback* reading the lines it does not."""
    return events_c.Lines(*arguments(fallback))


_classifier: Any = None


def classifier() -> Any:
    """The ``Lines`` classifier (built once), or ``classify_line`` without the extension."""
    global _classifier
    if _classifier is None:
        _classifier = L.classify_line if events_c is None else build(L.classify_line)
    return _classifier
