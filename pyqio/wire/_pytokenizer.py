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

import binascii
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import InvalidArgument
from ..protocol import CONNECT_IDS, FRAMING_IDS, MODULES, T_ERROR, T_LINE, T_PROMPT, T_READ, T_RECV
from . import _nlheader

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

_NUL, _LF, _CR, _SP, _QUOTE, _COMMA, _GT = 0, 10, 13, 32, 34, 44, 62
_PLEN = len(RECV_PREFIX)
_DIGITS = frozenset(b"0123456789")
_IPCH = frozenset(b"0123456789abcdefABCDEF.:")
_IP_MAX = 45
_NUM_MAX = 65535

_EOL = re.compile(rb"[\r\n]")
_QEOL = re.compile(rb'"[\r\n]')
_SKIP = re.compile(rb"[\r\n\x00]*")
_NULS = re.compile(rb"\x00*")
# _NTH[k] matches up to and including the k-th non-NUL byte
_NTH = [re.compile(rb"(?:\x00*[^\x00]){%d}" % k) for k in range(_PLEN + 1)]
# Fast paths for a whole header in one chunk. Space runs are capped so that a
# header they accept stays far below MIN_MAX_LINE (the header cap never fires).
_IP = rb"[0-9A-Fa-f.:]{1,45}"
_HDR = re.compile(rb' {0,8}(\d{1,5}), {0,8}(?:"(' + _IP + rb')", {0,8}(\d{1,5}),|(\d{1,5}),)')
_HDR_WINDOW = 160     # more than the longest header those two regexes accept
_ADDR = re.compile(rb' {0,8}(?:"(' + _IP + rb')"|(' + _IP + rb')), {0,8}(\d{1,5}),')

# states
(_START, _PROMPT, _LINE, _DISCARD, _HEADER, _DATA, _FRAMED, _FRAMED_END, _FRAMED_EOL,
 _UNFRAMED, _HDR_LF) = range(11)
_PLUS = 43
# header sub-states (TOKENS.md grammar, before DATA)
_H_ID_SP, _H_ID, _H_AFTER_ID, _H_LEN, _H_ADDR_SP, _H_QIP, _H_QIP_END, _H_BIP, _H_PORT_SP, \
    _H_PORT = range(10)
_NUM_NEXT = {_H_ID_SP: _H_ID, _H_AFTER_ID: _H_LEN, _H_PORT_SP: _H_PORT}

Token = tuple[Any, ...]  # the shapes in the class docstring


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


