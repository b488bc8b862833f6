"""pytest-benchmark: every decoding path on the table's streams, side by side.

Run from the repository root (not collected by the default ``pytest``, whose
testpaths are ``tests``)::

    python -m pytest bench/test_decode.py --benchmark-group-by=group
    python -m pytest bench/ --benchmark-group-by=param:stream   # same thing

Each benchmark is one full pass over a ~256 KiB stream (``PYQIO_BENCH_BYTES``),
fed in 4096-byte chunks; the group is the stream, so the C backend, the Python
backend, the demux path, the naive ``re`` parser, ``memcpy`` and ``unhexlify``
of one stream sit in one table. ``extra_info`` carries bytes and events, so
MB/s = bytes / mean and ns/event = mean / events.

Needs: pytest-benchmark (pip).
"""
from __future__ import annotations

import pytest

from bench.streams import CHUNK, STREAM_BYTES, path_runners, standard_streams
from pyqio.cli._bench_measure import PATHS, available_backends

STREAMS = {s.name: s for s in standard_streams(STREAM_BYTES)}
CASES = [(name, path) for name, s in STREAMS.items()
         for path in path_runners(s, CHUNK, available_backends())]


@pytest.mark.parametrize("stream, path", CASES)
def test_decode(benchmark, stream: str, path: str) -> None:
    s = STREAMS[stream]
    run = path_runners(s, CHUNK, available_backends())[path]
    benchmark.group = stream
    benchmark.name = path  # short names in the table
    benchmark.extra_info.update(bytes=len(s.data), events=s.events, urcs=s.urcs)
    assert run() > 0  # did work (and warms up)
    benchmark(run)


def test_paths_cover_the_table() -> None:
    """Every path of ``pyqio bench`` is benchmarked here."""
    wanted = set(PATHS)
    if "c" not in available_backends():
        wanted -= {"C events", "C demux"}
    assert {p for _, p in CASES} == wanted
