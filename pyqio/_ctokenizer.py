"""The C tokenizer behind the Python API of ``csrc/TOKENS.md``.

``csrc/tokenizer.c`` does the work; this wrapper owns its buffers (allocated
once, from ``max_line``), makes one C call per ``feed()`` in the common case
(more only when the output batch fills), and turns each batch into the tuples
TOKENS.md defines: the token fields come back as one list of ints, the bytes as
one ``bytes`` of the output arena that the tokens slice.

``feed_demux()`` appends payloads to the caller's bytearrays with one
``+=`` per connect id per C call, making no Python object per URC.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from ._tokenizer_c import ffi, lib
from .errors import InvalidArgument

T_LINE, T_PROMPT, T_RECV, T_ERROR = 0, 1, 2, 3

__all__ = ["Tokenizer", "T_LINE", "T_PROMPT", "T_RECV", "T_ERROR"]

_REASONS = tuple(ffi.string(lib.qio_reason_string(i)).decode("ascii") for i in range(7))
_PROMPT_TOKEN = (T_PROMPT,)
_FIELDS = 9                 # int32 fields of qio_token
_TOK_CAP = 1024             # tokens per C call
_ARENA = 64 * 1024          # token bytes per C call (plus one token's room)
_DMX = 256 * 1024           # demuxed payload bytes per C call (plus one token's room)
_MAX_LINE_RANGE = (256, 1 << 20)
_UDP_IDS = range(32)
_MAX_ID = 65535             # a connect id is a NUM (TOKENS.md)


def _check_max_line(max_line: int) -> int:
    lo, hi = _MAX_LINE_RANGE
    if isinstance(max_line, bool) or not isinstance(max_line, int) or not lo <= max_line <= hi:
        raise InvalidArgument(f"max_line={max_line!r}: must be an int from {lo} to {hi}")
    return max_line


def _udp_mask(ids: Iterable[int]) -> tuple[frozenset[int], int]:
    ids = frozenset(ids)
    mask = 0
    for i in ids:
        if isinstance(i, bool) or not isinstance(i, int) or i not in _UDP_IDS:
            raise InvalidArgument(f"udp_service: connect id {i!r} is not an int from 0 to 31")
        mask |= 1 << i
    return ids, mask


def _demux_mask(buffers: Sequence[bytearray | None]) -> bytes:
    """One byte per connect id: 1 where its payloads go to a bytearray."""
    if len(buffers) < 5:
        raise InvalidArgument(
            f"buffers has {len(buffers)} entries: at least 5 (connect ids 0-4) are required")
    for i, b in enumerate(buffers):
        if b is not None and not isinstance(b, bytearray):
            raise InvalidArgument(
                f"buffers[{i}] is a {type(b).__name__}: a bytearray or None is required")
    return bytes([b is not None for b in buffers[:_MAX_ID + 1]])


class Tokenizer:
    """Streaming tokenizer of the module's output (C backend); see ``csrc/TOKENS.md``."""

    __slots__ = ("_p", "_buf", "_tok", "_arena", "_seg", "_dmx", "_dmx_mv", "_group_out",
                 "_group_mv", "_groups", "_max_line", "_udp")

    def __init__(self, hex: bool = False, show_ra: bool = False,
                 udp_service: Iterable[int] = (), max_line: int = 4096) -> None:
        self._max_line = _check_max_line(max_line)
        self._p = ffi.new("qio_parser *")
        size = lib.qio_buf_size(max_line)
        room = lib.qio_token_room(max_line)
        self._buf = ffi.new("unsigned char[]", size)
        lib.qio_init(self._p, self._buf, size, max_line)
        self._tok = ffi.new("qio_token[]", _TOK_CAP)
        self._arena = ffi.new("unsigned char[]", _ARENA + room)
        self._seg = ffi.new("int32_t[]", 2 * _TOK_CAP)
        self._dmx = ffi.new("unsigned char[]", _DMX + room)
        self._group_out = ffi.new("unsigned char[]", _DMX + room)
        self._groups = ffi.new("int32_t[]", 3 * _TOK_CAP)
        self._dmx_mv = memoryview(ffi.buffer(self._dmx))
        self._group_mv = memoryview(ffi.buffer(self._group_out))
        lib.qio_set_output(self._p, self._tok, _TOK_CAP, self._arena, _ARENA + room,
                           self._seg, _TOK_CAP, self._dmx, _DMX + room)
        self.hex = hex
        self.show_ra = show_ra
        self.udp_service = udp_service

    # -- settings (TOKENS.md "Settings"), changeable between feeds --

    @property
    def hex(self) -> bool:
        return bool(self._p.hex)

    @hex.setter
    def hex(self, value: bool) -> None:
        self._p.hex = 1 if value else 0

    @property
    def show_ra(self) -> bool:
        return bool(self._p.show_ra)

    @show_ra.setter
    def show_ra(self, value: bool) -> None:
        self._p.show_ra = 1 if value else 0

    @property
    def udp_service(self) -> frozenset[int]:
        return self._udp

    @udp_service.setter
    def udp_service(self, ids: Iterable[int]) -> None:
        self._udp, self._p.udp_service = _udp_mask(ids)

    @property
    def max_line(self) -> int:
        return self._max_line

    # -- feeding --

    def feed(self, data: bytes | bytearray | memoryview) -> list[tuple]:
        """Tokenize the next chunk; returns the tokens it completed."""
        out: list[tuple] = []
        src = ffi.from_buffer("unsigned char[]", data)
        n = len(src)
        pos = lib.qio_feed(self._p, src, n)
        self._collect(out)
        while pos < n:      # the output batch was full: go on from there
            pos += lib.qio_feed(self._p, src + pos, n - pos)
            self._collect(out)
        return out

    def feed_demux(self, data: bytes | bytearray | memoryview,
                   buffers: Sequence[bytearray | None]) -> list[tuple]:
        """Like :meth:`feed`, but the data of a recv URC whose connect id has a
        ``bytearray`` in ``buffers`` is appended there instead of returned."""
        mask = ffi.from_buffer(_demux_mask(buffers))
        p = self._p
        p.demux, p.demux_n = mask, len(mask)
        try:
            out: list[tuple] = []
            src = ffi.from_buffer("unsigned char[]", data)
            n = len(src)
            pos = 0
            while True:
                pos += lib.qio_feed(p, src + pos, n - pos)
                self._collect(out)
                if p.nseg:
                    self._spill(buffers)
                if pos >= n:
                    return out
        finally:
            p.demux, p.demux_n = ffi.NULL, 0

    def finish(self) -> list[tuple]:
        """End of stream: the pending partial line or URC, then a reset."""
        out: list[tuple] = []
        lib.qio_finish(self._p)
        self._collect(out)
        return out

    def reset(self) -> None:
        """Forget partial input; keep the settings."""
        lib.qio_reset(self._p)

    # -- batch conversion --

    def _collect(self, out: list[tuple]) -> None:
        p = self._p
        ntok = p.ntok
        if not ntok:
            return
        v = ffi.unpack(ffi.cast("int32_t *", self._tok), _FIELDS * ntok)
        arena = ffi.unpack(ffi.cast("char *", self._arena), p.arena_used)
        append = out.append
        for i in range(0, _FIELDS * ntok, _FIELDS):
            kind = v[i]
            off = v[i + 1]
            if kind == T_RECV:
                ipl = v[i + 8]
                ip = arena[v[i + 7]:v[i + 7] + ipl].decode("ascii") if ipl > 0 else None
                append((T_RECV, v[i + 4], v[i + 5], ip, v[i + 6],
                        arena[off:off + v[i + 2]], v[i + 3] == 1))
            elif kind == T_LINE:
                append((T_LINE, arena[off:off + v[i + 2]]))
            elif kind == T_PROMPT:
                append(_PROMPT_TOKEN)
            else:
                append((T_ERROR, _REASONS[v[i + 3]], arena[off:off + v[i + 2]]))

    def _spill(self, buffers: Sequence[bytearray | None]) -> None:
        """Append the demuxed payloads of the last call, one ``+=`` per connect id."""
        ng = lib.qio_demux_group(self._p, self._group_out, self._groups)
        src = self._dmx_mv if ng == 1 else self._group_mv
        g = ffi.unpack(self._groups, 3 * ng)
        for i in range(0, 3 * ng, 3):
            buf = buffers[g[i]]     # in place: buffers may be a tuple
            buf += src[g[i + 1]:g[i + 1] + g[i + 2]]  # type: ignore[operator]
