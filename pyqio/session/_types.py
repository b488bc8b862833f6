"""The session's request and response objects, and the finals the caller causes.

:class:`Request` is what :meth:`pyqio.session.Session.send_command` returns;
:class:`Response` is the output event that completes it.  :class:`TimedOut` and
:class:`LinkReset` are finals no module line makes: the caller's deadline
(``fail_pending``) and a restart (``reset``).  :class:`Appended` stands for the
payloads the session appended to a buffer the caller attached.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..commands import Command
from ..wire._result import result_code
from ..wire.events import CloseOk, CmeError, Event, Ok, Prompt, SendOk
from . import _plans

__all__ = ["Appended", "LinkReset", "Request", "Response", "TimedOut"]


@dataclass(frozen=True, slots=True)
class TimedOut(Event):
    """The final of a request the caller gave up on (:meth:`Session.fail_pending`)."""

    reason: str


@dataclass(frozen=True, slots=True)
class LinkReset(Event):
    """The final of a request forgotten by :meth:`Session.reset` (module restarted)."""


@dataclass(frozen=True, slots=True)
class Appended(Event):
    """*size* payload bytes of *connect_id* were appended to the buffer attached to it
    (:meth:`Session.attach`), in the place of the ``Recv`` events they came in."""

    connect_id: int
    size: int


class Request:
    """One command the caller asked for: queued, then in flight, then done."""

    __slots__ = ("_events", "_plan", "command", "echoed", "framing", "line", "payload",
                 "response")

    def __init__(self, command: Command, payload: bytes | None, plan: _plans.Plan) -> None:
        self.command = command
        self.payload = payload
        self.response: Response | None = None
        self.line: bytes = command.to_bytes()
        self._plan = plan
        self._events: list[Event] = []
        spec = getattr(command, "spec", None)
        #: its success changes how the tokenizer frames what follows (declared
        #: ``framing=True``): the session feeds what comes while it is in flight line by line
        self.framing: bool = spec is not None and bool(spec.framing)
        #: the module echoed the command line (echo on, ``ATE1``): dropped, but noted
        self.echoed = False

    @property
    def done(self) -> bool:
        """True once the request completed (its :attr:`response` is set)."""
        return self.response is not None

    @property
    def waiting_for(self) -> str:
        """What the request waits for: ``"OK"``, ``">"``, ``"SEND OK"``, ``"+QIOPEN"`` ...; "" once done."""
        return "" if self.done else self._plan.waiting_for

    @property
    def deferred(self) -> bool:
        """True once ``OK`` came and a deferred result is awaited (time it with the longer deadline)."""
        return not self.done and self._plan.deferred

    def __repr__(self) -> str:
        state = "done" if self.done else f"waiting for {self.waiting_for}"
        return f"<Request {self.line.rstrip()!r} {state}>"


@dataclass(frozen=True, slots=True)
class Response:
    """A completed request: ``final`` ended it; ``events`` are every line attached, in order.

    ``final`` is usually the last of ``events``; a DNS answer's final is its
    ``DnsResult`` header, followed in ``events`` by its address line (2.3.7).
    ``TimedOut``/``LinkReset`` finals are not in ``events``.
    """

    request: Request
    final: Event
    events: tuple[Event, ...]

    @property
    def info(self) -> tuple[Event, ...]:
        """The information lines that answered the command, in order: every attached
        event but the final and the ``>`` prompt (``SignalQuality`` for ``AT+CSQ``,
        ``Text`` lines for ``AT+CGSN``/``ATI``, ``Info`` for a ``+NAME:`` line pyqio has
        no type for)."""
        return tuple(ev for ev in self.events
                     if ev is not self.final and not isinstance(ev, (Prompt, Ok)))

    @property
    def ok(self) -> bool:
        """True when the module reported success (``OK``, ``SEND OK``, ``CLOSE OK``, result 0)."""
        if isinstance(self.final, (Ok, SendOk, CloseOk)):
            return True
        result = getattr(self.final, "result", None)
        return result is not None and result == 0

    @property
    def result(self) -> int | None:
        """The result code of a deferred result or ``+CME ERROR`` (a ResultCode where known), else None."""
        if isinstance(self.final, CmeError):
            code = self.final.code
            return result_code(code) if isinstance(code, int) else None
        return getattr(self.final, "result", None)
