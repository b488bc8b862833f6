"""The benchmark's measurement: the decoding paths timed on each stream, and the goals.

Every path reads a stream in the same chunks and is timed interleaved, round by
round, with the others, so that the noise of a shared machine falls on every
path alike; times are medians over repeats after a warm-up pass.
"""
from __future__ import annotations

import binascii
from collections.abc import Callable
from typing import Any

from ..protocol import CONNECT_IDS
from ._bench_streams import NaiveParser, Stream, standard_streams

__all__ = [
    "GOALS",
    "PATHS",
    "Row",
    "Runner",
    "available_backends",
    "goals",
    "machine",
    "make_decoder",
    "measure",
    "measure_all",
    "path_runners",
    "stream_rows",
]

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
