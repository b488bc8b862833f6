"""Decode the module's output into typed events: :class:`Decoder` and :func:`decode`.

Sans-I/O (as h11): feed bytes in, get :mod:`pyqio.events` out. The tokenizer
(C core or its Python twin, ``csrc/TOKENS.md``) frames the stream; this module
turns each token into an event: ``+QIURC: "recv"`` URCs into :class:`Recv`,
the ``>`` prompt into :class:`Prompt`, framing faults into
:class:`ProtocolError`, and every other line through the line classifier
(:func:`pyqio.wire._lines.classify_line`).

With the C tokenizer the events are built straight from each C batch
(``Tokenizer.feed_with``); with the Python twin from its token tuples. Both give
the same events (tests/test_fastpath.py). Where the optional extension
``pyqio._events_c`` (``csrc/events_c.c``) is built, the commonest recv URCs of a
C batch become :class:`Recv` events in C, the other tokens here
(tests/test_events_c.py), and its ``Feeder`` runs :meth:`Decoder.feed` and
:meth:`Decoder.feed_demux` in C, appending demuxed payloads to the caller's
bytearrays from there; ``PYQIO_NO_EVENTS_C=1`` turns it off.

The decoder knows nothing about which command is pending; the session pairs
answers with commands.
"""
from __future__ import annotations

import importlib
import os
import struct
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from dataclasses import fields
from typing import Any, Literal

from ..errors import InvalidArgument
from ..protocol import FRAMING_IDS, MODULES, T_READ
from ._events_family import ReadData
from ._lines import classify_line
from .events import Event, Prompt, ProtocolError, Recv, _maker, _RecvTwin
from .tokenizer import T_ERROR, T_LINE, T_PROMPT, T_RECV, Tokenizer

__all__ = ["Decoder", "decode", "classify_line"]

RecvFormat = Literal["text", "hex"]
Module = Literal["bc660k", "bc66", "bg96"]
Backend = Literal["c", "python"]
_PROMPT = Prompt()
_ReadData = _maker(ReadData)  # +QIRD data: the frozen __init__ costs ~150 ns a field
MAX_CONNECT_ID = FRAMING_IDS[-1]  # TOKENS.md: udp_service holds connect ids 0-31


def _check_format(value: object) -> bool:
    if value not in ("text", "hex"):
        raise InvalidArgument(f"recv_format={value!r}: allowed values are 'text' and 'hex'")
    return value == "hex"


def _check_flag(value: object) -> bool:
    if value not in (True, False):  # 0 and 1 included, as AT+QICFG writes them
        raise InvalidArgument(f"show_ra={value!r}: allowed values are True and False")
    return bool(value)


def _check_ids(value: Iterable[int], name: str = "udp_service") -> frozenset[int]:
    try:
        ids = frozenset(value)
    except TypeError:
        raise InvalidArgument(
            f"{name}={value!r}: must be an iterable of connect ids 0-{MAX_CONNECT_ID}"
        ) from None
    for cid in ids:
        if isinstance(cid, bool) or not isinstance(cid, int) or not 0 <= cid <= MAX_CONNECT_ID:
            raise InvalidArgument(
                f"{name} contains {cid!r}: connect ids are integers 0-{MAX_CONNECT_ID}")
    return ids


def _check_module(value: object) -> Module:
    if value not in MODULES:
        raise InvalidArgument(
            f"module={value!r}: allowed values are {', '.join(map(repr, MODULES))}")
    return value  # type: ignore[return-value]  # one of MODULES, the Literal's values


