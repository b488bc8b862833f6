"""Command builders: one frozen, slotted dataclass per command form of the note.

Each class validates its arguments in ``__post_init__`` (raising
:class:`pyqio.errors.InvalidArgument`) and ``to_bytes()`` gives the exact command
line, ending in CR (note 2.1.2). The ``AT+QISEND`` family lives in
``_commands_send``; :func:`pyqio.commands.parse` is the inverse of both.

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

from ._commands_check import (
    check_flag,
    check_int,
    check_ip,
    check_nesting,
    check_opt_int,
    check_quoted,
)
from .errors import InvalidArgument

__all__ = [
    "SERVICE_TYPES",
    "TEST_COMMANDS",
    "At",
    "Command",
    "Echo",
    "Identify",
    "QICfgDataFormat",
    "QICfgShowRA",
    "QIClose",
    "QIDnsCfg",
    "QIDnsCfgQuery",
    "QIDnsGip",
    "QIOpen",
    "QIState",
    "QIStateAll",
    "QNtp",
    "QPing",
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
            raise InvalidArgument(f"name={self.name!r} is not one of {', '.join(TEST_COMMANDS)}")
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
            raise InvalidArgument(f"service_type={self.service_type!r} is not one of "
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


@dataclass(frozen=True, slots=True)
class QPing(Command):
    """``AT+QPING=<contextID>,<host>[,<time_out>[,<ping_num>[,<ping_size>[,<rai_enable>]]]]`` (2.3.5).

    Optionals nest left to right; giving one without those before it is refused.
    """

    context_id: int
    host: str
    timeout: int | None = None
    count: int | None = None
    size: int | None = None
    rai: int | None = None
    name: ClassVar[str] = "QPING"
    deferred: ClassVar[str | None] = "+QPING"

    def __post_init__(self) -> None:
        _ctx(self.context_id)
        check_quoted("host", self.host, 150)
        check_opt_int("timeout", self.timeout, 1, 255)
        check_opt_int("count", self.count, 1, 10)
        check_opt_int("size", self.size, 32, 1500)
        check_opt_int("rai", self.rai, 0, 1)
        check_nesting(("timeout", "count", "size", "rai"),
                      (self.timeout, self.count, self.size, self.rai))

    def _body(self) -> bytes:
        opt = [v for v in (self.timeout, self.count, self.size, self.rai) if v is not None]
        return b"AT+QPING=" + _join(self.context_id, _q(self.host), *opt)


@dataclass(frozen=True, slots=True)
class QNtp(Command):
    """``AT+QNTP=<contextID>,<server>[,<port>[,<auto_set_time>]]`` (2.3.6)."""

    context_id: int
    server: str
    port: int | None = None
    auto_set_time: int | None = None
    name: ClassVar[str] = "QNTP"
    deferred: ClassVar[str | None] = "+QNTP"

    def __post_init__(self) -> None:
        _ctx(self.context_id)
        check_quoted("server", self.server, 150)
        check_opt_int("port", self.port, 1, 65535)
        check_opt_int("auto_set_time", self.auto_set_time, 0, 1)
        check_nesting(("port", "auto_set_time"), (self.port, self.auto_set_time))

    def _body(self) -> bytes:
        opt = [v for v in (self.port, self.auto_set_time) if v is not None]
        return b"AT+QNTP=" + _join(self.context_id, _q(self.server), *opt)


@dataclass(frozen=True, slots=True)
class QIDnsGip(Command):
    """``AT+QIDNSGIP=<contextID>,<hostname>`` (2.3.7)."""

    context_id: int
    hostname: str
    name: ClassVar[str] = "QIDNSGIP"
    deferred: ClassVar[str | None] = "+QIDNSGIP"

    def __post_init__(self) -> None:
        _ctx(self.context_id)
        check_quoted("hostname", self.hostname, 150)

    def _body(self) -> bytes:
        return b"AT+QIDNSGIP=" + _join(self.context_id, _q(self.hostname))


@dataclass(frozen=True, slots=True)
class QIDnsCfg(Command):
    """``AT+QIDNSCFG=<contextID>,<pridnsaddr>[,<secdnsaddr>]`` (2.3.8): IP addresses, ≤ 64 bytes."""

    context_id: int
    primary: str
    secondary: str | None = None
    name: ClassVar[str] = "QIDNSCFG"

    def __post_init__(self) -> None:
        _ctx(self.context_id)
        check_ip("primary", self.primary, 64)
        if self.secondary is not None:
            check_ip("secondary", self.secondary, 64)

    def _body(self) -> bytes:
        opt = [] if self.secondary is None else [_q(self.secondary)]
        return b"AT+QIDNSCFG=" + _join(self.context_id, _q(self.primary), *opt)


@dataclass(frozen=True, slots=True)
class QIDnsCfgQuery(Command):
    """``AT+QIDNSCFG=<contextID>``: the configured DNS servers (2.3.8)."""

    context_id: int
    name: ClassVar[str] = "QIDNSCFG"
    info_prefix: ClassVar[str | None] = "+QIDNSCFG"

    def __post_init__(self) -> None:
        _ctx(self.context_id)

    def _body(self) -> bytes:
        return b"AT+QIDNSCFG=" + _join(self.context_id)


@dataclass(frozen=True, slots=True)
class QICfgDataFormat(Command):
    """``AT+QICFG="dataformat"[,<send_data_format>,<recv_data_format>]`` (2.3.9); True is hex.

    Both None is the query; the note gives the two formats together or neither.
    """

    send_hex: bool | None = None
    recv_hex: bool | None = None
    name: ClassVar[str] = "QICFG"
    info_prefix: ClassVar[str | None] = "+QICFG"

    def __post_init__(self) -> None:
        if (self.send_hex is None) != (self.recv_hex is None):
            given, missing = ("send_hex", "recv_hex") if self.recv_hex is None \
                else ("recv_hex", "send_hex")
            raise InvalidArgument(f"{given}={getattr(self, given)!r} needs {missing} too: "
                                  'AT+QICFG="dataformat" takes both formats or neither')
        if self.send_hex is not None:
            _set(self, "send_hex", check_flag("send_hex", self.send_hex))
            _set(self, "recv_hex", check_flag("recv_hex", self.recv_hex))

    @property
    def is_query(self) -> bool:
        return self.send_hex is None

    def _body(self) -> bytes:
        if self.send_hex is None:
            return b'AT+QICFG="dataformat"'
        return b'AT+QICFG="dataformat",' + _join(self.send_hex, bool(self.recv_hex))


@dataclass(frozen=True, slots=True)
class QICfgShowRA(Command):
    """``AT+QICFG="showRA"[,<showRA_mode>]`` (2.3.9); None is the query."""

    enabled: bool | None = None
    name: ClassVar[str] = "QICFG"
    info_prefix: ClassVar[str | None] = "+QICFG"

    def __post_init__(self) -> None:
        if self.enabled is not None:
            _set(self, "enabled", check_flag("enabled", self.enabled))

    @property
    def is_query(self) -> bool:
        return self.enabled is None

    def _body(self) -> bytes:
        if self.enabled is None:
            return b'AT+QICFG="showRA"'
        return b'AT+QICFG="showRA",' + _join(self.enabled)
