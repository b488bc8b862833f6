"""The Python tokenizer's shared state: its constants, its slots and what every state uses.

:class:`pyqio.wire._pytokenizer.Tokenizer` is one state machine whose handlers are
grouped by the section of ``csrc/TOKENS.md`` they implement, one mixin per module
(``_pytok_lines``, ``_pytok_recv``, ``_pytok_payload``), as ``Modem`` is built from its
mixins. They share the slotted :class:`_State` below: the whole ``__slots__`` tuple,
the attribute annotations, and the helpers every group calls (``_urc``, ``_fail``,
``_reset_recv``, ``_emit``).
"""
from __future__ import annotations

import binascii
import re
from typing import TYPE_CHECKING, Any

from ..protocol import FRAMING_IDS, T_ERROR, T_READ, T_RECV

LINE_TOO_LONG = "line too long"
BAD_RECV_HEADER = "bad recv header"
RECV_LENGTH_TOO_LARGE = "recv length too large"
RECV_DATA_NOT_TERMINATED = "recv data not terminated"
BAD_HEX_DIGIT = "bad hex digit"
ODD_HEX_LENGTH = "odd hex length"
TRUNCATED_RECV = "truncated recv"

RECV_PREFIX = b'+QIURC: "recv",'
DEFAULT_MAX_LINE = 4096
MIN_MAX_LINE = 256
MAX_MAX_LINE = 1 << 20     # as the C backend: a cap far above any URC (1400 bytes)
MAX_CONNECT_ID = FRAMING_IDS[-1]

Buffer = bytes | bytearray | memoryview
Token = tuple[Any, ...]  # the shapes in Tokenizer's docstring

_NUL, _LF, _CR, _SP, _QUOTE, _COMMA, _GT, _PLUS = 0, 10, 13, 32, 34, 44, 62, 43
_PLEN = len(RECV_PREFIX)
_IP_MAX = 45
_NUM_MAX = 65535

_EOL = re.compile(rb"[\r\n]")
_NULS = re.compile(rb"\x00*")

# states
(_START, _PROMPT, _LINE, _DISCARD, _HEADER, _DATA, _FRAMED, _FRAMED_END, _FRAMED_EOL,
 _UNFRAMED, _HDR_LF) = range(11)
# header sub-states (TOKENS.md grammar, before DATA)
_H_ID_SP, _H_ID, _H_AFTER_ID, _H_LEN, _H_ADDR_SP, _H_QIP, _H_QIP_END, _H_BIP, _H_PORT_SP, \
    _H_PORT = range(10)
_NUM_NEXT = {_H_ID_SP: _H_ID, _H_AFTER_ID: _H_LEN, _H_PORT_SP: _H_PORT}


class _State:
    """The tokenizer's state; the handler mixins add the transitions."""

    __slots__ = (
        "_buf",
        "_bufacc",
        "_handlers",
        "_held",
        "_hex",
        "_hs",
        "_id",
        "_ip",
        "_kind",
        "_module",
        "_nl",
        "_ipb",
        "_len",
        "_max",
        "_nd",
        "_need",
        "_num",
        "_pay",
        "_port",
        "_qclosed",
        "_quoted",
        "_show_ra",
        "_state",
        "_udp",
        "_uhex",
    )

    _hex: bool
    _show_ra: bool
    _udp: frozenset[int]
    _max: int
    _state: int
    _buf: bytearray       # the plain line, or the URC line up to DATA (its opening quote too)
    _pay: bytearray       # the payload so far
    _hs: int              # header sub-state
    _num: int             # the NUM being read, and its digit count
    _nd: int
    _id: int
    _len: int
    _ip: str | None
    _ipb: bytearray       # the IP being read
    _port: int
    _uhex: bool           # the data format latched for this URC
    _need: int            # framed payload bytes in all
    _quoted: bool
    _qclosed: bool
    _held: bool           # an unframed quoted payload's '"' waits for the next byte
    _module: str
    _nl: bool             # the bg96 profile: data after the header's line end
    _bufacc: frozenset[int]
    _kind: int            # the token a payload makes: T_RECV or T_READ

    if TYPE_CHECKING:
        # the transitions from one group's states into another's (defined by the mixins)
        def _whole_urc(self, data: bytes, pos: int, out: list[Token]) -> int: ...
        def _recv_begin(self, data: bytes, pos: int, out: list[Token]) -> int: ...
        def _nl_line(self, out: list[Token], line: bytes, byte: int, pos: int) -> int: ...
        def _data(self, data: bytes, pos: int, out: list[Token]) -> int: ...

    def _urc(self, tail: bytes = b"") -> bytes:
        """The URC line so far: header (opening quote included), payload, closing quote."""
        return bytes(self._buf) + bytes(self._pay) + (b'"' if self._qclosed else b"") + tail

    def _fail(self, out: list[Token], reason: str, raw: bytes, byte: int, pos: int) -> int:
        """An error found on *byte*: line start after a CR or LF, else DISCARD."""
        out.append((T_ERROR, reason, raw))
        self._state = _START if byte == _CR or byte == _LF else _DISCARD
        self._reset_recv()
        return pos

    def _reset_recv(self) -> None:
        self._kind = T_RECV
        self._buf = bytearray()
        self._pay = bytearray()
        self._held = self._quoted = self._qclosed = False

    def _emit(self, out: list[Token], pos: int, payload: bytes | None = None) -> int:
        """The line end after DATA has been read: emit the recv token (hex-decoded)."""
        if payload is None:
            pay = bytes(self._pay)
        else:   # the fast path kept the payload out of self._pay
            pay = payload
            self._pay = bytearray(payload) if self._uhex else self._pay
        if self._uhex:
            if len(pay) & 1:
                return self._fail(out, ODD_HEX_LENGTH, self._urc(), _CR, pos)
            try:
                pay = binascii.unhexlify(pay)
            except binascii.Error:
                return self._fail(out, BAD_HEX_DIGIT, self._urc(), _CR, pos)
        if self._kind == T_READ:
            out.append((T_READ, self._len, self._ip, self._port, pay))
        else:
            out.append((T_RECV, self._id, self._len, self._ip, self._port, pay, self._len >= 0))
        self._state = _START
        self._reset_recv()
        return pos
