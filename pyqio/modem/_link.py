"""The asyncio side of one link to the module: feeds the session, writes its
output, and turns its responses into awaited results with the note's timeouts.

The session (sans-I/O) never reads a clock; this class arms exactly one timer,
for the command in flight, and re-arms it whenever that command moves on to
its next stage (``OK`` received and a deferred result awaited, note 2.3.1).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from .. import commands as C
from ..errors import CommandError, CommandTimeout, LinkError
from ..session import Request, Response, Session
from ..wire import events as E

log = logging.getLogger("pyqio.modem")
at_log = logging.getLogger("pyqio.at")  # the AT transcript, at DEBUG


@dataclasses.dataclass
class Timeouts:
    """How long to wait for each stage of a command, in seconds.

    ``response`` is the note's "Maximum Response Time" (5 s for every TCP/IP
    command); ``open_result`` the 60 s the note recommends waiting for
    ``+QIOPEN: <connectID>,<result>`` (note 2.3.1, NOTE 2).  A ping's deferred
    result waits ``<time_out> * <ping_num>`` (2.3.5) plus ``response``.
    """

    response: float = 5.0
    open_result: float = 60.0
    sync: float = 0.5


Trace = Callable[[str, Any], None]


class Link(asyncio.Protocol):
    """One transport to the module, driving a :class:`pyqio.session.Session`."""

    def __init__(self, session: Session, *, timeouts: Timeouts,
                 on_event: Callable[[Any], None], on_lost: Callable[[BaseException], None],
                 trace: Trace | None = None) -> None:
        self.session = session
        self.timeouts = timeouts
        self._on_event = on_event
        self._on_lost = on_lost
        self._trace = trace
        self.transport: Any = None
        self.lost: BaseException | None = None
        self._futures: dict[int, tuple[Request, asyncio.Future[Response], float | None]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_key: Any = None
        self._closing = False
        self._holds: set[int] = set()  # connect ids whose full buffers pause reading

    # -- asyncio.Protocol ------------------------------------------------
    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if at_log.isEnabledFor(logging.DEBUG):  # what debug() asks, one call less per read
            at_log.debug("<- %r", data)
        if self._trace:
            self._trace("rx", data)
        self.session.receive_data(data)
        self.pump()

    def connection_lost(self, exc: BaseException | None) -> None:
        if self.lost is not None:
            return
        err = LinkError(f"link to the module lost: {exc or 'transport closed'}")
        err.__cause__ = exc
        self.lost = err
        self._cancel_timer()
        futures, self._futures = self._futures, {}
        for _, fut, _ in futures.values():
            if not fut.done():
                fut.set_exception(err)
        if self._closing and exc is None:
            log.debug("link closed")
        else:
            log.warning("%s", err)
        self._on_lost(err)

    # -- back-pressure ----------------------------------------------------
    def hold(self, key: int) -> bool:
        """Stop reading the link while *key* (a socket's connect id) has a full buffer.

        False when the transport cannot pause reading (the socket then fails
        instead: see :mod:`pyqio.modem._socket`)."""
        pause = getattr(self.transport, "pause_reading", None)
        if pause is None or self.lost is not None:
            return False
        if not self._holds:
            log.info("socket %d: receive buffer full, pausing the link", key)
            try:
                pause()
            except (NotImplementedError, RuntimeError):
                return False
        self._holds.add(key)
        return True

    def release(self, key: int) -> None:
        """*key* has room again; the link reads again once no socket holds it."""
        if key not in self._holds:
            return
        self._holds.discard(key)
        if not self._holds and self.lost is None and self.transport is not None:
            log.info("socket %d: read down, resuming the link", key)
            self.transport.resume_reading()

    @property
    def held_by(self) -> frozenset[int]:
        """Connect ids whose full receive buffers keep the link paused."""
        return frozenset(self._holds)

    # -- requests --------------------------------------------------------
    async def request(self, cmd: C.Command, payload: bytes | None = None,
                      timeout: float | None = None) -> Response:
        """Send *cmd* (queued FIFO behind others) and return its session Response.

        Raises :class:`CommandError` on ``ERROR``/``+CME ERROR``,
        :class:`CommandTimeout` when a stage times out, :class:`LinkError` when
        the transport goes away.
        """
        if self.lost is not None:
            raise self.lost
        req = self.session.send_command(cmd, payload)
        fut: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._futures[id(req)] = (req, fut, timeout)
        self.pump()
        resp = await fut
        return _check(resp)

    def pump(self) -> None:
        """Flush output, hand out every event, re-arm the timer."""
        if self.transport is None or self.lost is not None:
            return
        session, on_event, trace = self.session, self._on_event, self._trace
        while True:
            out = session.data_to_send()
            if out:
                at_log.debug("-> %r", out)
                if trace:
                    trace("tx", out)
                self.transport.write(out)
            evs = session.events()
            if not evs:
                break
            for ev in evs:
                if trace:
                    trace("event", ev)
                if type(ev) is Response:
                    self._complete(ev)
                else:
                    on_event(ev)
        # a command in flight has its future here (request() is the only way in), so
        # a read with none in flight and no timer armed skips the session's property
        if self._timer_key is not None or self._futures:
            self._rearm()

    def _complete(self, resp: Response) -> None:
        entry = self._futures.pop(id(resp.request), None)
        if entry is not None and not entry[1].done():
            entry[1].set_result(resp)

    # -- the one timer -----------------------------------------------------
    def _rearm(self) -> None:
        p = self.session.pending
        key = None if p is None else (id(p), p.deferred, p.waiting_for)
        if key == self._timer_key:
            return
        self._cancel_timer()
        self._timer_key = key
        if p is not None:
            delay = self._timeout_for(p)
            self._timer = asyncio.get_running_loop().call_later(delay, self._expire, p, delay)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_key = None

    def _timeout_for(self, req: Request) -> float:
        entry = self._futures.get(id(req))
        if entry is not None and entry[2] is not None:
            return entry[2]
        cmd = req.command
        if not req.deferred:
            return self.timeouts.response
        if isinstance(cmd, C.QIOpen):
            return self.timeouts.open_result
        if isinstance(cmd, C.QPing):
            return (cmd.timeout or 4) * (cmd.count or 4) + self.timeouts.response
        return self.timeouts.response

    def _expire(self, req: Request, delay: float) -> None:
        self._timer = None
        self._timer_key = None
        if self.session.pending is req:
            why = f"no {req.waiting_for} within {delay:g} s"
            if self._holds:  # the answer may be there, unread behind a full socket
                why += (" (the link was paused: the receive buffer of socket(s) "
                        f"{', '.join(map(str, sorted(self._holds)))} is full; read them)")
            log.warning("%s: %s", _line(req.command), why)
            self.session.fail_pending(why)
            self.pump()

    def close(self) -> None:
        self._closing = True
        self._cancel_timer()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


def _line(cmd: C.Command) -> str:
    return cmd.to_bytes().decode("latin-1").strip()


def _check(resp: Response) -> Response:
    """Raise for the finals that mean the command failed; return the response otherwise."""
    final = resp.final
    name = type(final).__name__
    line = resp.request.command.to_bytes()
    if name == "TimedOut":
        raise CommandTimeout(f"{_line(resp.request.command)}: {getattr(final, 'reason', 'timed out')}",
                             command=line)
    if name == "LinkReset":
        raise LinkError(f"{_line(resp.request.command)}: the link was reset")
    if isinstance(final, E.Error):
        raise CommandError(f"{_line(resp.request.command)}: ERROR", command=line)
    if isinstance(final, E.Prompt):
        raise CommandError(f"{_line(resp.request.command)}: the module asked for data ('>'), "
                           "which a raw command cannot send; cancelled with Esc", command=line)
    if isinstance(final, E.CmeError):
        raise CommandError(f"{_line(resp.request.command)}: +CME ERROR: {final.code}",
                           result=final.code if isinstance(final.code, int) else None,
                           command=line)
    return resp
