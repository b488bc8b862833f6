"""Scaling of the decoding paths: cost per byte as payloads grow, cost per event as
the mix of URCs and responses changes.

    python -m bench.sweeps [--quick] [--json]

Payload sweep: text recv URCs of 16 B to 1 KiB payloads; ns per stream byte of
each path (C events, Python events, C demux, naive re, memcpy). A cost per byte
that falls as payloads grow means the fixed cost per URC dominates small payloads;
one that stays flat means the cost grows with the work.

Mix sweep: 64-byte recv URCs mixed with chapter 4's responses (``OK``, ``SEND
OK``, ``+QISEND:``, ``+QIURC: "closed"``, ``+QPING:`` ...), from no URCs to all
URCs; ns per event of each path.

Timing as ``pyqio bench`` (medians of interleaved rounds after a warm-up).
"""
from __future__ import annotations

import argparse
import json
import sys

from bench.streams import CHUNK, mix_sweep, size_sweep
from pyqio.cli._bench_measure import available_backends, measure, path_runners

SWEEP_PATHS = ("C events", "Python events", "C demux", "naive re", "memcpy")


def sweep(streams: list, repeat: int, min_time: float) -> list[dict]:
    rows = []
    for s in streams:
        times = measure(path_runners(s, CHUNK, available_backends()), repeat, min_time)
        row = {"stream": s.name, "bytes": len(s.data), "events": s.events, "urcs": s.urcs}
        for path in SWEEP_PATHS:
            if path in times:
                row[path] = {"ns_byte": times[path] / len(s.data) * 1e9,
                             "ns_event": times[path] / s.events * 1e9}
        rows.append(row)
    return rows


def format_sweep(title: str, rows: list[dict], unit: str) -> str:
    paths = [p for p in SWEEP_PATHS if p in rows[0]]
    lines = [title, f"{'stream':<11}" + "".join(f"{p:>15}" for p in paths)]
    for r in rows:
        lines.append(f"{r['stream']:<11}" + "".join(f"{r[p][unit]:>15.2f}" for p in paths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 KiB streams, 3 rounds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    target = 64 * 1024 if args.quick else 512 * 1024
    repeat, min_time = (3, 0.005) if args.quick else (7, 0.05)
    sizes = sweep(size_sweep(target), repeat, min_time)
    mixes = sweep(mix_sweep(target), repeat, min_time)
    if args.json:
        print(json.dumps({"sizes": sizes, "mixes": mixes}, indent=1))
        return 0
    print(format_sweep("ns per byte, by payload size (text recv URCs)", sizes, "ns_byte"))
    print()
    print(format_sweep("ns per event, by share of recv URCs (64 B) among responses",
                       mixes, "ns_event"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
