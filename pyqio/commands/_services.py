"""Builders of the service and settings commands: AT+QPING, AT+QNTP, AT+QIDNSGIP,
AT+QIDNSCFG and AT+QICFG (note 2.3.5–2.3.9). See :mod:`pyqio.commands._base` for the
common ground (``Command`` and its metadata).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..errors import InvalidArgument
from ._base import Command, _ctx, _join, _q, _set
from ._check import check_flag, check_ip, check_nesting, check_opt_int, check_quoted, show

__all__ = ["QICfgDataFormat", "QICfgShowRA", "QIDnsCfg", "QIDnsCfgQuery", "QIDnsGip", "QNtp",
           "QPing"]


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
            raise InvalidArgument(f"{given}={show(getattr(self, given))} needs {missing} too: "
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
