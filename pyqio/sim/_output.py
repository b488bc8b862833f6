"""The simulated module's output to the host: replies at once, URCs after their faults.

Nothing is lost or reordered here except through an explicit fault, and every loss
is counted in :class:`SimStats` (``Simulator.stats``) and logged:

- Replies (:meth:`Output.reply`, :meth:`Output.write`) go out at once.
- URCs (:meth:`Output.urc`) go out after ``latency``.  A droppable one (``+QIURC``)
  may be dropped by the ``urc_drop_rate`` fault (counted in ``urcs_dropped``) or
  held back by ``urc_delay_rate``/``urc_delay``: past URCs of other sockets, never
  past a later URC of its own connect id (a URC is due no sooner than the one
  before it on the same socket, so each socket's stream keeps its order).
- Back-pressure: what waits for the host (the URC queue plus the transport's
  write buffer) grows when the host reads slowly.  Past ``HIGH_WATER`` the
  simulator pauses reading each remote TCP socket that delivers more data
  (``pause_reading()``: its peer's TCP window then fills, as behind a module's
  buffer) and resumes them at ``LOW_WATER``.  A TCP stream is never dropped from.
- A UDP datagram arriving with ``MAX_BACKLOG`` bytes already waiting is dropped,
  as a module with a full buffer drops it: ``datagrams_dropped``.
- Output queued when the module restarts or the link ends is ``urcs_discarded``.
"""
from __future__ import annotations

import asyncio
import dataclasses
import heapq
import logging
from typing import Any

from .. import events as ev
from . import _wire

__all__ = ["HIGH_WATER", "LOW_WATER", "MAX_BACKLOG", "Output", "SimStats"]

log = logging.getLogger("pyqio.sim")

HIGH_WATER = 256 * 1024  # bytes waiting for the host before remote TCP reading pauses
LOW_WATER = 64 * 1024  # ... and before it resumes (also the transport's own high water)
MAX_BACKLOG = 1 << 20  # bytes waiting for the host past which a UDP datagram is dropped


@dataclasses.dataclass
class SimStats:
    """What the simulator dropped, discarded or held back, since it started."""

    urcs_dropped: int = 0  # by the urc_drop_rate fault
    urc_bytes_dropped: int = 0
    datagrams_dropped: int = 0  # UDP with the host's buffer full
    datagram_bytes_dropped: int = 0
    urcs_discarded: int = 0  # queued output lost with a restart or the end of the link
    remote_pauses: int = 0  # times a remote TCP socket was paused for a slow host

    @property
    def drops(self) -> int:
        """Every URC or datagram that did not reach the host."""
        return self.urcs_dropped + self.datagrams_dropped + self.urcs_discarded

    def add(self, other: SimStats) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def summary(self) -> str:
        return (f"{self.urcs_dropped} URCs ({self.urc_bytes_dropped} bytes) dropped by "
                f"urc_drop_rate, {self.datagrams_dropped} datagrams "
                f"({self.datagram_bytes_dropped} bytes) dropped with the host's buffer full, "
                f"{self.urcs_discarded} URCs discarded by restarts or link ends, "
                f"{self.remote_pauses} remote pauses for a slow host")


