"""Events of the socket commands and URCs: note 2.3.1-2.3.4 (AT+QIOPEN, AT+QICLOSE,
AT+QISTATE, AT+QISEND) and 2.4 (the ``recv``, ``closed`` and ``incoming`` URCs).

Re-exported by :mod:`pyqio.wire.events` (and :mod:`pyqio.events`).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .._frozen import frozen
from . import _accel
from ._event_base import Event, Result, _data, _profile
from ._eventfmt import _q

__all__ = ["Closed", "Incoming", "OpenResult", "Recv", "SendStats", "SocketStatus"]

_E = TypeVar("_E", bound=Event)

# Recv's fields are kept by a base class: the extension's RecvFields where it is
# built (a struct of its own, which its feeder fills in one step through the public
# C API instead of calling six descriptors: the commonest event, made per URC),
# else plain slots. Either way Recv is a frozen dataclass with exactly these
# fields, no __dict__, the same ==, hash, repr and pickling (tests/test_fastpath.py,
# tests/test_recv_fields.py). It is the one event made by dataclass() itself (not
# pyqio._frozen, whose slots would hide the base's fields): one class, at import.
_RECV_FIELDS = ("connect_id", "data", "length", "remote_ip", "remote_port", "framed")


class _RecvSlots:
    __slots__ = _RECV_FIELDS


if TYPE_CHECKING:
    _RecvBase = _RecvSlots
else:
    _RecvBase = _RecvSlots if _accel.events_c is None else _accel.events_c.RecvFields


def _fields_in_base(cls: type[_E]) -> type[_E]:
    """*cls*, a dataclass whose fields a base class keeps, without the class attributes
    ``@dataclass`` leaves for defaults (they would hide the base's descriptors; its
    ``__init__`` keeps the defaults), as ``slots=True`` does when it adds the slots."""
    for f in fields(cls):  # type: ignore[arg-type]  # a dataclass
        if f.name in vars(cls):
            delattr(cls, f.name)
    return cls


@_fields_in_base
@dataclass(frozen=True)
class Recv(Event, _RecvBase):
    """``+QIURC: "recv",<connectID>[,<current_recv_length>][,<recv_ip>,<recv_port>],<data>``.

    The recv URC of note 2.4.2.

    ``data`` is the payload as bytes (hex-decoded in hex mode); ``length`` is the
    length field, None when the URC has none; ``remote_ip``/``remote_port`` are
    None unless the URC carries the sender's address (UDP SERVICE or showRA=1).
    ``framed`` is False when there was no length field and the payload was framed
    by its closing quote and line end instead.
    """

    connect_id: int
    data: bytes
    length: int | None = None
    remote_ip: str | None = None
    remote_port: int | None = None
    framed: bool = True

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.connect_id, self.data, self.length, self.remote_ip,
                             self.remote_port, self.framed))

    def to_bytes(self, recv_format: str = "text", module: str = "bc660k") -> bytes:
        """The URC (2.4.2): the length field unless ``length`` is None, the address form when
        ``remote_ip`` is set, ``data`` in quotes, as text or upper-case hex per *recv_format*.

        Without a length the payload is framed by ``"`` + line end, so such data must not
        hold that sequence, and the address must be present (note 2.4.2's forms).

        With ``module="bg96"`` the direct-push form of that family instead: the header
        (``length``, or the data's length when None), CR LF, the raw data, CR LF.
        """
        data = _data(self.data, recv_format)
        if _profile(module) == "bg96":
            head = b'+QIURC: "recv",%d,%d' % (
                self.connect_id, len(self.data) if self.length is None else self.length)
            if self.remote_ip is not None:
                head += b",%s,%d" % (_q(self.remote_ip), self.remote_port or 0)
            return b"\r\n" + head + b"\r\n" + data + b"\r\n"
        parts = [b'+QIURC: "recv",%d' % self.connect_id]
        if self.length is not None:
            parts.append(b"%d" % self.length)
        if self.remote_ip is not None:
            parts += [_q(self.remote_ip), b"%d" % (self.remote_port or 0)]
        return b"\r\n" + b",".join(parts) + b',"' + data + b'"\r\n'


@frozen
class Closed(Event):
    """``+QIURC: "closed",<connectID>``: the peer or the network closed the socket (2.4.1)."""

    connect_id: int

    def _body(self) -> bytes:
        return b'+QIURC: "closed",%d' % self.connect_id


@frozen
class Incoming(Event):
    """``+QIURC: "incoming",<connectID>,<serverID>,<remoteIP>,<remote_port>`` (2.4.3)."""

    connect_id: int
    server_id: int
    remote_ip: str
    remote_port: int

    def _body(self) -> bytes:
        return b'+QIURC: "incoming",%d,%d,%s,%d' % (
            self.connect_id, self.server_id, _q(self.remote_ip), self.remote_port)


@frozen
class OpenResult(Event):
    """``+QIOPEN: <connectID>,<result>``: the deferred result of AT+QIOPEN (2.3.1)."""

    prefix: ClassVar[str | None] = "QIOPEN"

    connect_id: int
    result: Result

    def _body(self) -> bytes:
        return b"+QIOPEN: %d,%d" % (self.connect_id, self.result)


@frozen
class SocketStatus(Event):
    """One ``+QISTATE:`` row (2.3.3).

    The BG96 family prints 10 fields: ``server_id`` (the listener that accepted a
    ``TCP INCOMING`` socket) and ``at_port`` (``"uart1"``, ``"usbat"`` ...) are set
    from those rows and None from the note's 8-field rows.
    """

    prefix: ClassVar[str | None] = "QISTATE"

    connect_id: int
    service_type: str
    host: str
    remote_port: int
    local_port: int
    socket_state: int
    context_id: int
    access_mode: int
    server_id: int | None = None
    at_port: str | None = None

    def _body(self) -> bytes:
        """The note's 8 fields, or the BG96 family's 10 (``<serverID>`` before
        ``<access_mode>``, ``"<AT_port>"`` last) when ``at_port`` is set."""
        if self.at_port is None:
            return b"+QISTATE: %d,%s,%s,%d,%d,%d,%d,%d" % (
                self.connect_id, _q(self.service_type), _q(self.host), self.remote_port,
                self.local_port, self.socket_state, self.context_id, self.access_mode)
        return b"+QISTATE: %d,%s,%s,%d,%d,%d,%d,%d,%d,%s" % (
            self.connect_id, _q(self.service_type), _q(self.host), self.remote_port,
            self.local_port, self.socket_state, self.context_id, self.server_id or 0,
            self.access_mode, _q(self.at_port))


@frozen
class SendStats(Event):
    """``+QISEND: <sent>,<acked>,<nAcked>`` answering ``AT+QISEND=<connectID>,0`` (2.3.4)."""

    prefix: ClassVar[str | None] = "QISEND"

    sent: int
    acked: int
    nacked: int

    def _body(self) -> bytes:
        return b"+QISEND: %d,%d,%d" % (self.sent, self.acked, self.nacked)
