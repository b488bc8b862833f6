"""Events of the BG96 family's TCP/IP forms (re-exported by :mod:`pyqio.events`).

The BG95/BG96/BG77/BG600L and EG9x/EC2x/EC200/EC600 modules (the ``bg96`` profile,
docs/modules.md) print a few forms the BC660K-GL note lacks: buffer access mode's
``+QIURC: "recv",<connectID>[,<data_len>]`` notice and the ``AT+QIRD`` answers
(BG96 TCP/IP Application Note 2.2.8 and 2.3.2; BG95&BG77&BG600L TCP/IP Application
Note 2.3.8 and 2.4.2), and the ``"pdpdeact"`` and ``"incoming full"`` URCs.

As every event, ``to_bytes()`` writes the module's bytes back and
``decode(ev.to_bytes(module="bg96"), module="bg96") == [ev]``.
"""
from __future__ import annotations

from typing import ClassVar

from .._frozen import frozen
from ._event_base import Event, _data
from ._eventfmt import _q

__all__ = ["IncomingFull", "PdpDeactivated", "ReadData", "ReadStats", "RecvNotice"]


@frozen
class RecvNotice(Event):
    """``+QIURC: "recv",<connectID>[,<data_len>]``: data waits in the module's buffer.

    Buffer access mode: the host reads it with ``AT+QIRD`` (:class:`ReadData`); no new
    notice comes until the buffer has been emptied. ``length`` is the BG95 series'
    optional ``<data_len>`` (None when absent). A notice with a length looks, byte for
    byte, like a direct-push header, so the decoder reads it as a notice only for
    connect ids in :attr:`pyqio.Decoder.buffer_access`.
    """

    connect_id: int
    length: int | None = None

    def _body(self) -> bytes:
        if self.length is None:
            return b'+QIURC: "recv",%d' % self.connect_id
        return b'+QIURC: "recv",%d,%d' % (self.connect_id, self.length)


@frozen
class ReadData(Event):
    """``+QIRD: <read_actual_length>[,<remoteIP>,<remote_port>]`` CR LF ``<data>``.

    The data an ``AT+QIRD=<connectID>[,<read_length>]`` answer carries, framed by its
    length (``OK`` follows). The answer names no connect id: the session, which sent
    the command, knows it. ``+QIRD: 0`` (nothing buffered) is ``ReadData(b"")``. A UDP
    SERVICE socket's answer carries the sender's address.
    """

    prefix: ClassVar[str | None] = "QIRD"

    data: bytes
    remote_ip: str | None = None
    remote_port: int | None = None

    def to_bytes(self, recv_format: str = "text", module: str = "bc660k") -> bytes:
        """The answer's data part (the ``OK`` after it is an event of its own)."""
        head = b"+QIRD: %d" % len(self.data)
        if self.remote_ip is not None:
            head += b",%s,%d" % (_q(self.remote_ip), self.remote_port or 0)
        if not self.data:
            return b"\r\n" + head + b"\r\n"
        return b"\r\n" + head + b"\r\n" + _data(self.data, recv_format) + b"\r\n"


@frozen
class ReadStats(Event):
    """``+QIRD: <total_receive_length>,<have_read_length>,<unread_length>`` answering
    ``AT+QIRD=<connectID>,0`` (as :class:`pyqio.events.SendStats` answers ``AT+QISEND=<id>,0``)."""

    prefix: ClassVar[str | None] = "QIRD"

    total: int
    read: int
    unread: int

    def _body(self) -> bytes:
        return b"+QIRD: %d,%d,%d" % (self.total, self.read, self.unread)


@frozen
class PdpDeactivated(Event):
    """``+QIURC: "pdpdeact",<contextID>``: the network deactivated the PDP context.

    Every socket on it is dead; the host closes them and activates the context again.
    """

    context_id: int

    def _body(self) -> bytes:
        return b'+QIURC: "pdpdeact",%d' % self.context_id


@frozen
class IncomingFull(Event):
    """``+QIURC: "incoming full"``: a listener refused a connection (no free connect id)."""

    def _body(self) -> bytes:
        return b'+QIURC: "incoming full"'
