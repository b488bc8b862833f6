"""The modem's side of the BG96 family (``Modem(url, module="bg96")``).

A mixin of :class:`pyqio.modem.Modem`:

- **Context activation** in bring-up (BG96 TCP/IP Application Note 2.2.1-2.2.2): with
  an ``apn`` the context is configured by ``AT+QICSGP``; ``AT+QIACT?`` tells whether it
  is active, ``AT+QIACT=<contextID>`` activates it if not, and its address becomes
  ``Modem.ip`` (the family prints no ``+IP:``).
- **Buffer access mode drives reads by itself** (AN 2.2.7, 2.3.2): a ``+QIURC:
  "recv",<id>`` notice starts one reader per socket that sends ``AT+QIRD=<id>,1500``
  until ``+QIRD: 0``. Each read is an ordinary command: it waits its turn behind the
  command in flight, URCs pass between its lines, and its data reaches the socket
  exactly as pushed data does. A notice that comes while the reader runs makes it
  read once more after its ``+QIRD: 0``, since the module gives no new notice until
  its buffer has been emptied.
- **Flow control**: the reader issues no ``AT+QIRD`` for a socket whose receive
  buffer has no room for another 1500 bytes; it waits until the owner reads. The data
  stays in the module, whose buffer fills and closes the peer's TCP window: nothing is
  dropped. This is why buffer access is the default access mode of the ``bg96``
  profile (direct push cannot be paused: a socket whose owner does not read drops
  what does not fit, and counts it).
- ``+QIURC: "pdpdeact",<contextID>`` fails every socket on that context with
  :class:`pyqio.errors.PdpDeactivatedError` (their ids are freed with ``AT+QICLOSE``)
  and, when ``reactivate`` is set, activates the context again in the background.
- ``+QIURC: "incoming full"`` is logged and counted in ``incoming_full``.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from .. import commands as C
from ..errors import CommandError, CommandTimeout, LinkError, PdpDeactivatedError
from ..protocol import MAX_READ_LENGTH
from ..session import Response
from ..wire import events as E
from ..wire._result import ResultCode

log = logging.getLogger("pyqio.modem")

#: How long AT+QIACT may take (BG96 TCP/IP AN 2.2.2: 150 s, determined by the network).
ACTIVATION_TIMEOUT = 150.0


class FamilyMixin:
    """Context activation, buffer access reads and the family's URCs; see the module."""

    module: str
    context_id: int
    apn: str | None
    reactivate: bool
    ip: str | None
    incoming_full: int
    _sockets: dict[int, Any]
    _ip_event: asyncio.Event
    _readers: dict[int, asyncio.Task[None]]
    _read_again: set[int]
    _close_after_read: set[int]

    async def request(self, cmd: C.Command, payload: bytes | None = None, *,
                      timeout: float | None = None) -> Response:  # pragma: no cover
        raise NotImplementedError

    def _deliver(self, connect_id: int, data: bytes,
                 addr: tuple[str, int] | None) -> None:  # pragma: no cover - Modem's
        raise NotImplementedError

    async def _quiet_close(self, connect_id: int) -> None:  # pragma: no cover - Modem's
        raise NotImplementedError

    def _forget(self, sock: Any) -> None:  # pragma: no cover - Modem's
        raise NotImplementedError

    # -- bring-up ---------------------------------------------------------------

    async def activate_context(self) -> str | None:
        """Configure (with ``apn``) and activate ``context_id`` unless it is active; its
        address (also kept in ``ip``), or None when the module shows none."""
        m = self.module
        if self.apn is not None:
            await self.request(C.QICsgp(self.context_id, 1, self.apn, module=m))
        row = await self._context_row()
        if row is None or not row.active:
            await self.request(C.QIAct(self.context_id, module=m), timeout=ACTIVATION_TIMEOUT)
            row = await self._context_row()
        if row is not None and row.ip:
            self.ip = row.ip
            self._ip_event.set()
        log.info("context %d active, ip=%s", self.context_id, self.ip)
        return self.ip

    async def _context_row(self) -> E.ContextState | None:
        resp = await self.request(C.QIActQuery())
        rows = [e for e in resp.events
                if isinstance(e, E.ContextState) and e.context_id == self.context_id]
        return rows[-1] if rows else None

    # -- the family's URCs ---------------------------------------------------------

    def _on_family_event(self, ev: Any) -> bool:
        """Handle a URC of the family; False when *ev* is none of them."""
        if isinstance(ev, E.RecvNotice):
            self._notice(ev.connect_id)
        elif isinstance(ev, E.PdpDeactivated):
            self._on_pdp_deactivated(ev.context_id)
        elif isinstance(ev, E.IncomingFull):
            self.incoming_full += 1
            log.warning("a listener refused a connection: no free connect id (incoming full)")
        else:
            return False
        return True

    def _closed_in_buffer_mode(self, connect_id: int) -> bool:
        """``+QIURC: "closed"`` for a buffer access socket: the module keeps what it
        received before the close, so it is read first (until ``+QIRD: 0``) and the
        close reaches the socket after it. False for any other socket."""
        sock = self._sockets.get(connect_id)
        if sock is None or getattr(sock, "access_mode", 1) != 0:
            return False
        self._close_after_read.add(connect_id)
        self._notice(connect_id)
        return True

    def _notice(self, connect_id: int) -> None:
        task = self._readers.get(connect_id)
        if task is not None and not task.done():
            self._read_again.add(connect_id)  # it reads once more after its +QIRD: 0
            return
        self._readers[connect_id] = asyncio.get_running_loop().create_task(
            self._read_loop(connect_id))

    async def _read_loop(self, connect_id: int) -> None:
        """``AT+QIRD=<id>,1500`` until ``+QIRD: 0``, pausing while the socket is full."""
        try:
            while True:
                sock: Any = self._sockets.get(connect_id)
                if sock is None or sock.closed:
                    return
                await sock._wait_room(MAX_READ_LENGTH)
                if sock.closed or self._sockets.get(connect_id) is not sock:
                    return
                self._read_again.discard(connect_id)
                resp = await self.request(C.QIRd(connect_id, MAX_READ_LENGTH,
                                                 module=self.module))
                got = [e for e in resp.events if isinstance(e, E.ReadData)]
                data = got[-1] if got else None
                if data is None or not data.data:
                    if connect_id in self._read_again:
                        continue
                    return
                addr = (data.remote_ip, data.remote_port or 0) if data.remote_ip else None
                self._deliver(connect_id, data.data, addr)
        except (CommandError, CommandTimeout, LinkError) as exc:
            # the socket was closed under the reader, or the link went: nothing to read
            log.debug("reading socket %d stopped: %s", connect_id, exc)
        finally:
            if self._readers.get(connect_id) is asyncio.current_task():
                del self._readers[connect_id]
            if connect_id in self._close_after_read:
                self._close_after_read.discard(connect_id)
                closed = self._sockets.get(connect_id)
                if closed is not None:
                    closed._on_closed()

    def _on_pdp_deactivated(self, context_id: int) -> None:
        dead = [s for s in self._sockets.values() if getattr(s, "context_id", None) == context_id]
        log.warning("PDP context %d deactivated by the network: %d socket(s) lost",
                    context_id, len(dead))
        loop = asyncio.get_running_loop()
        for sock in dead:
            sock._fail(PdpDeactivatedError(
                f"socket {sock.connect_id}: PDP context {context_id} was deactivated",
                context_id=context_id, result=ResultCode.PDP_CONTEXT_BROKE_DOWN))
            self._forget(sock)
            loop.create_task(self._quiet_close(sock.connect_id))  # frees the id on the module
        if context_id == self.context_id:
            self.ip = None
            self._ip_event.clear()
            if self.reactivate:
                loop.create_task(self._reactivate())

    async def _reactivate(self) -> None:
        try:
            await self.activate_context()
        except (CommandError, CommandTimeout, LinkError) as exc:
            log.error("activating PDP context %d again failed: %s", self.context_id, exc)
