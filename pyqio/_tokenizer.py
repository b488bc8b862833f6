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
from typing import Iterable, Optional, Sequence, Union

from .errors import InvalidArgument

__all__ = [
    "Tokenizer", "T_LINE", "T_PROMPT", "T_RECV", "T_ERROR",
    "LINE_TOO_LONG", "BAD_RECV_HEADER", "RECV_LENGTH_TOO_LARGE",
    "RECV_DATA_NOT_TERMINATED", "BAD_HEX_DIGIT", "ODD_HEX_LENGTH", "TRUNCATED_RECV",
    "RECV_PREFIX", "DEFAULT_MAX_LINE", "MIN_MAX_LINE",
]

T_LINE = 0
T_PROMPT = 1
T_RECV = 2
T_ERROR = 3

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
MAX_CONNECT_ID = 31

Buffer = Union[bytes, bytearray, memoryview]

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
_NTH = [None] + [re.compile(rb"(?:\x00*[^\x00]){%d}" % k) for k in range(1, _PLEN + 1)]
# Fast paths for a whole header in one chunk. Space runs are capped so that a
# header they accept stays far below MIN_MAX_LINE (the header cap never fires).
_IP = rb"[0-9A-Fa-f.:]{1,45}"
_HDR = re.compile(rb' {0,8}(\d{1,5}), {0,8}(?:"(' + _IP + rb')", {0,8}(\d{1,5}),|(\d{1,5}),)')
_ADDR = re.compile(rb' {0,8}(?:"(' + _IP + rb')"|(' + _IP + rb')), {0,8}(\d{1,5}),')

# states
(_START, _PROMPT, _LINE, _DISCARD, _HEADER, _DATA, _FRAMED, _FRAMED_END, _FRAMED_EOL,
 _UNFRAMED) = range(10)
# header sub-states (TOKENS.md grammar, before DATA)
_H_ID_SP, _H_ID, _H_AFTER_ID, _H_LEN, _H_ADDR_SP, _H_QIP, _H_QIP_END, _H_BIP, _H_PORT_SP, \
    _H_PORT = range(10)
_NUM_NEXT = {_H_ID_SP: _H_ID, _H_AFTER_ID: _H_LEN, _H_PORT_SP: _H_PORT}

Token = tuple


