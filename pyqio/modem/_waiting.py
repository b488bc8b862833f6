"""Timeouts and wake-ups shared by every socket kind, and the socket arguments' checks.

As CPython's sockets: ``settimeout(None)`` blocks, ``0`` never waits
(``BlockingIOError``), a number waits that long (``TimeoutError``).
"""
from __future__ import annotations

import asyncio
import errno
from typing import Any

from ..errors import InvalidArgument

OVERFLOW_POLICIES = ("pause", "fail")


def _check_timeout(value: float | None) -> float | None:
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InvalidArgument(f"timeout must be None or a number >= 0, got {value!r}") from None
    if value < 0:
        raise InvalidArgument(f"timeout must be None or a number >= 0, got {value!r}")
    return value


def check_overflow(policy: str) -> str:
    """Validate an ``overflow=`` policy (see the module docstring)."""
    if policy not in OVERFLOW_POLICIES:
        raise InvalidArgument(f"overflow={policy!r}: allowed values are 'pause' and 'fail'")
    return policy


def _check_bufsize(bufsize: int) -> int:
    if not isinstance(bufsize, int) or bufsize <= 0:
        raise InvalidArgument(f"bufsize must be a positive int, got {bufsize!r}")
    return bufsize


class _Waiting:
    """Timeout bookkeeping and wake-ups shared by every socket kind."""

    def __init__(self) -> None:
        self._timeout: float | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._error: BaseException | None = None
        #: called on every wake-up instead of (or besides) a waiter: a transport that
        #: hands the data to its protocol at once (pyqio.modem._streams)
        self._sink: Any = None

    def settimeout(self, value: float | None) -> None:
        """None blocks, 0 never waits (BlockingIOError), a number waits that long (TimeoutError)."""
        self._timeout = _check_timeout(value)

    def gettimeout(self) -> float | None:
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        self._timeout = None if flag else 0.0

    def _wake(self) -> None:
        if self._waiters:
            for fut in self._waiters:
                if not fut.done():
                    fut.set_result(None)
            self._waiters.clear()
        sink = self._sink
        if sink is not None:
            sink()

    def _fail(self, exc: BaseException) -> None:
        """The link went away: every waiter and every later call raises *exc*."""
        self._error = exc
        self._wake()
        room = getattr(self, "_room", None)
        if room is not None:
            room.set()

    async def _wait(self, what: str) -> None:
        if self._timeout == 0:
            raise BlockingIOError(errno.EAGAIN, f"{what} would block")
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            if self._timeout is None:   # the common case: no timer, no wait_for wrapper
                await fut
            else:
                await asyncio.wait_for(fut, self._timeout)
        except asyncio.TimeoutError:
            raise TimeoutError("timed out") from None
        finally:
            if self._waiters and fut in self._waiters:   # a wake-up emptied the list
                self._waiters.remove(fut)
