"""``pyqio bench --lines`` runs end to end and prints a row for every line kind.

No timing is asserted. Checked: every line kind of the catalog (and the mixed
stream) gets a row with each path; each line stream decodes to one event per line
on every path, so that the per-line figures compare the same work; the JSON form
carries the rows and the goal.

Needs: nothing beyond the package.
"""
from __future__ import annotations

import json
import subprocess
import sys

from pyqio.cli import _bench_lines as BL
from pyqio.cli import _bench_measure as M


def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyqio", "bench", "--lines", "--quick",
                           "--size", "512", "--repeat", "1", *args],
                          check=False, capture_output=True, text=True, timeout=300)


def test_every_line_kind_and_the_mixed_stream_get_a_row() -> None:
    proc = bench()
    assert proc.returncode == 0, proc.stderr
    labels = [x[0] for x in BL.LINES] + [BL.MIXED]
    rows = [line for line in proc.stdout.splitlines() if line[:22].strip() in labels]
    assert [r[:22].strip() for r in rows] == labels
    paths = BL.PATHS if "c" in M.available_backends() else ("naive re",)
    for r in rows:
        assert r.count(" ns") == len(paths), r
    assert "every line kind >= 2x naive" in proc.stdout


def test_json_has_a_row_per_line_kind_and_path_and_the_goal() -> None:
    proc = bench("--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    got = {(r["line"], r["path"]) for r in out["lines"]}
    paths = BL.PATHS if "c" in M.available_backends() else ("naive re",)
    assert got == {(x[0], p) for x in BL.LINES for p in paths} | {(BL.MIXED, p) for p in paths}
    assert out["goals"][0]["name"] == "every line kind >= 2x naive"


def test_each_line_stream_is_one_event_per_line_on_every_path() -> None:
    for label, line, module in BL.LINES:
        stream = BL.line_stream(label, line, module, 2048)
        counts = {name: run() for name, run in
                  BL.runners(stream, 4096, M.available_backends()).items()}
        assert set(counts.values()) == {stream.events}, (label, counts)


def test_the_before_path_reads_every_line_with_classify_line(monkeypatch) -> None:
    """``C, lines in Python`` times the C feeder with classify_line behind it (the
    decoder before the table), not the table again: every line reaches classify_line
    on that path and none on ``C events`` (a Decoder binds its feeder's feed() when
    built, so the path must time a feeder of its own)."""
    if "c" not in M.available_backends():
        return
    from pyqio.wire import _lines
    calls = []
    original = _lines.classify_line

    def counting(line: bytes):
        calls.append(line)
        return original(line)

    monkeypatch.setattr(_lines, "classify_line", counting)
    stream = BL.line_stream("+QIOPEN", b"+QIOPEN: 1,0", "bc660k", 2048)
    paths = BL.runners(stream, 4096, M.available_backends())
    assert paths["C events"]() == stream.events and calls == []
    assert paths["C, lines in Python"]() == stream.events
    assert calls == [b"+QIOPEN: 1,0"] * stream.events