class Decoder:
    """Streaming decoder of module output (h11 style: ``feed()`` bytes, get events).

    *recv_format* is the ``<recv_data_format>`` of ``AT+QICFG="dataformat"`` (2.3.9):
    ``"hex"`` payloads are hex-decoded. *show_ra* is ``AT+QICFG="showRA"``; the
    connect ids in *udp_service* are UDP SERVICE sockets (2.3.1), whose recv URCs
    carry the sender's address (2.4.2) too. All three can change between feeds, as
    the session learns of ``AT+QICFG`` or a UDP SERVICE opening.

    *module* is the module profile, chosen once (docs/modules.md):

    - ``"bc660k"`` (default): the BC660K-GL, as its TCP/IP Application Note says;
    - ``"bc66"``: the BC66 (and BC66-NA), whose recv URC framing is the BC660K's;
    - ``"bg96"``: BG95, BG96, BG77, BG600L, EG91/EG95, EC21/EC25, EC200 and EC600:
      pushed data comes after the URC's line end (``+QIURC: "recv",<id>,<len>`` CR LF
      ``<data>``), buffer access mode prints ``+QIURC: "recv",<id>`` notices
      (:class:`pyqio.events.RecvNotice`) and ``AT+QIRD`` answers carry length-framed
      data (:class:`pyqio.events.ReadData`).

    *buffer_access* (``bg96`` only) holds the connect ids opened in buffer access mode:
    their ``+QIURC: "recv",<id>,<len>`` (the BG95 notice's optional length) is a
    notice, not a data header. Nothing in the bytes tells the two apart, so the
    session keeps this in step with the sockets it opens, as *udp_service*.
    """

    def __init__(self, recv_format: RecvFormat = "text", show_ra: bool = False,
                 udp_service: Iterable[int] = (), *, max_line: int = 4096,
                 backend: Backend | None = None, module: Module = "bc660k",
                 buffer_access: Iterable[int] = ()) -> None:
        self._recv_format: RecvFormat = recv_format
        self._show_ra = _check_flag(show_ra)
        self._udp_service = _check_ids(udp_service)
        self._module = _check_module(module)
        self._buffer_access = _check_ids(buffer_access, "buffer_access")
        self._tok = _tokenizer_class(backend)(
            hex=_check_format(recv_format), show_ra=self._show_ra,
            udp_service=set(self._udp_service), max_line=max_line, module=self._module)
        if self._buffer_access:
            self._tok.buffer_access = set(self._buffer_access)

    @property
    def _tok(self) -> Any:
        """The tokenizer (either backend; the benchmark swaps it to compare them)."""
        return self._tokenizer

    @_tok.setter
    def _tok(self, tok: Any) -> None:
        self._tokenizer = tok
        # the C tokenizer hands its batches to _collect, skipping the token tuples
        self._feed_with: Callable[..., list[Event]] | None = getattr(tok, "feed_with", None)
        self._finish_with: Callable[..., list[Event]] | None = getattr(tok, "finish_with", None)
        # ... and, with pyqio._events_c, as the raw token array to the C collector
        self._raw = _events_c is not None and self._feed_with is not None
        self._collector = _collect_c if self._raw else _collect
        # ... and, with its Feeder, feed() and feed_demux() run in C from end to end:
        # its methods become this decoder's own (an instance attribute shadows the
        # method: no Python frame per call), unless a subclass overrides them
        feeder = _make_feeder(tok) if self._raw else None
        mine = vars(self)
        for name in ("feed", "feed_demux"):
            if feeder is not None and getattr(type(self), name) is getattr(Decoder, name):
                mine[name] = getattr(feeder, name)
            else:
                mine.pop(name, None)

    @property
    def recv_format(self) -> RecvFormat:
        """``"text"`` or ``"hex"``: how recv payloads are written (AT+QICFG, 2.3.9)."""
        return self._recv_format

    @recv_format.setter
    def recv_format(self, value: RecvFormat) -> None:
        self._tok.hex = _check_format(value)
        self._recv_format = value

    @property
    def show_ra(self) -> bool:
        """Whether every recv URC carries the sender's address (``showRA``, 2.3.9)."""
        return self._show_ra

    @show_ra.setter
    def show_ra(self, value: bool) -> None:
        self._show_ra = _check_flag(value)
        self._tok.show_ra = self._show_ra

    @property
    def udp_service(self) -> frozenset[int]:
        """Connect ids of UDP SERVICE sockets, whose recv URCs carry the address (2.4.2)."""
        return self._udp_service

    @udp_service.setter
    def udp_service(self, value: Iterable[int]) -> None:
        self._udp_service = _check_ids(value)
        self._tok.udp_service = set(self._udp_service)

    @property
    def module(self) -> Module:
        """The module profile (fixed at construction): ``"bc660k"``, ``"bc66"`` or ``"bg96"``."""
        return self._module

    @property
    def buffer_access(self) -> frozenset[int]:
        """Connect ids in buffer access mode, whose ``+QIURC: "recv",<id>,<len>`` is a
        notice (``bg96`` profile; BG95&BG77&BG600L TCP/IP Application Note 2.4.2)."""
        return self._buffer_access

    @buffer_access.setter
    def buffer_access(self, value: Iterable[int]) -> None:
        self._buffer_access = _check_ids(value, "buffer_access")
        self._tok.buffer_access = set(self._buffer_access)

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[Event]:
        """Decode *chunk*; returns the events completed by it (maybe none)."""
        if self._feed_with is not None:
            return self._feed_with(chunk, self._collector, raw=self._raw)
        return _events(self._tokenizer.feed(chunk))

    def feed_demux(self, chunk: bytes | bytearray | memoryview,
                   buffers: MutableSequence[bytearray | None]) -> list[Event]:
        """As :meth:`feed`, but recv payloads of a connect id whose ``buffers[id]`` is a
        bytearray are appended to it instead of becoming :class:`Recv` events (the
        per-connection fast path of TOKENS.md; address and length are dropped)."""
        if self._feed_with is not None:
            return self._feed_with(chunk, self._collector, buffers, raw=self._raw)
        return _events(self._tokenizer.feed_demux(chunk, buffers))

    def finish(self) -> list[Event]:
        """End of stream: a partial line becomes its event, a partial recv URC a
        ``ProtocolError("truncated recv", ...)``; the decoder is then reset."""
        if self._finish_with is not None:
            return self._finish_with(self._collector, raw=self._raw)
        return _events(self._tokenizer.finish())

    def reset(self) -> None:
        """Forget partial input (the module restarted), keeping the settings."""
        self._tok.reset()


