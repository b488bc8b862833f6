"""Command builders: the base class, the basic commands and the socket commands.

Each command is declared once (:mod:`pyqio.commands._spec`): its fields, in wire
order, say how each parameter is checked and written, and :func:`command` registers
the class for :func:`pyqio.commands.parse` and the session. Every class validates
its arguments when built (raising :class:`pyqio.errors.InvalidArgument`) and
``to_bytes()`` gives the exact command line, ending in CR (note 2.1.2). The
``AT+QISEND`` family lives in ``_send``, ping, NTP, DNS and ``AT+QICFG`` in
``_services``, the 3GPP basics in ``_3gpp``.

Metadata for the session, as class attributes (derived from the declaration):

- ``name``: the command's name (``"QIOPEN"``; ``"AT"``, ``"ATE"``, ``"ATI"``);
- ``spec``: the declaration (:class:`pyqio._commands_spec.Spec`);
- ``info_prefix``: the prefix of the information lines that answer it
  (``"+QISTATE"``), or None when a deferred result answers it;
- ``deferred``: what follows ``OK`` before the command is complete: ``"+QIOPEN"``,
  ``"CLOSE OK"``, ``"SEND OK"`` (or ``SEND FAIL``), ``"+QPING"``, ``"+QNTP"``,
  ``"+QIDNSGIP"``; None when ``OK``/``ERROR`` ends it;
- ``data_mode``: True when the module answers ``>`` and waits for a payload;
- ``text_lines``: True when bare text lines answer it (``ATI``, ``AT+CGSN``).
"""
from __future__ import annotations

from typing import Any, ClassVar

from .._frozen import frozen
from ..errors import InvalidArgument
from ..protocol import (
    MAX_HOST,
    MODULES,
    PORTS,
    PROFILE_ACCESS_MODES,
    PROFILE_CONNECT_IDS,
    PROFILE_CONTEXT_IDS,
    SERVICE_TYPES,
)
from ._check import show
from ._spec import (
    Spec,
    choice,
    command,
    flag,
    integer,
    names_with_test,
    profile,
    profiled_range,
    text,
)

#: Bounds by the command's module profile (pyqio.protocol.PROFILE_*)
CONNECT = profiled_range(PROFILE_CONNECT_IDS, "connect ids")
CONTEXT = profiled_range(PROFILE_CONTEXT_IDS, "context ids")


def ACCESS(cmd: Any) -> tuple[range, str]:  # noqa: N802 - named as the bounds beside it
    modes = PROFILE_ACCESS_MODES[cmd.module]
    if len(modes) == 1:
        return modes, f"{modes[0]} (direct push mode only, the {cmd.module} profile)"
    return modes, (f"{modes[0]}–{modes[-1]} (0 buffer access, 1 direct push, 2 transparent; "
                   f"the {cmd.module} profile)")

__all__ = [
    "SERVICE_TYPES",
    "At",
    "Command",
    "Echo",
    "Identify",
    "QIClose",
    "QIOpen",
    "QIState",
    "QIStateAll",
    "TestCommand",
]

class Command:
    """Base class of every command: ``to_bytes()`` is the line, ``str()`` its text."""

    __slots__ = ()
    spec: ClassVar[Spec]
    name: ClassVar[str] = ""
    # the session's metadata, set by @command from the declaration
    info_prefix: ClassVar[str | None] = None
    deferred: ClassVar[str | None] = None
    data_mode: ClassVar[bool] = False
    text_lines: ClassVar[bool] = False

    def __post_init__(self) -> None:
        """Check every parameter as declared, then the command's own rules (:meth:`_check`)."""
        spec = self.spec
        if spec.profiled:
            _check_module(self)
        omitted: str | None = None  # the first optional parameter left out
        for field, param in spec.params:
            value = getattr(self, field)
            if value is None and param.optional:
                omitted = omitted or field
                continue
            kept = param.check(field, value, self)
            if kept is not value:
                object.__setattr__(self, field, kept)  # normalising a field of a frozen instance
            if omitted is not None and not spec.gaps:
                optionals = [f for f, p in spec.params if p.optional]
                raise InvalidArgument(
                    f"{field}={show(value)} needs {omitted} too: the optional parameters "
                    f"{', '.join(optionals)} nest left to right and none can be skipped "
                    "(note 2.1.1)")
        self._check()

    def _check(self) -> None:
        """Rules between parameters (a subclass's own); the declared checks ran already."""

    def to_bytes(self) -> bytes:
        """The command line as sent to the module, ending in CR (note 2.1.2)."""
        return self._body() + b"\r"

    def _body(self) -> bytes:
        """The line from the declaration: name, form, selector, then each parameter."""
        spec = self.spec
        if spec.form == "read":
            return spec.head + b"?"
        values = [getattr(self, f) for f in spec.fields]
        while values and values[-1] is None:
            values.pop()
        parts = [] if spec.selector is None else [_q(spec.selector)]
        for value, quoted in zip(values, spec.quoted, strict=False):  # trailing Nones dropped
            # None: a gap (gaps=True), an empty field; bools (the 0/1 flags) print as 0 or 1
            parts.append(b"" if value is None else _q(value) if quoted else b"%d" % value)
        if spec.form == "exec" and not parts:
            return spec.head
        return spec.head + b"=" + b",".join(parts)

    def __str__(self) -> str:
        return self._body().decode("latin-1").encode("ascii", "backslashreplace").decode()


def _check_module(cmd: Any) -> None:
    if cmd.module not in MODULES:
        raise InvalidArgument(f"module={show(cmd.module)} is not one of "
                              + ", ".join(map(repr, MODULES)))


def _q(text: str) -> bytes:
    return b'"' + text.encode("ascii") + b'"'


