"""``pyqio.Modem``: the asyncio modem users program against.

One :class:`Modem` drives one module over one transport (``sim://``, a device
path, ``socket://host:port`` ...): it brings the module up, hands out socket
objects (:mod:`pyqio.modem._socket`), and offers ping, NTP, DNS and raw commands
(:mod:`pyqio.modem._ops`).  Bytes are never parsed here: the session does that.

Typical use::

    async with Modem("sim://") as modem:
        sock = await modem.connect("127.0.0.1", 7, "tcp")
        await sock.send(b"hello")
        print(await sock.recv())
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from .. import commands as C
from ..errors import (
    CommandError,
    CommandTimeout,
    InvalidArgument,
    LinkError,
    OpenFailed,
    SendFailed,
    SocketClosedError,
    SocketError,
)
from ..protocol import MODULES, PROFILE_ACCESS_MODES, PROFILE_CONTEXT_IDS
from ..session import DEFAULT_MAX_QUEUED, Response
from ..wire import events as E
from ._bringup import BringUpMixin, NetworkMixin, check_stale_policy
from ._dispatch import DispatchMixin
from ._family import FamilyMixin
from ._link import Link, Timeouts, Trace
from ._ops import OpsMixin, PingResult
from ._recovery import ReconnectPolicy, RecoveryMixin
from ._restart import RestartMixin
from ._socket import DEFAULT_BUFFER_LIMIT, ModemSocket
from ._socket_ops import SocketsMixin
from ._socket_server import Listener, UdpService
from ._waiting import check_overflow

__all__ = [
    "CommandTimeout",
    "Listener",
    "Modem",
    "ModemSocket",
    "OpenFailed",
    "PingResult",
    "ReconnectPolicy",
    "SendFailed",
    "SocketClosedError",
    "SocketError",
    "Timeouts",
    "UdpService",
]

log = logging.getLogger("pyqio.modem")

class Modem(DispatchMixin, SocketsMixin, OpsMixin, BringUpMixin, NetworkMixin, RecoveryMixin,
            RestartMixin, FamilyMixin):
    """An asyncio driver for one BC660K-GL over one transport URL.

    *url* names the link (see :func:`pyqio.transports.open_transport`) and is
    required: a program that forgot it must not talk to the simulator unawares
    (``"sim://"`` asks for it).
    *timeouts* overrides the note's 5 s / 60 s (:class:`Timeouts`); every method
    that sends a command also takes ``timeout=``.  *reconnect* turns on
    reopening a vanished link (:class:`ReconnectPolicy`).  *sync_attempts* is how
    many ``AT`` bring-up tries.  *registration_timeout* bounds the wait for
    network registration at bring-up (None: do not wait; :meth:`wait_registered`
    later); *stale_sockets* says what to do with sockets the module still holds
    from an earlier host program: ``"close"`` (default) or ``"adopt"`` (they
    become socket objects, in :attr:`adopted` and :attr:`sockets`); see
    :mod:`pyqio.modem._bringup`.  *on_registration* is called with each
    ``+CEREG`` URC (:class:`pyqio.events.Registration`).  *wait_ip* (default 0)
    additionally waits that long for a ``+IP:`` when ``AT+CGPADDR`` gave none.
    *buffer_limit* bounds each socket's receive buffer and *overflow* says what a
    TCP socket does past it: ``"pause"`` reading the link (nothing lost; other
    sockets and commands wait) or ``"fail"`` that socket (:mod:`pyqio.modem._socket`).
    *max_queued* caps the commands waiting behind the one in flight
    (:class:`~pyqio.errors.QueueFull` past it).  *allow_files* lets a URL option
    write a file (``spy://...?file=``, ``sim://?state_file=``).  *rtscts* turns on
    RTS/CTS hardware flow control on a serial port (as ``?rtscts=1`` in the URL),
    so that a paused link makes the module hold its data.  *trace* is called as
    ``trace(kind, data)`` with
    ``"tx"``/``"rx"`` bytes and every ``"event"``: the demo prints it.
    *record* (a path or a :class:`pyqio.capture.CaptureWriter`) records every
    byte both ways, with times and settings, as a capture (:mod:`pyqio.capture`).

    *module* is the module's profile (:data:`pyqio.protocol.MODULES`, docs/modules.md):
    ``"bc660k"`` (the note; the default), ``"bc66"``, or ``"bg96"`` for the BG95/BG96/
    BG77/EC2x family, whose bring-up activates PDP context *context_id* (default 1;
    configured with *apn* when given) and whose sockets open in *access_mode* (default
    0, buffer access: reads driven by the modem, flow-controlled; see
    :mod:`pyqio.modem._family`). *reactivate* activates that context again after the
    network deactivated it.
    """

    def __init__(self, url: str, *, timeouts: Timeouts | None = None,
                 reconnect: ReconnectPolicy | None = None, wait_ip: float = 0.0,
                 sync_attempts: int = 6, buffer_limit: int = DEFAULT_BUFFER_LIMIT,
                 overflow: str = "pause", max_queued: int = DEFAULT_MAX_QUEUED,
                 allow_files: bool = False, rtscts: bool | None = None,
                 trace: Trace | None = None, registration_timeout: float | None = 60.0,
                 stale_sockets: str = "close",
                 on_registration: Callable[[E.Registration], Any] | None = None,
                 record: Any = None, module: str = "bc660k", context_id: int | None = None,
                 apn: str | None = None, access_mode: int | None = None,
                 reactivate: bool = True) -> None:
        if not isinstance(url, str) or not url:
            raise InvalidArgument(f"url must be a non-empty string, got {url!r}")
        if isinstance(max_queued, bool) or not isinstance(max_queued, int) or max_queued < 1:
            raise InvalidArgument(f"max_queued={max_queued!r}: expected an int >= 1")
        if module not in MODULES:
            raise InvalidArgument(f"module={module!r}: allowed values are "
                                  + ", ".join(map(repr, MODULES)))
        bg96 = module == "bg96"
        self.module = module
        self.context_id = (1 if bg96 else 0) if context_id is None else context_id
        if self.context_id not in PROFILE_CONTEXT_IDS[module]:
            ids = PROFILE_CONTEXT_IDS[module]
            raise InvalidArgument(f"context_id={self.context_id} is out of range "
                                  f"{ids[0]}–{ids[-1]} (the {module} profile)")
        if apn is not None:
            C.QICsgp(self.context_id, 1, apn, module=module)  # checks it as the line would
        self.apn = apn
        #: the <access_mode> sockets open in unless connect() says otherwise
        self.access_mode = (0 if bg96 else 1) if access_mode is None else access_mode
        if self.access_mode not in PROFILE_ACCESS_MODES[module] or self.access_mode == 2:
            raise InvalidArgument(f"access_mode={self.access_mode!r}: the {module} profile "
                                  "takes " + ("0 (buffer access) or 1 (direct push)" if bg96
                                              else "1 (direct push)"))
        self.reactivate = reactivate
        self.incoming_full = 0
        self._readers: dict[int, asyncio.Task[None]] = {}
        self._read_again: set[int] = set()
        self._close_after_read: set[int] = set()
        if sync_attempts < 1:
            raise InvalidArgument(f"sync_attempts must be >= 1, got {sync_attempts!r}")
        self.url = url
        self.timeouts = timeouts or Timeouts()
        self.reconnect = reconnect
        self.wait_ip = wait_ip
        self.registration_timeout = registration_timeout
        self.stale_sockets = check_stale_policy(stale_sockets)
        self.on_registration = on_registration
        self._init_network()
        self.sync_attempts = sync_attempts
        self.buffer_limit = buffer_limit
        self.overflow = check_overflow(overflow)
        self.max_queued = max_queued
        self.allow_files = allow_files
        self.rtscts = rtscts
        self.trace = trace
        self.ip: str | None = None
        self.send_hex = False
        self.recv_hex = False
        self.show_ra = False
        self.protocol_errors = 0
        # data dropped for a connect id with no socket object, or for a socket given up
        # while opening (its caller never got it)
        self.orphan_bytes = 0
        self.restarts = 0
        self._ip_count = 0  # +IP: lines seen, and how many had come at the last suspicion
        self._ip_mark = 0
        self.echo_on = True  # the module's echo (ATE1 after boot) until bring-up's ATE0
        self.restart_suspicions = 0  # boot lines / broken frames seen; each one was checked
        self.unattached: list[Any] = []  # last few events nobody claimed, for inspection
        self._sockets: dict[int, Any] = {}
        self._cleanups: set[asyncio.Task[Any]] = set()  # ids being freed in the background
        self._link: Link | None = None
        self._ip_event = asyncio.Event()
        self._closing = False
        self._reconnect_task: asyncio.Task[None] | None = None
        self._reinit_task: asyncio.Task[None] | None = None
        self._check_task: asyncio.Task[None] | None = None
        self._recheck = False
        self._up = asyncio.Event()
        self._recorder = None if record is None else _recorder(record, url)

    # -- life cycle ----------------------------------------------------------
    @classmethod
    async def open(cls, url: str, **kwargs: Any) -> Modem:
        """Open *url* and bring the module up; the caller closes it with :meth:`close`."""
        modem = cls(url, **kwargs)
        await modem.start()
        return modem

    async def __aenter__(self) -> Modem:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Open the transport and bring the module up (see :meth:`_bring_up`)."""
        try:
            await self._open_link()
            await self._bring_up()
        except BaseException:
            if self._link is not None:
                self._link.close()
            if self._recorder is not None:
                self._recorder.close()  # a capture made for this modem ends with it
            raise
        self._up.set()

    async def _open_link(self) -> None:
        from ..session import Session
        from ._open import open_link

        # the module keeps AT+QICFG in NVRAM (2.3.9): after a reconnect, frame what
        # arrives before bring-up has read them again by what they were
        session = Session(recv_format="hex" if self.recv_hex else "text", show_ra=self.show_ra,
                          max_queued=self.max_queued, module=self.module)
        link = Link(session, timeouts=self.timeouts, on_event=self._on_event,
                    on_lost=self._on_lost, trace=self.trace)
        self._ip_event.clear()
        record = None if self._recorder is None else self._recorder.next_link(self._capture_settings())
        await open_link(self.url, lambda: link, record=record, allow_files=self.allow_files,
                        rtscts=self.rtscts)
        self._link = link
        log.info("opened %s", self.url)

    async def close(self) -> None:
        """Close every socket (``AT+QICLOSE``), then the transport."""
        self._closing = True
        for task in (self._reconnect_task, self._reinit_task, self._check_task):
            if task is not None:
                task.cancel()
        for sock in list(self._sockets.values()):
            try:
                await asyncio.wait_for(sock.close(), self.timeouts.response * 2)
            except (CommandError, LinkError, asyncio.TimeoutError, TimeoutError):
                pass
        if self._link is not None:
            self._link.close()
        if self._recorder is not None:
            self._recorder.close()

    def _capture_settings(self) -> Any:
        from ..capture import CaptureSettings
        return CaptureSettings(module=getattr(self, "module", "bc660k"),
                               recv_format="hex" if self.recv_hex else "text",
                               send_format="hex" if self.send_hex else "text", show_ra=self.show_ra)

    async def wait_ready(self) -> None:
        """Wait until the module is up: after :meth:`start`, a reconnect or a restart.

        Raises :class:`LinkError` when the link is lost for good (no reconnect
        policy, or it gave up)."""
        await self._up.wait()
        if self._link is not None and self._link.lost is not None:
            raise self._link.lost

    # -- requests --------------------------------------------------------------
    async def request(self, cmd: C.Command, payload: bytes | None = None, *,
                      timeout: float | None = None) -> Response:
        """Send one :mod:`pyqio.commands` command; the session's Response."""
        if self._link is None:
            raise LinkError("the modem is not open")
        if self._link.lost is not None and self.reconnect is not None and not self._closing:
            await self._up.wait()  # set again once reconnected, or once it gave up
        if self._link.lost is not None:
            raise self._link.lost
        resp = await self._link.request(cmd, payload, timeout)
        if isinstance(cmd, C.Echo):
            self.echo_on = bool(cmd.enabled)  # what a restart check expects to see
        return resp

    # -- back-pressure from the sockets (policy in pyqio.modem._socket) ---------------------
    def _hold_link(self, sock: Any) -> bool:
        return self._link is not None and self._link.hold(sock.connect_id)

    def _release_link(self, sock: Any) -> None:
        if self._link is not None:
            self._link.release(sock.connect_id)

    def _drop_socket(self, sock: Any) -> None:
        """*sock* failed on its own (overflow): close it on the module in the background."""
        if self._sockets.get(sock.connect_id) is sock:
            asyncio.get_running_loop().create_task(self._close_socket(sock))

    @property
    def sockets(self) -> dict[int, Any]:
        """Open socket objects by connect id (a copy)."""
        return dict(self._sockets)


def _recorder(record: Any, url: str) -> Any:
    from ..capture._transport import ModemRecorder
    return ModemRecorder(record, url)
