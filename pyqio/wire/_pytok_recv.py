"""The Python tokenizer's recv header states: TOKENS.md "Recv parsing", before DATA.

A header that sits whole in one chunk is read by one regex match
(:meth:`_RecvStates._whole_urc` takes a whole length-framed URC, payload and all, in
one go); the byte-by-byte machine (``_header``/``_header_step``) runs only for a
header split across feeds, holding NULs or runs of spaces, or in error. The
``bg96`` profile's headers, whole lines, are read at their line end (``_nl_line``).
"""
from __future__ import annotations

import binascii
import re

from ..protocol import T_LINE, T_RECV
from . import _nlheader
from ._pytok_state import (
    _COMMA,
    _CR,
    _DATA,
    _FRAMED,
    _H_ADDR_SP,
    _H_AFTER_ID,
    _H_BIP,
    _H_ID,
    _H_ID_SP,
    _H_LEN,
    _H_PORT,
    _H_PORT_SP,
    _H_QIP,
    _H_QIP_END,
    _HDR_LF,
    _HEADER,
    _IP_MAX,
    _LF,
    _NUL,
    _NUM_MAX,
    _NUM_NEXT,
    _PLEN,
    _QUOTE,
    _SP,
    BAD_RECV_HEADER,
    LINE_TOO_LONG,
    RECV_LENGTH_TOO_LARGE,
    Token,
    _State,
)

_DIGITS = frozenset(b"0123456789")
_IPCH = frozenset(b"0123456789abcdefABCDEF.:")
# Fast paths for a whole header in one chunk. Space runs are capped so that a
# header they accept stays far below MIN_MAX_LINE (the header cap never fires).
_IP = rb"[0-9A-Fa-f.:]{1,45}"
_HDR = re.compile(rb' {0,8}(\d{1,5}), {0,8}(?:"(' + _IP + rb')", {0,8}(\d{1,5}),|(\d{1,5}),)')
_HDR_WINDOW = 160     # more than the longest header those two regexes accept
_ADDR = re.compile(rb' {0,8}(?:"(' + _IP + rb')"|(' + _IP + rb')), {0,8}(\d{1,5}),')


class _RecvStates(_State):
    __slots__ = ()

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
