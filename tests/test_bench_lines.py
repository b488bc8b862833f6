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
    labels = [x[0] for x in BL.LINES] + [x[0] for x in BL.VARIED] + [BL.MIXED]
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
    kinds = [x[0] for x in BL.LINES + BL.VARIED] + [BL.MIXED]
    assert got == {(k, p) for k in kinds for p in paths}
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


def test_the_varied_streams_are_catalog_kinds_made_in_c_and_no_two_lines_alike() -> None:
    """Each ``varied`` row reads lines of its catalog kind (same event class as the
    catalog line), every one made by the C table (no fallback to time instead) and
    equal to the reference, none repeated; and the goal leaves those rows out."""
    from pyqio.wire import _lines_c
    from pyqio.wire._lines import classify_line
    catalog = {label: line for label, line, _ in BL.LINES}
    table = _lines_c.build(classify_line) if "c" in M.available_backends() else None
    for label, make, module in BL.VARIED:
        stream = BL.varied_stream(label, make, module, 4096)
        lines = [x for x in stream.data.split(b"\r\n") if x]
        assert len(lines) == stream.events == len(set(lines)) > 50
        kind = type(classify_line(catalog[label.split(",")[0]]))
        for line in lines:
            assert type(classify_line(line)) is kind, line
            if table is not None:
                assert table.peek(line) == classify_line(line), line
    rows = [{"line": label, "path": "C events", "x_naive": 0.5} for label, _, _ in BL.VARIED]
    rows.append({"line": "OK", "path": "C events", "x_naive": 9.0})
    assert BL.lines_goal(rows)["worst"] == "OK"


def test_the_instruction_count_script_feeds_the_lines_it_names(capsys) -> None:
    """bench/lines_insns.py (run under callgrind for bench/README.md): every line it
    feeds becomes one event, for a catalog kind and a varied one; an unknown kind is
    refused with the known ones listed."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "bench" / "lines_insns.py"
    spec = importlib.util.spec_from_file_location("lines_insns", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["TestResponse", "120"]) == 0
    assert script.main(["+CEREG read, varied", "120"]) == 0
    assert script.main(["no such line"]) == 2
    assert "TestResponse" in capsys.readouterr().out
