"""The sans-I/O session: one command in flight, answers paired with the command that caused them.

Built like h11's ``Connection``: bytes from the module go in with
:meth:`Session.receive_data`, typed events come out of :meth:`Session.next_event`,
and the bytes the host must write come out of :meth:`Session.data_to_send`.  It
never sleeps, reads a clock or touches a port: the caller times each command with
``pending.waiting_for`` / ``pending.deferred`` and calls :meth:`Session.fail_pending`
when its deadline passes (5 s for a result code, 60 s for ``+QIOPEN``, note 2.3.1).

Out come, in the order the module's bytes gave them:

- every URC (``Recv``, ``Closed``, ``Incoming``, ``IpAddress``, an unknown
  ``+QIURC`` as ``Info``, ``ProtocolError``) as its own event, the moment it is
  decoded, also between ``OK`` and ``SEND OK`` or inside a multi-line answer;
- a :class:`Response` when a request completes, holding every line attached to it;
- every other line that does not belong to the pending command, unattached (a late
  answer of a command the caller gave up on, an ``OK`` when nothing is pending ...).

A line is attached to the pending command only when its prefix is that command's
(a ``+QIOPEN:`` while ``AT+QISTATE?`` is pending is not).  ``+CEREG:`` in its URC
form (no ``<n>``, see :class:`pyqio.events.Registration`) is a URC even while
``AT+CEREG?`` is pending; its read form, ``<n>`` first, is that command's answer.  The module's echo of the
pending command line (``ATE1``) is dropped: it carries nothing the caller does not
already have.  Other ``Text`` lines are attached only to commands answered by bare
lines (``ATI``, ``AT+CGSN``, ``AT+CIMI``, ``AT+CGMR`` and ``Raw`` commands).
"""
from __future__ import annotations

import re
from collections import deque
from typing import Any

from ..commands import Command, Raw
from ..errors import InvalidArgument, QueueFull
from ..protocol import FRAMING_IDS
from ..wire._events_3gpp import Registration
from ..wire.events import (
    Closed,
    Event,
    Incoming,
    IncomingFull,
    Info,
    IpAddress,
    Ok,
    PdpDeactivated,
    Prompt,
    ProtocolError,
    Recv,
    RecvNotice,
    Text,
)
from . import _plans
from ._demux import DemuxMixin
from ._effects import _ESC, EffectsMixin
from ._socket_table import SocketInfo, SocketTable
from ._types import Appended, LinkReset, Request, Response, TimedOut

__all__ = ["Appended", "LinkReset", "Request", "Response", "Session", "SocketInfo", "TimedOut"]

#: The most lines kept on one request.  The longest answer of the note is a 10-reply
#: ping (12 lines); past this, lines that would be attached are surfaced unattached
#: so that a module repeating a line forever cannot grow a request without bound.
MAX_ATTACHED = 64

#: Commands that may wait behind the one in flight (``Session(max_queued=...)``).
#: The module answers one command at a time; a caller queueing faster than that
#: gets :class:`~pyqio.errors.QueueFull` instead of unbounded memory.
DEFAULT_MAX_QUEUED = 1000

_EOL = re.compile(rb"[\r\n]")
_URC_TYPES = (Recv, Closed, Incoming, IpAddress, ProtocolError, RecvNotice, PdpDeactivated,
              IncomingFull)


