"""Decode the module's output into typed events: :class:`Decoder` and :func:`decode`.

Sans-I/O (as h11): feed bytes in, get :mod:`pyqio.events` out. The tokenizer
(C core or its Python twin, ``csrc/TOKENS.md``) frames the stream; each token
becomes an event: ``+QIURC: "recv"`` URCs :class:`Recv`, the ``>`` prompt
:class:`Prompt`, framing faults :class:`ProtocolError`, and every other line goes
through the line classifier (:func:`pyqio.wire._lines.classify_line`).

Each Decoder chooses its feeder once, when it is made (``pyqio.wire._feed``), and
takes its ``feed`` as its own: where the
optional extension ``pyqio._events_c`` (``csrc/events_c.c``) is built and the C
backend is in use, a C feeder that owns its tokenizer and makes the events in C;
otherwise the tokens of either backend made into events in Python. Both give the
same events (tests/test_events_c.py, tests/test_feeder.py), and neither loses
anything when an exception interrupts a call (tests/test_no_loss.py).
``PYQIO_NO_EVENTS_C=1`` turns the extension off.

The decoder knows nothing about which command is pending; the session pairs
answers with commands.
"""
from __future__ import annotations

from collections.abc import Iterable, MutableSequence
from typing import Any, Literal

from ..errors import InvalidArgument
from . import _feed
from ._checks import Module, check_ids, check_max_line, check_module, ids_mask
from ._lines import classify_line
from .events import Event
from .tokenizer import Tokenizer

__all__ = ["Decoder", "decode", "classify_line"]

RecvFormat = Literal["text", "hex"]
Backend = Literal["c", "python"]
# the methods a Decoder takes from its feeder (__init__): both feeders take the
# Decoder's own signatures (feed_demux's until_event by keyword only)
_HOT = ("feed", "feed_demux")


def _check_format(value: object) -> bool:
    if value not in ("text", "hex"):
        raise InvalidArgument(f"recv_format={value!r}: allowed values are 'text' and 'hex'")
    return value == "hex"


