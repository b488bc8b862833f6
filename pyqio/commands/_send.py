"""The ``AT+QISEND`` command forms and the data-mode payloads (note 2.3.4).

Seven forms: inline data (:class:`QISend`), variable-length data mode ended by
Ctrl-Z (:class:`QISendData`), fixed-length data mode (:class:`QISendFixed`),
each plain or with ``<remote_ip>,<remote_port>`` for a UDP SERVICE socket, and
the counters query ``AT+QISEND=<connectID>,0`` (:class:`QISendStats`).

``data`` is always the raw bytes. In hex mode (``AT+QICFG="dataformat",1,x``)
the line carries their hex string and ``<send_length>`` is ``len(data)``, half
the hex string's length (2.3.4 note 2).
"""
from __future__ import annotations

from dataclasses import KW_ONLY
from typing import Any

from ..errors import InvalidArgument
from ..protocol import MAX_HEX_LENGTH, MAX_TEXT_LENGTH, MODULES, PORTS, PROFILE_CONNECT_IDS
from ._base import Command, _join, _q, _set
from ._check import check_int, check_ip, hex_to_bytes, show, text_data_refusal
from ._spec import command, profile

__all__ = [
    "CTRL_Z",
    "ESC",
    "MAX_HEX_LENGTH",
    "MAX_TEXT_LENGTH",
    "QISend",
    "QISendData",
    "QISendFixed",
    "QISendStats",
    "ctrl_z_payload",
    "fixed_payload",
]


#: Ends a variable-length data-mode payload (2.3.4).
CTRL_Z = b"\x1a"
#: Cancels the send while in data mode (2.3.4).
ESC = b"\x1b"

Data = bytes | bytearray | memoryview | str

# Inline data sits between quotes on the command line: '"' would end it, CR/LF
# the command, and other control bytes are mangled or act (Ctrl-Z, Esc).
_INLINE_FORBIDDEN = bytes(range(0x20)) + b'"\x7f'
_INLINE_REMEDY = "use fixed-length data mode (QISendFixed) or hex"
_CTRL_Z_FORBIDDEN = CTRL_Z + ESC
_CTRL_Z_REMEDY = "use fixed_payload (QISendFixed) or hex"