class Session(DemuxMixin, EffectsMixin):
    """The host's side of the AT conversation with one module, sans-I/O.

    ``recv_format``/``show_ra`` are the module's current ``AT+QICFG`` settings
    (2.3.9; kept in NVRAM, so a host that knows them passes them in).  The session
    keeps its decoder in step with the ``AT+QICFG`` commands it sees succeed and
    with the UDP SERVICE sockets it sees open, because the tokenizer frames
    ``+QIURC: "recv"`` by them.

    Run the module with echo off (``ATE0``): the session drops the echo of a
    command line, but an echoed data-mode payload is module output like any other,
    and a payload holding a line such as ``OK`` would read as one.

    A caller that keeps a receive buffer per connection can :meth:`attach` it: that
    connect id's pushed payloads are then appended to it by the decoder (the demux
    path, no :class:`~pyqio.events.Recv` per URC), and one :class:`Appended` event
    per read says that it grew, in stream order: before the events that followed
    the data, after those that preceded it.
    """

    def __init__(self, recv_format: str = "text", show_ra: bool = False, *,
                 send_format: str = "text", max_queued: int = DEFAULT_MAX_QUEUED,
                 module: str = "bc660k") -> None:
        from ..wire._decoder import Decoder  # imported here: the decoder picks its backend on import

        if isinstance(max_queued, bool) or not isinstance(max_queued, int) or max_queued < 1:
            raise InvalidArgument(f"max_queued={max_queued!r}: expected an int >= 1")
        #: how many commands may wait behind the one in flight; one more raises QueueFull
        self.max_queued = max_queued
        if send_format not in ("text", "hex"):
            raise InvalidArgument(f"send_format={send_format!r}: allowed values are 'text' "
                                  "and 'hex'")
        # a str here, checked by the Decoder (InvalidArgument naming the allowed values)
        # module: the profile the decoder frames by (pyqio.protocol.MODULES; docs/modules.md)
        self.decoder = Decoder(recv_format=recv_format, show_ra=show_ra,  # type: ignore[arg-type]
                               module=module)  # type: ignore[arg-type]
        self._feed_until = self.decoder._feed_until  # the demux path's call, no wrapper frame
        #: the data format the module reads AT+QISEND data in ("text" or "hex"), as last
        #: set or read with AT+QICFG="dataformat"; build QISend(hex=...) to match it
        self.send_format = send_format
        self._table = SocketTable()
        self._queue: deque[Request] = deque()
        self._pending: Request | None = None
        self._abandoned: Request | None = None
        self._escape_prompt = False
        self._out = bytearray()
        self._events: deque[Event | Response] = deque()
        self._decoded: deque[Event] = deque()   # decoded, not yet handled (receive_data)
        self._unfed = b""                       # received, not yet decoded (receive_data)
        # attach(): the demux buffers by connect id (the decoder's view), and the same
        # as a dict (the session's); _sizes: their lengths before the current feed
        self._buffers: list[bytearray | None] = [None] * len(FRAMING_IDS)
        self._attached: dict[int, bytearray] = {}
        self._sizes: dict[int, int] = {}

    # -- the caller's side -------------------------------------------------

    @property
    def pending(self) -> Request | None:
        """The command in flight, or None."""
        return self._pending

    @property
    def queued(self) -> tuple[Request, ...]:
        """Commands waiting for the one in flight to complete, first first."""
        return tuple(self._queue)

    @property
    def sockets(self) -> dict[int, SocketInfo]:
        """What the session knows of each connect id (see :mod:`pyqio.session._socket_table`)."""
        return self._table.sockets

    @property
    def recv_format(self) -> str:
        """The recv data format the decoder frames ``+QIURC: "recv"`` with."""
        return self.decoder.recv_format

    @property
    def show_ra(self) -> bool:
        """Whether recv URCs carry the sender's address (``AT+QICFG="showRA"``)."""
        return self.decoder.show_ra

    def send_command(self, cmd: Command, payload: bytes | None = None) -> Request:
        """Queue *cmd*; its line goes out once every command before it completed.

        Raises :class:`~pyqio.errors.QueueFull` when ``max_queued`` commands already
        wait. *payload* is the data-mode payload of ``QISendData``/``QISendFixed`` (from
        ``ctrl_z_payload``/``fixed_payload``, or ``ESC`` to cancel), released only
        after the module's ``>`` (2.3.4); other commands take none.
        """
        if not callable(getattr(cmd, "to_bytes", None)):
            raise InvalidArgument(f"cmd={cmd!r}: expected a pyqio.commands command")
        plan = _plans.plan_for(cmd, payload)
        if plan.needs_prompt and not payload:
            raise InvalidArgument(f"payload={payload!r}: {type(cmd).__name__} enters data mode "
                                  "and needs a non-empty data-mode payload")
        if not plan.needs_prompt and payload is not None:
            raise InvalidArgument(f"payload=<{len(payload)} bytes>: {type(cmd).__name__} "
                                  "takes no data-mode payload (only QISendData/QISendFixed do)")
        if len(self._queue) >= self.max_queued and self._pending is not None:
            raise QueueFull(f"{len(self._queue)} commands already wait behind the one in "
                            f"flight (max_queued={self.max_queued}); wait for some to complete")
        req = Request(cmd, None if payload is None else bytes(payload), plan)
        self._queue.append(req)
        self._start_next()
        return req

    def data_to_send(self) -> bytes:
        """Drain the bytes the caller must write to the module now."""
        if not self._out:
            return b""
        data = bytes(self._out)
        self._out.clear()
        return data

    def receive_data(self, chunk: bytes) -> None:
        """Feed bytes read from the module; the events they make wait in :meth:`next_event`.

        Nothing is lost if it raises (handling an event failed, say): the events
        decoded after that one and the bytes not yet decoded are kept, and the next
        call (with ``b""`` or more bytes) handles them first.
        """
        req = self._pending
        if not (self._unfed or self._decoded or (req is not None and req.framing)):
            # the common case: the whole read in one decoder call, which keeps what it
            # took if it raises (so nothing is left to keep here)
            if self._attached:
                self._feed_attached(chunk)
            else:
                self._decoded.extend(self.decoder.feed(chunk))
                self._handle_decoded()
            return
        view = memoryview(self._unfed + bytes(chunk)) if self._unfed else memoryview(chunk)
        self._unfed = b""
        try:
            self._handle_decoded()
            while True:
                if self._needs_line_steps():
                    # a settings change takes effect at its OK: frame what follows by it
                    m = _EOL.search(view)
                    cut = m.end() if m else len(view)
                else:
                    cut = len(view)
                part, view = view[:cut], view[cut:]
                if self._attached:
                    self._feed_attached(part)
                else:
                    self._decoded.extend(self.decoder.feed(part))   # keeps its own on errors
                    self._handle_decoded()
                if not view:
                    return
        except BaseException:
            self._unfed = bytes(view)
            raise

    def _handle_decoded(self) -> None:
        decoded = self._decoded
        while decoded:
            self._handle_event(decoded.popleft())

    def next_event(self) -> Event | Response | None:
        """The next output event, or None when there is none."""
        return self._events.popleft() if self._events else None

    def events(self) -> list[Event | Response]:
        """Drain every pending output event."""
        if not self._events:
            return []
        out = list(self._events)
        self._events.clear()
        return out

    def fail_pending(self, reason: str) -> Request | None:
        """The caller's deadline passed: complete the pending request with ``TimedOut(reason)``.

        Returns it (None when nothing was pending: the answer won the race).  Late
        answers to it are surfaced unattached, never attached to the next command
        (deferred results are only taken after a command's own ``OK``); a late
        ``+QIOPEN``/``CLOSE OK`` still updates :attr:`sockets`.  If it timed out
        waiting for ``>``, a late prompt is answered with Esc so that the module
        does not take the next command for data.
        """
        req = self._pending
        if req is None:
            return None
        if req.waiting_for == ">":
            self._escape_prompt = True
        self._abandoned = req
        self._complete(req, TimedOut(reason), converted=False)
        return req

    def reset(self) -> None:
        """The module restarted or the link was re-established: forget in-flight state and sockets.

        The pending and every queued request complete with ``LinkReset``; unread
        output events stay readable.  The ``AT+QICFG`` settings are kept: the
        module saves them to NVRAM (2.3.9).
        """
        reqs = ([self._pending] if self._pending else []) + list(self._queue)
        self._pending = None
        self._queue.clear()
        for req in reqs:
            req.response = Response(req, LinkReset(), tuple(req._events))
            self._events.append(req.response)
        self._abandoned = None
        self._escape_prompt = False
        self._out.clear()
        self._table.clear()
        for cid in list(self._attached):
            self.detach(cid)
        self.decoder.reset()
        self.decoder.udp_service = ()
        self.decoder.buffer_access = ()

    # -- the module's side -------------------------------------------------

    def _handle_event(self, ev: Event) -> None:
        """Route one decoded event: URC, line of the pending command, or unattached."""
        if isinstance(ev, _URC_TYPES) or (isinstance(ev, Info) and _is_qiurc(ev)) \
                or (isinstance(ev, Registration) and ev.n is None):
            self._on_urc(ev)
            self._events.append(ev)
            return
        req = self._pending
        if req is not None:
            if isinstance(ev, Text) and ev.line == req.line.rstrip(b"\r\n"):
                req.echoed = True
                return  # the echo (ATE1) of the pending command line
            if isinstance(ev, Prompt) and isinstance(req.command, Raw) and not self._escape_prompt:
                # a raw command made the module ask for data (AT+CMGS does): it would take
                # the next command lines as that data, so cancel with Esc and end the
                # command with the prompt as its final
                self._out += _ESC
                self._attach(req, ev, ev)
                return
            verdict = req._plan.step(ev)
            if verdict is not _plans.NOT_MINE:
                self._attach(req, ev, verdict)
                return
        self._on_unattached(ev)
        self._events.append(ev)

    def _attach(self, req: Request, ev: Event, verdict: Any) -> None:
        if verdict is _plans.MORE and len(req._events) >= MAX_ATTACHED:
            self._events.append(ev)  # a runaway answer: surfaced, not stored on the request
            return
        req._events.append(ev)
        if isinstance(ev, Prompt) and req.payload is not None:
            self._out += req.payload
        self._apply(req, ev)
        if verdict is _plans.MORE:
            return
        converted = not any(x is verdict for x in req._events)
        self._complete(req, verdict, converted)

    def _complete(self, req: Request, final: Event, converted: bool) -> None:
        if converted and req._events and not isinstance(final, TimedOut):
            req._events[-1] = final  # the plan's reading of the line replaces the raw one
        if isinstance(final, Ok):
            self._apply_ok(req)
        req.response = Response(req, final, tuple(req._events))
        self._pending = None
        self._events.append(req.response)
        self._start_next()

    def _start_next(self) -> None:
        if self._pending is None and self._queue:
            self._pending = self._queue.popleft()
            self._out += self._pending.line

    def _needs_line_steps(self) -> bool:  # the command in flight changes the framing at its OK
        return self._pending is not None and self._pending.framing


def _is_qiurc(ev: Info) -> bool:
    return ev.name.lstrip("+").upper() == "QIURC"