def _check_flag(value: object) -> bool:
    if value not in (True, False):  # 0 and 1 included, as AT+QICFG writes them
        raise InvalidArgument(f"show_ra={value!r}: allowed values are True and False")
    return bool(value)


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
        self._udp_service = check_ids(udp_service)
        self._module = check_module(module)
        self._buffer_access = check_ids(buffer_access, "buffer_access")
        hex_mode = _check_format(recv_format)
        cls = _tokenizer_class(backend)
        # the feeder, chosen once: the C one where the extension is built (then it
        # owns its tokenizer), else the tokens of this backend's tokenizer
        core = None
        if cls.__module__ == "pyqio.wire._ctokenizer":
            core = _feed.c_feeder(hex_mode, self._show_ra, ids_mask(self._udp_service),
                                  check_max_line(max_line), self._module,
                                  ids_mask(self._buffer_access))
        if core is None:
            tok = cls(hex=hex_mode, show_ra=self._show_ra, udp_service=set(self._udp_service),
                      max_line=max_line, module=self._module)
            tok.buffer_access = set(self._buffer_access)
            core = _feed.TokenFeeder(tok)
        self._core: Any = core
        # feed() and feed_demux() of the feeder itself, bound here once, with it: a
        # call then goes straight to the feeder (in C where the extension is built)
        # without a Python frame per chunk, a good part of the cost of a chunk of a
        # few large payloads.
        # Never replaced afterwards; a subclass overriding it keeps its own.
        for name in _HOT:
            if getattr(type(self), name) is getattr(Decoder, name):
                setattr(self, name, getattr(core, name))
        #: ``feed_demux(chunk, buffers, until_event=True)`` with no Python frame in
        #: between, for the session's demux path (one call per read of the link)
        self._feed_until: Any = (core.feed_demux if type(self).feed_demux is Decoder.feed_demux
                                 else self.feed_demux)

    def _configure(self) -> None:
        self._core.configure(self._recv_format == "hex", self._show_ra,
                             ids_mask(self._udp_service), ids_mask(self._buffer_access))

    @property
    def recv_format(self) -> RecvFormat:
        """``"text"`` or ``"hex"``: how recv payloads are written (AT+QICFG, 2.3.9)."""
        return self._recv_format

    @recv_format.setter
    def recv_format(self, value: RecvFormat) -> None:
        _check_format(value)
        self._recv_format = value
        self._configure()

    @property
    def show_ra(self) -> bool:
        """Whether every recv URC carries the sender's address (``showRA``, 2.3.9)."""
        return self._show_ra

    @show_ra.setter
    def show_ra(self, value: bool) -> None:
        self._show_ra = _check_flag(value)
        self._configure()

    @property
    def udp_service(self) -> frozenset[int]:
        """Connect ids of UDP SERVICE sockets, whose recv URCs carry the address (2.4.2)."""
        return self._udp_service

    @udp_service.setter
    def udp_service(self, value: Iterable[int]) -> None:
        self._udp_service = check_ids(value)
        self._configure()

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
        self._buffer_access = check_ids(value, "buffer_access")
        self._configure()

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[Event]:
        """Decode *chunk*; returns the events completed by it (maybe none).

        If it raises (a ``MemoryError``, say), nothing is lost: what was not yet
        returned stays in the decoder and the next call (with ``b""`` or more bytes)
        returns it first.
        """
        return self._core.feed(chunk)  # type: ignore[no-any-return]

    def feed_demux(self, chunk: bytes | bytearray | memoryview,
                   buffers: MutableSequence[bytearray | None], *,
                   until_event: bool = False) -> list[Event]:
        """As :meth:`feed`, but recv payloads of a connect id whose ``buffers[id]`` is a
        bytearray are appended to it instead of becoming :class:`Recv` events (the
        per-connection fast path of TOKENS.md; address and length are dropped).

        The events come out in stream order, but the payloads of a call are all
        appended before its events are returned. With *until_event* the two stay
        in stream order: the call stops at its first event, with exactly the
        payloads that came before it appended; what follows waits in the decoder,
        and each next call (with ``b""`` or more bytes) goes on from there. It
        returns ``[]`` only once everything fed so far is delivered. This is how
        a caller that changes ``buffers`` on an event (a socket closed, another
        opened on the same connect id) keeps each payload with its connection::

            events = dec.feed_demux(chunk, buffers, until_event=True)
            while events:
                handle(events)          # may set or clear entries of buffers
                events = dec.feed_demux(b"", buffers, until_event=True)

        A bytearray that cannot grow (a ``memoryview`` holds it: ``BufferError``)
        interrupts the call; its payloads, and whatever else the call had not
        delivered, wait in the decoder for the next call, as for :meth:`feed`.
        (Other bytearrays may have had payloads of the same chunk appended first:
        every append is whole, and each bytearray gets its bytes in order.)
        """
        return self._core.feed_demux(  # type: ignore[no-any-return]
            chunk, buffers, until_event=until_event)

    def finish(self) -> list[Event]:
        """End of stream: a partial line becomes its event, a partial recv URC a
        ``ProtocolError("truncated recv", ...)``; the decoder is then reset."""
        return self._core.finish()  # type: ignore[no-any-return]

    def reset(self) -> None:
        """Forget partial input (the module restarted), keeping the settings. Complete
        events an interrupted call did not return are still returned by the next one."""
        self._core.reset()


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


def decode(data: bytes | bytearray | memoryview, *, recv_format: RecvFormat = "text",
           show_ra: bool = False, udp_service: Iterable[int] = (),
           module: Module = "bc660k", buffer_access: Iterable[int] = ()) -> list[Event]:
    """Decode a whole capture of module output, end of stream included (the settings
    and the *module* profile as :class:`Decoder`'s)."""
    dec = Decoder(recv_format, show_ra, udp_service, module=module,
                  buffer_access=buffer_access)
    return dec.feed(data) + dec.finish()

