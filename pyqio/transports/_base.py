"""The one small interface every pyqio transport implements, and a shared base.

A transport carries bytes between the host and the module and knows nothing
about AT commands. It is asyncio's own Transport/Protocol pair, trimmed to what
pyqio uses, so anything asyncio ships (a TCP connection, a pipe) already fits:

transport side (:class:`Transport`)
    ``write(data)`` queues bytes and never blocks; ``close()`` flushes what is
    queued, then ends the link; ``is_closing()``; ``get_extra_info(name)``.

protocol side (``asyncio.Protocol``)
    ``connection_made(transport)`` once, then ``data_received(data)`` for each
    read, in order, as it arrives (no line splitting, no buffering in between),
    then ``connection_lost(exc)`` exactly once.

Conventions of pyqio's transports, beyond asyncio's:

- ``connection_lost(None)`` follows only the local ``close()``. Anything that
  ends the link from the other side (a USB port unplugged, the PTY master
  closed, a TCP reset *or* an orderly TCP close, the other end of an in-memory
  pair closing) gives ``connection_lost(exc)`` with an ``OSError`` saying why,
  so a modem can tell "I hung up" from "the port went away".
- Writes after ``close()`` or after the link is lost are dropped silently, as
  asyncio's socket transports do; ``is_closing()`` tells they would be.
- Write flow control as asyncio: ``pause_writing()`` / ``resume_writing()`` on
  the protocol (when it has them) around the high/low water marks.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

__all__ = ["BaseTransport", "Transport"]


@runtime_checkable
class Transport(Protocol):
    """What pyqio needs from a byte transport (structural: asyncio's fit)."""

    def write(self, data: bytes) -> None:
        """Queue ``data`` for sending; never blocks."""

    def close(self) -> None:
        """Flush queued data, then end the link; ``connection_lost(None)`` follows."""

    def is_closing(self) -> bool:
        """True once ``close()`` was called or the link was lost."""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """Optional details (``"serial"``, ``"fd"``, ``"url"``, ``"pty_path"`` ...)."""


def _protocol_call(loop: asyncio.AbstractEventLoop, transport: Any, name: str) -> None:
    method = getattr(transport._protocol, name, None)
    if method is None:  # duck-typed protocols need not have the flow-control hooks
        return
    try:
        method()
    except Exception as exc:  # noqa: BLE001  # a faulty protocol must not break the transport
        loop.call_exception_handler({
            "message": f"protocol.{name}() failed", "exception": exc,
            "transport": transport, "protocol": transport._protocol,
        })


class BaseTransport(asyncio.Transport):
    """Closing state, write-buffer limits and a once-only ``connection_lost``.

    Subclasses implement ``write``, ``get_write_buffer_size`` and
    ``_start_close`` / ``_release`` and call :meth:`_connection_lost` when done.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, protocol: asyncio.BaseProtocol,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(extra)
        self._extra: dict[str, Any]  # set by asyncio's base; typeshed does not declare it
        self._loop = loop
        self._protocol: Any = protocol  # any object with the Protocol callbacks
        self._closing = False
        self._lost = False
        self._writing_paused = False
        self._high_water = 64 * 1024
        self._low_water = 16 * 1024

    def __repr__(self) -> str:
        state = "lost" if self._lost else "closing" if self._closing else "open"
        return f"<{type(self).__name__} {state} {self._extra}>"

    def get_protocol(self) -> asyncio.BaseProtocol:
        protocol: asyncio.BaseProtocol = self._protocol
        return protocol

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._protocol = protocol

    def is_closing(self) -> bool:
        return self._closing

    def can_write_eof(self) -> bool:
        return False  # a serial line has no half-close

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (self._low_water, self._high_water)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        if high is None:
            high = 64 * 1024 if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f"write buffer limits: need high >= low >= 0, got high={high!r}, low={low!r}")
        self._high_water, self._low_water = high, low
        self._maybe_pause_protocol()

    def _maybe_pause_protocol(self) -> None:
        if not self._writing_paused and self.get_write_buffer_size() > self._high_water:
            self._writing_paused = True
            _protocol_call(self._loop, self, "pause_writing")

    def _maybe_resume_protocol(self) -> None:
        if self._writing_paused and self.get_write_buffer_size() <= self._low_water:
            self._writing_paused = False
            _protocol_call(self._loop, self, "resume_writing")

    def _make_connection(self, waiter: asyncio.Future[None] | None,
                         then: Callable[[], Any]) -> None:
        """``connection_made``, then ``then()`` (start reading), then wake the opener.

        A ``connection_made`` that raises fails the opener's await with its error
        (the opener then aborts the transport) instead of leaving it waiting.
        """
        try:
            self._protocol.connection_made(self)
        except Exception as exc:
            if waiter is None or waiter.done():
                raise
            waiter.set_exception(exc)
            return
        if not self._closing:
            then()
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _connection_lost(self, exc: Exception | None) -> None:
        """Tell the protocol once, then free the resources."""
        if self._lost:
            return
        self._lost = True
        self._closing = True
        try:
            self._protocol.connection_lost(exc)
        finally:
            self._release()

    def _release(self) -> None:
        """Free OS resources (fd, port, thread); called once, after connection_lost."""
