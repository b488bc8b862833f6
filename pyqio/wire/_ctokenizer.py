"""The C tokenizer behind the Python API of ``csrc/TOKENS.md``.

``csrc/tokenizer.c`` does the work; this wrapper owns its buffers (allocated
once, from ``max_line``), makes one C call per ``feed()`` in the common case
(more only when the output batch fills), and turns each batch into the tuples
TOKENS.md defines: the token fields come back through one ``struct.iter_unpack``,
the bytes as one ``bytes`` of the output arena that the tokens slice. (Where the
optional ``pyqio._events_c`` is built, the decoder does not come here: that
extension links the tokenizer itself, see ``pyqio._feed``.)

``feed_demux()`` appends payloads to the caller's bytearrays with one
``+=`` per connect id per C call, making no Python object per URC.

The output space is sized to need, as ``pyqio._events_c``'s: it starts small
(32 tokens, one token's room plus 4 KiB of arena, a 4 KiB read's worth; the demux
space likewise from the first ``feed_demux()``), and what a C call filled while input was left doubles, up to
256 tokens and 16 KiB (arena) / 64 KiB (demux) beyond the room.
"""
from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from .._tokenizer_c import ffi, lib
from ..errors import InvalidArgument
from ..protocol import MODULES, T_ERROR, T_LINE, T_PROMPT, T_READ, T_RECV
from ._checks import DEFAULT_MAX_LINE, check_buffers, check_ids, check_max_line, check_module, ids_mask

__all__ = ["T_ERROR", "T_LINE", "T_PROMPT", "T_READ", "T_RECV", "Tokenizer"]

_REASONS = tuple(ffi.string(lib.qio_reason_string(i)).decode("ascii") for i in range(7))
_PROMPT_TOKEN = (T_PROMPT,)
_TOKEN = struct.Struct("9i")   # qio_token: nine int32 fields
TOKEN_SIZE = _TOKEN.size
_GROUP = struct.Struct("3i")   # a demux group: connect_id, offset, length
_SIZE_T = ffi.sizeof("size_t")
# C writes before it reads every byte of these buffers: no need to zero them
_alloc = ffi.new_allocator(should_clear_after_alloc=False)
_TOK_CAP = 256              # tokens per C call, at most
_ARENA = 16 * 1024          # token bytes per C call (plus one token's room), at most
_DMX = 64 * 1024            # demuxed payload bytes per C call (plus one token's room), at most
_START_TOK = 32             # the output space at first (see the module's docstring)
_START_BYTES = 4096
_MAX_ID = 65535             # a connect id is a NUM (TOKENS.md)
# collect(out, rows, arena): turns one C batch into output (see Tokenizer._feed)
Collector = Callable[[list[Any], Any, bytes], None]


def _demux_mask(buffers: Sequence[bytearray | None]) -> bytes:
    """One byte per connect id: 1 where its payloads go to a bytearray."""
    check_buffers(buffers)
    return bytes(buffers[i] is not None for i in range(min(len(buffers), _MAX_ID + 1)))


def simd_level() -> int:
    """The hex decoding level in force, process-wide.

    0 is the portable scalar decoder, on every CPU. On x86-64, 1 is SSE2 and 2
    AVX2; on ARM (aarch64, and 32-bit ARM whose kernel reports NEON), 1 is NEON.
    The levels a CPU has are always 0 up to its best, so ``range(best + 1)``
    lists them. The best this build and CPU allow is chosen once, unless
    ``set_simd`` forced one. Every level gives the same tokens; only the speed
    differs.
    """
    return int(lib.qio_simd_level())


def set_simd(level: int) -> int:
    """Force the hex decoding level (for tests and benchmarks); returns the level in force.

    A level above what the CPU has, or a negative one, gives the best it has. It
    applies to every Tokenizer and Decoder of the process: set it while no other
    thread feeds one. (``pyqio._events_c`` links a copy of the tokenizer: its level
    is set too.)
    """
    got = int(lib.qio_set_simd(level))
    from ._accel import events_c
    if events_c is not None:
        events_c.Feeder.set_simd(level)
    return got


