"""What the modem does after the link or the module went away: a restart of the
module (confirmed by :mod:`pyqio.modem._restart`), a lost link, and reconnecting
with :class:`ReconnectPolicy`.  A mixin of :class:`pyqio.modem.Modem`.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from ..errors import CommandError, CommandTimeout, LinkError

log = logging.getLogger("pyqio.modem")

BOOT_LINE = b"RDY"  # what the module prints when it has (re)booted


@dataclasses.dataclass
class ReconnectPolicy:
    """Reopen the transport after it vanished, with exponential backoff.

    After each reopen the module is brought up again (``AT`` sync, ``ATE0``, the
    data format and show-RA the modem had).  Sockets open at the loss are *not*
    reopened: they stay dead and raise :class:`LinkError`, since their peers
    saw the connection go.  ``max_attempts=None`` retries forever.
    """

    initial_delay: float = 0.5
    max_delay: float = 30.0
    factor: float = 2.0
    max_attempts: int | None = None


class RecoveryMixin:
    """Restart, link loss and reconnect (see the module docstring)."""

    restarts: int
    url: str
    ip: str | None
    reconnect: ReconnectPolicy | None
    send_hex: bool
    recv_hex: bool
    show_ra: bool
    _sockets: dict[int, Any]
    _link: Any
    _ip_count: int
    _ip_mark: int
    _ip_event: asyncio.Event
    _up: asyncio.Event
    _closing: bool
    _reinit_task: asyncio.Task[None] | None
    _reconnect_task: asyncio.Task[None] | None

    async def _bring_up(self) -> None:  # pragma: no cover - BringUpMixin's
        raise NotImplementedError

    async def _open_link(self) -> None:  # pragma: no cover - Modem's
        raise NotImplementedError

    async def set_data_format(self, send_hex: bool, recv_hex: bool) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def set_show_ra(self, enabled: bool) -> Any:  # pragma: no cover - OpsMixin's
        raise NotImplementedError

    def _on_restart(self) -> None:
        """The module rebooted (confirmed: it no longer holds our sockets): they are
        gone, echo is back on and the command in flight is lost.  Sockets fail with LinkError;
        the module is brought up again in the background, as after a reconnect."""
        self.restarts += 1
        log.warning("the module restarted: its sockets are gone; bringing it up again")
        err = LinkError("the module restarted")
        for sock in list(self._sockets.values()):
            sock._fail(err)
        self._sockets.clear()
        if self._link is not None:
            self._link.session.reset()  # pending and queued requests end with LinkReset
        if self._ip_count == self._ip_mark:  # no +IP: since the reboot was suspected
            self.ip = None
            self._ip_event.clear()
        self._up.clear()
        want = (self.send_hex, self.recv_hex, self.show_ra)
        self._reinit_task = asyncio.get_running_loop().create_task(self._reinit(want))

    async def _reinit(self, want: tuple[bool, bool, bool]) -> None:
        try:
            await self._bring_up()
            await self._restore(*want)
        except (CommandError, LinkError, CommandTimeout) as exc:
            log.error("bringing the module up after its restart failed: %s", exc)
            return
        self._up.set()

    def _on_lost(self, err: BaseException) -> None:
        self._up.clear()
        for sock in list(self._sockets.values()):
            sock._fail(err)
        self._sockets.clear()
        busy = self._reconnect_task is not None and not self._reconnect_task.done()
        if self.reconnect is not None and not self._closing and not busy:
            self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        policy = self.reconnect
        assert policy is not None
        delay, attempt = policy.initial_delay, 0
        while policy.max_attempts is None or attempt < policy.max_attempts:
            attempt += 1
            await asyncio.sleep(delay)
            try:
                await self._open_link()
                want = (self.send_hex, self.recv_hex, self.show_ra)
                await self._bring_up()
                await self._restore(*want)
                self._up.set()
                log.info("reconnected to %s after %d attempt(s)", self.url, attempt)
                return
            except (OSError, CommandError, LinkError, CommandTimeout) as exc:
                log.warning("reconnect attempt %d failed: %s", attempt, exc)
                if self._link is not None and self._link.lost is None:
                    self._link.close()  # opened but not brought up: do not leak it
                delay = min(delay * policy.factor, policy.max_delay)
        log.error("gave up reconnecting to %s", self.url)
        self._up.set()  # release the waiters: they find the link still lost and raise

    async def _restore(self, send_hex: bool, recv_hex: bool, show_ra: bool) -> None:
        if (send_hex, recv_hex) != (self.send_hex, self.recv_hex):
            await self.set_data_format(send_hex, recv_hex)
        if show_ra != self.show_ra:
            await self.set_show_ra(show_ra)
