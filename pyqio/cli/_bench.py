"""``pyqio bench``: one table comparing every decoding path on the same streams.

For each stream (recv URCs with text payloads of 16, 256 and 1024 bytes, hex
payloads of 16, 256 and 512 bytes, a mixed stream with responses between URCs,
and the bg96 profile's framings with 16 and 1024 bytes: data pushed after the
URC's line end, and ``+QIRD`` answers) it measures, in one run and interleaved round by round so that the noise
of a shared machine falls on every path alike:

- ``C events``: typed events (``Decoder.feed``) on the C tokenizer;
- ``Python events``: the same on the pure-Python twin;
- ``C demux``: ``Decoder.feed_demux`` into per-connection bytearrays;
- ``naive re``: a plain split-lines-and-regex parser, as typical drivers are;
- ``memcpy``: the same chunks appended to a bytearray (the copy every consumer pays);
- ``unhexlify``: ``binascii.unhexlify`` of each hex payload (hex streams).

Every path reads the stream in the same chunks (``--chunk``, 4096 bytes, a
typical serial read). Times are medians over repeats after a warm-up pass.
The payloads hold no CR, LF or ``"``, so that the naive parser (which would
mis-split such payloads: docs/architecture.md) decodes them right and the
comparison is fair.

The generated streams and the naive parser live here (not in ``bench/``) so
that an installed ``pyqio bench`` runs without the source tree; ``bench/``
imports them.
"""
from __future__ import annotations

import argparse
import binascii
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..protocol import CONNECT_IDS

TEXT_SIZES = (16, 256, 1024)
HEX_SIZES = (16, 256, 512)
MIXED_PAYLOAD = 64
PATHS = ("C events", "Python events", "C demux", "naive re", "memcpy", "unhexlify")
# (stream, path, ratio key, at least, the goal in words): the speed pyqio aims for,
# reported beside the measured ratio, never asserted; bench/README.md uses the same words
GOALS = (
    ("text-16", "C events", "x_naive", 3.0, "typed events >= 3x naive at 16 B"),
    ("text-1024", "C events", "x_naive", 2.0, "typed events >= 2x naive at 1 KiB"),
    ("push-16", "C events", "x_naive", 3.0, "bg96 push events >= 3x naive at 16 B"),
    ("push-1024", "C events", "x_naive", 2.0, "bg96 push events >= 2x naive at 1 KiB"),
    ("qird-16", "C events", "x_naive", 3.0, "+QIRD events >= 3x naive at 16 B"),
    ("qird-1024", "C events", "x_naive", 2.0, "+QIRD events >= 2x naive at 1 KiB"),
    ("text-1024", "C demux", "of_memcpy", 0.6, "demux >= 0.6 of memcpy at 1 KiB"),
    ("hex-16", "C demux", "x_unhexlify", 1.0, "hex demux >= unhexlify, 16 B"),
    ("hex-256", "C demux", "x_unhexlify", 1.0, "hex demux >= unhexlify, 256 B"),
    ("hex-512", "C demux", "x_unhexlify", 1.0, "hex demux >= unhexlify, 512 B"),
)

Runner = Callable[[], int]  # one pass over a stream: events made (or bytes copied)
Row = dict[str, Any]         # one line of the table (or of the goals), JSON-ready

# -- streams -----------------------------------------------------------------

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


# -- the paths, each one full pass over a stream ---------------------------------

def make_decoder(stream: Stream, backend: str) -> Any:
    """A ``pyqio.Decoder`` for *stream* on the named tokenizer backend (both in one process)."""
    from ..wire._decoder import Decoder
    return Decoder("hex" if stream.recv_format == "hex" else "text", stream.show_ra,
                   stream.udp_service, backend=backend,  # type: ignore[arg-type]  # "c" or "python"
                   module=stream.module)  # type: ignore[arg-type]


