"""The base of every event (:class:`Event`) and what the event modules share.

The event classes live by the note's chapters: :mod:`pyqio.wire.events` (result codes and
generic lines), ``_events_sockets`` (the socket commands and URCs, 2.3.1-2.3.4, 2.4),
``_events_services`` (ping, NTP, DNS, settings, 2.3.5-2.3.9), ``_events_3gpp``,
``_events_family`` and ``_context_events``; :mod:`pyqio.wire.events` re-exports them all.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar

from ..errors import InvalidArgument
from ..protocol import MODULES
from ._eventfmt import _jsonable
from ._result import ResultCode

__all__ = ["Event", "Result"]

Result = ResultCode | int


def _data(data: bytes, recv_format: str) -> bytes:
    """A payload as the module writes it: raw, or upper-case hex (``AT+QICFG="dataformat"``)."""
    if recv_format == "hex":
        return data.hex().upper().encode("ascii")
    if recv_format == "text":
        return data
    raise InvalidArgument(f"recv_format={recv_format!r}: allowed values are 'text' and 'hex'")


def _profile(module: str) -> str:
    """*module* checked against :data:`pyqio.protocol.MODULES`."""
    if module not in MODULES:
        raise InvalidArgument(
            f"module={module!r}: allowed values are {', '.join(map(repr, MODULES))}")
    return module


class Event:
    """Base class of every event.

    ``to_bytes()`` gives the module's bytes for the event; ``to_dict()`` a
    JSON-ready dict ``{"event": <class name>, <field>: <value>, ...}``.
    """

    __slots__ = ()
    #: NAME of the ``+NAME:`` line the event is read from ("QIOPEN"), for pairing it with
    #: the command of that name; None for result codes, URCs and untyped lines
    prefix: ClassVar[str | None] = None

    def _body(self) -> bytes:
        raise NotImplementedError

    def to_bytes(self, recv_format: str = "text", module: str = "bc660k") -> bytes:
        """``<CR><LF><response><CR><LF>`` as the module sends it (note 2.1.2).

        *recv_format* (``"text"``/``"hex"``) matters only to the data events, *module*
        (a profile of :data:`pyqio.protocol.MODULES`) only to :class:`Recv`; every
        event takes both so that a writer can pass them to all of them.
        """
        return b"\r\n" + self._body() + b"\r\n"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: bytes as ``{"hex": ..., "text": ...}`` ("text" only when valid
        UTF-8), datetimes ISO 8601, result codes as numbers, ranges as ``{"range": [a, b]}``."""
        out: dict[str, Any] = {"event": type(self).__name__}
        for f in fields(self):  # type: ignore[arg-type]  # subclasses are dataclasses, the base not
            out[f.name] = _jsonable(getattr(self, f.name))
        return out