def _tokenizer_class(backend: Backend | None) -> Any:
    """The Tokenizer of *backend*; None: the process's choice (``pyqio.backend()``)."""
    if backend is None:
        return Tokenizer
    if backend == "c":
        from ._ctokenizer import Tokenizer as CTokenizer  # ImportError when not built
        return CTokenizer
    if backend == "python":
        from ._pytokenizer import Tokenizer as PyTokenizer
        return PyTokenizer
    raise InvalidArgument(f"backend={backend!r}: allowed values are 'c', 'python' and None")


def _collect(out: list[Event], rows: Iterator[tuple[int, ...]], arena: bytes) -> None:
    """Events straight from one batch of the C tokenizer (``Tokenizer.feed_with``).

    The decoder's hot path, one turn per token: a Recv is built as its slotted twin
    and then made a Recv (``events._twin``), three times cheaper than the frozen
    ``__init__``; the common URC shape (a length, no address: 2.4.2's first form)
    skips the field conversions.
    """
    if _RecvTwin is None:  # pragma: no cover - an interpreter refusing the twin
        out += _events(_token_tuples(rows, arena))
        return
    append = out.append
    for kind, off, n, reason, cid, length, port, ipo, ipl in rows:
        if kind == 2:  # T_RECV
            e = _RecvTwin()
            e.connect_id = cid
            e.data = arena[off:off + n]
            if ipl < 0 and length >= 0:  # length-framed (framed iff a length, TOKENS.md)
                e.length = length
                e.remote_ip = e.remote_port = None
                e.framed = True
            else:
                e.length = None if length < 0 else length
                e.remote_ip = arena[ipo:ipo + ipl].decode("ascii") if ipl > 0 else None
                e.remote_port = None if port < 0 else port
                e.framed = reason == 1
            e.__class__ = Recv
            append(e)
        elif kind == 0:  # T_LINE
            append(classify_line(arena[off:off + n]))
        elif kind == 1:  # T_PROMPT
            append(_PROMPT)
        elif kind == T_READ:
            append(_ReadData(arena[off:off + n],
                             arena[ipo:ipo + ipl].decode("ascii") if ipl > 0 else None,
                             None if port < 0 else port))
        else:  # T_ERROR, rare: the reason table is looked up here only
            from ._ctokenizer import Tokenizer as CTokenizer
            append(ProtocolError(CTokenizer.REASONS[reason], arena[off:off + n]))


_ROW = struct.Struct("9i")  # one qio_token (csrc/tokenizer.h), as the C tokenizer's rows


def _collect_c(out: list[Event], rows: memoryview, arena: bytes) -> None:
    """:func:`_collect` with the common recv URCs built by ``pyqio._events_c`` and the
    lines classified from there: *rows* is the batch's raw token array
    (``Tokenizer.feed_with(..., raw=True)``)."""
    _events_c.collect(out, rows, arena, _collect_slow, classify_line)


def _collect_slow(out: list[Event], rows: memoryview, arena: bytes, start: int, stop: int) -> None:
    """Tokens *start* to *stop* - 1 of a raw batch, which ``_events_c`` leaves to Python."""
    _collect(out, _ROW.iter_unpack(rows[start * _ROW.size:stop * _ROW.size]), arena)


