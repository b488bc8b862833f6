"""Commands of the BG96 family's TCP/IP stack that the BC660K-GL note lacks.

BG96 TCP/IP Application Note 2.2 (BG95&BG77&BG600L Series TCP/IP Application Note
2.3): the PDP context commands ``AT+QICSGP``, ``AT+QIACT``, ``AT+QIACT?`` and
``AT+QIDEACT``; ``AT+QIRD`` (reading a socket in buffer access mode),
``AT+QISENDEX`` (hex send) and ``AT+QIGETERROR``. Each takes ``module=`` (a profile
of :data:`pyqio.protocol.MODULES`, ``"bc660k"`` by default) where its ranges depend
on it: ``AT+QIRD=11`` needs ``module="bg96"``.
"""
from __future__ import annotations

from typing import Any

from ..errors import InvalidArgument
from ..protocol import MAX_APN, MAX_READ_LENGTH, PROFILE_CONNECT_IDS, PROFILE_CONTEXT_IDS
from ._base import Command
from ._check import hex_to_bytes, show
from ._spec import command, custom, integer, profile, profiled_range, text

__all__ = ["MAX_HEX_STRING", "QIAct", "QIActQuery", "QICsgp", "QIDeact", "QIGetError",
           "QIRd", "QISendEx"]

_CONNECT = profiled_range(PROFILE_CONNECT_IDS, "connect ids")
_CONTEXT = profiled_range(PROFILE_CONTEXT_IDS, "context ids")

#: ``<username>``/``<password>`` of AT+QICSGP: at most 127 bytes (BG96 TCP/IP AN 2.2.1).
MAX_CREDENTIAL = 127
#: ``<hex_string>`` of AT+QISENDEX: at most 512 characters, so 256 bytes a command
#: (BG96 TCP/IP AN 2.2.8 gives the string's length; the stricter reading is taken).
MAX_HEX_STRING = 512


@command("QICSGP")
class QICsgp(Command):
    """``AT+QICSGP=<contextID>[,<context_type>,"<APN>"[,"<username>","<password>"[,<authentication>]]]``.

    Configures a PDP context (BG96 TCP/IP AN 2.2.1). With ``context_id`` alone it is the
    query, answered by :class:`pyqio.events.ContextConfig`. ``context_type``: 1 IPv4,
    2 IPv6, 3 IPv4v6; ``authentication``: 0 none, 1 PAP, 2 CHAP, 3 PAP or CHAP.
    ``context_type`` and ``apn`` go together, as do ``username`` and ``password``;
    strings may be empty and may not hold ``"`` or control bytes.
    """

    context_id: int = integer("contextID", _CONTEXT)
    context_type: int | None = integer("context_type", range(1, 4),
                                       allowed="1–3 (IPv4, IPv6, IPv4v6)", default=None)
    apn: str | None = text("APN", MAX_APN, min_len=0, default=None)
    username: str | None = text("username", MAX_CREDENTIAL, min_len=0, default=None)
    password: str | None = text("password", MAX_CREDENTIAL, min_len=0, default=None)
    authentication: int | None = integer("authentication", range(0, 4),
                                         allowed="0–3 (none, PAP, CHAP, PAP or CHAP)",
                                         default=None)
    module: str = profile(default="bc660k")

    def _check(self) -> None:
        if self.context_type is not None and self.apn is None:
            raise InvalidArgument(f"context_type={self.context_type} needs apn too: "
                                  "<context_type> and <APN> go together")
        if self.username is not None and self.password is None:
            raise InvalidArgument("username needs password too: <username> and <password> "
                                  "go together (an empty string for none)")

    @property
    def is_query(self) -> bool:
        """True for ``AT+QICSGP=<contextID>``: the context's configuration is asked for."""
        return self.context_type is None


@command("QIACT")
class QIAct(Command):
    """``AT+QIACT=<contextID>``: activate a PDP context (BG96 TCP/IP AN 2.2.2; up to 150 s)."""

    context_id: int = integer("contextID", _CONTEXT)
    module: str = profile(default="bc660k")


@command("QIACT", form="read")
class QIActQuery(Command):
    """``AT+QIACT?``: one :class:`pyqio.events.ContextState` row per active context."""


@command("QIDEACT")
class QIDeact(Command):
    """``AT+QIDEACT=<contextID>``: deactivate a PDP context, closing its sockets (2.2.3)."""

    context_id: int = integer("contextID", _CONTEXT)
    module: str = profile(default="bc660k")


@command("QIRD")
class QIRd(Command):
    """``AT+QIRD=<connectID>[,<read_length>]``: read a socket in buffer access mode.

    Answered by :class:`pyqio.events.ReadData` (``+QIRD: <len>`` then the bytes; an
    empty one when nothing is buffered) then ``OK``; ``read_length=0`` asks for the
    counters instead (:class:`pyqio.events.ReadStats`). ``read_length`` is 0–1500
    (BG96 TCP/IP AN 2.2.7); without it the module reads what it has, up to 1500.
    """

    connect_id: int = integer("connectID", _CONNECT)
    read_length: int | None = integer("read_length", range(0, MAX_READ_LENGTH + 1),
                                      default=None)
    module: str = profile(default="bc660k")

    @property
    def is_stats(self) -> bool:
        """True for ``AT+QIRD=<connectID>,0``, the counters query."""
        return self.read_length == 0


def _hex_data(name: str, value: Any, cmd: Any) -> bytes:
    if isinstance(value, str):
        value = hex_to_bytes(name, value)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value)
    else:
        raise InvalidArgument(f"{name}={show(value)} is not bytes (or a hex str)")
    if not 1 <= len(value) <= MAX_HEX_STRING // 2:
        raise InvalidArgument(f"{name} is {len(value)} bytes: AT+QISENDEX carries 1–"
                              f"{MAX_HEX_STRING // 2} bytes ({MAX_HEX_STRING} hex digits)")
    return value  # type: ignore[no-any-return]


@command("QISENDEX", plan="send_ex")
class QISendEx(Command):
    """``AT+QISENDEX=<connectID>,"<hex_string>"``: send bytes written as hex (2.2.8).

    ``data`` is the raw bytes (a str is taken as hex digits); the line carries them as
    upper-case hex, so any byte can be sent without data mode. Answered ``SEND OK``
    (or ``SEND FAIL``).
    """

    connect_id: int = integer("connectID", _CONNECT)
    data: bytes = custom("hex_string", _hex_data, quoted=True)
    module: str = profile(default="bc660k")

    def _body(self) -> bytes:
        return b'AT+QISENDEX=%d,"%s"' % (self.connect_id, self.data.hex().upper().encode())


@command("QIGETERROR", form="exec")
class QIGetError(Command):
    """``AT+QIGETERROR``: the last TCP/IP error (:class:`pyqio.events.LastError`; 2.2.13)."""