def _as_bytes(data: object, hex: bool) -> bytes:
    """Normalise *data*: bytes-like as is; a str is hex digits in hex mode, else UTF-8 text."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return hex_to_bytes("data", data) if hex else data.encode("utf-8")
    raise InvalidArgument(f"data={show(data)} is not bytes (or str)")


def _cid(value: object, module: str) -> int:
    ids = PROFILE_CONNECT_IDS.get(module)
    if ids is None:
        raise InvalidArgument(f"module={show(module)} is not one of "
                              + ", ".join(map(repr, MODULES)))
    return check_int("connect_id", value, ids.start, ids[-1],
                     f"{ids[0]}–{ids[-1]} (connect ids of the {module} profile)")


def _check_length(name: str, value: object, hex: bool) -> int:
    top = MAX_HEX_LENGTH if hex else MAX_TEXT_LENGTH
    mode = "hex mode" if hex else "text mode"
    return check_int(name, value, 1, top, f"1–{top} ({mode})")


def _check_remote(ip: object, port: object) -> None:
    if (ip is None) != (port is None):
        given, missing = ("remote_ip", "remote_port") if port is None \
            else ("remote_port", "remote_ip")
        raise InvalidArgument(f"{given}={show(ip if port is None else port)} needs {missing} too: "
                              "a UDP SERVICE send names both, other sockets neither")
    if ip is not None:
        check_ip("remote_ip", ip)
        check_int("remote_port", port, PORTS.start, PORTS[-1])


def _remote(ip: str | None, port: int | None) -> list[bytes | int]:
    # both or neither (_check_remote refused a lone one when the command was built)
    return [] if ip is None or port is None else [_q(ip), port]


def _parse(p: Any, hex: bool) -> Command:
    """The parameters of any ``AT+QISEND=`` line (*p*: the parser's cursor): the forms
    differ by count and by ``<send_length>`` framing the inline data, so they are read
    here rather than from declared fields."""
    cid = p.integer("connectID")
    module = p.module
    if not p.more():
        return QISendData(cid, module=module)
    ip: str | None = None
    port: int | None = None
    if p.peek() == '"':
        ip = p.quoted("remote_ip")
        p.need("remote_port")
        port = p.integer("remote_port")
        if not p.more():
            return QISendData(cid, ip, port, module=module)
    length = p.integer("send_length")
    if not p.more(spaces=False):  # unquoted data may begin with spaces
        if length == 0 and ip is None:
            return QISendStats(cid, module=module)
        return QISendFixed(cid, length, ip, port, hex=hex, module=module)
    text = p.data(length)
    rai = p.opt_ints("rai_mode")
    _check_length("send_length", length, hex)
    data = hex_to_bytes("data", text) if hex else text.encode("latin-1")
    if len(data) != length:
        raise p.error(f"send_length={length} does not match the data's length {len(data)} "
                      "(note 2.3.4: they must be equal)")
    return QISend(cid, data, hex=hex, rai_mode=rai[0] if rai else None,
                  remote_ip=ip, remote_port=port, module=module)


@command("QISEND", plan="send", parser=_parse)
class QISend(Command):
    """Inline data: ``AT+QISEND=<connectID>[,<remote_ip>,<remote_port>],<send_length>,<data>[,<rai_mode>]``.

    ``data`` is the raw bytes (a str is taken as UTF-8 text, or as hex digits
    when ``hex``); ``length`` is ``<send_length>``. The data is always quoted
    (2.3.4 note 3). Text data holding ``"``, CR, LF or another control byte
    cannot be carried inline: use :class:`QISendFixed`, or hex.
    """

    connect_id: int
    data: bytes
    _: KW_ONLY
    hex: bool = False
    rai_mode: int | None = None
    remote_ip: str | None = None
    remote_port: int | None = None
    module: str = profile(default="bc660k")

    def __post_init__(self) -> None:
        _cid(self.connect_id, self.module)
        if not isinstance(self.hex, bool):
            raise InvalidArgument(f"hex={show(self.hex)} is not a bool")
        data = _as_bytes(self.data, self.hex)
        _set(self, "data", data)
        _check_length("send_length", len(data), self.hex)
        if not self.hex:
            reason = text_data_refusal(data, _INLINE_FORBIDDEN, _INLINE_REMEDY)
            if reason:
                raise InvalidArgument(reason)
        if self.rai_mode is not None:
            check_int("rai_mode", self.rai_mode, 0, 2)
        _check_remote(self.remote_ip, self.remote_port)

    @property
    def length(self) -> int:
        """``<send_length>``: the number of data bytes (half the hex string in hex mode)."""
        return len(self.data)

    def _body(self) -> bytes:
        payload = self.data.hex().upper().encode() if self.hex else self.data
        rai = [] if self.rai_mode is None else [self.rai_mode]
        return b"AT+QISEND=" + _join(self.connect_id, *_remote(self.remote_ip, self.remote_port),
                                     len(self.data), b'"' + payload + b'"', *rai)


@command("QISEND", plan="send_data")
class QISendData(Command):
    """Variable-length data mode: ``AT+QISEND=<connectID>[,<remote_ip>,<remote_port>]``.

    After ``>`` send :func:`ctrl_z_payload` (data then Ctrl-Z), or :data:`ESC` to cancel.
    """

    connect_id: int
    remote_ip: str | None = None
    remote_port: int | None = None
    module: str = profile(default="bc660k")

    def __post_init__(self) -> None:
        _cid(self.connect_id, self.module)
        _check_remote(self.remote_ip, self.remote_port)

    def _body(self) -> bytes:
        return b"AT+QISEND=" + _join(self.connect_id, *_remote(self.remote_ip, self.remote_port))


@command("QISEND", plan="send_fixed")
class QISendFixed(Command):
    """Fixed-length data mode: ``AT+QISEND=<connectID>[,<remote_ip>,<remote_port>],<send_length>``.

    After ``>`` send :func:`fixed_payload`: exactly ``length`` bytes, no Ctrl-Z.
    ``hex`` (keyword, default False) only sets the limit: 1–1024 in text mode,
    1–512 in hex mode; the line is the same.
    """

    connect_id: int
    length: int
    remote_ip: str | None = None
    remote_port: int | None = None
    _: KW_ONLY
    hex: bool = False
    module: str = profile(default="bc660k")

    def __post_init__(self) -> None:
        _cid(self.connect_id, self.module)
        if not isinstance(self.hex, bool):
            raise InvalidArgument(f"hex={show(self.hex)} is not a bool")
        _check_length("length", self.length, self.hex)
        _check_remote(self.remote_ip, self.remote_port)

    def _body(self) -> bytes:
        return b"AT+QISEND=" + _join(self.connect_id, *_remote(self.remote_ip, self.remote_port),
                                     self.length)


@command("QISEND")
class QISendStats(Command):
    """``AT+QISEND=<connectID>,0``: answered ``+QISEND: <sent>,<acked>,<nAcked>`` (2.3.4)."""

    connect_id: int
    module: str = profile(default="bc660k")

    def __post_init__(self) -> None:
        _cid(self.connect_id, self.module)

    def _body(self) -> bytes:
        return b"AT+QISEND=" + _join(self.connect_id, 0)


def ctrl_z_payload(data: Data, *, hex: bool = False) -> bytes:
    """The payload of variable-length data mode (:class:`QISendData`): data then Ctrl-Z.

    Text data holding Ctrl-Z (0x1A) or Esc (0x1B) would end or cancel the send
    early, so it is refused. The module sends by itself once 1024 bytes are typed
    (2.3.4), which would leave the Ctrl-Z as a stray byte: the data is therefore
    at most 1023 input bytes (1023 in text, 511 data bytes in hex).
    """
    raw = _as_bytes(data, hex)
    if not hex:
        reason = text_data_refusal(raw, _CTRL_Z_FORBIDDEN, _CTRL_Z_REMEDY)
        if reason:
            raise InvalidArgument(reason)
    top = (MAX_TEXT_LENGTH - 1) // (2 if hex else 1)
    if not 1 <= len(raw) <= top:
        raise InvalidArgument(
            f"data is {len(raw)} bytes, out of range 1–{top} for Ctrl-Z data mode "
            f"({'hex' if hex else 'text'}; the module sends by itself at 1024 input bytes, "
            "leaving the Ctrl-Z stray): use fixed_payload (QISendFixed)")
    return (raw.hex().upper().encode() if hex else raw) + CTRL_Z


def fixed_payload(data: Data, length: int, *, hex: bool = False) -> bytes:
    """The payload of fixed-length data mode (:class:`QISendFixed`): exactly the data.

    Any byte may travel this way; ``length`` must be the ``<send_length>`` of the
    command (``len(data)``); no Ctrl-Z is added (it would be a stray byte after
    the send).
    """
    raw = _as_bytes(data, hex)
    _check_length("length", length, hex)
    if len(raw) != length:
        raise InvalidArgument(f"length={length} does not match the data's length {len(raw)}")
    return raw.hex().upper().encode() if hex else raw
