"""The Python tokenizer's DATA states: TOKENS.md "Recv parsing", DATA.

A length-framed payload is one slice when it and its terminator are in the
chunk at hand, else it is gathered across feeds; an unframed payload runs to its
line end (a quoted one to ``"`` CR/LF). Hex is decoded by :func:`binascii.unhexlify`
in ``_State._emit``.
"""
from __future__ import annotations

import re

from ._pytok_state import (
    _CR,
    _DATA,
    _EOL,
    _FRAMED,
    _FRAMED_END,
    _FRAMED_EOL,
    _LF,
    _NULS,
    _QUOTE,
    _UNFRAMED,
    LINE_TOO_LONG,
    RECV_DATA_NOT_TERMINATED,
    Token,
    _State,
)

_QEOL = re.compile(rb'"[\r\n]')


class _PayloadStates(_State):
    __slots__ = ()

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
