"""An in-process pair of transports: the ``sim://`` link and a test fixture.

What one side writes reaches the other side's ``data_received`` on a later
turn of the event loop (``loop.call_soon``), never inside the ``write()``
call, in the order written, one call per write. Nothing is copied but the
write itself (a ``bytearray`` the caller may reuse).

Flow control works as over a socket: bytes written but not yet taken by the
peer count in the writer's ``get_write_buffer_size()`` and drive its
protocol's ``pause_writing()``/``resume_writing()``; ``pause_reading()`` on a
side holds what arrives (and the end of the link) until ``resume_reading()``,
which hands it over on the next loop turn, as asyncio's own transports do:
never from inside the caller's stack, so a protocol is only ever called back
from the event loop (a read that frees a buffer may run outside any callback).

Closing: ``close()`` on one side gives that side ``connection_lost(None)`` and
the other ``connection_lost(ConnectionResetError)``, each after the data
already written to it. :meth:`MemoryTransport.fail` ends both sides at once with
an exception of your choosing (a port that vanishes, for fault injection).
"""
from __future__ import annotations

import asyncio
import errno
from collections import deque
from collections.abc import Callable
from typing import Any

from ._base import BaseTransport

__all__ = ["MemoryTransport", "connect_protocols", "open_pipe"]

_LOST = object()  # marks the end of the link in a side's incoming queue


class MemoryTransport(BaseTransport):
    """One end of an in-memory pipe; build pairs with :func:`connect_protocols`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, protocol: Any, name: str) -> None:
        super().__init__(loop, protocol, {"peername": name, "url": "memory://" + name})
        self._peer: MemoryTransport | None = None
        self._in_flight = 0  # bytes written by this side not yet taken by the peer
        self._held: deque[Any] = deque()  # incoming items while reading is paused
        self._reading_paused = False
        self._drain_due = False  # a _drain callback is scheduled

    # writing ---------------------------------------------------------------

    def get_write_buffer_size(self) -> int:
        return self._in_flight

    def write(self, data: bytes | bytearray | memoryview) -> None:
        peer = self._peer
        if self._closing or peer is None or not data:
            return  # asyncio convention: writes after close are dropped
        chunk = bytes(data)
        self._in_flight += len(chunk)
        self._loop.call_soon(peer._arrive, chunk)
        self._maybe_pause_protocol()

    # reading ---------------------------------------------------------------

    def _arrive(self, item: Any) -> None:
        if self._lost:
            return
        if self._reading_paused or self._held:
            self._held.append(item)
        else:
            self._take(item)

    def _take(self, item: Any) -> None:
        if isinstance(item, bytes):
            peer = self._peer
            if peer is not None:
                peer._in_flight -= len(item)
                peer._maybe_resume_protocol()
            self._protocol.data_received(item)
        else:
            self._connection_lost(item[1])

    def pause_reading(self) -> None:
        self._reading_paused = True

    def resume_reading(self) -> None:
        self._reading_paused = False
        if self._held:
            self._schedule_drain()

    def _schedule_drain(self) -> None:
        # Items that arrive meanwhile queue behind the held ones (_arrive), so
        # the order holds; one pending callback serves any number of resumes.
        if not self._drain_due:
            self._drain_due = True
            self._loop.call_soon(self._drain)

    def _drain(self) -> None:
        self._drain_due = False
        while self._held and not self._reading_paused and not self._lost:
            self._take(self._held.popleft())

    def is_reading(self) -> bool:
        return not self._reading_paused

    # closing ---------------------------------------------------------------

    def close(self) -> None:
        """End the link after what was written; see the module docstring."""
        if self._closing:
            return
        self._closing = True
        peer = self._peer
        self._loop.call_soon(self._connection_lost, None)
        if peer is not None and not peer._closing:
            peer._closing = True
            reset = ConnectionResetError(errno.ECONNRESET, f"{self._extra['peername']} closed the link")
            self._loop.call_soon(peer._arrive, (_LOST, reset))

    def abort(self) -> None:
        self.close()

    def fail(self, exc: Exception) -> None:
        """End both sides now with ``connection_lost(exc)``, dropping data in flight."""
        for side in (self, self._peer):
            if side is not None and not side._lost:
                side._closing = True
                side._held.clear()
                side._held.append((_LOST, exc))  # nothing queued after it is taken
                side._reading_paused = False
                side._schedule_drain()

    def _release(self) -> None:
        self._held.clear()


def connect_protocols(protocol_a: Any, protocol_b: Any, *,
                      loop: asyncio.AbstractEventLoop | None = None,
                      names: tuple[str, str] = ("a", "b"),
                      ) -> tuple[MemoryTransport, MemoryTransport]:
    """Join two protocols with a :class:`MemoryTransport` each; return both.

    ``connection_made`` is called on ``protocol_b`` first, then on
    ``protocol_a``, on the next loop turn (``protocol_b`` is the side that was
    already there: the simulated module). Needs a running loop, or ``loop``.
    """
    loop = loop or asyncio.get_running_loop()
    a = MemoryTransport(loop, protocol_a, names[0])
    b = MemoryTransport(loop, protocol_b, names[1])
    a._peer, b._peer = b, a
    loop.call_soon(protocol_b.connection_made, b)
    loop.call_soon(protocol_a.connection_made, a)
    return a, b


async def open_pipe(protocol_factory: Callable[[], Any], peer: Any,
                    ) -> tuple[MemoryTransport, Any]:
    """Make a protocol, join it to ``peer`` and return ``(transport, protocol)``.

    Returns once both ``connection_made`` calls have run, as
    ``loop.create_connection`` does.
    """
    protocol = protocol_factory()
    transport, _ = connect_protocols(protocol, peer, names=("host", "module"))
    await asyncio.sleep(0)  # the two connection_made callbacks run in this turn
    return transport, protocol
