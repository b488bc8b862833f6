"""Fallback transport for pyserial URL handlers that have no file descriptor.

``loop://``, ``rfc2217://``, ``cp2110://`` ... keep their bytes in a Python
queue or behind their own socket thread, so the event loop cannot watch them.
One reader thread blocks in ``serial.read`` (with a short timeout, so that
``close()`` is noticed) and passes each read to the loop with
``call_soon_threadsafe``, which keeps the order. Writes call ``serial.write``
from the loop thread: these handlers queue them (``loop://``) or hand them to a
socket (``rfc2217://``), so they do not block for long.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from ._base import BaseTransport

__all__ = ["ThreadTransport"]

log = logging.getLogger("pyqio.transports")

#: Seconds a blocked read waits before looking at the closing flag again.
#: Data never waits for it: a read returns as soon as a byte is there.
POLL = 0.05


class ThreadTransport(BaseTransport):
    """Transport over a pyserial instance read by one daemon thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, protocol: asyncio.BaseProtocol,
                 serial_port: Any, *, extra: dict[str, Any] | None = None,
                 waiter: asyncio.Future[None] | None = None) -> None:
        super().__init__(loop, protocol, {"serial": serial_port, **(extra or {})})
        self._serial = serial_port
        self._serial.timeout = POLL
        self._stop = threading.Event()
        self._reading_allowed = threading.Event()
        self._reading_allowed.set()
        self._thread = threading.Thread(target=self._reader, daemon=True,
                                        name=f"pyqio-reader {extra and extra.get('url')}")
        loop.call_soon(self._make_connection, waiter, self._thread.start)

    def _reader(self) -> None:  # runs in the reader thread
        try:
            while not self._stop.is_set():
                if not self._reading_allowed.wait(POLL):
                    continue
                data = self._serial.read(self._serial.in_waiting or 1)
                if data and not self._stop.is_set():
                    self._loop.call_soon_threadsafe(self._deliver, data)
        # any error ends the link: a reader thread dying unreported would hang the modem
        except Exception as exc:  # noqa: BLE001
            self._post(self._fail, exc)
        else:
            self._post(self._connection_lost, None)

    def _post(self, callback: Any, arg: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, arg)
        except RuntimeError:  # the loop is closed: nobody is left to tell
            self._release()

    def _deliver(self, data: bytes) -> None:
        if not self._closing:
            self._protocol.data_received(data)

    def pause_reading(self) -> None:
        self._reading_allowed.clear()

    def resume_reading(self) -> None:
        self._reading_allowed.set()

    def get_write_buffer_size(self) -> int:
        return 0  # the handler takes every write at once

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing or not data:
            return
        try:
            self._serial.write(bytes(data))
        except Exception as exc:  # noqa: BLE001  # whatever the handler raises loses the link
            self._fail(exc)

    def close(self) -> None:
        """Stop the reader; ``connection_lost(None)`` follows once it has."""
        if self._closing:
            return
        self._closing = True
        self._stop_thread()
        if not self._thread.is_alive() and self._thread.ident is None:
            self._loop.call_soon(self._connection_lost, None)  # never started

    def abort(self) -> None:
        self.close()

    def _stop_thread(self) -> None:
        self._stop.set()
        self._reading_allowed.set()
        cancel = getattr(self._serial, "cancel_read", None)
        if cancel is not None:
            try:
                cancel()
            except OSError as exc:  # best effort: the read times out within POLL anyway
                log.debug("cancel_read on %r: %s", self._serial, exc)

    def _fail(self, exc: Exception) -> None:
        if self._lost:
            return
        self._closing = True
        self._stop_thread()
        # from the loop, never inside the caller's write()
        self._loop.call_soon(self._connection_lost, exc)

    def _release(self) -> None:
        self._stop.set()
        try:
            self._serial.close()
        except OSError as exc:  # closing a port that already vanished
            log.debug("close of %r: %s", self._serial, exc)
