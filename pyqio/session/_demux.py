"""The session's demux path: receive buffers attached to connect ids.

A mixin of :class:`pyqio.session.Session`.  With a buffer attached to a connect id
(:meth:`DemuxMixin.attach`), the decoder appends that id's pushed payloads to it
(``Decoder.feed_demux``, the C demux where the extension is built) instead of making
a :class:`~pyqio.events.Recv` per URC, and the session says so with one
:class:`~pyqio.session.Appended` per read.  The decoder stops at each other event
(``until_event``), so that an event that ends a connection (``+QIURC: "closed"``,
``CLOSE OK``) or puts another on the id (``+QIURC: "incoming"``) is handled before
the payloads after it are routed: each payload reaches the buffer of the connection
it came on, and the events and the ``Appended`` keep stream order.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgument
from ..wire.events import Event
from ._types import Appended

if TYPE_CHECKING:
    from ..wire._decoder import Decoder

# Appended(cid, n) without the frozen __init__ (an object.__setattr__ per field, more
# than the rest of a lone message's feed): the slots written directly, as the C
# feeder makes its events; the same object, field for field
_new = object.__new__
_set_connect_id = vars(Appended)["connect_id"].__set__   # the slots' own descriptors
_set_size = vars(Appended)["size"].__set__


class DemuxMixin:
    """attach / detach, and the feeding of a read when buffers are attached."""

    decoder: Decoder
    _buffers: list[bytearray | None]
    _attached: dict[int, bytearray]
    _sizes: dict[int, int]
    _events: deque[Any]
    _decoded: deque[Event]
    _feed_until: Any   # the decoder's feeder's feed_demux (until_event by keyword)

    def _handle_decoded(self) -> None:
        raise NotImplementedError  # pragma: no cover - Session's

    def attach(self, connect_id: int, buffer: bytearray) -> None:
        """Append *connect_id*'s pushed payloads (``+QIURC: "recv"``, 2.4.2) to *buffer*.

        Instead of a :class:`~pyqio.events.Recv` per URC, the next events hold one
        :class:`Appended` per read that added to it, in stream order. The buffer is
        the caller's (it reads and empties it as it likes; the session only appends)
        and stays attached until :meth:`detach`, or until the connection ends in
        the stream: ``+QIURC: "closed"`` (2.4.1), the ``CLOSE OK`` of ``AT+QICLOSE``
        (2.3.2), an ``+QIURC: "incoming"`` on that connect id (2.4.3) or
        :meth:`reset`. Payloads after that are Recv events again, so a connection
        opened on the same id within the same read never lands in the old buffer.

        Payloads that carry the sender's address (a UDP SERVICE socket, ``showRA``)
        lose it in the buffer, and datagram boundaries are lost: attach stream
        (TCP) connections only.
        """
        if isinstance(connect_id, bool) or not isinstance(connect_id, int) \
                or not 0 <= connect_id < len(self._buffers):
            raise InvalidArgument(f"connect_id={connect_id!r}: connect ids are integers "
                                  f"0-{len(self._buffers) - 1}")
        if not isinstance(buffer, bytearray):
            raise InvalidArgument(f"buffer is a {type(buffer).__name__}: a bytearray is required")
        self._buffers[connect_id] = buffer
        self._attached[connect_id] = buffer

    def detach(self, connect_id: int, buffer: bytearray | None = None) -> None:
        """Stop appending to *connect_id*'s buffer (only if it is *buffer*, when given);
        its later payloads are :class:`~pyqio.events.Recv` events again."""
        held = self._attached.get(connect_id)
        if held is not None and (buffer is None or held is buffer):
            del self._attached[connect_id]
            self._buffers[connect_id] = None

    @property
    def attached(self) -> dict[int, bytearray]:
        """The buffers attached by connect id (a copy)."""
        return dict(self._attached)

    def _feed_attached(self, part: bytes | memoryview) -> None:
        # the demux path in stream order: each decoder call stops at an event, with
        # the payloads before it appended; the event may attach or detach a buffer
        # (a connection ended, another opened) before the payloads after it are routed.
        # _sizes outlives a call that raised: its Appended come with the next one.
        # One call per read of the link, so written for few bytecodes
        attached, sizes = self._attached, self._sizes
        if not sizes:
            for cid, buf in attached.items():
                sizes[cid] = len(buf)
        evs = self._feed_until(part, self._buffers, until_event=True)
        while True:
            for cid, buf in attached.items():
                n = len(buf) - sizes.get(cid, 0)
                if n > 0:
                    ev = _new(Appended)
                    _set_connect_id(ev, cid)
                    _set_size(ev, n)
                    self._events.append(ev)
            sizes.clear()
            if not evs:
                return
            self._decoded.extend(evs)
            self._handle_decoded()
            for cid, buf in attached.items():
                sizes[cid] = len(buf)
            evs = self._feed_until(b"", self._buffers, until_event=True)
