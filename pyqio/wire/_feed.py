"""The decoder's feed: bytes in, events out, one implementation per decoder.

:class:`pyqio.Decoder` picks one of two feeders when it is made, and keeps it:

- ``pyqio._events_c.Feeder`` (``csrc/events_c.c``), where the optional extension
  is built and the C backend is in use: a C tokenizer of its own (the extension
  links ``csrc/tokenizer.c``) that makes the events and appends demuxed payloads
  in C (recv URCs, ``+QIRD`` data, lines); the tokens it leaves to Python
  (prompts, errors) come to :func:`slow`.
- :class:`TokenFeeder` otherwise: the tokens of either tokenizer backend (the
  cffi binding or the pure-Python twin) made into events here.

Both keep everything not yet delivered when an exception interrupts them (a
callback raising, ``MemoryError``, a ``BufferError`` from a bytearray a
memoryview holds): the events made so far, the tokens not yet made into events
and the payloads not yet appended stay in the feeder, and the next call, with
``b""`` or more bytes, delivers them first. An interrupted run gives the events
and buffer bytes of an uninterrupted one (tests/test_no_loss.py).
"""
from __future__ import annotations

import struct
from collections import deque
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from ..errors import InvalidArgument
from ..protocol import MODULES, T_READ
from . import _lines
from ._accel import events_c
from ._checks import check_buffers
from ._events_family import ReadData
from ._lines import classify_line
from ._pytok_state import (  # the reasons only: the Python tokenizer loads on first use
    BAD_HEX_DIGIT,
    BAD_RECV_HEADER,
    LINE_TOO_LONG,
    ODD_HEX_LENGTH,
    RECV_DATA_NOT_TERMINATED,
    RECV_LENGTH_TOO_LARGE,
    TRUNCATED_RECV,
)
from .events import Event, Prompt, ProtocolError, Recv
from .tokenizer import T_LINE, T_PROMPT, T_RECV

__all__ = ["TokenFeeder", "c_feeder", "events_c", "slow"]

_PROMPT = Prompt()
# error reasons by qio_token.reason (csrc/tokenizer.h; the same text as TOKENS.md)
REASONS = (LINE_TOO_LONG, BAD_RECV_HEADER, RECV_LENGTH_TOO_LARGE, RECV_DATA_NOT_TERMINATED,
           BAD_HEX_DIGIT, ODD_HEX_LENGTH, TRUNCATED_RECV)
_ROW = struct.Struct("9i")      # one qio_token: kind, off, len, reason, cid, length, port, ipo, ipl
RECV_FIELDS = tuple(f.name for f in fields(Recv))
READ_FIELDS = tuple(f.name for f in fields(ReadData))
# the C feeder's output space per C call (as pyqio._ctokenizer's)
TOK_CAP, ARENA, DMX = 256, 16 * 1024, 64 * 1024


def c_feeder(hex: bool, show_ra: bool, udp_mask: int, max_line: int, module: str = "bc660k",
             buffer_mask: int = 0, line: Any = None) -> Any:
    """A ``pyqio._events_c.Feeder`` with these settings, or None without the extension
    (*module*: a name of ``pyqio.protocol.MODULES``, fixed for the feeder's life; *line*:
    the line classifier, by default the C table before :func:`classify_line`)."""
    if events_c is None:
        return None
    from .._tokenizer_c import lib  # the extension is built with the C tokenizer, never alone
    from ._lines_c import classifier
    room = lib.qio_token_room(max_line)
    # the C table with classify_line behind it; a classify_line replaced here (the
    # tests' failure injection) is called for every line, as the feeder calls any callable
    if line is None:
        line = classifier() if classify_line is _lines.classify_line else classify_line
    feeder = events_c.Feeder(Recv, RECV_FIELDS, line, slow, InvalidArgument, max_line,
                             TOK_CAP, ARENA + room, DMX + room, MODULES.index(module),
                             ReadData, READ_FIELDS)
    feeder.configure(hex, show_ra, udp_mask, buffer_mask)
    return feeder


def slow(out: list[Any], rows: bytes, arena: bytes, start: int, stop: int) -> None:
    """Tokens *start* to *stop* - 1 of a C batch (*rows*: nine int32 per token, *arena*:
    the bytes they point into), which the C feeder leaves to Python (prompts and errors;
    every kind, for a feeder made without some of its makers)."""
    append = out.append
    for kind, off, n, reason, cid, length, port, ipo, ipl in _ROW.iter_unpack(
            rows[start * _ROW.size:stop * _ROW.size]):
        if kind == T_RECV:
            append(Recv(cid, arena[off:off + n], None if length < 0 else length,
                        arena[ipo:ipo + ipl].decode("ascii") if ipl > 0 else None,
                        None if port < 0 else port, reason == 1))
        elif kind == T_PROMPT:
            append(_PROMPT)
        elif kind == T_LINE:
            append(classify_line(arena[off:off + n]))
        elif kind == T_READ:   # +QIRD data (bg96): no connect id, the session knows it
            append(ReadData(arena[off:off + n],
                            arena[ipo:ipo + ipl].decode("ascii") if ipl > 0 else None,
                            None if port < 0 else port))
        else:
            append(ProtocolError(REASONS[reason], arena[off:off + n]))


