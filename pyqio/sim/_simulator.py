"""Simulator: the module's side of one host link, as an ``asyncio.Protocol``.

It reads command lines (ending in CR, note 2.1.2) and ``>`` data-mode bytes from
the host, answers byte for byte as the application note writes, and does the work
behind each command with real host sockets (see :mod:`._handlers`). This module
holds the link: input framing, echo, output with its faults, attach/detach,
restart, and the NVRAM settings.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from ..wire import events as ev
from . import _nvram, _wire
from ._config import SimConfig
from ._datamode import CANCEL, DataMode
from ._deps import require_sim_deps
from ._family import Context
from ._handlers import Handlers
from ._host_conns import CONNECTED, CONNECTING, INITIAL, Conn
from ._network import HOME, Network
from ._output import LOW_WATER, Output, SimStats

__all__ = ["Simulator"]

MAX_LINE = 4096  # longest command line kept; longer ones are dropped whole (ERROR)
BOOT_BANNER = b"\x00\x00\x00\x00\r\nRDY\r\n"


class Simulator(Handlers, Network, Output, asyncio.Protocol):
    """A simulated BC660K-GL on the other end of *transport* (one host link).

    Faults on demand from Python: :meth:`break_pdp`, :meth:`reattach`, :meth:`restart`.
    ``stats`` (:class:`SimStats`) counts everything dropped or discarded (see
    :mod:`._output`).
    """

    def __init__(self, config: SimConfig | None = None) -> None:
        require_sim_deps("pyqio's simulator")
        self.config = config or SimConfig()
        self.rng = self.config.rng()
        self.transport: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._timers: list[asyncio.TimerHandle] = []
        self.stats = SimStats()
        self._init_network()
        self._reset_state()

    @classmethod
    def from_url(cls, url: str) -> Simulator:
        """A simulator configured by ``sim://?seed=1&latency=0.01&...`` (see SimConfig)."""
        return cls(SimConfig.from_url(url))

    # the state a restart wipes ---------------------------------------------------

    def _reset_state(self) -> None:
        self.echo = self.config.echo
        self.attached = False
        self.detach_code = 561  # before attach: "Open PDP context failed"
        self.dns = list(self.config.dns_servers)
        self.conns: dict[int, Conn] = {}
        self.ops: dict[asyncio.Task[Any], bytes] = {}  # deferred work -> its output if aborted
        self._rx = bytearray()
        self._discarding = False
        self._datamode: DataMode | None = None
        self._reset_output()
        self.nvram = self._load_nvram()
        self._reset_network()
        # the BG96 family: PDP contexts (none active after boot) and AT+QIGETERROR's code
        self.contexts: dict[int, Context] = {}
        self.last_error = 0

    def _load_nvram(self) -> dict[str, bool]:
        return _nvram.load(self.config.state_file)

    def save_nvram(self) -> None:
        """AT+QICFG settings are "saved to NVRAM automatically" (2.3.9); see :mod:`._nvram`."""
        if self.config.state_file:
            _nvram.save(self.config.state_file, self.nvram)

    # asyncio.Protocol ------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        if hasattr(transport, "set_write_buffer_limits"):
            # resume_writing() then tells when the host has caught up (see _output)
            transport.set_write_buffer_limits(high=LOW_WATER)
        self.loop = asyncio.get_running_loop()
        if self.config.boot_on_connect:
            self._attach_later()
        else:  # booted, registered and attached long ago: its +IP: went out unheard
            self.reg_stat = HOME
            self.attached = True
        cfg = self.config
        self._schedule(cfg.pdp_breakdown_after, self.break_pdp)
        self._schedule(cfg.restart_after, self.restart)
        self._schedule(cfg.detach_after,
                       lambda: self.lose_registration(regain_after=cfg.reattach_after))
        if cfg.detach_rate:
            self._schedule(1.0, self._detach_tick)

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in self._timers:
            timer.cancel()
        self._shutdown()
        self.transport = None

    def host_left(self) -> None:
        """The host closed the port but the module runs on (``pyqio sim --listen
        --shared``): sockets stay open, output goes nowhere, as on an unread UART."""
        self.transport = None
        self._rx.clear()
        self._discarding = False

    def host_back(self, transport: Any) -> None:
        """A host opened the port again: the same module, in the state it was left in."""
        self.transport = transport
        self._datamode = None  # the last host's half-typed data is gone with it

    def data_received(self, data: bytes) -> None:
        self._rx += data
        while self._rx and self.transport is not None:
            if self._datamode is not None:
                self._feed_datamode()
            elif not self._take_line():
                break

    # input -----------------------------------------------------------------------

    def _take_line(self) -> bool:
        end = self._rx.find(b"\r")
        if end < 0:
            if len(self._rx) > MAX_LINE:  # bounded memory: drop it, answer ERROR at its end
                self._discarding = True
                del self._rx[:]
            return False
        raw = bytes(self._rx[:end])
        del self._rx[:end + 1]
        if self._discarding:
            self._discarding = False
            self.reply(ev.Error())
            return True
        text = raw.lstrip(b"\n\x00 ")
        if text:
            if self.echo:
                self.write(text + b"\r")
            self.command_line(text)
        return True

    def _feed_datamode(self) -> None:
        mode = self._datamode
        assert mode is not None
        used, outcome = mode.feed(self._rx)
        del self._rx[:used]
        if outcome is None:
            return
        self._datamode = None
        if outcome == CANCEL:
            self.reply(ev.Ok())  # nothing sent, so no SEND OK (the note: "canceled")
        else:
            data = mode.payload()
            if data is None:
                self.reply(ev.Error())
            else:
                self.send(mode.conn, data, mode.addr)
        self.release_held()

    def enter_datamode(self, mode: DataMode) -> None:
        self._datamode = mode
        self.write(_wire.PROMPT)

    # deferred work ---------------------------------------------------------------

    def start(self, work: Awaitable[Any], on_abort: bytes) -> asyncio.Task[Any]:
        """Run *work* in the background; *on_abort* is written if the PDP context breaks."""
        task = asyncio.ensure_future(work)
        self.ops[task] = on_abort
        task.add_done_callback(self._op_done)
        return task

    def _op_done(self, task: asyncio.Task[Any]) -> None:
        self.ops.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            assert self.loop is not None  # set by connection_made, before any command starts a task
            self.loop.call_exception_handler({"message": "simulator task failed",
                                              "exception": task.exception()})

    # faults and life cycle ---------------------------------------------------------

    def _schedule(self, delay: float | None, action: Callable[[], None]) -> None:
        if delay is not None and self.loop is not None:
            now = self.loop.time()  # forget timers that ran: a ticking fault adds one a second
            self._timers = [t for t in self._timers if t.when() > now and not t.cancelled()]
            self._timers.append(self.loop.call_later(delay, action))

    def _attach_later(self) -> None:
        # at once when no delay is asked, so +IP: leads the stream
        self.register_later(self.config.attach_delay + self.config.register_delay)

    def attach(self) -> None:
        """The PDP context is up, once registered: ``+IP: <ip>`` (note 2.3.1, NOTE 4)."""
        if not self.attached and self.registered and self.transport is not None:
            self.attached = True
            if not self.bg96:  # the BG96 family prints no +IP:; the host activates a context
                self.urc(_wire.encode(ev.IpAddress(self.config.ip)))

    def break_pdp(self, reattach: bool = True) -> None:
        """The PDP context breaks down: pending work ends with 570, sockets close."""
        self.attached = False
        self.detach_code = 570
        for task, on_abort in list(self.ops.items()):
            task.cancel()
            self.urc(on_abort)
        self.ops.clear()
        if self.bg96:
            self.deactivate_all()
        for conn in list(self.conns.values()):
            if self.bg96 and conn.state != CONNECTING:
                continue  # dead with their context: "pdpdeact" said so, not "closed"
            if conn.state == CONNECTED:
                self.socket_closed(conn, force=True)
            elif conn.state == CONNECTING:  # its +QIOPEN: <id>,570 went out above
                conn.close()
                conn.state = INITIAL
        if reattach:
            self._schedule(self.config.reattach_after, self.attach)

    def reattach(self) -> None:
        """Attach again after :meth:`break_pdp` (``+IP:`` once more)."""
        self.attach()

    def restart(self) -> None:
        """The module restarts: NULs and a boot banner, every socket gone, NVRAM kept."""
        self._shutdown()
        self._reset_state()
        self.write(BOOT_BANNER)
        self._attach_later()

    def _shutdown(self) -> None:
        for task in list(self.ops):
            task.cancel()
        self.ops.clear()
        for conn in self.conns.values():
            conn.close()
        self.conns.clear()
        self._discard("the module restarted or its link ended")
        self._queue, self._held, self._queued = [], [], 0
        self._paused_remotes.clear()