def path_runners(stream: Stream, chunk: int, backends: tuple[str, ...]) -> dict[str, Runner]:
    """``{path: callable}``; each callable decodes the whole stream once and returns
    the number of events it produced (or bytes it copied), so work is not optimised away."""
    chunks = stream.chunks(chunk)
    runners: dict[str, Runner] = {}

    # decoders are built once, as a program does (building one is not the work
    # measured): a pass ends at a URC boundary, so the next starts in the same state
    def events(backend: str) -> Runner:
        feed = make_decoder(stream, backend).feed

        def run() -> int:
            return sum(len(feed(c)) for c in chunks)
        return run

    demux_feed = make_decoder(stream, "c" if "c" in backends else "python").feed_demux

    def demux() -> int:
        bufs = [bytearray() for _ in CONNECT_IDS]
        return sum(len(demux_feed(c, bufs)) for c in chunks) + sum(map(len, bufs))

    naive_feed = NaiveParser(stream.recv_format == "hex", stream.module).feed

    def naive() -> int:
        return sum(len(naive_feed(c)) for c in chunks)

    def memcpy() -> int:
        out = bytearray()
        for c in chunks:
            out += c
        return len(out)

    def unhexlify() -> int:
        unhex = binascii.unhexlify
        return sum(len(unhex(h)) for h in stream.hex_payloads)

    if "c" in backends:
        runners["C events"] = events("c")
    runners["Python events"] = events("python")
    if "c" in backends:
        runners["C demux"] = demux
    runners["naive re"] = naive
    runners["memcpy"] = memcpy
    if stream.hex_payloads:
        runners["unhexlify"] = unhexlify
    return runners


def available_backends() -> tuple[str, ...]:
    try:
        from ..wire import _ctokenizer  # noqa: F401
    except ImportError:
        return ("python",)
    return ("c", "python")


# -- measuring -------------------------------------------------------------------