def _load_events_c() -> Any:
    """``pyqio._events_c`` set up for :class:`Recv`, or None: not built, turned off
    (``PYQIO_NO_EVENTS_C=1``), or refusing this interpreter's Recv layout. A probe
    event must equal the one Python builds, or the extension is not used."""
    if os.environ.get("PYQIO_NO_EVENTS_C") == "1":
        return None
    try:
        mod: Any = importlib.import_module("pyqio._events_c")
    except ImportError:
        return None
    try:
        mod.setup(Recv, tuple(f.name for f in fields(Recv)))
        arena = b"probe"
        out: list[Event] = []
        mod.collect(out, _ROW.pack(2, 1, 3, 0, 4, 3, -1, 0, -1), arena, _collect_slow, classify_line)
    except (TypeError, ValueError):  # pragma: no cover - an unexpected Recv layout
        return None
    ref = Recv(4, b"rob", 3)
    if len(out) != 1 or type(out[0]) is not Recv or out[0] != ref or repr(out[0]) != repr(ref):
        return None  # pragma: no cover
    return mod if _setup_read(mod) else None


def _setup_read(mod: Any) -> bool:
    """Let ``pyqio._events_c`` build :class:`ReadData` too (+QIRD data, bg96). False when a
    probe does not come out equal to Python's: then the extension is not used at all."""
    setup_read = getattr(mod, "setup_read", None)
    if setup_read is None:  # pragma: no cover - an older build: reads stay with _collect
        return True
    try:
        setup_read(ReadData, tuple(f.name for f in fields(ReadData)))
        out: list[Event] = []
        mod.collect(out, _ROW.pack(T_READ, 0, 3, 0, -1, 3, -1, 0, -1), b"rob", _collect_slow,
                    classify_line)
    except (TypeError, ValueError):  # pragma: no cover - an unexpected ReadData layout
        return False
    ref = ReadData(b"rob")
    return len(out) == 1 and type(out[0]) is ReadData and out[0] == ref and repr(out[0]) == repr(ref)


_events_c = _load_events_c()


def _make_feeder(tok: Any) -> Any:
    """A ``pyqio._events_c.Feeder`` driving the C tokenizer *tok*, or None where the
    extension has none or refuses the tokenizer's layout (a stale build)."""
    native = getattr(tok, "native", None)
    if _events_c is None or native is None or not hasattr(_events_c, "Feeder"):
        return None
    try:
        return _events_c.Feeder(*native(), _collect_slow, classify_line, InvalidArgument, tok)
    except (TypeError, ValueError):  # pragma: no cover - a stale build
        return None


def _token_tuples(rows: Iterator[tuple[int, ...]], arena: bytes) -> list[tuple[Any, ...]]:  # pragma: no cover
    """The token tuples of one C batch (the fallback of :func:`_collect`)."""
    from ._ctokenizer import Tokenizer as CTokenizer
    out: list[tuple[Any, ...]] = []
    CTokenizer._collect(out, rows, arena)
    return out


def _events(tokens: list[tuple[Any, ...]]) -> list[Event]:
    out: list[Event] = []
    append = out.append
    for tok in tokens:
        kind = tok[0]
        if kind == T_LINE:
            append(classify_line(tok[1]))
        elif kind == T_RECV:
            _, cid, length, ip, port, data, framed = tok
            append(Recv(cid, data, None if length < 0 else length, ip,
                        None if port < 0 else port, framed))
        elif kind == T_PROMPT:
            append(_PROMPT)
        elif kind == T_ERROR:
            append(ProtocolError(tok[1], tok[2]))
        elif kind == T_READ:
            _, length, ip, port, data = tok
            append(_ReadData(data, ip, None if port < 0 else port))
        else:  # pragma: no cover - the token contract has five kinds
            append(ProtocolError(f"unknown token kind {kind!r}", b""))
    return out


def decode(data: bytes | bytearray | memoryview, *, recv_format: RecvFormat = "text",
           show_ra: bool = False, udp_service: Iterable[int] = (),
           module: Module = "bc660k", buffer_access: Iterable[int] = ()) -> list[Event]:
    """Decode a whole capture of module output, end of stream included (the settings
    and the *module* profile as :class:`Decoder`'s)."""
    dec = Decoder(recv_format, show_ra, udp_service, module=module,
                  buffer_access=buffer_access)
    return dec.feed(data) + dec.finish()