class Output:
    """Output and its faults; a mixin of :class:`pyqio.sim.Simulator`."""

    # provided by Simulator
    transport: Any
    loop: asyncio.AbstractEventLoop | None
    config: Any
    rng: Any
    stats: SimStats
    _datamode: Any

    def _reset_output(self) -> None:
        """The output state a restart wipes (the stats survive it)."""
        self._held: list[bytes] = []  # URCs written while in data mode
        self._queue: list[tuple[float, int, bytes]] = []  # (due, seq, bytes) heap of URCs
        self._queued = 0  # bytes in _queue and _held
        self._seq = 0
        self._last_due = 0.0
        self._due_by_id: dict[int, float] = {}  # last due time of each connect id's URCs
        self._drain: asyncio.TimerHandle | None = None
        self._drain_at = 0.0
        self._paused_remotes: set[Any] = getattr(self, "_paused_remotes", set())
        self._dgram_logged = 0

    def write(self, data: bytes) -> None:
        """Bytes to the host now; a seeded fault may put a garbage line before them."""
        if self.transport is None:
            return
        if self.config.garbage_rate and self.rng.random() < self.config.garbage_rate:
            junk = bytes(self.rng.choice(b"#$%&'()*-./0123456789:;<=?@ABCXYZ[]^_`{|}~\xff\x80")
                         for _ in range(self.rng.randint(1, 12)))
            self.transport.write(b"\r\n" + junk + b"\r\n")
        self.transport.write(data)

    def reply(self, *events: ev.Event) -> None:
        """Response lines of the command being handled, written now."""
        self.write(b"".join(_wire.encode(e) for e in events))

    def backlog(self) -> int:
        """Bytes waiting for the host: queued URCs plus the transport's write buffer."""
        if self.transport is None:
            return self._queued
        return self._queued + int(self.transport.get_write_buffer_size())

    def urc(self, data: bytes, *, droppable: bool = False, connect_id: int | None = None,
            datagram: int | None = None) -> None:
        """Unsolicited output: after ``latency``; a ``+QIURC`` may be dropped or held back.

        *connect_id* keeps the order of that socket's URCs; *datagram* is the payload
        size of a UDP recv URC, which a host too far behind loses (counted)."""
        cfg = self.config
        if droppable and cfg.urc_drop_rate and self.rng.random() < cfg.urc_drop_rate:
            self.stats.urcs_dropped += 1
            self.stats.urc_bytes_dropped += len(data)
            log.info("urc_drop_rate: dropped a %d-byte URC (%d so far)", len(data),
                     self.stats.urcs_dropped)
            return
        if self.transport is None:
            if self.loop is not None:  # running with no host on the port (--shared)
                self.stats.urcs_discarded += 1
                log.info("no host on the port: a %d-byte URC discarded", len(data))
            return
        if datagram is not None and self.backlog() + len(data) > MAX_BACKLOG:
            self._drop_datagram(datagram)
            return
        assert self.loop is not None
        now = self.loop.time()
        due = max(now + cfg.latency, self._last_due)
        self._last_due = due
        if droppable and cfg.urc_delay_rate and self.rng.random() < cfg.urc_delay_rate:
            due += cfg.urc_delay  # past other sockets' URCs on purpose
        if connect_id is not None:  # never past an earlier URC of the same socket
            due = max(due, self._due_by_id.get(connect_id, 0.0))
            self._due_by_id[connect_id] = due
        if due <= now and not self._queue and self._datamode is None:
            self.write(data)  # no latency asked: in order with the replies around it
            return
        self._seq += 1
        heapq.heappush(self._queue, (due, self._seq, data))
        self._queued += len(data)
        self._arm_drain()

    def _drop_datagram(self, size: int) -> None:
        st = self.stats
        st.datagrams_dropped += 1
        st.datagram_bytes_dropped += size
        if st.datagrams_dropped >= self._dgram_logged * 2:  # 1, 2, 4, 8 ...: logged, not flooded
            self._dgram_logged = st.datagrams_dropped
            log.warning("the host is not reading: %d UDP datagram(s) dropped so far "
                        "(%d bytes waiting)", st.datagrams_dropped, self.backlog())

    def _arm_drain(self) -> None:
        if not self._queue or self.loop is None:
            return
        first = self._queue[0][0]
        if self._drain is not None:
            if self._drain_at <= first:
                return
            self._drain.cancel()  # a URC due sooner than the armed one came in
        self._drain_at = first
        self._drain = self.loop.call_at(first, self._drain_queue)

    def _drain_queue(self) -> None:
        self._drain = None
        assert self.loop is not None
        now = self.loop.time()
        while self._queue and self._queue[0][0] <= now:
            _, _, data = heapq.heappop(self._queue)
            if self._datamode is not None:
                self._held.append(data)  # never inside the host's data-mode input
            else:
                self._queued -= len(data)
                self.write(data)
        self._arm_drain()
        self.unthrottle()

    def release_held(self) -> None:
        """Data mode ended: the URCs held during it go out now, in order."""
        held, self._held = self._held, []
        for chunk in held:
            self._queued -= len(chunk)
            self.write(chunk)
        self.unthrottle()

    def _discard(self, why: str) -> None:
        lost = len(self._queue) + len(self._held)
        if lost:
            self.stats.urcs_discarded += lost
            log.info("%s: %d queued URC(s) discarded", why, lost)
        if self._drain is not None:
            self._drain.cancel()
            self._drain = None

    # back-pressure to the remote sockets ------------------------------------------

    def throttle(self, remote: Any) -> None:
        """Pause reading *remote* (a TCP transport that just delivered data) while the
        host is behind; :meth:`unthrottle` resumes it once it has caught up."""
        if (remote is None or remote in self._paused_remotes or self.backlog() <= HIGH_WATER
                or not hasattr(remote, "pause_reading") or remote.is_closing()):
            return
        remote.pause_reading()
        self._paused_remotes.add(remote)
        self.stats.remote_pauses += 1
        log.debug("host behind by %d bytes: paused a remote socket", self.backlog())

    def unthrottle(self) -> None:
        if not self._paused_remotes or self.backlog() > LOW_WATER:
            return
        paused, self._paused_remotes = self._paused_remotes, set()
        for remote in paused:
            if not remote.is_closing():
                remote.resume_reading()

    def resume_writing(self) -> None:
        """The host read the transport's buffer down (asyncio flow control)."""
        self.unthrottle()

    def pause_writing(self) -> None:
        """The transport's buffer is full; remote sockets pause as they deliver."""
