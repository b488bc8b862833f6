"""Command builders: one frozen, slotted dataclass per command form of the note.

Each class validates its arguments in ``__post_init__`` (raising
:class:`pyqio.errors.InvalidArgument`) and ``to_bytes()`` gives the exact command
line, ending in CR (note 2.1.2). This module holds the base class, the basic
commands and the socket commands; the ``AT+QISEND`` family lives in
``_send``, ping, NTP, DNS and ``AT+QICFG`` in ``_services``.
:func:`pyqio.commands.parse` is the inverse of them all.

Metadata for the session, as class attributes:

- ``name``: the command's name (``"QIOPEN"``; ``"AT"``, ``"ATE"``, ``"ATI"``);
- ``info_prefix``: the prefix of the information lines that answer it
  (``"+QISTATE"``), or None;
- ``deferred``: what follows ``OK`` before the command is complete: ``"+QIOPEN"``,
  ``"CLOSE OK"``, ``"SEND OK"`` (or ``SEND FAIL``), ``"+QPING"``, ``"+QNTP"``,
  ``"+QIDNSGIP"``; None when ``OK``/``ERROR`` ends it;
- ``data_mode``: True when the module answers ``>`` and waits for a payload.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..errors import InvalidArgument
from ._check import (
    check_flag,
    check_int,
    check_nesting,
    check_opt_int,
    check_quoted,
    show,
)

__all__ = [
    "SERVICE_TYPES",
    "TEST_COMMANDS",
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


#: Commands with a test form ``AT+<NAME>=?`` (the note's tables).
TEST_COMMANDS = ("QIOPEN", "QICLOSE", "QISTATE", "QISEND", "QPING", "QNTP",
                 "QIDNSGIP", "QIDNSCFG", "QICFG")
#: ``<service_type>`` values AT+QIOPEN takes (2.3.1); "TCP INCOMING" only appears in +QISTATE.
SERVICE_TYPES = ("TCP", "UDP", "TCP LISTENER", "UDP SERVICE")


class Command:
    """Base class of every command: ``to_bytes()`` is the line, ``str()`` its text."""

    __slots__ = ()
    name: ClassVar[str] = ""
    info_prefix: ClassVar[str | None] = None
    deferred: ClassVar[str | None] = None
    data_mode: ClassVar[bool] = False

    def to_bytes(self) -> bytes:
        """The command line as sent to the module, ending in CR (note 2.1.2)."""
        return self._body() + b"\r"

    def _body(self) -> bytes:
        raise NotImplementedError

    def __str__(self) -> str:
        return self._body().decode("latin-1").encode("ascii", "backslashreplace").decode()


def _ctx(value: object) -> int:
    return check_int("context_id", value, 0, 10)


def _cid(value: object) -> int:
    return check_int("connect_id", value, 0, 4)


def _q(text: str) -> bytes:
    return b'"' + text.encode("ascii") + b'"'


def _join(*parts: bytes | int) -> bytes:
    # bools (the 0/1 flags) print as 0 or 1
    return b",".join(p if isinstance(p, bytes) else str(int(p)).encode() for p in parts)


def _set(obj: object, field: str, value: object) -> None:
    object.__setattr__(obj, field, value)  # normalising a field of a frozen instance


@dataclass(frozen=True, slots=True)
class At(Command):
    """``AT``: is the module there (not in the note; every session starts with it)."""

    name: ClassVar[str] = "AT"

    def _body(self) -> bytes:
        return b"AT"


@dataclass(frozen=True, slots=True)
class Echo(Command):
    """``ATE0``/``ATE1``: command echo off or on (V.25ter)."""

    enabled: bool
    name: ClassVar[str] = "ATE"

    def __post_init__(self) -> None:
        _set(self, "enabled", check_flag("enabled", self.enabled))

    def _body(self) -> bytes:
        return b"ATE1" if self.enabled else b"ATE0"


@dataclass(frozen=True, slots=True)
class Identify(Command):
    """``ATI``: product identification (V.25ter)."""

    name: ClassVar[str] = "ATI"

    def _body(self) -> bytes:
        return b"ATI"


@dataclass(frozen=True, slots=True)
class TestCommand(Command):
    """``AT+<NAME>=?``: the test form of a command of the note (table 1, 2.1.2)."""

    name: str  # type: ignore[misc]  # an instance field here: which command is tested
    __test__: ClassVar[bool] = False  # its name starts with "Test"; pytest must not collect it

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or self.name.upper() not in TEST_COMMANDS:
            raise InvalidArgument(f"name={show(self.name)} is not one of {', '.join(TEST_COMMANDS)}")
        _set(self, "name", self.name.upper())

    @property
    def info_prefix(self) -> str:  # type: ignore[override]
        return "+" + self.name

    def _body(self) -> bytes:
        return b"AT+" + self.name.encode() + b"=?"


@dataclass(frozen=True, slots=True)
class QIOpen(Command):
    """``AT+QIOPEN=<contextID>,<connectID>,<service_type>,<host>,<remote_port>[,<local_port>[,<access_mode>]]`` (2.3.1).

    ``local_port`` is required (1–65535) for "TCP LISTENER" and "UDP SERVICE".
    ``remote_port`` is 1–65535, except that a "TCP LISTENER" takes 0 (its remote
    port is unused; example 4.3.1 opens one with 0).
    """

    context_id: int
    connect_id: int
    service_type: str
    host: str
    remote_port: int
    local_port: int | None = None
    access_mode: int | None = None
    name: ClassVar[str] = "QIOPEN"
    deferred: ClassVar[str | None] = "+QIOPEN"

    def __post_init__(self) -> None:
        _ctx(self.context_id)
        _cid(self.connect_id)
        if self.service_type not in SERVICE_TYPES:
            raise InvalidArgument(f"service_type={show(self.service_type)} is not one of "
                                  + ", ".join(f'"{s}"' for s in SERVICE_TYPES))
        check_quoted("host", self.host, 150)
        server = self.service_type in ("TCP LISTENER", "UDP SERVICE")
        check_int("remote_port", self.remote_port,
                  0 if self.service_type == "TCP LISTENER" else 1, 65535)
        check_nesting(("local_port", "access_mode"), (self.local_port, self.access_mode))
        if server and self.local_port is None:
            raise InvalidArgument(f"local_port=None: a {self.service_type} needs a local_port "
                                  "(allowed: 1–65535)")
        check_opt_int("local_port", self.local_port, 1 if server else 0, 65535)
        if self.access_mode is not None:
            check_int("access_mode", self.access_mode, 1, 1, "1 (direct push mode only)")

    def _body(self) -> bytes:
        opt = [v for v in (self.local_port, self.access_mode) if v is not None]
        return b"AT+QIOPEN=" + _join(self.context_id, self.connect_id, _q(self.service_type),
                                     _q(self.host), self.remote_port, *opt)


@dataclass(frozen=True, slots=True)
class QIClose(Command):
    """``AT+QICLOSE=<connectID>``: answered ``OK`` then ``CLOSE OK`` (2.3.2)."""

    connect_id: int
    name: ClassVar[str] = "QICLOSE"
    deferred: ClassVar[str | None] = "CLOSE OK"

    def __post_init__(self) -> None:
        _cid(self.connect_id)

    def _body(self) -> bytes:
        return b"AT+QICLOSE=" + _join(self.connect_id)


@dataclass(frozen=True, slots=True)
class QIStateAll(Command):
    """``AT+QISTATE?``: the status of every socket (2.3.3)."""

    name: ClassVar[str] = "QISTATE"
    info_prefix: ClassVar[str | None] = "+QISTATE"

    def _body(self) -> bytes:
        return b"AT+QISTATE?"


@dataclass(frozen=True, slots=True)
class QIState(Command):
    """``AT+QISTATE=<query_type>,<contextID|connectID>`` (2.3.3).

    ``query_type`` 0 queries by context (``id`` 0–10), 1 by socket (``id`` 0–4).
    """

    query_type: int
    id: int
    name: ClassVar[str] = "QISTATE"
    info_prefix: ClassVar[str | None] = "+QISTATE"

    def __post_init__(self) -> None:
        check_int("query_type", self.query_type, 0, 1)
        if self.query_type == 0:
            check_int("id", self.id, 0, 10, "0–10 (a contextID, query_type=0)")
        else:
            check_int("id", self.id, 0, 4, "0–4 (a connectID, query_type=1)")

    def _body(self) -> bytes:
        return b"AT+QISTATE=" + _join(self.query_type, self.id)
