"""``pyqio fuzz MODULE:CALLABLE``: fuzz a handler of module events (see :mod:`pyqio.testing.fuzz`).

It prints what the run did (inputs, time, rate, the engine's coverage figures)
on stdout before its last line, the verdict; progress lines go to stderr
(``--quiet`` leaves them out).

Exit status: 0 when the budget ran out with no finding, 1 on a finding (its
shrunk stream saved as a capture in ``--out``), 2 on a usage error.
``--reproduce FILE`` runs the handler on a saved capture instead.
"""
from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Feed generated module output (random settings, hostile payloads, random reads) "
        "through a Decoder into TARGET, called as target(events) for each read, or as "
        "target(session, events) when it takes two parameters (a Session). An exception "
        "is a finding: it is shrunk and saved as a capture that --reproduce runs again.")
    parser.add_argument("target", metavar="MODULE:CALLABLE",
                        help="the handler: package.module:function or path/to/file.py:function")
    parser.add_argument("--budget", default="30s",
                        help="how long to search: seconds (30s, 2m) or a number of examples "
                             "(5000); default %(default)s")
    parser.add_argument("--seed", type=int, default=None, help="seed, for a repeatable search")
    parser.add_argument("--out", default="fuzz-findings", metavar="DIR",
                        help="where a finding's capture is written (default %(default)s)")
    parser.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto",
                        help="atheris (coverage-guided) where installed, else hypothesis")
    parser.add_argument("--module", default="bc660k", help="module profile of the streams")
    parser.add_argument("--progress", type=seconds, default=10.0, metavar="SECONDS",
                        help="the least time between progress lines on stderr (default 10)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no progress lines (the figures at the end are still printed)")
    parser.add_argument("--reproduce", metavar="FILE",
                        help="run the handler on this capture instead of fuzzing")


def seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number of seconds above 0")
    return value


def run(args: argparse.Namespace) -> int:
    from ..errors import CaptureError, InvalidArgument
    from .fuzz import FuzzStats, fuzz, load_target, reproduce

    final: list[FuzzStats] = []

    def on_stats(stats: FuzzStats) -> None:
        if stats.done:
            final.append(stats)
        elif not args.quiet:
            print(f"pyqio fuzz: {stats.describe()}", file=sys.stderr, flush=True)

    try:
        if args.reproduce:
            err = reproduce(load_target(args.target), args.reproduce)
            if err is None:
                print(f"pyqio fuzz: {args.reproduce}: the handler ran without error")
                return 0
            print(f"pyqio fuzz: {args.reproduce} reproduces {type(err).__name__}: {err}")
            return 1
        finding = fuzz(args.target, budget=args.budget, seed=args.seed, out=args.out,
                       engine=args.engine, module=args.module, on_stats=on_stats,
                       stats_every=args.progress)
    except (InvalidArgument, CaptureError, ImportError, OSError) as exc:
        print(f"pyqio fuzz: {exc}", file=sys.stderr)
        return 2
    for stats in final:
        print(f"pyqio fuzz: {stats.describe()}")
    if finding is None:
        print(f"pyqio fuzz: no finding within {args.budget}")
        return 0
    print(f"pyqio fuzz: finding: {finding.describe()}")
    return 1
