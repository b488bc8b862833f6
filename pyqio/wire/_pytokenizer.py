"""The pure-Python tokenizer: the twin of ``csrc/tokenizer.c`` and the fallback backend.

It implements ``csrc/TOKENS.md`` byte for byte: lines, the ``>`` prompt, and
``+QIURC: "recv"`` URCs framed by their length field (note 2.4.2), with the same
tokens however the input is cut into :meth:`Tokenizer.feed` calls.

Speed comes from doing the per-byte work in C inside the standard library:
plain lines are cut with a compiled regex and slicing, a recv header that sits
whole in one chunk is read by one regex match, a framed payload is one slice,
and hex is decoded by :func:`binascii.unhexlify`. The byte-by-byte state
machine runs only for a header split across feeds (or holding NULs, runs of
spaces, or a mistake); every fast path stands in for it only where it gives the
same result.

Where TOKENS.md leaves a choice open, this module (and the C core) read it so:

- NULs are invisible outside a payload: ``>`` NUL space is ``> `` (one prompt).
- The byte right after the comma before DATA is DATA's first byte: ``"`` opens a
  quoted payload; any other byte, NUL included, is the first payload byte (for
  a framed length of 0 it is read where the terminator belongs, so a NUL there
  is dropped). In an unframed payload every byte, NUL included, is payload.
- In a quoted unframed payload CR and LF are payload bytes; only ``"`` followed
  by CR or LF ends it.
- A line, a header or an unframed payload "reaches max_line" when the byte just
  stored makes it max_line long: the error is emitted at once, so the longest
  plain line is ``max_line - 1`` bytes.
- Spaces make a recv header unbounded, so the header obeys the line cap too:
  when a stored header byte (the comma before DATA included) makes the URC line
  ``max_line`` long, the error is ``line too long`` with those bytes. The
  ``recv length too large`` check at the length comma comes first.
- An unframed payload that reaches max_line on a CR or LF byte (quoted form)
  leaves the tokenizer at line start, as any error found on a CR or LF.
- A held ``"`` that turns out to be payload counts when the byte after it is
  read; so does the cap check.
- ``odd hex length`` is checked before ``bad hex digit``.
- The data format (``hex``) is latched when the prefix is recognised; "address
  expected" is decided at the comma after the length, with the settings then.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..errors import InvalidArgument
from ..protocol import CONNECT_IDS, MODULES, T_ERROR, T_LINE, T_PROMPT, T_READ, T_RECV
from ._pytok_lines import _LineStates
from ._pytok_payload import _PayloadStates
from ._pytok_recv import _RecvStates
from ._pytok_state import (
    _HEADER,
    _LINE,
    _START,
    BAD_HEX_DIGIT,
    BAD_RECV_HEADER,
    DEFAULT_MAX_LINE,
    LINE_TOO_LONG,
    MAX_CONNECT_ID,
    MAX_MAX_LINE,
    MIN_MAX_LINE,
    ODD_HEX_LENGTH,
    RECV_DATA_NOT_TERMINATED,
    RECV_LENGTH_TOO_LARGE,
    RECV_PREFIX,
    TRUNCATED_RECV,
    Buffer,
    Token,
)

__all__ = [
    "BAD_HEX_DIGIT",
    "BAD_RECV_HEADER",
    "DEFAULT_MAX_LINE",
    "LINE_TOO_LONG",
    "MAX_MAX_LINE",
    "MIN_MAX_LINE",
    "ODD_HEX_LENGTH",
    "RECV_DATA_NOT_TERMINATED",
    "RECV_LENGTH_TOO_LARGE",
    "RECV_PREFIX",
    "TRUNCATED_RECV",
    "T_ERROR",
    "T_LINE",
    "T_PROMPT",
    "T_READ",
    "T_RECV",
    "Tokenizer",
]


def _check_ids(ids: Iterable[int], name: str) -> frozenset[int]:
    """A set of connect ids 0-31 (the C masks' width), checked."""
    try:
        ids = frozenset(ids)
    except TypeError:
        raise InvalidArgument(f"{name}={ids!r}: an iterable of connect ids "
                              f"0-{MAX_CONNECT_ID} is required") from None
    for i in ids:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i <= MAX_CONNECT_ID:
            raise InvalidArgument(f"{name}: connect id {i!r} is out of range 0-{MAX_CONNECT_ID}")
    return ids


class Tokenizer(_LineStates, _RecvStates, _PayloadStates):
    """Frames the module's output into tokens (TOKENS.md); sans-I/O, chunking-independent.

    ``feed()`` returns a list of tuples: ``(T_LINE, line)``, ``(T_PROMPT,)``,
    ``(T_RECV, connect_id, length, ip, port, data, framed)``, ``(T_ERROR, reason, raw)``.
    """

    __slots__ = ()

    def __init__(self, hex: bool = False, show_ra: bool = False,
                 udp_service: Iterable[int] = (), max_line: int = DEFAULT_MAX_LINE,
                 module: str = "bc660k") -> None:
        if module not in MODULES:
            raise InvalidArgument(
                f"module={module!r}: allowed values are {', '.join(map(repr, MODULES))}")
        self._module = module
        self._nl = module == "bg96"
        self._bufacc = frozenset()
        if (isinstance(max_line, bool) or not isinstance(max_line, int)
                or not MIN_MAX_LINE <= max_line <= MAX_MAX_LINE):
            raise InvalidArgument(f"max_line={max_line!r} is out of range: an int from "
                                  f"{MIN_MAX_LINE} to {MAX_MAX_LINE} is required")
        self._max = max_line
        self.hex = hex
        self.show_ra = show_ra
        self.udp_service = udp_service
        self._handlers = (self._start, self._prompt, self._line, self._discard, self._header,
                          self._data, self._framed, self._framed_end, self._framed_eol,
                          self._unframed, self._hdr_lf)
        self.reset()

    # -- settings -----------------------------------------------------------

    @property
    def hex(self) -> bool:
        """Recv data is hex (``AT+QICFG="dataformat",x,1``, note 2.3.9)."""
        return self._hex

    @hex.setter
    def hex(self, value: bool) -> None:
        self._hex = bool(value)

    @property
    def show_ra(self) -> bool:
        """Every recv URC carries the sender's address (``AT+QICFG="showRA",1``, 2.3.9)."""
        return self._show_ra

    @show_ra.setter
    def show_ra(self, value: bool) -> None:
        self._show_ra = bool(value)

    @property
    def udp_service(self) -> frozenset[int]:
        """Connect ids (0-31) of UDP SERVICE sockets, whose recv URCs carry an address (2.4.2)."""
        return self._udp

    @udp_service.setter
    def udp_service(self, ids: Iterable[int]) -> None:
        self._udp = _check_ids(ids, "udp_service")

    @property
    def module(self) -> str:
        """The module profile (``pyqio.protocol.MODULES``), fixed at construction."""
        return self._module

    @property
    def buffer_access(self) -> frozenset[int]:
        """``bg96``: connect ids whose ``+QIURC: "recv",<id>,<len>`` is a notice."""
        return self._bufacc

    @buffer_access.setter
    def buffer_access(self, ids: Iterable[int]) -> None:
        self._bufacc = _check_ids(ids, "buffer_access")

    @property
    def max_line(self) -> int:
        """The memory cap fixed at construction."""
        return self._max

    # -- API ----------------------------------------------------------------

    def feed(self, data: Buffer) -> list[Token]:
        """Tokenize *data*; return the tokens it completes."""
        if type(data) is not bytes:
            data = bytes(data)
        out: list[Token] = []
        pos, n, handlers = 0, len(data), self._handlers
        while pos < n:
            pos = handlers[self._state](data, pos, out)
        return out

    def feed_demux(self, data: Buffer, buffers: Sequence[bytearray | None]) -> list[Token]:
        """As :meth:`feed`, but a recv payload whose ``buffers[connect_id]`` is a bytearray
        is appended there (in order) instead of being returned."""
        if len(buffers) < 5:
            raise InvalidArgument(
                f"buffers has {len(buffers)} entries: at least {len(CONNECT_IDS)} (connect ids "
                f"{CONNECT_IDS[0]}-{CONNECT_IDS[-1]}) are required")
        for i, b in enumerate(buffers):
            if b is not None and not isinstance(b, bytearray):
                raise InvalidArgument(
                    f"buffers[{i}] is a {type(b).__name__}: a bytearray or None is required")
        out: list[Token] = []
        nb = len(buffers)
        for tok in self.feed(data):
            if tok[0] == T_RECV and tok[1] < nb:
                target = buffers[tok[1]]
                if target is not None:
                    target += tok[5]    # in place: buffers may be a tuple
                    continue
            out.append(tok)
        return out

    def finish(self) -> list[Token]:
        """End of stream: a partial line becomes ``T_LINE``, a partial recv URC
        ``truncated recv``; then reset."""
        state, out = self._state, []  # type: int, list[Token]
        if state == _LINE and self._buf:
            out.append((T_LINE, bytes(self._buf)))
        elif state >= _HEADER:
            out.append((T_ERROR, TRUNCATED_RECV, self._urc(b'"' if self._held else b"")))
        self.reset()
        return out

    def reset(self) -> None:
        """Forget partial input; keep the settings."""
        self._state = _START
        self._reset_recv()

    def _buffered(self) -> int:
        """Bytes held for partial input (for the memory-bound tests)."""
        return len(self._buf) + len(self._pay)
