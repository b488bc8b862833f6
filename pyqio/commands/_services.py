"""Builders of the service and settings commands: AT+QPING, AT+QNTP, AT+QIDNSGIP,
AT+QIDNSCFG and AT+QICFG (note 2.3.5–2.3.9), each declared once
(:mod:`pyqio.commands._spec`). See :mod:`pyqio.commands._base` for the common ground.
"""
from __future__ import annotations

from ..errors import InvalidArgument
from ..protocol import (
    CONTEXT_IDS,
    MAX_DNS_ADDRESS,
    MAX_HOST,
    PING_COUNTS,
    PING_SIZES,
    PING_TIMEOUTS,
    PORTS,
)
from ._base import CONTEXT, Command
from ._check import show
from ._spec import command, flag, integer, ip, profile, text

__all__ = ["QICfgDataFormat", "QICfgShowRA", "QIDnsCfg", "QIDnsCfgQuery", "QIDnsGip", "QNtp",
           "QPing"]


@command("QPING", plan="ping")
class QPing(Command):
    """``AT+QPING=<contextID>,<host>[,<time_out>[,<ping_num>[,<ping_size>[,<rai_enable>]]]]`` (2.3.5).

    Optionals nest left to right; giving one without those before it is refused.
    """

    context_id: int = integer("contextID", CONTEXT)
    host: str = text("host", MAX_HOST)
    timeout: int | None = integer("time_out", PING_TIMEOUTS, default=None)
    count: int | None = integer("ping_num", PING_COUNTS, default=None)
    size: int | None = integer("ping_size", PING_SIZES, default=None)
    rai: int | None = integer("rai_enable", range(0, 2), default=None)
    module: str = profile(default="bc660k")


@command("QNTP", plan="ntp")
class QNtp(Command):
    """``AT+QNTP=<contextID>,<server>[,<port>[,<auto_set_time>]]`` (2.3.6)."""

    context_id: int = integer("contextID", CONTEXT)
    server: str = text("server", MAX_HOST)
    port: int | None = integer("port", PORTS, default=None)
    auto_set_time: int | None = integer("auto_set_time", range(0, 2), default=None)
    module: str = profile(default="bc660k")


@command("QIDNSGIP", plan="dns")
class QIDnsGip(Command):
    """``AT+QIDNSGIP=<contextID>,<hostname>`` (2.3.7)."""

    context_id: int = integer("contextID", CONTEXT)
    hostname: str = text("hostname", MAX_HOST)
    module: str = profile(default="bc660k")


@command("QIDNSCFG")
class QIDnsCfg(Command):
    """``AT+QIDNSCFG=<contextID>,<pridnsaddr>[,<secdnsaddr>]`` (2.3.8): IP addresses, ≤ 64 bytes."""

    context_id: int = integer("contextID", CONTEXT_IDS)
    primary: str = ip("pridnsaddr", MAX_DNS_ADDRESS)
    secondary: str | None = ip("secdnsaddr", MAX_DNS_ADDRESS, default=None)


@command("QIDNSCFG")
class QIDnsCfgQuery(Command):
    """``AT+QIDNSCFG=<contextID>``: the configured DNS servers (2.3.8)."""

    context_id: int = integer("contextID", CONTEXT_IDS)


@command("QICFG", selector="dataformat", framing=True)
class QICfgDataFormat(Command):
    """``AT+QICFG="dataformat"[,<send_data_format>,<recv_data_format>]`` (2.3.9); True is hex.

    Both None is the query; the note gives the two formats together or neither.
    """

    send_hex: bool | None = flag("send_data_format", default=None)
    recv_hex: bool | None = flag("recv_data_format", default=None)

    def _check(self) -> None:
        if self.send_hex is not None and self.recv_hex is None:
            raise InvalidArgument(f"send_hex={show(self.send_hex)} needs recv_hex too: "
                                  'AT+QICFG="dataformat" takes both formats or neither')

    @property
    def is_query(self) -> bool:
        return self.send_hex is None


@command("QICFG", selector="showRA", framing=True)
class QICfgShowRA(Command):
    """``AT+QICFG="showRA"[,<showRA_mode>]`` (2.3.9); None is the query."""

    enabled: bool | None = flag("showRA_mode", default=None)

    @property
    def is_query(self) -> bool:
        return self.enabled is None