class Tokenizer:
    """Streaming tokenizer of the module's output (C backend); see ``csrc/TOKENS.md``."""

    REASONS = _REASONS      # error reasons by qio_token.reason

    __slots__ = (
        "_arena",
        "_arena_mv",
        "_buf",
        "_counts",
        "_dmx",
        "_dmx_mv",
        "_group_mv",
        "_group_out",
        "_groups",
        "_groups_b",
        "_mask_bytes",
        "_mask_key",
        "_max_line",
        "_ntok",
        "_narena",
        "_ndmx",
        "_p",
        "_seg",
        "_tok",
        "_tok_mv",
        "_udp",
        "_bufacc",
        "_module",
    )

    def __init__(self, hex: bool = False, show_ra: bool = False,
                 udp_service: Iterable[int] = (), max_line: int = DEFAULT_MAX_LINE,
                 module: str = "bc660k") -> None:
        self._max_line = check_max_line(max_line)
        check_module(module)
        self._p = ffi.new("qio_parser *")
        size = lib.qio_buf_size(max_line)
        self._buf = _alloc("unsigned char[]", size)
        lib.qio_init(self._p, self._buf, size, max_line)
        self._dmx = None    # the demux space, made on the first feed_demux()
        self._tok: Any = None
        self._arena: Any = None
        self._ntok, self._ndmx = min(_START_TOK, _TOK_CAP), 0
        self._narena = min(_START_BYTES, _ARENA) + lib.qio_token_room(max_line)
        self._mask_key: tuple[bytearray | None, ...] | None = None    # see _mask()
        self._mask_bytes = b""
        self._make_space()
        # the C call's output counts (ntok, arena_used, nseg, dmx_used, ngroups), read
        # through a memoryview: cheaper than a cffi attribute each
        start = ffi.offsetof("qio_parser", "ntok")
        self._counts = memoryview(ffi.buffer(self._p)).cast("B")[start:start + 5 * _SIZE_T] \
            .cast("N")  # type: ignore[call-overload]  # typeshed lacks size_t's "N"
        self.hex = hex
        self.show_ra = show_ra
        self.udp_service = udp_service
        self._module = module
        self._p.module = MODULES.index(module)     # QIO_M_*, in MODULES' order
        self.buffer_access = ()

    def _make_space(self) -> None:
        """Allocate what of the output space is not at its current sizes (nothing in it
        is undelivered); a buffer already at its size stays where it is."""
        ntok, narena, ndmx = self._ntok, self._narena, self._ndmx
        if self._tok is None or len(self._tok) != ntok:
            self._tok = _alloc("qio_token[]", ntok)
            self._tok_mv = memoryview(ffi.buffer(self._tok))
        if self._arena is None or len(self._arena) != narena:
            self._arena = _alloc("unsigned char[]", narena)
            self._arena_mv = memoryview(ffi.buffer(self._arena))
        if not ndmx:
            lib.qio_set_output(self._p, self._tok, ntok, self._arena, narena,
                               ffi.NULL, 0, ffi.NULL, ffi.NULL, 0, ffi.NULL)
            return
        if self._dmx is None or len(self._seg) != 2 * ntok:
            self._seg = _alloc("int32_t[]", 2 * ntok)
            self._groups = _alloc("int32_t[]", 3 * ntok)
            self._groups_b = memoryview(ffi.buffer(self._groups))
        if self._dmx is None or len(self._dmx) != ndmx:
            self._dmx = _alloc("unsigned char[]", ndmx)
            self._group_out = _alloc("unsigned char[]", ndmx)
            self._dmx_mv = memoryview(ffi.buffer(self._dmx))
            self._group_mv = memoryview(ffi.buffer(self._group_out))
        lib.qio_set_output(self._p, self._tok, ntok, self._arena, narena, self._seg, ntok,
                           self._dmx, self._group_out, ndmx, self._groups)

    def _make_demux_space(self) -> None:
        self._ndmx = min(_START_BYTES, _DMX) + lib.qio_token_room(self._max_line)
        self._make_space()

    def _grow(self, ntok: int, arena_used: int, nseg: int, dmx_used: int) -> None:
        """A C call stopped on a full output with input left: double what filled."""
        room = int(lib.qio_token_room(self._max_line))

        def doubled(cur: int, most: int) -> int:
            return min(room + 2 * (cur - room), most + room)

        tok, arena, dmx = self._ntok, self._narena, self._ndmx
        if ntok >= tok or (dmx and nseg >= tok):
            tok = min(2 * tok, _TOK_CAP)
        if arena - arena_used < room:
            arena = doubled(arena, _ARENA)
        if dmx and dmx - dmx_used < room:
            dmx = doubled(dmx, _DMX)
        if (tok, arena, dmx) != (self._ntok, self._narena, self._ndmx):
            self._ntok, self._narena, self._ndmx = tok, arena, dmx
            self._make_space()

    def capacity(self) -> tuple[int, int, int, int]:
        """``(tokens, arena, dmx, bytes)``: the output space now, and the bytes of every
        buffer the parser has (as ``pyqio._events_c.Feeder.capacity``)."""
        ntok, narena, ndmx = self._ntok, self._narena, self._ndmx
        demux = (2 * ntok + 3 * ntok) * 4 + 2 * ndmx if ndmx else 0
        return ntok, narena, ndmx, (len(self._buf) + ntok * TOKEN_SIZE + narena + demux)

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
        self._udp = check_ids(ids, "udp_service")
        self._p.udp_service = ids_mask(self._udp)

    @property
    def module(self) -> str:
        """The module profile (``pyqio.protocol.MODULES``), fixed at construction."""
        return self._module

    @property
    def buffer_access(self) -> frozenset[int]:
        return self._bufacc

    @buffer_access.setter
    def buffer_access(self, ids: Iterable[int]) -> None:
        self._bufacc = check_ids(ids, "buffer_access")
        self._p.buffer_access = ids_mask(self._bufacc)

    @property
    def max_line(self) -> int:
        return self._max_line

    # -- feeding --

    def feed(self, data: bytes | bytearray | memoryview) -> list[tuple[Any, ...]]:
        """Tokenize the next chunk; returns the tokens it completed."""
        out: list[tuple[Any, ...]] = []
        self._feed(data, out, self._collect)
        return out

    def feed_demux(self, data: bytes | bytearray | memoryview,
                   buffers: Sequence[bytearray | None]) -> list[tuple[Any, ...]]:
        """Like :meth:`feed`, but the data of a recv URC whose connect id has a
        ``bytearray`` in ``buffers`` is appended there instead of returned."""
        out: list[tuple[Any, ...]] = []
        self._feed(data, out, self._collect, buffers, self._mask(buffers))
        return out

    def _mask(self, buffers: Sequence[bytearray | None]) -> bytes:
        """The demux mask of *buffers*; a consumer passes the same entries feed after
        feed, so the last mask is kept with the entries it was made from (holding them:
        one set at most) and reused while the entries compare equal. Equal but not
        identical entries are bytearrays of equal content (same mask) or, a caller's
        mistake, another buffer type, which :meth:`_spill` refuses."""
        try:
            key = tuple(buffers)
        except TypeError:
            check_buffers(buffers)     # not a sequence: the message every feeder gives
            raise
        if key == self._mask_key:
            return self._mask_bytes
        mask = _demux_mask(buffers)
        if self._dmx is None:
            self._make_demux_space()
        self._mask_key, self._mask_bytes = key, mask
        return mask

    def _feed(self, data: bytes | bytearray | memoryview, out: list[Any], collect: Collector,
              buffers: Sequence[bytearray | None] | None = None, mask: bytes = b"") -> None:
        p, counts = self._p, self._counts
        # cffi hands a bytes object to C without a copy; other buffers need from_buffer
        src = data if type(data) is bytes else ffi.from_buffer("unsigned char[]", data)
        left = len(src)
        while True:
            if mask:
                used = lib.qio_feed_demux(p, src, left, mask, len(mask))
            else:
                used = lib.qio_feed(p, src, left)
            ntok, arena_used, nseg, dmx_used, ngroups = counts
            if not (used or ntok or nseg or not left):
                raise RuntimeError("the tokenizer made no progress: its output space holds "
                                   "no token")
            if ntok:
                rows = self._tok_mv[:_TOKEN.size * ntok]
                collect(out, _TOKEN.iter_unpack(rows), self._arena_mv[:arena_used].tobytes())
            if ngroups:
                self._spill(buffers, ngroups)  # type: ignore[arg-type]  # groups only come with buffers
            left -= used
            if not left:
                return
            # the output batch was full (delivered now): grow what filled, go on from there
            self._grow(ntok, arena_used, nseg, dmx_used)
            if type(src) is bytes:
                src = ffi.from_buffer("unsigned char[]", src)
            src += used

    def finish(self) -> list[tuple[Any, ...]]:
        """End of stream: the pending partial line or URC, then a reset."""
        out: list[tuple[Any, ...]] = []
        self._finish(out, self._collect)
        return out

    def _finish(self, out: list[Any], collect: Collector) -> None:
        lib.qio_finish(self._p)
        ntok, used = self._counts[0], self._counts[1]
        if ntok:
            rows = self._tok_mv[:_TOKEN.size * ntok]
            collect(out, _TOKEN.iter_unpack(rows), self._arena_mv[:used].tobytes())

    def reset(self) -> None:
        """Forget partial input; keep the settings."""
        lib.qio_reset(self._p)

    # -- batch conversion --

    @staticmethod
    def _collect(out: list[Any], rows: Iterator[tuple[int, ...]], arena: bytes) -> None:
        """The token tuples of TOKENS.md from one C batch."""
        append = out.append
        for kind, off, n, reason, cid, length, port, ipo, ipl in rows:
            if kind == T_RECV:
                ip = arena[ipo:ipo + ipl].decode("ascii") if ipl > 0 else None
                append((T_RECV, cid, length, ip, port, arena[off:off + n], reason == 1))
            elif kind == T_LINE:
                append((T_LINE, arena[off:off + n]))
            elif kind == T_PROMPT:
                append(_PROMPT_TOKEN)
            elif kind == T_READ:
                ip = arena[ipo:ipo + ipl].decode("ascii") if ipl > 0 else None
                append((T_READ, length, ip, port, arena[off:off + n]))
            else:
                append((T_ERROR, _REASONS[reason], arena[off:off + n]))

    def _spill(self, buffers: Sequence[bytearray | None], ng: int) -> None:
        """Append the demuxed payloads of the last call, one ``+=`` per connect id."""
        src = self._dmx_mv if ng == 1 else self._group_mv
        for cid, off, n in _GROUP.iter_unpack(self._groups_b[:_GROUP.size * ng]):
            buf = buffers[cid]     # += in place: buffers may be a tuple
            if buf.__class__ is not bytearray and not isinstance(buf, bytearray):
                raise InvalidArgument(f"buffers[{cid}] is a {type(buf).__name__}: "
                                      "a bytearray or None is required")
            buf += src[off:off + n]
