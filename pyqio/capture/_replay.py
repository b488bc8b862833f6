"""Replay: play the module's side of a recorded conversation to a new host.

The capture is cut into *steps*: each unit the host sent (a command line or
a data-mode payload, :class:`HostUnits`) with the module output that came
after it and before the host's next unit, each chunk at its delay from the
unit. A :class:`Replay` answers each host unit that matches the next step
(the bytes compared as the module reads them: case and blanks outside quotes
and the line end do not matter) with that step's output, at the recorded
delays divided by ``speed`` (``speed=None``: at once). Output still waiting
when the host's next unit arrives goes out first, so the order of the
recording is kept whatever the host's timing. Output recorded before the
host's first unit (a boot banner, ``+IP:``) is pushed at its offset from the
start.

Where the host departs from the recording, a :class:`Divergence` is kept in
:attr:`Replay.divergences` (the record index and offset, expected and got
bytes): a unit found a few steps later skips the steps between; any other
line is answered ``ERROR``; a payload that differs is still answered as
recorded. With ``strict=True`` the first divergence ends the link, and
:meth:`Replay.check` raises :class:`~pyqio.errors.ReplayDivergence`.
"""
from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import os
import weakref
from typing import Any

from ..errors import InvalidArgument, ReplayDivergence
from ._follow import HostUnits
from ._format import HOST, MODULE, SETTINGS, Capture, CaptureSettings, read_capture

__all__ = ["Divergence", "Replay", "replay"]

log = logging.getLogger("pyqio.replay")

LOOKAHEAD = 8  # steps searched for a unit the host sent early (it skipped some)
_ERROR = b"\r\nERROR\r\n"


@dataclasses.dataclass(frozen=True)
class Divergence:
    """Where the host left the recording: the step (``index`` of the host record
    expected, its file ``offset``), the ``expected`` unit (None after the end of
    the recording) and what the host sent (``got``)."""

    step: int
    index: int | None
    offset: int | None
    expected: bytes | None
    got: bytes
    reason: str

    def __str__(self) -> str:
        where = f"record {self.index} (offset {self.offset})" if self.index is not None else "the end"
        return f"step {self.step} at {where}: {self.reason}: expected {self.expected!r}, got {self.got!r}"


@dataclasses.dataclass
class _Step:
    raw: bytes
    key: bytes
    index: int
    offset: int
    t_ns: int
    output: list[tuple[int, bytes]]  # (ns after the unit, module bytes)


class Replay:
    """The module of a capture, for any number of host links one after the other.

    ``Replay(capture)`` takes a path, bytes or a :class:`Capture`. Connect a host
    through :attr:`url` (``pyqio.Modem(replay.url)``), or use
    :meth:`protocol` as the module side of any transport (``pyqio sim --replay``).
    """

    _live: weakref.WeakValueDictionary[int, Replay] = weakref.WeakValueDictionary()
    _ids = itertools.count(1)

    def __init__(self, capture: Capture | str | os.PathLike[str] | bytes, *,
                 speed: float | None = 1.0, strict: bool = False) -> None:
        if speed is not None and not speed > 0:
            raise InvalidArgument(f"speed={speed!r}: expected a factor > 0, or None for no delays")
        self.capture = capture if isinstance(capture, Capture) else read_capture(capture)
        self.speed = speed
        self.strict = strict
        self.divergences: list[Divergence] = []
        self.intro, self.steps = _script(self.capture)
        self.position = 0  # steps the current host has gone through
        self._id = next(self._ids)
        Replay._live[self._id] = self
        _register()

    @property
    def url(self) -> str:
        """``replay://N``: opens a link to this replay in this process."""
        return f"replay://{self._id}"

    @property
    def settings(self) -> CaptureSettings:
        return self.capture.settings

    @property
    def remaining(self) -> int:
        """Recorded host units the host has not sent (yet)."""
        return len(self.steps) - self.position

    def protocol(self) -> ReplayModule:
        """A new module side (asyncio protocol) playing the capture from its start."""
        return ReplayModule(self)

    def check(self, complete: bool = False) -> None:
        """Raise :class:`ReplayDivergence` if the host diverged (or, with *complete*,
        did not send everything the recording holds)."""
        if self.divergences:
            lines = "\n  ".join(str(d) for d in self.divergences[:10])
            raise ReplayDivergence(f"the host diverged from the recording "
                                   f"{len(self.divergences)} time(s):\n  {lines}", self.divergences)
        if complete and self.remaining:
            step = self.steps[self.position]
            raise ReplayDivergence(f"the host stopped after step {self.position} of {len(self.steps)}; "
                                   f"next recorded: {step.raw!r} (record {step.index})", [])

    def _diverged(self, d: Divergence) -> None:
        self.divergences.append(d)
        log.warning("replay: %s", d)


