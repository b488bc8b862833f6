"""Module restarts: suggested by the byte stream, confirmed by asking the module.

What can suggest a reboot is only what the tokenizer saw outside any framed
payload: a boot line ``RDY`` of its own, or a recv frame that broke (a reboot
that cuts a URC leaves its ``RDY`` inside the payload the length field claimed,
and only the broken framing after it shows).  A remote peer can fake both: a
payload holding ``\r\nRDY\r\n`` plus one byte of its URC lost on the UART shifts
the framing so that the banner reads as a line.  So nothing is reset on a
suggestion; the modem asks the module (a sync ``AT``, then ``AT+QISTATE?``, note
2.3.3) and treats it as restarted only when it holds none of our sockets (with
none open, when it echoes the ``AT`` although bring-up turned echo off: a boot
turns it back on).

A mixin of :class:`pyqio.modem.Modem` (``request``, ``_sync``, ``_sockets``,
``_on_restart``).  The check waits its turn behind the command in flight (one
command at a time, note 2.1), so a restart during a long ``AT+QIOPEN`` is seen
once that command has timed out.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from .. import commands as C
from ..errors import CommandError, CommandTimeout, LinkError
from ..wire import events as E

__all__ = ["RestartMixin"]

log = logging.getLogger("pyqio.modem")


class RestartMixin:
    """Restart suspicion and confirmation; see the module docstring."""

    _sockets: dict[int, Any]
    echo_on: bool
    _ip_count: int
    _ip_mark: int
    restart_suspicions: int
    _check_task: asyncio.Task[None] | None
    _recheck: bool

    async def request(self, cmd: Any, payload: bytes | None = None, *,
                      timeout: float | None = None) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def _sync(self) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _on_restart(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def _suspect_restart(self, why: str) -> None:
        """Something outside any framed payload looks like a reboot.  A remote peer can
        fake that (a payload holding ``RDY`` plus one byte of its URC lost on the UART),
        so nothing is reset until the module confirms it (:meth:`_module_restarted`)."""
        self.restart_suspicions += 1
        self._ip_mark = self._ip_count  # a +IP: after this is the rebooted module's
        log.info("the module may have restarted (%s): asking it", why)
        if self._check_task is not None and not self._check_task.done():
            self._recheck = True  # the check in flight may have been answered before it
            return
        self._check_task = asyncio.get_running_loop().create_task(self._confirm_restart())

    async def _confirm_restart(self) -> None:
        while True:
            self._recheck = False
            try:
                restarted = await self._module_restarted()
            except LinkError:
                return  # the link itself is gone: _on_lost handles the sockets
            except (CommandError, CommandTimeout) as exc:
                log.warning("could not ask the module whether it restarted (%s); "
                            "its sockets are kept", exc)
                restarted = False
            if restarted:
                self._on_restart()
                return
            if not self._recheck:
                return

    async def _module_restarted(self) -> bool:
        """A sync ``AT``, then ``AT+QISTATE?`` (note 2.3.3): restarted when the module
        holds none of the sockets we have open.  With none open there is nothing a
        wrong verdict could fail, and the sign is the echo: a boot turns it back on,
        so an echoed ``AT`` after bring-up's ``ATE0`` means a reboot."""
        before = set(self._sockets)
        sync = await self._sync()
        if not before:
            return bool(sync.request.echoed) and not self.echo_on
        resp = await self.request(C.QIStateAll())
        held = {ev.connect_id for ev in resp.events if isinstance(ev, E.SocketStatus)}
        ours = before & set(self._sockets)  # those closed meanwhile do not count
        if ours and not ours & held:
            return True
        log.info("the module still holds its sockets: it did not restart")
        return False

    async def _restart_check_done(self) -> None:
        """Wait for a restart check in flight (tests and shutdown use it)."""
        while self._check_task is not None and not self._check_task.done():
            await asyncio.shield(self._check_task)
