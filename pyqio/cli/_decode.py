"""``pyqio decode``: a capture of module (or host) output as one JSON object per line.

``pyqio decode [FILE|-] [--hex] [--show-ra] [--udp-service IDS] [--direction module|host]``

A pyqio capture (:mod:`pyqio.capture`, told by its first bytes) prints both
directions in order, each object led by ``t`` (seconds since the start),
``direction`` and ``record``, decoded with the settings it records and follows
(the flags are not needed); ``--direction`` keeps one. Any other file is raw
bytes of one direction, as follows.

Module direction: each event of :mod:`pyqio.events` as ``event.to_dict()``
(``{"event": "Recv", "connect_id": 0, "data": {"hex": ..., "text": ...}, ...}``).
The flags give the settings at the start of the capture; by default the decoder
then follows what the capture itself shows, as the session would: a
``+QICFG: "dataformat"`` / ``+QICFG: "showRA"`` answer switches the recv format /
address display, a ``+QISTATE:`` row says which sockets are UDP SERVICE
(``--no-follow`` keeps the flags' settings throughout).

Host direction: each command line parsed by :func:`pyqio.commands.parse`, and the
payloads of data mode.

Imports stay light here; the decoder is imported in :func:`run`.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from ..protocol import MODULES

if TYPE_CHECKING:
    from ..wire.events import Event

CHUNK = 65536


def _ids(text: str) -> frozenset[int]:
    """``--udp-service 0,3`` -> {0, 3}."""
    try:
        ids = frozenset(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected comma-separated connect ids 0-31, e.g. 0,3") from None
    bad = sorted(i for i in ids if not 0 <= i <= 31)
    if bad:
        raise argparse.ArgumentTypeError(f"connect id {bad[0]} is out of range 0-31")
    return ids


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``pyqio decode`` to *parser*."""
    parser.add_argument("file", nargs="?", default="-", metavar="FILE",
                        help="capture to decode, or - for standard input (the default)")
    parser.add_argument("--sample", action="store_true",
                        help="decode the sample capture shipped with pyqio instead of FILE")
    parser.add_argument("--hex", action="store_true",
                        help='recv payloads are hex at the start (AT+QICFG="dataformat",x,1); '
                             'with --direction host: AT+QISEND data is hex')
    parser.add_argument("--show-ra", action="store_true",
                        help='recv URCs carry the sender address (AT+QICFG="showRA",1)')
    parser.add_argument("--udp-service", type=_ids, default=frozenset(), metavar="IDS",
                        help="comma-separated connect ids of UDP SERVICE sockets, e.g. 0,3")
    parser.add_argument("--module", choices=MODULES, default="bc660k",
                        help="module profile: bc660k (default), bc66, or bg96 for BG95/BG96/"
                             "BG77/BG600L/EG9x/EC2x/EC200/EC600 (data after the URC line, +QIRD)")
    parser.add_argument("--buffer-access", type=_ids, default=frozenset(), metavar="IDS",
                        help='--module bg96: connect ids in buffer access mode, whose '
                             '+QIURC: "recv",<id>,<len> is a notice, e.g. 0,3')
    parser.add_argument("--no-follow", action="store_true",
                        help="keep these settings; do not follow +QICFG/+QISTATE answers")
    parser.add_argument("--direction", choices=("module", "host"), default=None,
                        help="whose bytes a raw file holds (default: module); for a pyqio "
                             "capture, which direction to print (default: both)")


def run(args: argparse.Namespace) -> int:
    """Decode the capture and print JSON lines; 2 if it cannot be read."""
    path = _sample_path() if args.sample else args.file
    try:
        stream: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")
    except OSError as exc:
        print(f"pyqio decode: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    with stream:
        prefix = stream.read(8)  # a capture starts with its magic; raw bytes never do
        if prefix.startswith(b"\x89QIO"):
            return _decode_capture(prefix + stream.read(), path, args.direction)
        stream = _Prefixed(prefix, stream)  # type: ignore[assignment]
        if args.direction == "host":
            _decode_host(stream, args)
        else:
            _decode_module(stream, args)
    return 0


class _Prefixed:
    """A stream whose first bytes were read already, to look for the capture magic."""

    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        self._prefix = prefix
        self._stream = stream

    def read1(self, n: int = -1) -> bytes:
        if self._prefix:
            out, self._prefix = self._prefix, b""
            return out
        return getattr(self._stream, "read1", self._stream.read)(n)

    read = read1


def _decode_capture(data: bytes, path: str, direction: str | None) -> int:
    """A pyqio capture: both directions in order, each event with its time and direction."""
    from ..capture import conversation_dicts, read_capture
    from ..errors import CaptureError

    try:
        capture = read_capture(data)
    except CaptureError as exc:
        print(f"pyqio decode: {path}: {exc}", file=sys.stderr)
        return 2
    objs = conversation_dicts(capture)
    _emit(o for o in objs if direction is None or o["direction"] == direction)
    if capture.torn_bytes:
        print(f"pyqio decode: {path}: the last record was cut short ({capture.torn_bytes} bytes "
              "dropped: the writer stopped mid-record)", file=sys.stderr)
    return 0


def _sample_path() -> str:
    from ..data import data_path
    return str(data_path("sample_capture.bin"))


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    read = getattr(stream, "read1", stream.read)  # read1: print as soon as bytes arrive
    while chunk := read(CHUNK):
        yield chunk


def _emit(objs: Any) -> None:
    write = sys.stdout.write
    for obj in objs:
        write(json.dumps(obj) + "\n")


def _decode_module(stream: IO[bytes], args: argparse.Namespace) -> None:
    from ..wire._decoder import Decoder

    dec = Decoder("hex" if args.hex else "text", args.show_ra, args.udp_service,
                  module=args.module, buffer_access=args.buffer_access)
    for chunk in _chunks(stream):
        # Following: feed line by line, so that a setting shown on one line applies
        # from the next (the tokenizer's output does not depend on the cuts).
        pieces = [chunk] if args.no_follow else chunk.split(b"\n")
        last = len(pieces) - 1
        for i, piece in enumerate(pieces):
            events = dec.feed(piece if i == last else piece + b"\n")
            _emit(ev.to_dict() for ev in events)
            if not args.no_follow:
                _follow(dec, events)
        sys.stdout.flush()
    _emit(ev.to_dict() for ev in dec.finish())


def _follow(dec: Any, events: list[Event]) -> None:
    """Track the settings the capture shows (AT+QICFG 2.3.9, AT+QISTATE 2.3.3)."""
    from ..wire.events import DataFormat, ShowRA, SocketStatus

    for ev in events:
        if isinstance(ev, DataFormat):
            dec.recv_format = "hex" if ev.recv_hex else "text"
        elif isinstance(ev, ShowRA):
            dec.show_ra = ev.enabled
        elif isinstance(ev, SocketStatus) and 0 <= ev.connect_id <= 31:
            ids = set(dec.udp_service)
            (ids.add if ev.service_type == "UDP SERVICE" else ids.discard)(ev.connect_id)
            dec.udp_service = ids


def _decode_host(stream: IO[bytes], args: argparse.Namespace) -> None:
    from ..commands._host_stream import HostStream

    host = HostStream("hex" if args.hex else "text")
    for chunk in _chunks(stream):
        _emit(host.feed(chunk))
        sys.stdout.flush()
    _emit(host.finish())
