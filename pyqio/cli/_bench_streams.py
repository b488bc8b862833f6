"""The benchmark's inputs: generated module output streams and the naive baseline parser.

Recv URCs with text payloads of 16, 256 and 1024 bytes, hex payloads of 16, 256
and 512 bytes, a mixed stream with responses between URCs, and the bg96
profile's framings (data pushed after the URC's line end, ``+QIRD`` answers).
The payloads hold no CR, LF or ``"``, so that the naive parser (which would
mis-split such payloads: docs/architecture.md) decodes them right and the
comparison is fair.

They live in the package (not in ``bench/``) so that an installed ``pyqio bench``
runs without the source tree; ``bench/streams.py`` re-exports them.
"""
from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "HEX_SIZES",
    "MIXED_PAYLOAD",
    "TEXT_SIZES",
    "NaiveParser",
    "Stream",
    "make_stream",
    "payload",
    "push_urc",
    "qird_answer",
    "recv_urc",
    "standard_streams",
]

TEXT_SIZES = (16, 256, 1024)
HEX_SIZES = (16, 256, 512)
MIXED_PAYLOAD = 64

_ALPHABET = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-_/"
# the responses a session sees between URCs (chapter 4 of the note)
_RESPONSES = (
    b"OK", b"SEND OK", b"+QISEND: 4096,4096,0", b"+QIOPEN: 1,0",
    b'+QISTATE: 0,"TCP","127.0.0.1",8080,39712,2,1,1', b'+QIURC: "closed",1',
    b'+QPING: 0,"127.0.0.1",32,12,255', b"+IP: 10.18.237.42", b"CLOSE OK",
    b'+QIDNSGIP: 0,1,600', b"ERROR",
)


@dataclass
class Stream:
    """A generated module output stream and what decoding it must give."""

    name: str
    data: bytes
    recv_format: str          # "text" or "hex"
    events: int               # events the Decoder yields
    urcs: int                 # recv URCs among them
    hex_payloads: list[bytes] = field(default_factory=list)  # hex mode: each <data> as sent
    show_ra: bool = False     # a capture's settings (the generated streams have none)
    udp_service: tuple[int, ...] = ()
    module: str = "bc660k"    # the decoder's module profile (pyqio.protocol.MODULES)

    def chunks(self, size: int) -> list[bytes]:
        return [self.data[i:i + size] for i in range(0, len(self.data), size)]


def payload(size: int, seed: int) -> bytes:
    """*size* bytes with no CR, LF or quote (fair to the naive parser), varied by *seed*."""
    n = len(_ALPHABET)
    start = (seed * 7) % n
    reps = (size + start) // n + 1
    return (_ALPHABET * reps)[start:start + size]


def recv_urc(connect_id: int, data: bytes, hex_mode: bool) -> bytes:
    """``+QIURC: "recv",<connectID>,<current_recv_length>,<data>`` (note 2.4.2)."""
    body = binascii.hexlify(data).upper() if hex_mode else data
    return b'\r\n+QIURC: "recv",%d,%d,"%s"\r\n' % (connect_id, len(data), body)


def push_urc(connect_id: int, data: bytes, hex_mode: bool) -> bytes:
    """``+QIURC: "recv",<connectID>,<len>`` CR LF ``<data>``: the bg96 profile's push."""
    body = binascii.hexlify(data).upper() if hex_mode else data
    return b'\r\n+QIURC: "recv",%d,%d\r\n%s\r\n' % (connect_id, len(data), body)


def qird_answer(data: bytes, hex_mode: bool) -> bytes:
    """``+QIRD: <len>`` CR LF ``<data>`` then ``OK``: an ``AT+QIRD`` answer (bg96)."""
    body = binascii.hexlify(data).upper() if hex_mode else data
    return b"\r\n+QIRD: %d\r\n%s\r\n\r\nOK\r\n" % (len(data), body)


