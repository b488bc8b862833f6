"""pytest-benchmark: the scaling runs (payload size, URC mix, number of modems).

    python -m pytest bench/test_scaling.py --benchmark-group-by=group

- ``size-N``: text recv URCs of N-byte payloads (16 B .. 1 KiB), every path; the
  group is the size, ``extra_info["bytes"]`` turns a mean into ns per byte.
- ``urcs-P%``: 64-byte URCs among chapter 4's responses, P% of the events URCs.
- ``modems``: 1, 8 and 64 simulated modems (``sim://``) in one asyncio process,
  each receiving 64 KiB from a loopback server through its module; the group
  shows the time of one whole run per count (``python -m bench.modems`` prints
  throughput per modem, CPU per MB and memory per connection).

Needs: pytest-benchmark (pip).
"""
from __future__ import annotations

import asyncio

import pytest

from bench.modems import one_run
from bench.streams import CHUNK, STREAM_BYTES, mix_sweep, path_runners, size_sweep
from pyqio.cli._bench_measure import available_backends

SWEEP_PATHS = ("C events", "Python events", "C demux", "naive re", "memcpy")
STREAMS = {s.name: s for s in size_sweep(STREAM_BYTES) + mix_sweep(STREAM_BYTES)}
CASES = [(name, path) for name, s in STREAMS.items()
         for path in path_runners(s, CHUNK, available_backends()) if path in SWEEP_PATHS]
MODEM_BYTES = 64 * 1024


@pytest.mark.parametrize("stream, path", CASES)
def test_sweep(benchmark, stream: str, path: str) -> None:
    s = STREAMS[stream]
    run = path_runners(s, CHUNK, available_backends())[path]
    benchmark.group = stream
    benchmark.name = path
    benchmark.extra_info.update(bytes=len(s.data), events=s.events, urcs=s.urcs)
    assert run() > 0
    benchmark(run)


@pytest.mark.parametrize("count", [1, 8, 64])
def test_modems(benchmark, count: int) -> None:
    benchmark.group = "modems"
    benchmark.name = f"{count} modems"
    result = benchmark.pedantic(lambda: asyncio.run(one_run(count, MODEM_BYTES, trace=False)),
                                rounds=3, warmup_rounds=1)
    benchmark.extra_info.update({k: result[k] for k in
                                 ("mb_s_per_modem", "mb_s_total", "cpu_s_per_mb", "lost")})
    assert result["received"] == count * MODEM_BYTES
