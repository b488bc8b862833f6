"""``pyqio bench`` runs end to end on tiny streams and prints every row of its table.

No timing is asserted: the numbers are whatever the machine gives; the tests check
that every path is measured on every stream, that the paths decode the same
streams to the same payloads (so the comparison is fair), and that bad options
are refused with the parameter, the value and the range.

Needs: nothing beyond the package (pytest-benchmark only for ``pytest bench/``).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from pyqio.cli import _bench_measure as M
from pyqio.cli import _bench_streams as S
from pyqio.events import ReadData, Recv

STREAMS = [f"text-{n}" for n in S.TEXT_SIZES] + [f"hex-{n}" for n in S.HEX_SIZES] + ["mixed"] + [
    f"{framing}-{n}" for framing in ("push", "qird") for n in (16, 1024)]
COMMON = ["C events", "Python events", "C demux", "naive re", "memcpy"]


def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyqio", "bench", "--quick", "--size", "2048",
                           "--repeat", "1", *args],
                          check=False, capture_output=True, text=True, timeout=120)


def expected_rows() -> set[tuple[str, str]]:
    """Every stream x path; the C paths only where the C tokenizer is built (a
    fallback install without a compiler still benchmarks the rest)."""
    paths = [p for p in COMMON if "c" in M.available_backends() or not p.startswith("C ")]
    rows = {(s, p) for s in STREAMS for p in paths}
    rows |= {(s, "unhexlify") for s in STREAMS if s.startswith("hex-")}
    return rows


def test_bench_prints_one_table_with_every_stream_and_path():
    proc = bench()
    assert proc.returncode == 0, proc.stderr
    found = set()
    for line in proc.stdout.splitlines():
        words = line.split()
        for path in COMMON + ["unhexlify"]:
            if words[:1] and words[0] in STREAMS and line[11:].startswith(path):
                mb_s, ns_event = line[11 + 14:].split()[:2]
                assert float(mb_s) > 0 and float(ns_event) > 0
                found.add((words[0], path))
    assert found == expected_rows()
    # the goals section: each goal stated in words with its verdict, and no tracker
    # references (user output speaks of the library)
    goal_lines = proc.stdout.split("speed goals (", 1)[1].splitlines()[1:]
    assert [line.split("  got")[0].split("  not measured")[0].strip() for line in goal_lines] == [
        g[4] for g in M.GOALS]
    assert all(line.endswith((" met", " MISSED", "not measured")) for line in goal_lines)
    assert "typed events >= 3x naive at 16 B" in proc.stdout
    assert not re.search(r"(?i)\bissue\b|#\d", proc.stdout)
    rows = {line[:25].split()[0] + " " + line[11:25].strip(): line for line in
            proc.stdout.splitlines() if line[:1] in ("t", "h", "m") and len(line) > 25}
    assert "x naive" in rows["text-16 Python events"]
    if "c" in M.available_backends():
        assert "x naive" in rows["text-16 C events"]
        assert "of memcpy" in rows["text-1024 C demux"]
        assert "x unhexlify" in rows["hex-512 C demux"]
    assert "cores, Python 3." in proc.stdout   # the machine it ran on


def test_bench_json_has_rows_goals_and_machine():
    proc = bench("--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {(r["stream"], r["path"]) for r in out["rows"]} == expected_rows()
    assert {"cpu", "cores", "python", "date", "backend"} <= set(out["machine"])
    assert len(out["goals"]) == len(M.GOALS)
    text16 = {r["path"]: r for r in out["rows"] if r["stream"] == "text-16"}
    assert "x_naive" in text16["Python events"]
    if "c" in M.available_backends():
        assert "x_naive" in text16["C events"] and "of_memcpy" in text16["C demux"]


@pytest.mark.parametrize("args, words", [
    (["--size", "10"], ["--size", "'10'", "256"]),
    (["--repeat", "0"], ["--repeat", "'0'", "1 to 1000"]),
    (["--chunk", "x"], ["--chunk", "'x'"]),
])
def test_bench_refuses_bad_options_naming_them(args, words):
    proc = subprocess.run([sys.executable, "-m", "pyqio", "bench", *args],
                          check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    for word in words:
        assert word in proc.stderr


@pytest.mark.parametrize("stream", S.standard_streams(4096), ids=lambda s: s.name)
def test_every_path_decodes_the_same_payloads(stream):
    """The naive baseline, typed events on both backends and the demux path agree on
    each stream's payloads: the table compares equal work."""
    chunks = stream.chunks(512)
    per_path = {}
    for backend in M.available_backends():
        dec = M.make_decoder(stream, backend)
        events = [e for c in chunks for e in dec.feed(c)]
        assert len(events) == stream.events
        # +QIRD data names no connect id: -1 on every path
        per_path[backend] = [(e.connect_id, e.data) if isinstance(e, Recv) else (-1, e.data)
                             for e in events if isinstance(e, (Recv, ReadData))]
    naive = S.NaiveParser(stream.recv_format == "hex", stream.module)
    per_path["naive"] = [(t[1], t[3]) for c in chunks for t in naive.feed(c)
                         if t[0] in ("recv", "read")]
    if "c" in M.available_backends():
        bufs = [bytearray() for _ in range(5)]
        dec = M.make_decoder(stream, "c")
        rest = [e for c in chunks for e in dec.feed_demux(c, bufs)]
        demuxed = sum(1 for i, _ in per_path["naive"] if i >= 0)
        assert len(rest) == stream.events - demuxed
        joined = [b"".join(p for i, p in per_path["naive"] if i == cid)
                  for cid in range(5)]
        assert [bytes(b) for b in bufs] == joined
    payloads = list(per_path.values())
    assert len(payloads[0]) == stream.urcs
    assert all(p == payloads[0] for p in payloads)
    if stream.hex_payloads:
        import binascii
        assert [binascii.unhexlify(h) for h in stream.hex_payloads] == [p for _, p in payloads[0]]