class Tokenizer:
    """Frames the module's output into tokens (TOKENS.md); sans-I/O, chunking-independent.

    ``feed()`` returns a list of tuples: ``(T_LINE, line)``, ``(T_PROMPT,)``,
    ``(T_RECV, connect_id, length, ip, port, data, framed)``, ``(T_ERROR, reason, raw)``.
    """

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

    # -- helpers --------------------------------------------------------------

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

    # -- line level (TOKENS.md "Bytes outside a recv payload") -----------------

    def _start(self, data: bytes, pos: int, out: list[Token]) -> int:
        n = len(data)
        while True:     # whole lines and URCs in a row, without leaving this state
            pos = _SKIP.match(data, pos).end()  # type: ignore[union-attr]  # '*' always matches
            if pos == n:
                return pos
            if data[pos] == _GT:
                out.append((T_PROMPT,))
                self._state = _PROMPT
                return pos + 1
            if data.startswith(RECV_PREFIX, pos) and not self._nl:
                nxt = self._whole_urc(data, pos + _PLEN, out)
                if nxt >= 0:
                    pos = nxt
                    continue
                self._buf = bytearray(RECV_PREFIX)
                return self._recv_begin(data, pos + _PLEN, out)
            m = _EOL.search(data, pos)
            if m is None:
                break
            k = m.start()
            if k - pos >= self._max or data.find(b"\0", pos, k) >= 0:
                break
            if self._nl and data[pos] == _PLUS:
                pos = self._nl_line(out, data[pos:k], data[k], k + 1)
                if self._state != _START:
                    return pos
                continue
            out.append((T_LINE, data[pos:k]))   # the common case: one slice
            pos = k + 1
        self._state = _LINE
        return pos

    def _whole_urc(self, data: bytes, pos: int, out: list[Token]) -> int:
        """A valid length-framed URC wholly in *data* from *pos* (after the prefix), in one go.

        Returns the position after its line end, or -1 to leave it to the state
        machine (split, unframed, NULs, long space runs, or any error to report).
        """
        m = _HDR.match(data, pos)
        if m is None or m[4] is None:
            return -1
        hexm = self._hex
        cid, length = int(m[1]), int(m[4])
        need = length * 2 if hexm else length
        if need > self._max or cid > _NUM_MAX or length > _NUM_MAX:
            return -1
        end = m.end()
        ip, port = None, -1
        if self._show_ra or cid in self._udp:
            a = _ADDR.match(data, end)
            if a is None or int(a[3]) > _NUM_MAX:
                return -1
            ip, port, end = (a[1] or a[2]).decode("ascii"), int(a[3]), a.end()
        n = len(data)
        if end < n and data[end] == _QUOTE:
            stop = end + 1 + need
            if stop + 1 >= n or data[stop] != _QUOTE or data[stop + 1] not in (_CR, _LF):
                return -1
            payload, nxt = data[end + 1:stop], stop + 2
        else:
            stop = end + need
            if stop >= n or data[stop] not in (_CR, _LF):
                return -1
            payload, nxt = data[end:stop], stop + 1
        if hexm:
            try:
                payload = binascii.unhexlify(payload)
            except binascii.Error:
                return -1
        out.append((T_RECV, cid, length, ip, port, payload, True))
        return nxt

    def _prompt(self, data: bytes, pos: int, out: list[Token]) -> int:
        pos = _NULS.match(data, pos).end()  # type: ignore[union-attr]  # '*' always matches
        if pos < len(data):
            if data[pos] == _SP:
                pos += 1
            self._state = _START
        return pos

    def _line(self, data: bytes, pos: int, out: list[Token]) -> int:
        m = _EOL.search(data, pos)
        k = m.start() if m is not None else len(data)
        buf = self._buf
        if len(buf) < _PLEN and not self._nl:
            # the line may still become exactly the recv prefix
            mm = _NTH[_PLEN - len(buf)].match(data, pos, k)
            end = mm.end() if mm is not None else k
            buf += data[pos:end].replace(b"\0", b"")
            pos = end
            if buf == RECV_PREFIX:
                return self._recv_begin(data, pos, out)
        seg = data[pos:k]
        if b"\0" in seg:
            seg = seg.replace(b"\0", b"")
        buf += seg
        if len(buf) >= self._max:
            out.append((T_ERROR, LINE_TOO_LONG, bytes(buf[:self._max])))
            self._buf = bytearray()
            if m is None:
                self._state = _DISCARD
                return k
            self._state = _START
            return k + 1
        if m is None:
            return k
        self._buf = bytearray()
        self._state = _START
        if buf:
            if self._nl and buf[0] == _PLUS:
                return self._nl_line(out, bytes(buf), data[k], k + 1)
            out.append((T_LINE, bytes(buf)))
        return k + 1

    # -- the bg96 profile (TOKENS.md "The bg96 profile") -----------------------------

    def _nl_line(self, out: list[Token], line: bytes, byte: int, pos: int) -> int:
        """A line ended on *byte* (CR or LF): a framing header starts its data, else the
        line is a token (or a ``bad recv header``). As nl_line() in tokenizer.c."""
        head = _nlheader.parse(line, self._bufacc)
        if head == _nlheader.LINE:
            out.append((T_LINE, line))
            return pos
        if not isinstance(head, tuple):
            return self._fail(out, BAD_RECV_HEADER, line, byte, pos)
        self._kind, self._id, self._len, self._ip, self._port = head
        self._uhex = self._hex
        self._need = self._len * 2 if self._uhex else self._len
        if self._need > self._max:
            return self._fail(out, RECV_LENGTH_TOO_LARGE, line, byte, pos)
        self._buf = bytearray(line)
        self._pay = bytearray()
        if not self._need:
            return self._emit(out, pos, b"")
        self._state = _HDR_LF if byte == _CR else _FRAMED
        return pos

    def _hdr_lf(self, data: bytes, pos: int, out: list[Token]) -> int:
        """After a header's CR: its LF, or (CR alone) the first data byte."""
        self._state = _FRAMED
        return pos + 1 if data[pos] == _LF else pos

    def _discard(self, data: bytes, pos: int, out: list[Token]) -> int:
        m = _EOL.search(data, pos)
        if m is None:
            return len(data)
        self._state = _START
        return m.end()

    # -- recv header (TOKENS.md "Recv parsing") ------------------------------------

    def _recv_begin(self, data: bytes, pos: int, out: list[Token]) -> int:
        """The prefix has just been read (self._buf holds it); *pos* is the header's start."""
        self._uhex = self._hex
        self._len = self._port = -1
        self._ip = None
        self._quoted = self._qclosed = self._held = False
        self._hs = _H_ID_SP
        self._state = _HEADER
        end = self._header_fast(data, pos)
        return pos if end < 0 else self._data(data, end, out)

    def _header_fast(self, data: bytes, pos: int) -> int:
        """Read a whole, valid header at *pos* with one regex match and return where it
        ends; -1 leaves it to the byte machine (which then gives the same result)."""
        m = _HDR.match(data, pos)
        if m is None:
            return -1
        cid = int(m[1])
        if m[4] is None:
            length, ip, port, end = -1, m[2], int(m[3]), m.end()
        else:
            length = int(m[4])
            if length * (2 if self._uhex else 1) > self._max:
                return -1   # the byte machine reports it, raw and all
            if self._show_ra or cid in self._udp:
                a = _ADDR.match(data, m.end())
                if a is None:
                    return -1
                ip, port, end = a[1] or a[2], int(a[3]), a.end()
            else:
                ip, port, end = None, -1, m.end()
        if cid > _NUM_MAX or length > _NUM_MAX or port > _NUM_MAX:
            return -1
        self._id, self._len, self._port = cid, length, port
        self._ip = None if ip is None else ip.decode("ascii")
        self._buf += data[pos:end]
        return end

    def _rejoin(self, data: bytes, pos: int) -> int:
        """A header split across feeds: match the part held and the new bytes together.

        Only while no setting has yet been applied to it (before the length comma,
        or in the no-length form), so the result is the byte machine's. Returns the
        end of the header in *data*, or -1.
        """
        held = bytes(self._buf[_PLEN:])
        joined = held + data[pos:pos + _HDR_WINDOW]
        end = self._header_fast(joined, 0)    # appends joined[:end] to self._buf on success
        if end < 0:
            return -1
        del self._buf[_PLEN:_PLEN + len(held)]
        return pos + end - len(held)

    def _header(self, data: bytes, pos: int, out: list[Token]) -> int:
        if self._hs <= _H_LEN or self._len < 0:
            end = self._rejoin(data, pos)
            if end >= 0:
                return self._data(data, end, out)
        n, buf, hs = len(data), self._buf, self._hs
        while pos < n:
            b = data[pos]
            pos += 1
            if b == _NUL:
                continue
            hs = self._header_step(hs, b)
            if hs == -1:
                raw = bytes(buf) if b == _CR or b == _LF else bytes(buf) + bytes((b,))
                return self._fail(out, BAD_RECV_HEADER, raw, b, pos)
            buf.append(b)
            if hs == _H_LEN and b == _COMMA:
                self._len = self._num
                if self._num * (2 if self._uhex else 1) > self._max:
                    return self._fail(out, RECV_LENGTH_TOO_LARGE, bytes(buf), b, pos)
                if not (self._show_ra or self._id in self._udp):
                    hs = -2     # DATA follows the length
                else:
                    hs = _H_ADDR_SP
            if len(buf) >= self._max:
                return self._fail(out, LINE_TOO_LONG, bytes(buf[:self._max]), b, pos)
            if hs == -2:
                self._state = _DATA
                return pos
        self._hs = hs
        return pos

    def _header_step(self, hs: int, b: int) -> int:
        """The next header sub-state after byte *b*: -1 is an error, -2 "DATA follows".

        A comma after the length returns _H_LEN (the caller checks the length first).
        """
        if hs in (_H_ID, _H_LEN, _H_PORT):
            if b in _DIGITS:
                self._num = self._num * 10 + b - 48
                self._nd += 1
                return hs if self._nd <= 5 and self._num <= _NUM_MAX else -1
            if b != _COMMA:
                return -1
            if hs == _H_ID:
                self._id = self._num
                return _H_AFTER_ID
            if hs == _H_PORT:
                self._port = self._num
                return -2
            return _H_LEN
        if hs == _H_QIP or hs == _H_BIP:
            ip = self._ipb
            if b in _IPCH:
                if len(ip) == _IP_MAX:
                    return -1
                ip.append(b)
                return hs
            if hs == _H_QIP:
                return _H_QIP_END if b == _QUOTE and ip else -1
            return self._ip_done(_H_PORT_SP) if b == _COMMA else -1
        if hs == _H_QIP_END:
            return self._ip_done(_H_PORT_SP) if b == _COMMA else -1
        # the space-skipping states: _H_ID_SP, _H_AFTER_ID, _H_ADDR_SP, _H_PORT_SP
        if b == _SP:
            return hs
        if b in _DIGITS and hs != _H_ADDR_SP:
            self._num, self._nd = b - 48, 1
            return _NUM_NEXT[hs]
        if b == _QUOTE and (hs == _H_AFTER_ID or hs == _H_ADDR_SP):
            self._ipb = bytearray()
            return _H_QIP
        if b in _IPCH and hs == _H_ADDR_SP:
            self._ipb = bytearray((b,))
            return _H_BIP
        return -1

    def _ip_done(self, hs: int) -> int:
        self._ip = self._ipb.decode("ascii")
        return hs

    # -- DATA --------------------------------------------------------------------------

    def _data(self, data: bytes, pos: int, out: list[Token]) -> int:
        """DATA's first byte: an opening quote, or the first payload byte (not consumed)."""
        if pos == len(data):
            self._state = _DATA
            return pos
        if data[pos] == _QUOTE:
            self._quoted = True
            self._buf.append(_QUOTE)
            pos += 1
        if self._len < 0:
            self._state = _UNFRAMED
            return pos
        need = self._len * 2 if self._uhex else self._len
        self._need = need
        end = pos + need
        # the common case: payload and terminator in this chunk
        if self._quoted:
            if end + 1 < len(data) and data[end] == _QUOTE and data[end + 1] in (_CR, _LF):
                self._qclosed = True
                return self._emit(out, end + 2, data[pos:end])
        elif end < len(data) and data[end] in (_CR, _LF):
            return self._emit(out, end + 1, data[pos:end])
        self._pay = bytearray()
        self._state = _FRAMED
        return pos

    def _framed(self, data: bytes, pos: int, out: list[Token]) -> int:
        pay = self._pay
        take = data[pos:pos + self._need - len(pay)]
        pay += take
        if len(pay) == self._need:
            self._state = _FRAMED_END if self._quoted else _FRAMED_EOL
        return pos + len(take)

    def _framed_end(self, data: bytes, pos: int, out: list[Token]) -> int:
        """After a quoted framed payload: its closing quote (NULs dropped)."""
        pos = _NULS.match(data, pos).end()  # type: ignore[union-attr]  # '*' always matches
        if pos == len(data):
            return pos
        b = data[pos]
        if b != _QUOTE:
            raw = self._urc() if b in (_CR, _LF) else self._urc(bytes((b,)))
            return self._fail(out, RECV_DATA_NOT_TERMINATED, raw, b, pos + 1)
        self._qclosed = True
        self._state = _FRAMED_EOL
        return pos + 1

    def _framed_eol(self, data: bytes, pos: int, out: list[Token]) -> int:
        pos = _NULS.match(data, pos).end()  # type: ignore[union-attr]  # '*' always matches
        if pos == len(data):
            return pos
        b = data[pos]
        if b == _CR or b == _LF:
            return self._emit(out, pos + 1)
        return self._fail(out, RECV_DATA_NOT_TERMINATED, self._urc(bytes((b,))), b, pos + 1)

    def _unframed(self, data: bytes, pos: int, out: list[Token]) -> int:
        if not self._quoted:
            m = _EOL.search(data, pos)
            if m is None:
                return self._pay_run(data, pos, len(data), out)
            pos = self._pay_run(data, pos, m.start(), out)
            return pos if self._state != _UNFRAMED else self._emit(out, pos + 1)
        if self._held:
            b = data[pos]
            self._held = False
            if b == _CR or b == _LF:
                self._qclosed = True
                return self._emit(out, pos + 1)
            self._pay.append(_QUOTE)    # the held quote was payload
            if len(self._pay) >= self._max:
                return self._too_long_payload(out, b, pos + 1)
        m = _QEOL.search(data, pos)
        if m is not None:
            pos = self._pay_run(data, pos, m.start(), out)
            if self._state != _UNFRAMED:
                return pos
            self._qclosed = True
            return self._emit(out, pos + 2)
        end = len(data)
        if data[end - 1] == _QUOTE:
            end -= 1
        pos = self._pay_run(data, pos, end, out)
        if self._state == _UNFRAMED and pos < len(data):
            self._held = True       # is this quote the end? the next byte says
            pos += 1
        return pos

    def _pay_run(self, data: bytes, pos: int, end: int, out: list[Token]) -> int:
        """Add data[pos:end] (all payload) to an unframed payload, minding the cap."""
        pay = self._pay
        room = self._max - len(pay)
        if end - pos < room:
            pay += data[pos:end]
            return end
        t = pos + room - 1      # the byte that makes the payload max_line long
        pay += data[pos:t + 1]
        return self._too_long_payload(out, data[t], t + 1)

    def _too_long_payload(self, out: list[Token], byte: int, pos: int) -> int:
        raw = (bytes(self._buf) + bytes(self._pay))[:self._max]
        return self._fail(out, LINE_TOO_LONG, raw, byte, pos)

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