def replay(capture: Capture | str | os.PathLike[str] | bytes, *, speed: float | None = 1.0,
           strict: bool = False) -> Replay:
    """A :class:`Replay` of *capture* (see the module docstring)."""
    return Replay(capture, speed=speed, strict=strict)


def _script(cap: Capture) -> tuple[list[tuple[int, bytes]], list[_Step]]:
    units = HostUnits(cap.settings.send_format)
    intro: list[tuple[int, bytes]] = []
    steps: list[_Step] = []
    for rec in cap.records:
        if rec.kind == HOST:
            for raw, key, _cmd in units.feed(rec.data):
                steps.append(_Step(raw, key, rec.index, rec.offset, rec.t_ns, []))
        elif rec.kind == MODULE:
            if steps:
                steps[-1].output.append((max(0, rec.t_ns - steps[-1].t_ns), rec.data))
            else:
                intro.append((rec.t_ns, rec.data))
        elif rec.kind == SETTINGS:
            units.send_format = CaptureSettings.from_dict(rec.info).send_format
    return intro, steps


class ReplayModule:
    """The module side of one host link to a :class:`Replay` (an asyncio protocol)."""

    def __init__(self, replay: Replay) -> None:
        self.replay = replay
        self.transport: Any = None
        self._units = HostUnits(replay.settings.send_format)
        self._timers: list[tuple[asyncio.TimerHandle, bytes]] = []
        self._last_due = 0.0
        self._failed = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.replay.position = 0
        self._schedule(self.replay.intro)

    def connection_lost(self, exc: BaseException | None) -> None:
        for timer, _ in self._timers:
            timer.cancel()
        self._timers.clear()
        self.transport = None

    def data_received(self, data: bytes) -> None:
        for raw, key, _cmd in self._units.feed(data):
            if self.transport is None or self._failed:
                return
            self._unit(raw, key)

    def _unit(self, raw: bytes, key: bytes) -> None:
        rep = self.replay
        steps, pos = rep.steps, rep.position
        if pos < len(steps) and steps[pos].key == key:
            return self._play(pos)
        for ahead in range(pos + 1, min(pos + 1 + LOOKAHEAD, len(steps))):
            if steps[ahead].key == key:
                self._diverge(pos, raw, f"the host skipped {ahead - pos} recorded unit(s)")
                return self._play(ahead)
        payload = pos < len(steps) and not steps[pos].raw.endswith((b"\r", b"\n"))
        if payload and not raw.endswith((b"\r", b"\n")):
            self._diverge(pos, raw, "the host sent other data-mode bytes")
            return self._play(pos)
        reason = "the host sent more than the recording holds" if pos >= len(steps) else \
            "the host sent another command"
        self._diverge(pos, raw, reason)
        if not self._failed:
            self._flush()
            self.transport.write(_ERROR)

    def _diverge(self, pos: int, raw: bytes, reason: str) -> None:
        rep = self.replay
        step = rep.steps[pos] if pos < len(rep.steps) else None
        rep._diverged(Divergence(pos, step.index if step else None, step.offset if step else None,
                                 step.raw if step else None, raw, reason))
        if rep.strict:
            self._failed = True
            self._flush()
            self.transport.close()

    def _play(self, pos: int) -> None:
        self._flush()
        self.replay.position = pos + 1
        self._schedule(self.replay.steps[pos].output)

    def _flush(self) -> None:
        """Send at once what is still waiting: it came before the host's next unit."""
        timers, self._timers = self._timers, []
        self._last_due = 0.0
        for timer, data in timers:
            timer.cancel()
            self._write(data)

    def _schedule(self, output: list[tuple[int, bytes]]) -> None:
        speed = self.replay.speed
        loop = asyncio.get_running_loop()
        now = loop.time()
        for delay_ns, data in output:
            if speed is None:
                self._write(data)
                continue
            due = max(now + delay_ns / 1e9 / speed, self._last_due)
            self._last_due = due
            entry: list[Any] = [None, data]
            handle = loop.call_at(due, self._fire, entry)
            entry[0] = handle
            self._timers.append((handle, data))

    def _fire(self, entry: list[Any]) -> None:
        self._timers = [(h, d) for h, d in self._timers if h is not entry[0]]
        self._write(entry[1])

    def _write(self, data: bytes) -> None:
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)


async def _open_replay(url: str, protocol_factory: Any, *, loop: Any = None) -> tuple[Any, Any]:
    from ..transports.memory import open_pipe

    rest = url.partition("://")[2]
    rep = Replay._live.get(int(rest)) if rest.isdigit() else None
    if rep is None:
        raise InvalidArgument(f"{url!r}: no such replay in this process (make one with "
                              "pyqio.testing.replay(capture) and use its .url)")
    return await open_pipe(protocol_factory, rep.protocol())


def _register() -> None:
    from ..transports import register_scheme
    register_scheme("replay", _open_replay)