def test_make_decoder_really_uses_the_named_backend():
    stream = S.make_stream("t", 16, 256)
    core = M.make_decoder(stream, "python")._core
    assert type(core.tok).__module__ == "pyqio.wire._pytokenizer"
    if "c" in M.available_backends():
        core = M.make_decoder(stream, "c")._core
        c_module = type(core.tok).__module__ if hasattr(core, "tok") else type(core).__module__
        assert c_module in ("pyqio.wire._ctokenizer", "pyqio._events_c")


@pytest.mark.parametrize("framing, form", [("push", b'\r\n+QIURC: "recv",0,16\r\n'),
                                           ("qird", b"\r\n+QIRD: 16\r\n")])
def test_bg96_streams_use_their_framing_and_the_naive_parser_reads_it(framing, form):
    stream = S.make_stream("t", 16, 1024, framing=framing)
    assert stream.module == "bg96" and stream.data.startswith(form)
    naive = S.NaiveParser(False, "bg96").feed(stream.data)
    assert [t[0] for t in naive if t[0] in ("recv", "read")] == [
        "read" if framing == "qird" else "recv"] * stream.urcs
    assert all(len(t[3]) == 16 for t in naive if t[0] in ("recv", "read"))


def test_mixed_stream_holds_responses_between_urcs():
    stream = S.make_stream("mixed", 64, 4096, urc_share=0.5)
    assert 0 < stream.urcs < stream.events
    assert b"\r\nSEND OK\r\n" in stream.data and b'"recv"' in stream.data
    assert all(c not in S.payload(1024, 3) for c in b'\r\n"')


def test_bench_readme_states_each_goal_in_the_words_pyqio_bench_prints():
    """The recorded figures (bench/README.md) and the command's output name the same goals."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "bench" / "README.md").read_text()
    for goal in M.GOALS:
        assert f"| {goal[4]} |" in readme, goal[4]