def make_stream(name: str, size: int, target: int, *, hex_mode: bool = False,
                urc_share: float = 1.0, framing: str = "inline") -> Stream:
    """About *target* bytes of recv URCs of *size*-byte payloads over connect ids 0-4;
    with ``urc_share < 1`` response lines take the rest of the events, spread evenly.
    *framing*: ``"inline"`` (the BC660K's URC), ``"push"`` (the bg96 profile's data
    after the URC line) or ``"qird"`` (``+QIRD`` answers, each two events with its OK)."""
    parts: list[bytes] = []
    hexes: list[bytes] = []
    total = urcs = events = 0
    credit = 0.0
    while total < target:
        credit += urc_share
        if credit >= 1.0 or urc_share >= 1.0:
            credit -= 1.0
            data = payload(size, events)
            if framing == "qird":
                part = qird_answer(data, hex_mode)
                events += 1     # and its OK
            elif framing == "push":
                part = push_urc(events % 5, data, hex_mode)
            else:
                part = recv_urc(events % 5, data, hex_mode)
            urcs += 1
            if hex_mode:
                hexes.append(binascii.hexlify(data).upper())
        else:
            part = b"\r\n" + _RESPONSES[events % len(_RESPONSES)] + b"\r\n"
        parts.append(part)
        total += len(part)
        events += 1
    return Stream(name, b"".join(parts), "hex" if hex_mode else "text", events, urcs, hexes,
                  module="bc660k" if framing == "inline" else "bg96")


def standard_streams(target: int) -> list[Stream]:
    """The table's streams: text 16/256/1024, hex 16/256/512, mixed (half URCs)."""
    out = [make_stream(f"text-{n}", n, target) for n in TEXT_SIZES]
    out += [make_stream(f"hex-{n}", n, target, hex_mode=True) for n in HEX_SIZES]
    out.append(make_stream("mixed", MIXED_PAYLOAD, target, urc_share=0.5))
    out += [make_stream(f"{framing}-{n}", n, target, framing=framing)
            for framing in ("push", "qird") for n in (16, 1024)]
    return out


# -- the naive baseline ----------------------------------------------------------

_RE_RECV = re.compile(rb'^\+QIURC: "recv",(\d+),(\d+),"(.*)"$', re.DOTALL)
# the bg96 profile's headers: the next line is the data
_RE_PUSH = re.compile(rb'^\+QIURC: "recv",(\d+),(\d+)$')
_RE_QIRD = re.compile(rb"^\+QIRD: (\d+)$")
_RE_FINAL = re.compile(rb"^(OK|ERROR|SEND OK|SEND FAIL|CLOSE OK)$")
_RE_INFO = re.compile(rb"^\+([A-Z ]+): ?(.*)$")


class NaiveParser:
    """A split-lines, regex-per-line parser, the way typical drivers are written.

    It is wrong on payloads holding CR/LF (it splits them) and trusts nothing of the
    length field; the benchmark's payloads avoid that, so it does the same work.
    With *module* ``"bg96"`` it reads the data of a ``+QIURC: "recv",<id>,<len>`` or
    ``+QIRD: <len>`` header as the next line, as such drivers do.
    """

    def __init__(self, hex_mode: bool = False, module: str = "bc660k") -> None:
        self.hex_mode = hex_mode
        self.buf = b""
        self.pending: tuple[Any, ...] | None = None
        if module == "bg96":
            self.feed = self._feed_bg96  # type: ignore[method-assign]

    def feed(self, chunk: bytes) -> list[tuple[Any, ...]]:
        *lines, self.buf = (self.buf + chunk).split(b"\r\n")
        return [self._line(line) for line in lines if line]

    def _feed_bg96(self, chunk: bytes) -> list[tuple[Any, ...]]:
        *lines, self.buf = (self.buf + chunk).split(b"\r\n")
        out = []
        for line in lines:
            if self.pending is not None:
                data = binascii.unhexlify(line) if self.hex_mode else line
                out.append(self.pending + (data,))
                self.pending = None
            elif line:
                m = _RE_PUSH.match(line)
                if m:
                    self.pending = ("recv", int(m[1]), int(m[2]))
                    continue
                m = _RE_QIRD.match(line)
                if m and m[1] != b"0":
                    self.pending = ("read", -1, int(m[1]))
                    continue
                out.append(self._line(line))
        return out

    def _line(self, line: bytes) -> tuple[Any, ...]:
        m = _RE_RECV.match(line)
        if m:
            data = binascii.unhexlify(m[3]) if self.hex_mode else m[3]
            return ("recv", int(m[1]), int(m[2]), data)
        m = _RE_FINAL.match(line)
        if m:
            return ("final", m[1])
        m = _RE_INFO.match(line)
        if m:
            return ("info", m[1], m[2].split(b","))
        return ("text", line)
