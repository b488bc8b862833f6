"""``pyqio bench --lines``: every kind of line the decoder reads, one stream each.

For each line kind of the default profile (``bc660k``) and the ``bg96`` profile's
extra lines, a stream of that one line repeated (``\\r\\n<line>\\r\\n``) is read in
the table's chunks by:

- ``C events``: ``Decoder.feed()`` on the C backend, lines read by the C table
  (``csrc/lines.c``) where it applies, by ``classify_line`` where not;
- ``C, lines in Python``: the same C feeder with every line given to
  ``classify_line`` (the decoder before the table);
- ``naive re``: the bench's ``NaiveParser`` (a regex per line, a tuple per line).

ns/line is time over lines; ``x naive`` = naive time / path time. Timing is the
table's (``_bench_measure.measure``: rounds interleaved, median shown).

The C table keeps the str of short field texts and the value of parenthesised fields
for reuse (csrc/lines.c ``kept_pair``), which a stream of one line repeated always
finds; the ``..., varied`` rows (:data:`VARIED`) are streams where it never does
(every line's texts and ranges new), its worst case. They are printed
beside the catalog and are not part of the goal, which is per line kind.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _bench_measure as M
from ._bench_streams import MIXED_PAYLOAD, NaiveParser, Stream, make_stream

# (label, line, module profile): every line kind of pyqio.wire._lines and _lines_3gpp,
# in the note's forms (chapter 2 and 4; the BG96 TCP/IP note for the bg96 lines)
LINES: tuple[tuple[str, bytes, str], ...] = (
    ("OK", b"OK", "bc660k"),
    ("ERROR", b"ERROR", "bc660k"),
    ("SEND OK", b"SEND OK", "bc660k"),
    ("SEND FAIL", b"SEND FAIL", "bc660k"),
    ("CLOSE OK", b"CLOSE OK", "bc660k"),
    ("+CME ERROR", b"+CME ERROR: 50", "bc660k"),
    ("+CME ERROR text", b"+CME ERROR: operation not allowed", "bc660k"),
    ("+QIOPEN", b"+QIOPEN: 1,0", "bc660k"),
    ("+QIOPEN fail", b"+QIOPEN: 1,566", "bc660k"),
    ("+QISEND", b"+QISEND: 4096,4096,0", "bc660k"),
    ("+QISTATE", b'+QISTATE: 0,"TCP","127.0.0.1",8080,39712,2,1,1', "bc660k"),
    ("+QISTATE bg96", b'+QISTATE: 0,"TCP","10.0.0.1",8080,3000,2,1,0,1,"usbat"', "bg96"),
    ("+QIURC closed", b'+QIURC: "closed",1', "bc660k"),
    ("+QIURC incoming", b'+QIURC: "incoming",1,0,"10.0.0.2",41234', "bc660k"),
    ("+QIURC incoming full", b'+QIURC: "incoming full"', "bc660k"),
    ("+QIURC pdpdeact", b'+QIURC: "pdpdeact",1', "bg96"),
    ("+QIURC dnsgip", b'+QIURC: "dnsgip",0,2,600', "bg96"),
    ("+QIURC dnsgip addr", b'+QIURC: "dnsgip","10.7.0.12"', "bg96"),
    ("+QIURC recv notice", b'+QIURC: "recv",1', "bg96"),
    ("+QIURC other", b'+QIURC: "unknown",3', "bc660k"),
    ("+QPING reply", b'+QPING: 0,"127.0.0.1",32,12,255', "bc660k"),
    ("+QPING summary", b"+QPING: 0,4,4,0,10,30,17", "bc660k"),
    ("+QPING result", b"+QPING: 569", "bc660k"),
    ("+QNTP", b'+QNTP: 0,"2026/12/02,03:52:47+32"', "bc660k"),
    ("+QNTP result", b"+QNTP: 565", "bc660k"),
    ("+QIDNSGIP", b"+QIDNSGIP: 0,1,600", "bc660k"),
    ("+QIDNSGIP addr", b'+QIDNSGIP: "93.184.216.34"', "bc660k"),
    ("+QIDNSCFG", b'+QIDNSCFG: 1,"8.8.8.8","1.1.1.1"', "bc660k"),
    ("+IP", b"+IP: 10.18.237.42", "bc660k"),
    ("+QICFG dataformat", b'+QICFG: "dataformat",0,1', "bc660k"),
    ("+QICFG showRA", b'+QICFG: "showRA",1', "bc660k"),
    ("+QICFG other", b'+QICFG: "viewmode",0', "bc660k"),
    ("+QIRD stats", b"+QIRD: 1024,512,512", "bg96"),
    ("+QICSGP", b'+QICSGP: 1,"internet","","",0', "bg96"),
    ("+QIACT", b'+QIACT: 1,1,1,"10.7.0.12"', "bg96"),
    ("+QIGETERROR", b"+QIGETERROR: 566,socket connect failed", "bg96"),
    ("+CEREG", b'+CEREG: 5,"1A2B","01A2D001",9', "bc660k"),
    ("+CEREG read", b'+CEREG: 4,1,"1A2B","01A2D001",9,,,"00100100","01000111"', "bc660k"),
    ("+CSQ", b"+CSQ: 21,99", "bc660k"),
    ("+CFUN", b"+CFUN: 1", "bc660k"),
    ("+CGATT", b"+CGATT: 1", "bc660k"),
    ("+CGPADDR", b'+CGPADDR: 1,"10.7.0.12"', "bc660k"),
    ("+CGDCONT", b'+CGDCONT: 1,"IP","internet","0.0.0.0",0,0', "bc660k"),
    ("+CPSMS", b'+CPSMS: 1,,,"00100100","01000111"', "bc660k"),
    ("+CEDRXS", b'+CEDRXS: 5,"0101"', "bc660k"),
    ("+CCLK", b'+CCLK: "26/12/02,03:52:47+32"', "bc660k"),
    ("+CGSN", b'+CGSN: "864475040000000"', "bc660k"),
    ("Info", b'+QBAND: 1,3,5,8,20,28', "bc660k"),
    ("TestResponse", b'+QIOPEN: (1-5),(0-11),("TCP","UDP")', "bc660k"),
    ("Text", b"Quectel", "bc660k"),
)
# (label, line number -> line, module): catalog lines whose every text differs from
# the last lines' (nothing the C table kept helps)
VARIED: tuple[tuple[str, Callable[[int], bytes], str], ...] = (
    ("TestResponse, varied",
     lambda n: b'+QIOPEN: (1-%d),(0-%d),("TCP","U%d")' % (n, n, n), "bc660k"),
    ("+CEREG read, varied",
     lambda n: b'+CEREG: 4,1,"%X","%08X",9,,,"%s","%s"' % (
         n, n * 7919, format(n % 256, "08b").encode(), format(n * 7 % 256, "08b").encode()),
     "bc660k"),
)
PATHS = ("C events", "C, lines in Python", "naive re")
MIXED = "mixed stream"


def line_stream(label: str, line: bytes, module: str, target: int) -> Stream:
    """*line* between line ends, repeated to about *target* bytes."""
    unit = b"\r\n" + line + b"\r\n"
    n = max(1, target // len(unit))
    return Stream(label, unit * n, "text", n, 0, module=module)


def varied_stream(label: str, line: Callable[[int], bytes], module: str,
                  target: int) -> Stream:
    """``line(n)`` for n = 10001, 10002 ... between line ends, to about *target* bytes."""
    units: list[bytes] = []
    size = 0
    while size < target:
        units.append(b"\r\n" + line(10_001 + len(units)) + b"\r\n")
        size += len(units[-1])
    return Stream(label, b"".join(units), "text", len(units), 0, module=module)


def runners(stream: Stream, chunk: int, backends: tuple[str, ...]) -> dict[str, M.Runner]:
    """``{path: one pass}`` for a line stream; each pass returns the events it made."""
    from ..wire import _feed
    from ..wire._lines import classify_line

    chunks = stream.chunks(chunk)

    def of(feed: Any) -> M.Runner:
        def run() -> int:
            return sum(len(feed(c)) for c in chunks)
        return run

    out: dict[str, M.Runner] = {}
    if "c" in backends and _feed.events_c is not None:
        out["C events"] = of(M.make_decoder(stream, "c").feed)
        # the feeder itself: a Decoder binds its core's feed() when it is built, so
        # replacing its core afterwards would time the table again
        before = _feed.c_feeder(False, False, 0, 4096, stream.module, line=classify_line)
        out["C, lines in Python"] = of(before.feed)
    out["naive re"] = of(NaiveParser(False, stream.module).feed)
    return out


def measure_lines(target: int, repeat: int, min_time: float, chunk: int) -> list[M.Row]:
    """One row per line kind and path: ns/line and ``x naive``; last, the table's
    ``mixed`` stream (64-byte recv URCs between responses) on the same paths."""
    backends = M.available_backends()
    rows = []
    streams = [line_stream(label, line, module, target) for label, line, module in LINES]
    streams += [varied_stream(label, line, module, target) for label, line, module in VARIED]
    streams.append(make_stream(MIXED, MIXED_PAYLOAD, 16 * target, urc_share=0.5))
    for stream in streams:
        times = M.measure(runners(stream, chunk, backends), repeat, min_time)
        for path in PATHS:
            if path in times:
                t = times[path]
                row = {"line": stream.name, "path": path, "lines": stream.events, "seconds": t,
                       "ns_line": t / stream.events * 1e9}
                if path != "naive re":
                    row["x_naive"] = times["naive re"] / t
                rows.append(row)
    return rows


def format_lines(rows: list[M.Row]) -> str:
    """One line per line kind: ns/line of each path and the ratios to naive."""
    by: dict[str, dict[str, M.Row]] = {}
    for r in rows:
        by.setdefault(r["line"], {})[r["path"]] = r
    head = f"{'line':<22}" + "".join(f"{p:>20}" for p in PATHS) + "   x naive (C events; before)"
    out = [head, "-" * len(head)]
    for label, paths in by.items():
        cells = "".join(f"{paths[p]['ns_line']:>17.0f} ns" if p in paths else f"{'-':>20}"
                        for p in PATHS)
        ratios = "; ".join(f"{paths[p]['x_naive']:.2f}x" for p in PATHS[:2] if p in paths)
        out.append(f"{label:<22}{cells}   {ratios}".rstrip())
    return "\n".join(out)


def lines_goal(rows: list[M.Row]) -> M.Row:
    """Every line kind's C events >= 2x naive: the worst ratio and its line (the mixed
    stream's goal is the main table's)."""
    varied = {label for label, _, _ in VARIED}
    c = [r for r in rows if r["path"] == "C events" and r["line"] != MIXED
         and r["line"] not in varied]
    worst = min(c, key=lambda r: r["x_naive"]) if c else None
    return {"name": "every line kind >= 2x naive", "goal": 2.0,
            "value": worst["x_naive"] if worst else None,
            "worst": worst["line"] if worst else None,
            "met": bool(worst and worst["x_naive"] >= 2.0)}


def format_goal(goal: M.Row) -> str:
    if goal["value"] is None:
        return f"  {goal['name']}  not measured"
    return (f"  {goal['name']}  worst {goal['value']:.2f}x ({goal['worst']})  "
            f"{'met' if goal['met'] else 'MISSED'}")


def run_cli(args: Any) -> int:
    """``pyqio bench --lines [--quick] [--json] [--size N] [--repeat N] [--chunk N]``."""
    import json

    target = args.size or (8 * 1024 if args.quick else 64 * 1024)
    repeat = args.repeat or (3 if args.quick else 7)
    rows = measure_lines(target, repeat, 0.005 if args.quick else 0.05, args.chunk)
    goal = lines_goal(rows)
    info = M.machine()
    if args.json:
        print(json.dumps({"machine": info, "settings": {"bytes": target, "repeat": repeat,
                                                        "chunk": args.chunk},
                          "lines": rows, "goals": [goal]}, indent=1))
        return 0
    print(f"pyqio bench --lines: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
          f"{info['date']}; {target} B per line kind, {args.chunk} B per feed, "
          f"median of {repeat}")
    print(format_lines(rows))
    print()
    print("speed goals (measured in this run, never asserted by the tests):")
    print(format_goal(goal))
    return 0
