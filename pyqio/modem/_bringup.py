"""Bringing the module up from whatever state it is in, and following its registration.

A mixin of :class:`pyqio.modem.Modem`.  Bring-up *asks* the module rather than
waiting for what it prints once: a module that booted long before the host
program opened the port has printed its ``+IP:`` (note 2.3.1, NOTE 4) to nobody.
After the ``AT`` sync and the ``AT+QICFG`` reads (in :class:`Modem`):

1. ``AT+QISTATE?`` (note 2.3.3): sockets the module still holds from an earlier
   host program are closed (``AT+QICLOSE``) or adopted as socket objects,
   as ``stale_sockets`` says; none is reused silently.
2. ``AT+CFUN?``; a radio switched off (``+CFUN: 0``, or 4) is switched on with
   ``AT+CFUN=1`` (3GPP TS 27.007 8.2).
3. ``AT+CEREG?``; ``AT+CEREG=2`` when its ``<n>`` is 0, so that every later
   change arrives as a ``+CEREG`` URC; then, unless registered home (1) or
   roaming (5), wait for a ``+CEREG`` URC saying so, up to
   ``registration_timeout`` (:class:`~pyqio.errors.NotRegistered`).
4. ``AT+CGPADDR`` for the address (``modem.ip``); while the context is not
   active yet, the ``+IP:`` URC or a later ``AT+CGPADDR`` gives it.

No step waits a fixed time: against a module that is already up, bring-up is a
dozen round trips.

Afterwards every ``+CEREG`` URC updates :attr:`registration` and is passed to
``on_registration``; :meth:`wait_registered` waits for registration.  Sockets
whose context died (the module closed them while not registered, or the context
came back with another address, or the module left the network: ``+CEREG: 0``
or 3) fail with :class:`~pyqio.errors.ContextLost`.  A loss while searching
(2, 4, 80) leaves them be: the context may survive it, and the module says
``closed`` for the sockets it did not.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import commands as C
from ..errors import CommandError, CommandTimeout, ContextLost, InvalidArgument, NotRegistered
from ..wire import events as E
from ._socket import ModemSocket
from ._socket_server import Listener, UdpService

log = logging.getLogger("pyqio.modem")

STALE_POLICIES = ("close", "adopt")
REGISTERED = (1, 5)  # <stat>: registered, home network / roaming
DETACHED = (0, 3)  # <stat>: not registered and not searching / registration denied
_CONNECTED, _REMOTE_CLOSING = 2, 4  # AT+QISTATE <socket_state> (note 2.3.3)


def check_stale_policy(value: Any) -> str:
    if not isinstance(value, str) or value not in STALE_POLICIES:
        raise InvalidArgument(f"stale_sockets must be one of {STALE_POLICIES}, got {value!r}")
    return value


class NetworkMixin:
    """Bring-up queries, stale sockets and registration tracking (see the module)."""

    # provided by Modem
    _sockets: dict[int, Any]
    buffer_limit: int
    module: str
    ip: str | None
    _ip_event: asyncio.Event
    registration_timeout: float | None
    stale_sockets: str
    on_registration: Callable[[E.Registration], Any] | None

    async def request(self, cmd: Any, payload: bytes | None = None, *,
                      timeout: float | None = None) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _route(self, sock: Any) -> None:  # pragma: no cover - SocketsMixin's
        raise NotImplementedError

    def _init_network(self) -> None:
        self.registration: E.Registration | None = None  # the last read answer or URC
        self.adopted: list[Any] = []  # sockets taken over from an earlier host program
        self._registered = asyncio.Event()
        self._context_task: asyncio.Task[Any] | None = None
        self._lost_once = False  # a registration loss was seen since bring-up
        self._reg_urcs = 0  # +CEREG URCs handled, to tell a read answer's age

    @property
    def registered(self) -> bool:
        """True while the last ``+CEREG`` said registered, home (1) or roaming (5)."""
        return self.registration is not None and self.registration.stat in REGISTERED

    async def wait_registered(self, timeout: float | None = None) -> None:
        """Return once registered (at once if already); :class:`NotRegistered` after
        *timeout* seconds (None: wait for ever)."""
        try:
            await asyncio.wait_for(self._registered.wait(), timeout)
        except asyncio.TimeoutError:
            stat = self.registration.stat if self.registration is not None else None
            raise NotRegistered(f"not registered to the network within {timeout:g} s "
                                f"(last +CEREG <stat> {stat})", stat=stat) from None

    # -- bring-up ----------------------------------------------------------------
    async def _network_up(self, address: bool = True) -> None:
        await self._stale()
        fun = _first(await self.request(C.CfunQuery()), E.Functionality)
        if fun is not None and fun.fun != 1:
            # 0 (minimum) or 4 (radio off): nothing can register until it is on
            log.info("radio off (+CFUN: %d): switching it on with AT+CFUN=1", fun.fun)
            await self.request(C.Cfun(1), timeout=self.registration_timeout)
        reg = await self._read_registration()
        if reg is not None and reg.n == 0:
            # no URCs: ask for them (with the cell, as n=2 gives it), then read again,
            # since a registration between the two commands would give no URC
            await self.request(C.Cereg(2))
            await self._read_registration()
        if self.registration_timeout is not None:
            await self.wait_registered(self.registration_timeout)
        if address:
            await self._read_address()

    async def _read_registration(self) -> Any:
        """``AT+CEREG?``; its answer is taken unless a URC handled meanwhile is newer."""
        urcs = self._reg_urcs
        reg = _first(await self.request(C.CeregQuery()), E.Registration)
        if reg is not None and urcs == self._reg_urcs:
            self._set_registration(reg)
        return reg

    async def _read_address(self) -> None:
        """``AT+CGPADDR``; until the context is active, whichever of ``+IP:`` or a
        later ``AT+CGPADDR`` (each second) gives the address first."""
        deadline = asyncio.get_running_loop().time() + (self.registration_timeout or 0)
        while True:
            row = _address(await self.request(C.Cgpaddr()))
            if row is not None:
                self.ip = row
                return
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0 or not self.registered:
                log.warning("no PDP address yet (AT+CGPADDR); going on (sockets may fail)")
                return
            try:
                await asyncio.wait_for(self._ip_event.wait(), min(1.0, left))
            except asyncio.TimeoutError:
                continue
            return  # +IP: set self.ip

    async def _stale(self) -> None:
        """Sockets the module holds that no object here knows: from an earlier host
        program (a restart of this one while the module stayed up) or from before
        a reconnect.  Closed, or adopted, as ``stale_sockets`` says."""
        self.adopted = []
        rows = [r for r in _all(await self.request(C.QIStateAll()), E.SocketStatus)
                if r.connect_id not in self._sockets]
        for row in rows:
            usable = row.socket_state in (_CONNECTED, _REMOTE_CLOSING)
            if self.stale_sockets == "adopt" and usable:
                sock = self._adopt(row)
                self._sockets[row.connect_id] = sock
                self._route(sock)
                self.adopted.append(sock)
                log.info("adopted socket %d (%s %s:%s) left open on the module",
                         row.connect_id, row.service_type, row.host, row.remote_port)
                continue
            log.info("closing socket %d (%s %s:%s) left open on the module",
                     row.connect_id, row.service_type, row.host, row.remote_port)
            try:
                await self.request(C.QIClose(row.connect_id, module=self.module))
            except CommandError as exc:  # already gone: what we wanted
                log.debug("AT+QICLOSE=%d: %s", row.connect_id, exc)

    def _adopt(self, row: Any) -> Any:
        cid, kind = row.connect_id, row.service_type
        sock: Any
        if kind == "TCP LISTENER":
            sock = Listener(self, cid, row.local_port)
        elif kind == "UDP SERVICE":
            sock = UdpService(self, cid, row.local_port, buffer_limit=self.buffer_limit)
        else:  # TCP, UDP, TCP INCOMING
            sock = ModemSocket(self, cid, kind, (row.host, row.remote_port),
                               buffer_limit=self.buffer_limit)
            if row.socket_state == _REMOTE_CLOSING:
                sock._on_closed()
        # its context and access mode as the module shows them (buffer access: read
        # with AT+QIRD on its notices)
        sock.context_id, sock.access_mode = row.context_id, row.access_mode
        return sock

    # -- registration after bring-up ------------------------------------------------
    def _set_registration(self, reg: E.Registration) -> None:
        before = self.registered
        self.registration = reg
        if reg.stat in REGISTERED:
            self._registered.set()
        else:
            self._registered.clear()
        if before and not self.registered:
            log.warning("network registration lost (+CEREG <stat> %d)", reg.stat)
            if reg.stat in DETACHED:  # not searching, or denied: no context survives
                for sock in list(self._sockets.values()):
                    if not sock.closed and getattr(sock, "_error", None) is None:
                        sock._fail(ContextLost(
                            f"socket {sock.connect_id}: the module left the network "
                            f"(+CEREG <stat> {reg.stat}); its PDP context is gone"))
        elif self.registered and not before and self._lost_once:
            log.info("network registration regained (+CEREG <stat> %d)", reg.stat)
            self._check_context(self.ip)
        if before and not self.registered:
            self._lost_once = True

    def _on_registration(self, reg: E.Registration) -> None:
        """A ``+CEREG`` URC: follow it, and tell ``on_registration``."""
        self._reg_urcs += 1
        self._set_registration(reg)
        if self.on_registration is not None:
            try:
                self.on_registration(reg)
            except Exception:  # a callback's bug must not stop the events
                log.exception("on_registration callback failed")

    def _closed_while_unregistered(self, sock: Any) -> bool:
        """``+QIURC: "closed"`` while not registered: the network took the context."""
        if self.registration is None or self.registered:
            return False
        sock._fail(ContextLost(
            f"socket {sock.connect_id}: closed while the network registration was lost "
            f"(+CEREG <stat> {self.registration.stat})"))
        return True

    def _check_context(self, old: str | None) -> None:
        """Registered again: if the context came back with another address (or none),
        sockets opened on the *old* one are dead."""

        async def check() -> None:
            try:
                now = _address(await self.request(C.Cgpaddr()))
            except Exception as exc:  # the link went, a restart ...: handled elsewhere
                log.debug("AT+CGPADDR after re-registration: %s", exc)
                return
            if now is not None:
                self.ip = now
            if now is not None and now == old:
                return
            for sock in list(self._sockets.values()):
                if not sock.closed and getattr(sock, "_error", None) is None:
                    sock._fail(ContextLost(
                        f"socket {sock.connect_id}: the PDP context came back with another "
                        f"address ({old} -> {now})"))
        self._context_task = asyncio.get_running_loop().create_task(check())


def _all(resp: Any, kind: type) -> list[Any]:
    return [ev for ev in resp.events if isinstance(ev, kind)]


def _first(resp: Any, kind: type) -> Any:
    found = _all(resp, kind)
    return found[0] if found else None


def _address(resp: Any) -> str | None:
    for row in _all(resp, E.PdpAddress):
        if row.address:
            return str(row.address)
    return None


class BringUpMixin:
    """The AT sync, echo off and the framing settings read back (see :meth:`_bring_up`)."""

    module: str
    ip: str | None
    wait_ip: float
    send_hex: bool
    recv_hex: bool
    show_ra: bool
    sync_attempts: int
    timeouts: Any
    _link: Any
    _ip_event: asyncio.Event

    async def request(self, cmd: Any, payload: bytes | None = None, *,
                      timeout: float | None = None) -> Any:  # pragma: no cover - Modem's
        raise NotImplementedError

    if TYPE_CHECKING:   # NetworkMixin's and FamilyMixin's, after this one in Modem's MRO
        async def _network_up(self, address: bool = True) -> None: ...

        async def activate_context(self) -> str | None: ...

    async def _bring_up(self) -> None:
        """``AT`` until answered (retried with backoff: the first ``AT`` after a
        deep-sleep wake is swallowed), ``ATE0``, read ``dataformat`` and ``showRA``
        (note 2.3.9) so decoding matches the module, then ask the module for its
        sockets, radio, registration and address (:meth:`_network_up`): a missing
        ``+IP:`` (note 2.3.1, NOTE 4), printed before the port was opened, costs
        nothing."""
        await self._sync()
        await self.request(C.Echo(False))
        fmt = await self.request(C.QICfgDataFormat())
        for ev in fmt.events:
            if isinstance(ev, E.DataFormat):
                self.send_hex, self.recv_hex = ev.send_hex, ev.recv_hex
        if self.module != "bg96":  # showRA is the BC660K's (2.3.9); the family has none
            ra = await self.request(C.QICfgShowRA())
            for ev in ra.events:
                if isinstance(ev, E.ShowRA):
                    self.show_ra = ev.enabled
        self._sync_decoder()
        # the BG96 family: its PDP context is activated by the host (see _family),
        # so AT+CGPADDR is not waited for; it prints no +IP:
        await self._network_up(address=self.module != "bg96")
        if self.module == "bg96":
            await self.activate_context()
        elif self.ip is None and self.wait_ip:
            try:
                await asyncio.wait_for(self._ip_event.wait(), self.wait_ip)
            except asyncio.TimeoutError:
                log.warning("no +IP: within %.1f s; going on (sockets may fail)", self.wait_ip)
        log.info("module up: ip=%s send_hex=%s recv_hex=%s showRA=%s",
                 self.ip, self.send_hex, self.recv_hex, self.show_ra)

    async def _sync(self) -> Any:
        delay = self.timeouts.sync
        for attempt in range(1, self.sync_attempts + 1):
            try:
                return await self.request(C.At(), timeout=delay)
            except CommandTimeout:
                log.info("AT not answered (attempt %d/%d, waited %.2f s)",
                         attempt, self.sync_attempts, delay)
                delay = min(delay * 2, self.timeouts.response)
        raise CommandTimeout(f"module did not answer AT after {self.sync_attempts} attempts",
                             command=b"AT\r")

    def _sync_decoder(self) -> None:
        # the session follows the AT+QICFG writes it sees succeed; what a *query*
        # answered (bring-up) is applied here
        if self._link is not None:
            dec = self._link.session.decoder
            dec.recv_format = "hex" if self.recv_hex else "text"
            dec.show_ra = self.show_ra