def _join(*parts: bytes | int) -> bytes:
    # bools (the 0/1 flags) print as 0 or 1
    return b",".join(p if isinstance(p, bytes) else str(int(p)).encode() for p in parts)


def _set(obj: object, field: str, value: object) -> None:
    object.__setattr__(obj, field, value)  # normalising a field of a frozen instance


@command("", form="basic")
class At(Command):
    """``AT``: is the module there (not in the note; every session starts with it)."""

    def _body(self) -> bytes:
        return b"AT"


@command("E", form="basic")
class Echo(Command):
    """``ATE0``/``ATE1``: command echo off or on (V.25ter); ``ATE`` is ``ATE0``."""

    enabled: bool = flag("echo")

    @classmethod
    def from_basic(cls, rest: str) -> Echo | None:
        return cls(rest == "1") if rest in ("", "0", "1") else None

    def _body(self) -> bytes:
        return b"ATE1" if self.enabled else b"ATE0"


@command("I", form="basic", text_lines=True)
class Identify(Command):
    """``ATI``: product identification (V.25ter), answered by bare lines."""

    def _body(self) -> bytes:
        return b"ATI"


def _test_name(name: str, value: Any, cmd: Any) -> Any:
    names = names_with_test()
    if not isinstance(value, str) or value.upper() not in names:
        raise InvalidArgument(f"{name}={show(value)} is not one of {', '.join(names)}")
    return value.upper()


@frozen
class TestCommand(Command):
    """``AT+<NAME>=?``: the test form of any command pyqio declares (table 1, 2.1.2)."""

    name: str  # type: ignore[misc]  # an instance field here: which command is tested
    __test__: ClassVar[bool] = False  # its name starts with "Test"; pytest must not collect it
    spec: ClassVar[Spec] = Spec("", "test", (), None, False, False, "lines", False, False, None)

    def __post_init__(self) -> None:
        _set(self, "name", _test_name("name", self.name, self))

    @property
    def info_prefix(self) -> str:  # type: ignore[override]  # per instance: the tested name
        return "+" + self.name

    def _body(self) -> bytes:
        return b"AT+" + self.name.encode() + b"=?"


def _remote_port_range(cmd: Any) -> tuple[range, str]:
    # a TCP LISTENER's remote port is unused: example 4.3.1 opens one with 0
    lo = 0 if cmd.service_type == "TCP LISTENER" else PORTS[0]
    return range(lo, PORTS[-1] + 1), f"{lo}–{PORTS[-1]}"


def _local_port_range(cmd: Any) -> tuple[range, str]:
    lo = PORTS[0] if cmd.service_type in ("TCP LISTENER", "UDP SERVICE") else 0
    return range(lo, PORTS[-1] + 1), f"{lo}–{PORTS[-1]}"


@command("QIOPEN", plan="open", framing=True)
class QIOpen(Command):
    """``AT+QIOPEN=<contextID>,<connectID>,<service_type>,<host>,<remote_port>[,<local_port>[,<access_mode>]]`` (2.3.1).

    ``local_port`` is required (1–65535) for "TCP LISTENER" and "UDP SERVICE".
    ``remote_port`` is 1–65535, except that a "TCP LISTENER" takes 0 (its remote
    port is unused; example 4.3.1 opens one with 0).

    ``module`` (a profile of :data:`pyqio.protocol.MODULES`) sets the ranges: the
    note's by default (connect ids 0–4, context ids 0–10, access mode 1); ``"bg96"``
    takes connect ids 0–11, context ids 1–16 and access modes 0 (buffer access), 1
    (direct push) and 2 (transparent) (BG96 TCP/IP Application Note 2.2.4).
    """

    context_id: int = integer("contextID", CONTEXT)
    connect_id: int = integer("connectID", CONNECT)
    service_type: str = choice("service_type", SERVICE_TYPES)
    host: str = text("host", MAX_HOST)
    remote_port: int = integer("remote_port", _remote_port_range)
    local_port: int | None = integer("local_port", _local_port_range, default=None)
    access_mode: int | None = integer("access_mode", ACCESS, default=None)
    module: str = profile(default="bc660k")

    def _check(self) -> None:
        if self.service_type in ("TCP LISTENER", "UDP SERVICE") and self.local_port is None:
            raise InvalidArgument(f"local_port=None: a {self.service_type} needs a local_port "
                                  f"(allowed: {_span(PORTS)})")


@command("QICLOSE", plan="close", framing=True)
class QIClose(Command):
    """``AT+QICLOSE=<connectID>``: answered ``OK`` then ``CLOSE OK`` (2.3.2)."""

    connect_id: int = integer("connectID", CONNECT)
    module: str = profile(default="bc660k")


@command("QISTATE", form="read", plan="state_all", framing=True)
class QIStateAll(Command):
    """``AT+QISTATE?``: the status of every socket (2.3.3)."""


def _state_id_range(cmd: Any) -> tuple[range, str]:
    if cmd.query_type == 0:
        ids = PROFILE_CONTEXT_IDS[cmd.module]
        return ids, f"{_span(ids)} (a contextID, query_type=0)"
    ids = PROFILE_CONNECT_IDS[cmd.module]
    return ids, f"{_span(ids)} (a connectID, query_type=1)"


def _span(ids: range) -> str:
    return f"{ids[0]}–{ids[-1]}"


@command("QISTATE", plan="state", framing=True)
class QIState(Command):
    """``AT+QISTATE=<query_type>,<contextID|connectID>`` (2.3.3).

    ``query_type`` 0 queries by context (``id`` 0–10), 1 by socket (``id`` 0–4).
    """

    query_type: int = integer("query_type", range(0, 2))
    id: int = integer("contextID or connectID", _state_id_range)
    module: str = profile(default="bc660k")