class Tokenizer:
    """Frames the module's output into tokens (TOKENS.md); sans-I/O, chunking-independent.

    ``feed()`` returns a list of tuples: ``(T_LINE, line)``, ``(T_PROMPT,)``,
    ``(T_RECV, connect_id, length, ip, port, data, framed)``, ``(T_ERROR, reason, raw)``.
    """

    __slots__ = (
        "_hex", "_show_ra", "_udp", "_max", "_state", "_buf", "_hs", "_num", "_nd",
        "_id", "_len", "_ip", "_port", "_uhex", "_need", "_quoted", "_qclosed",
        "_held", "_pay", "_handlers", "_hdr_end",
    )

    def __init__(self, hex: bool = False, show_ra: bool = False,
                 udp_service: Iterable[int] = (), max_line: int = DEFAULT_MAX_LINE) -> None:
        if isinstance(max_line, bool) or not isinstance(max_line, int) or max_line < MIN_MAX_LINE:
            raise InvalidArgument(
                f"max_line={max_line!r} is out of range: an int >= {MIN_MAX_LINE} is required")
        self._max = max_line
        self.hex = hex
        self.show_ra = show_ra
        self.udp_service = udp_service
        self._handlers = (self._start, self._prompt, self._line, self._discard, self._header,
                          self._data, self._framed, self._framed_end, self._framed_eol,
                          self._unframed)
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
    def udp_service(self) -> frozenset:
        """Connect ids (0-31) of UDP SERVICE sockets, whose recv URCs carry an address (2.4.2)."""
        return self._udp

    @udp_service.setter
    def udp_service(self, ids: Iterable[int]) -> None:
        ids = frozenset(ids)
        for i in ids:
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i <= MAX_CONNECT_ID:
                raise InvalidArgument(
                    f"udp_service: connect id {i!r} is out of range 0-{MAX_CONNECT_ID}")
        self._udp = ids

    @property
    def max_line(self) -> int:
        """The memory cap fixed at construction."""
        return self._max

    # -- API ----------------------------------------------------------------

    def feed(self, data: Buffer) -> list:
        """Tokenize *data*; return the tokens it completes."""
        if type(data) is not bytes:
            data = bytes(data)
        out: list = []
        pos, n, handlers = 0, len(data), self._handlers
        while pos < n:
            pos = handlers[self._state](data, pos, out)
        return out

    def feed_demux(self, data: Buffer, buffers: Sequence[Optional[bytearray]]) -> list:
        """As :meth:`feed`, but a recv payload whose ``buffers[connect_id]`` is a bytearray
        is appended there (in order) instead of being returned."""
        if len(buffers) < 5:
            raise InvalidArgument(
                f"buffers has {len(buffers)} entries: at least 5 (connect ids 0-4) are required")
        for i, b in enumerate(buffers):
            if b is not None and not isinstance(b, bytearray):
                raise InvalidArgument(
                    f"buffers[{i}] is a {type(b).__name__}: a bytearray or None is required")
        out = []
        nb = len(buffers)
        for tok in self.feed(data):
            if tok[0] == T_RECV and tok[1] < nb and buffers[tok[1]] is not None:
                buffers[tok[1]] += tok[5]
            else:
                out.append(tok)
        return out

    def finish(self) -> list:
        """End of stream: a partial line becomes ``T_LINE``, a partial recv URC
        ``truncated recv``; then reset."""
        state, out = self._state, []
        if state == _LINE and self._buf:
            out.append((T_LINE, bytes(self._buf)))
        elif state >= _HEADER:
            out.append((T_ERROR, TRUNCATED_RECV, self._urc(b'"' if self._held else b"")))
        self.reset()
        return out

    def reset(self) -> None:
        """Forget partial input; keep the settings."""
        self._state = _START
        self._buf = bytearray()     # the plain line, or the URC line up to DATA
        self._pay = bytearray()     # the payload so far
        self._held = self._quoted = self._qclosed = False

    def _buffered(self) -> int:
        """Bytes held for partial input (for the memory-bound tests)."""
        return len(self._buf) + len(self._pay)

    # -- helpers --------------------------------------------------------------

    def _urc(self, tail: bytes = b"") -> bytes:
        """The URC line so far: header (opening quote included), payload, closing quote."""
        return bytes(self._buf) + bytes(self._pay) + (b'"' if self._qclosed else b"") + tail

    def _fail(self, out: list, reason: str, raw: bytes, byte: int, pos: int) -> int:
        """An error found on *byte*: line start after a CR or LF, else DISCARD."""
        out.append((T_ERROR, reason, raw))
        self._state = _START if byte == _CR or byte == _LF else _DISCARD
        self.reset_recv()
        return pos

    def reset_recv(self) -> None:
        self._buf = bytearray()
        self._pay = bytearray()
        self._held = self._quoted = self._qclosed = False

    # -- line level (TOKENS.md "Bytes outside a recv payload") -----------------

    def _start(self, data: bytes, pos: int, out: list) -> int:
        pos = _SKIP.match(data, pos).end()
        if pos == len(data):
            return pos
        if data[pos] == _GT:
            out.append((T_PROMPT,))
            self._state = _PROMPT
            return pos + 1
        if data.startswith(RECV_PREFIX, pos):
            self._buf = bytearray(RECV_PREFIX)
            return self._recv_begin(data, pos + _PLEN, out)
        m = _EOL.search(data, pos)
        if m is not None:
            k = m.start()
            if k - pos < self._max and data.find(b"\0", pos, k) < 0:
                out.append((T_LINE, data[pos:k]))   # the common case: one slice
                return k + 1
        self._state = _LINE
        return pos

    def _prompt(self, data: bytes, pos: int, out: list) -> int:
        pos = _NULS.match(data, pos).end()
        if pos < len(data):
            if data[pos] == _SP:
                pos += 1
            self._state = _START
        return pos

    def _line(self, data: bytes, pos: int, out: list) -> int:
        m = _EOL.search(data, pos)
        k = m.start() if m is not None else len(data)
        buf = self._buf
        if len(buf) < _PLEN:
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
        if buf:
            out.append((T_LINE, bytes(buf)))
        self._buf = bytearray()
        self._state = _START
        return k + 1

    def _discard(self, data: bytes, pos: int, out: list) -> int:
        m = _EOL.search(data, pos)
        if m is None:
            return len(data)
        self._state = _START
        return m.end()

    # -- recv header (TOKENS.md "Recv parsing") ------------------------------------

    def _recv_begin(self, data: bytes, pos: int, out: list) -> int:
        """The prefix has just been read (self._buf holds it); *pos* is the header's start."""
        self._uhex = self._hex
        self._len = self._port = -1
        self._ip = None
        self._quoted = self._qclosed = self._held = False
        m = _HDR.match(data, pos)
        if m is not None and self._header_fast(data, pos, m):
            return self._data(data, self._hdr_end, out)
        self._hs = _H_ID_SP
        self._state = _HEADER
        return pos

    def _header_fast(self, data: bytes, pos: int, m: "re.Match[bytes]") -> bool:
        """Take a whole, valid header from one regex match; False leaves it to the byte machine."""
        cid = int(m[1])
        if m[4] is None:
            length, ip, port, end = -1, m[2], int(m[3]), m.end()
        else:
            length = int(m[4])
            if length * (2 if self._uhex else 1) > self._max:
                return False    # the byte machine reports it, raw and all
            if self._show_ra or cid in self._udp:
                a = _ADDR.match(data, m.end())
                if a is None:
                    return False
                ip, port, end = a[1] or a[2], int(a[3]), a.end()
            else:
                ip, port, end = None, -1, m.end()
        if cid > _NUM_MAX or length > _NUM_MAX or port > _NUM_MAX:
            return False
        self._id, self._len, self._port = cid, length, port
        self._ip = None if ip is None else ip.decode("ascii")
        self._buf += data[pos:end]
        self._hdr_end = end
        return True

    def _header(self, data: bytes, pos: int, out: list) -> int:
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
            ip = self._ip
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
            self._ip = bytearray()
            return _H_QIP
        if b in _IPCH and hs == _H_ADDR_SP:
            self._ip = bytearray((b,))
            return _H_BIP
        return -1

    def _ip_done(self, hs: int) -> int:
        self._ip = self._ip.decode("ascii")
        return hs

    # -- DATA --------------------------------------------------------------------------

    def _data(self, data: bytes, pos: int, out: list) -> int:
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
                self._pay = data[pos:end]
                self._qclosed = True
                return self._emit(out, end + 2)
        elif end < len(data) and data[end] in (_CR, _LF):
            self._pay = data[pos:end]
            return self._emit(out, end + 1)
        self._pay = bytearray()
        self._state = _FRAMED
        return pos

    def _framed(self, data: bytes, pos: int, out: list) -> int:
        pay = self._pay
        take = data[pos:pos + self._need - len(pay)]
        pay += take
        if len(pay) == self._need:
            self._state = _FRAMED_END if self._quoted else _FRAMED_EOL
        return pos + len(take)

    def _framed_end(self, data: bytes, pos: int, out: list) -> int:
        """After a quoted framed payload: its closing quote (NULs dropped)."""
        pos = _NULS.match(data, pos).end()
        if pos == len(data):
            return pos
        b = data[pos]
        if b != _QUOTE:
            raw = self._urc() if b in (_CR, _LF) else self._urc(bytes((b,)))
            return self._fail(out, RECV_DATA_NOT_TERMINATED, raw, b, pos + 1)
        self._qclosed = True
        self._state = _FRAMED_EOL
        return pos + 1

    def _framed_eol(self, data: bytes, pos: int, out: list) -> int:
        pos = _NULS.match(data, pos).end()
        if pos == len(data):
            return pos
        b = data[pos]
        if b == _CR or b == _LF:
            return self._emit(out, pos + 1)
        return self._fail(out, RECV_DATA_NOT_TERMINATED, self._urc(bytes((b,))), b, pos + 1)

    def _unframed(self, data: bytes, pos: int, out: list) -> int:
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

    def _pay_run(self, data: bytes, pos: int, end: int, out: list) -> int:
        """Add data[pos:end] (all payload) to an unframed payload, minding the cap."""
        pay = self._pay
        room = self._max - len(pay)
        if end - pos < room:
            pay += data[pos:end]
            return end
        t = pos + room - 1      # the byte that makes the payload max_line long
        pay += data[pos:t + 1]
        return self._too_long_payload(out, data[t], t + 1)

    def _too_long_payload(self, out: list, byte: int, pos: int) -> int:
        raw = (bytes(self._buf) + bytes(self._pay))[:self._max]
        return self._fail(out, LINE_TOO_LONG, raw, byte, pos)

    def _emit(self, out: list, pos: int) -> int:
        """The line end after DATA has been read: emit the recv token (hex-decoded)."""
        pay = bytes(self._pay)
        if self._uhex:
            if len(pay) & 1:
                return self._fail(out, ODD_HEX_LENGTH, self._urc(), _CR, pos)
            try:
                pay = binascii.unhexlify(pay)
            except binascii.Error:
                return self._fail(out, BAD_HEX_DIGIT, self._urc(), _CR, pos)
        out.append((T_RECV, self._id, self._len, self._ip, self._port, pay, self._len >= 0))
        self._state = _START
        self.reset_recv()
        return pos