def measure(runners: dict[str, Runner], repeat: int, min_time: float) -> dict[str, float]:
    """Median seconds per pass of each runner (timeit style): one warm-up pass sizes
    a loop count lasting about *min_time*, then *repeat* rounds run every runner in
    turn, so that a burst of load from a neighbour hits all paths of a round alike."""
    import statistics
    import time

    clock = time.perf_counter
    loops = {}
    for name, fn in runners.items():
        t0 = clock()
        fn()
        loops[name] = max(1, int(min_time / max(clock() - t0, 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(repeat):
        for name, fn in runners.items():
            n = loops[name]
            t0 = clock()
            for _ in range(n):
                fn()
            samples[name].append((clock() - t0) / n)
    return {name: statistics.median(s) for name, s in samples.items()}


def stream_rows(stream: Stream, times: dict[str, float]) -> list[Row]:
    """One row per path: MB/s of stream bytes, ns per event, and the goal ratios."""
    rows = []
    for path in PATHS:
        t = times.get(path)
        if t is None:
            continue
        row = {"stream": stream.name, "path": path, "bytes": len(stream.data),
               "events": stream.events, "seconds": t,
               "mb_s": len(stream.data) / t / 1e6, "ns_event": t / stream.events * 1e9}
        if path in ("C events", "Python events", "C demux") and "naive re" in times:
            row["x_naive"] = times["naive re"] / t
        if path == "C demux":
            row["of_memcpy"] = times["memcpy"] / t
        if path in ("C events", "C demux") and "unhexlify" in times:
            row["x_unhexlify"] = times["unhexlify"] / t
        rows.append(row)
    return rows


def measure_all(target: int, repeat: int, min_time: float, chunk: int,
              streams: list[Stream] | None = None) -> list[Row]:
    """Measure every path on every stream; returns the table's rows."""
    backends = available_backends()
    rows = []
    for stream in streams or standard_streams(target):
        rows += stream_rows(stream, measure(path_runners(stream, chunk, backends),
                                            repeat, min_time))
    return rows


def goals(rows: list[Row]) -> list[Row]:
    """The speed goals against the measured ratios (reported, never asserted)."""
    by_key = {(r["stream"], r["path"]): r for r in rows}
    out = []
    for stream, path, key, least, name in GOALS:
        value = by_key.get((stream, path), {}).get(key)
        out.append({"name": name, "stream": stream, "path": path, "ratio": key, "goal": least,
                    "value": value, "met": value is not None and value >= least})
    return out


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import datetime
    import os
    import platform

    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    from ..wire.tokenizer import backend
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "backend": backend(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


# -- output ----------------------------------------------------------------------

_RATIO_TEXT = (("x_naive", "{:.2f}x naive"), ("of_memcpy", "{:.2f} of memcpy"),
               ("x_unhexlify", "{:.2f}x unhexlify"))


def format_table(rows: list[Row]) -> str:
    """The table, one line per (stream, path), ratios in the last column."""
    lines = [f"{'stream':<10} {'path':<14} {'MB/s':>9} {'ns/event':>10}  ratios",
             "-" * 72]
    last = None
    for r in rows:
        if last is not None and r["stream"] != last:
            lines.append("")
        last = r["stream"]
        ratios = "; ".join(fmt.format(r[k]) for k, fmt in _RATIO_TEXT if k in r)
        lines.append(f"{r['stream']:<10} {r['path']:<14} {r['mb_s']:>9.1f} "
                     f"{r['ns_event']:>10.0f}  {ratios}".rstrip())
    return "\n".join(lines)


_GOT_TEXT = {"x_naive": "{:.2f}x", "of_memcpy": "{:.2f}", "x_unhexlify": "{:.2f}x"}


def format_goals(results: list[Row]) -> str:
    """One line per goal: the goal in words, the measured ratio, met or missed
    (a path that did not run, such as C without the C tokenizer, is "not measured")."""
    lines = ["speed goals (measured in this run, never asserted by the tests):"]
    width = max(len(g["name"]) for g in results)
    for g in results:
        if g["value"] is None:
            lines.append(f"  {g['name']:<{width}}  not measured")
            continue
        got = _GOT_TEXT.get(g["ratio"], "{:.2f}").format(g["value"])
        lines.append(f"  {g['name']:<{width}}  got {got:<7} {'met' if g['met'] else 'MISSED'}")
    return "\n".join(lines)


# -- the sub-command -------------------------------------------------------------

def _int_in(lo: int, hi: int, name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"{name}={text!r}: must be an integer from {lo} to {hi}")
        return value
    return parse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="small streams and few repeats (a few seconds)")
    parser.add_argument("--json", action="store_true",
                        help="print the rows, goals and machine as one JSON object")
    parser.add_argument("--size", type=_int_in(256, 1 << 28, "--size"), default=None,
                        help="bytes per stream (default 1 MiB, 64 KiB with --quick)")
    parser.add_argument("--repeat", type=_int_in(1, 1000, "--repeat"), default=None,
                        help="timed rounds per path; the median is shown (default 7, 3 quick)")
    parser.add_argument("--chunk", type=_int_in(1, 1 << 24, "--chunk"), default=4096,
                        help="bytes per feed() call, as one serial read (default 4096)")
    parser.add_argument("--e2e", action="store_true",
                        help="instead: host CPU per MB end to end, from a PTY to Modem sockets, "
                             "with the simulator in separate processes (see _bench_e2e)")
    parser.add_argument("--counts", default="1,8,64",
                        help="with --e2e: modem counts for the scaling table (default 1,8,64)")
    parser.add_argument("--lines", action="store_true",
                        help="instead: every kind of line the decoder reads, one stream each, "
                             "against the naive parser (see _bench_lines)")
    parser.add_argument("--capture", metavar="FILE",
                        help="time the paths on what the module sent in this capture "
                             "(pyqio's capture format) instead of the generated streams")


def run(args: argparse.Namespace) -> int:
    import json

    if args.e2e:
        from ._bench_e2e import run_cli
        return run_cli(args)
    if args.lines:
        from ._bench_lines import run_cli as run_lines
        return run_lines(args)
    quick = args.quick
    target = args.size or (64 * 1024 if quick else 1 << 20)
    repeat = args.repeat or (3 if quick else 7)
    min_time = 0.005 if quick else 0.05
    streams = None
    if args.capture:
        from ..errors import CaptureError
        from ._bench_capture import capture_streams
        try:
            streams = capture_streams(args.capture)
        except (OSError, CaptureError) as exc:
            print(f"pyqio bench: {args.capture}: {exc}", file=sys.stderr)
            return 2
        if not streams:
            print(f"pyqio bench: {args.capture}: the module sent nothing in this capture",
                  file=sys.stderr)
            return 2
        target = sum(len(s.data) for s in streams)
    rows = measure_all(target, repeat, min_time, args.chunk, streams)
    results = [] if streams else goals(rows)  # the goals name the generated streams
    info = machine()
    if args.json:
        settings = {"bytes": target, "repeat": repeat, "chunk": args.chunk}
        if args.capture:
            settings["capture"] = args.capture
        print(json.dumps({"machine": info, "settings": settings, "rows": rows, "goals": results},
                         indent=1))
        return 0
    what = f"capture {args.capture} ({target} B sent by the module)" if args.capture else \
        f"{target} B per stream"
    print(f"pyqio bench: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
          f"{info['date']}; {what}, {args.chunk} B per feed, median of {repeat}")
    print(format_table(rows))
    if results:
        print()
        print(format_goals(results))
    return 0
