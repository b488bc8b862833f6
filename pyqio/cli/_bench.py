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

The streams and the naive parser are in :mod:`._bench_streams`, the paths and
their timing in :mod:`._bench_measure`; this module prints the table.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ..errors import InvalidArgument
from ._bench_measure import Row, goals, machine, measure_all

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
    parser.add_argument("--pin", action="store_true",
                        help="with --e2e: run the latency rows' writer and reader on one CPU "
                             "(os.sched_setaffinity), so that no wake-up crosses CPUs")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio",
                        help="with --e2e: the event loop of the Modem rows, the add_reader "
                             "floors and the simulator processes (uvloop: pip install uvloop)")
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
    if args.loop != "asyncio":  # the other benches run no event loop
        raise InvalidArgument(f"--loop {args.loop} goes with --e2e (the other benches "
                              "run no event loop)")
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
