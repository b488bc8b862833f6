"""Generated module output streams shared by the benchmark suites.

The table's streams, the payload generator and the naive baseline parser live in
:mod:`pyqio.cli._bench_streams` (so that an installed ``pyqio bench`` needs no source
tree); this module re-exports them and adds the sweeps of the scaling runs:
payload sizes from 16 B to 1 KiB, and mixes of URCs and responses.

Payloads hold no CR, LF or ``"``: the naive parser splits lines and would cut
such payloads, so without them it does the same work as pyqio (see
``bench/README.md``).
"""
from __future__ import annotations

import os

from pyqio.cli._bench_measure import make_decoder, path_runners  # noqa: F401  (re-exported)
from pyqio.cli._bench_streams import (  # noqa: F401  (re-exported)
    HEX_SIZES,
    MIXED_PAYLOAD,
    TEXT_SIZES,
    NaiveParser,
    Stream,
    make_stream,
    payload,
    recv_urc,
    standard_streams,
)

SIZE_SWEEP = (16, 32, 64, 128, 256, 512, 1024)   # payload bytes, text mode
MIX_SWEEP = (0.0, 0.25, 0.5, 0.75, 1.0)           # share of recv URCs among events
STREAM_BYTES = int(os.environ.get("PYQIO_BENCH_BYTES", str(256 * 1024)))
CHUNK = 4096                                      # bytes per feed(): one serial read


def size_sweep(target: int = STREAM_BYTES) -> list[Stream]:
    """Text recv URCs of each payload size of :data:`SIZE_SWEEP`."""
    return [make_stream(f"size-{n}", n, target) for n in SIZE_SWEEP]


def mix_sweep(target: int = STREAM_BYTES) -> list[Stream]:
    """64-byte recv URCs mixed with chapter 4's responses, URC share per :data:`MIX_SWEEP`."""
    return [make_stream(f"urcs-{int(share * 100)}%", MIXED_PAYLOAD, target, urc_share=share)
            for share in MIX_SWEEP]


def write_streams(directory: str, streams: list[Stream]) -> list[tuple[Stream, str]]:
    """Write each stream's bytes to ``directory/<name>.bin`` (for the C benchmark)."""
    os.makedirs(directory, exist_ok=True)
    out = []
    for s in streams:
        path = os.path.join(directory, s.name.replace("%", "pct") + ".bin")
        with open(path, "wb") as f:
            f.write(s.data)
        out.append((s, path))
    return out
