"""Typed events: one frozen, slotted class per response and URC of the module.

Field names follow the application note (``connect_id`` for ``<connectID>``,
``remote_port`` for ``<remote_port>`` ...).  ``result`` fields hold a
:class:`pyqio.ResultCode` member where the code is in chapter 3, else the int.

Every event can be written back as the module sends it with ``to_bytes()``
(``<CR><LF><response><CR><LF>``, note 2.1.2); the simulator uses that, and
``decode(event.to_bytes()) == [event]`` for every event.

This module holds the result codes and generic lines; the others live by the note's
chapters (``_events_sockets``, ``_events_services``, ``_events_3gpp``,
``_events_family``, ``_context_events``, the base in ``_event_base``) and are
re-exported here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

from .._frozen import frozen
from . import _accel
from ._context_events import ContextConfig, ContextState, LastError
from ._event_base import Event
from ._eventfmt import _b, _params_line
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
)
from ._events_family import IncomingFull, PdpDeactivated, ReadData, ReadStats, RecvNotice
from ._events_services import (
    DataFormat,
    DnsAddress,
    DnsResult,
    DnsServers,
    IpAddress,
    NtpResult,
    PingReply,
    PingSummary,
    ShowRA,
)
from ._events_sockets import Closed, Incoming, OpenResult, Recv, SendStats, SocketStatus

__all__ = [
    "Event", "Ok", "Error", "CmeError", "SendOk", "SendFail", "CloseOk", "Prompt",
    "Recv", "Closed", "Incoming", "OpenResult", "SocketStatus", "SendStats",
    "PingReply", "PingSummary", "NtpResult", "DnsResult", "DnsAddress", "DnsServers",
    "DataFormat", "ShowRA", "IpAddress", "TestResponse", "Info", "Text", "ProtocolError",
    # 3GPP TS 27.007 answers and the +CEREG URC (pyqio._events_3gpp)
    "Functionality", "Registration", "AttachState", "PdpAddress", "PdpContext",
    "SignalQuality", "PsmSettings", "EdrxSetting", "Clock", "SerialNumber",
    # the BG96 family's forms (pyqio.wire._events_family)
    "RecvNotice", "ReadData", "ReadStats", "PdpDeactivated", "IncomingFull",
    # the BG96 family's context commands (pyqio.wire._context_events)
    "ContextConfig", "ContextState", "LastError",
]


@frozen
class Ok(Event):
    """``OK``: the command was accepted (a deferred result may follow)."""

    def _body(self) -> bytes:
        return b"OK"


@frozen
class Error(Event):
    """``ERROR``: the command was refused."""

    def _body(self) -> bytes:
        return b"ERROR"


@frozen
class CmeError(Event):
    """``+CME ERROR: <err>``; ``code`` is an int, or the text in verbose mode."""

    code: int | str

    def _body(self) -> bytes:
        return b"+CME ERROR: " + _b(str(self.code))


@frozen
class SendOk(Event):
    """``SEND OK``: the data reached the module's protocol stack (AT+QISEND, note 2.3.4)."""

    def _body(self) -> bytes:
        return b"SEND OK"


@frozen
class SendFail(Event):
    """``SEND FAIL``: the command was accepted but sending failed (AT+QISEND, 2.3.4)."""

    def _body(self) -> bytes:
        return b"SEND FAIL"


@frozen
class CloseOk(Event):
    """``CLOSE OK``: follows ``OK`` of ``AT+QICLOSE`` (2.3.2)."""

    def _body(self) -> bytes:
        return b"CLOSE OK"


@frozen
class Prompt(Event):
    """The ``>`` prompt of ``AT+QISEND`` data mode (``>``, ``> ``, ``\\r\\n>`` ...)."""

    def to_bytes(self, recv_format: str = "text", module: str = "bc660k") -> bytes:
        """``<CR><LF>> `` : the form the note shows (2.3.4); the decoder takes every variant."""
        return b"\r\n> "


@frozen
class TestResponse(Event):
    """The answer to a test command (``AT+<cmd>=?``), e.g. ``+QIOPEN: (0-10),(0-4),...``.

    ``params`` holds each parameter: a ``range`` for ``(a-b)``, a tuple for a list
    ``(a,b)``, an int, or a str for quoted or placeholder text.
    """

    __test__ = False  # its name starts with "Test": keep pytest from collecting it

    name: str
    params: tuple[Any, ...]

    def _body(self) -> bytes:
        return _params_line(self.name, self.params)


@frozen
class Info(Event):
    """Any other ``+NAME: ...`` line; ``params`` are ints where numeric, else str (unquoted)."""

    name: str
    params: tuple[Any, ...]

    def _body(self) -> bytes:
        return _params_line(self.name, self.params)


@frozen
class Text(Event):
    """Any other line, the module's echo of a command included."""

    line: bytes

    def _body(self) -> bytes:
        return self.line


@frozen
class ProtocolError(Event):
    """Bytes that break the protocol: ``reason`` says how, ``raw`` holds a bounded part of them."""

    reason: str
    raw: bytes

    def _body(self) -> bytes:
        """The offending bytes again (a simulator injecting faults writes them)."""
        return self.raw


# -- fast construction for the line classifier (private) ---------------------------
#
# A frozen dataclass's __init__ stores each field with object.__setattr__, looked up
# and called per field from Python: about 150 ns a field. Where pyqio._events_c is
# built, its Maker does the very same (object.__new__, then each field through the
# class's own slot descriptor) from C, in one call; elsewhere the class itself is
# the maker. Either way the result is an ordinary instance (==, hash, repr,
# frozenness unchanged; tests/test_fastpath.py), chosen once per class at import.

_E = TypeVar("_E", bound=Event)


def _maker(cls: type[_E]) -> Callable[..., _E]:
    """``make(*values)`` building a *cls* event from all its fields, positionally."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]  # event classes are dataclasses
    if _accel.events_c is None or not names:
        return cls
    try:
        return _accel.events_c.Maker(cls, names)  # type: ignore[no-any-return]
    except TypeError:  # pragma: no cover - a class it cannot fill (too many fields, say)
        return cls
