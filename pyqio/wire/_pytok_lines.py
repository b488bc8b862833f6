"""The Python tokenizer's line-level states: TOKENS.md "Bytes outside a recv payload".

Plain lines are cut with a compiled regex and slicing, many in a row without
leaving :meth:`_LineStates._start`; the ``>`` prompt, NULs, the line cap, and the
hand-over to the recv header states (``_pytok_recv``) when a line turns out to be a
recv URC's prefix, or (``bg96`` profile) a framing header at its line end.
"""
from __future__ import annotations

import re

from ..protocol import T_ERROR, T_LINE, T_PROMPT
from ._pytok_state import (
    _DISCARD,
    _EOL,
    _GT,
    _LINE,
    _NULS,
    _PLEN,
    _PLUS,
    _PROMPT,
    _SP,
    _START,
    LINE_TOO_LONG,
    RECV_PREFIX,
    Token,
    _State,
)

_SKIP = re.compile(rb"[\r\n\x00]*")
# _NTH[k] matches up to and including the k-th non-NUL byte
_NTH = [re.compile(rb"(?:\x00*[^\x00]){%d}" % k) for k in range(_PLEN + 1)]


class _LineStates(_State):
    __slots__ = ()

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

    def _discard(self, data: bytes, pos: int, out: list[Token]) -> int:
        m = _EOL.search(data, pos)
        if m is None:
            return len(data)
        self._state = _START
        return m.end()