def _event(tok: tuple[Any, ...]) -> Event:
    """The event of one token tuple (TOKENS.md)."""
    kind = tok[0]
    if kind == T_LINE:
        return classify_line(tok[1])
    if kind == T_RECV:
        _, cid, length, ip, port, data, framed = tok
        return Recv(cid, data, None if length < 0 else length, ip, None if port < 0 else port,
                    framed)
    if kind == T_PROMPT:
        return _PROMPT
    if kind == T_READ:
        _, _length, ip, port, data = tok
        return ReadData(data, ip, None if port < 0 else port)
    return ProtocolError(tok[1], tok[2])


def _events_into(out: list[Any], tokens: list[Any]) -> None:
    """An event per token appended to *out* (``_event`` inlined: the hot loop)."""
    append = out.append
    for tok in tokens:
        kind = tok[0]
        if kind == T_LINE:
            append(classify_line(tok[1]))
        elif kind == T_RECV:
            _, cid, length, ip, port, data, framed = tok
            append(Recv(cid, data, None if length < 0 else length, ip,
                        None if port < 0 else port, framed))
        else:
            append(_event(tok))


class TokenFeeder:
    """The decoder's feed over a tokenizer's token tuples (either backend).

    The tokenizer takes each chunk whole at once (it needs no output space), so
    what an exception interrupts is only the making of events and the appending
    of payloads: the token lists not yet delivered wait in a queue, each with its
    buffers, and the head's cursor says how far it got.
    """

    __slots__ = ("_out", "_pos", "_todo", "tok")

    def __init__(self, tok: Any) -> None:
        self.tok = tok
        self._out: list[Any] = []
        self._todo: deque[tuple[list[Any], Sequence[bytearray | None] | None]] = deque()
        self._pos = 0

    def configure(self, hex: bool, show_ra: bool, udp_mask: int, buffer_mask: int = 0) -> None:
        self.tok.hex = hex
        self.tok.show_ra = show_ra
        self.tok.udp_service = {i for i in range(32) if udp_mask >> i & 1}
        self.tok.buffer_access = {i for i in range(32) if buffer_mask >> i & 1}

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[Any]:
        self._todo.append((self.tok.feed(chunk), None))
        return self._drain()

    def feed_demux(self, chunk: bytes | bytearray | memoryview,
                   buffers: Sequence[bytearray | None], *,
                   until_event: bool = False) -> list[Any]:
        check_buffers(buffers)   # refused before anything is taken
        self._todo.append((self.tok.feed(chunk), buffers))
        return self._drain(until_event)

    def finish(self) -> list[Any]:
        # the tokenizer has taken every chunk queued: its end of stream comes after them
        self._todo.append((self.tok.finish(), None))
        return self._drain()

    def reset(self) -> None:
        # likewise: the tokens queued are complete, only the partial input goes
        self.tok.reset()

    def _drain(self, until_event: bool = False) -> list[Any]:
        out, self._out = self._out, []
        todo = self._todo
        try:
            while todo:
                tokens, buffers = todo[0]
                pos = self._pos
                if buffers is None:
                    start = len(out)
                    try:   # an event per token: what was appended says how far it got
                        _events_into(out, tokens[pos:] if pos else tokens)
                    finally:
                        self._pos = pos + len(out) - start
                elif self._demux_into(out, tokens, buffers, until_event):
                    return out   # stopped after an event: the rest of this list waits
                todo.popleft()
                self._pos = 0
                if until_event and out:
                    return out
        except BaseException:
            self._out = out
            raise
        return out

    def _demux_into(self, out: list[Any], tokens: list[Any],
                    buffers: Sequence[bytearray | None], until_event: bool) -> bool:
        """Events and payloads of *tokens* from the cursor on; True when it stopped
        after an event (*until_event*) with tokens left."""
        nb = len(buffers)
        i, n = self._pos, len(tokens)
        try:
            while i < n:
                tok = tokens[i]
                target = buffers[tok[1]] if tok[0] == T_RECV and tok[1] < nb else None
                if target is None:
                    out.append(_event(tok))
                    if until_event:
                        i += 1
                        return i < n
                elif isinstance(target, bytearray):
                    target += tok[5]    # in place: buffers may be a tuple
                else:   # changed by a callback since it was checked
                    raise InvalidArgument(f"buffers[{tok[1]}] is a {type(target).__name__}: "
                                          "a bytearray or None is required")
                i += 1
        finally:
            self._pos = i
        return False
