"""``pyqio bench --e2e`` runs end to end on small sizes: every row of its tables is
printed, every run received exactly the bytes sent, and each goal is stated in words.

No timing is asserted. The simulator runs as ``pyqio sim --pty`` processes, the
loopback peer as another process, as in the real benchmark.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from pyqio.cli import _bench_e2e as E
from pyqio.cli import _bench_latency as L
from pyqio.cli import _bench_modems as M


def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyqio", "bench", "--e2e", "--quick",
                           "--size", "65536", "--counts", "1,2", *args],
                          check=False, capture_output=True, text=True, timeout=240)


def test_e2e_bench_prints_every_path_and_format_with_matched_bytes() -> None:
    proc = bench()
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for path in E.PATHS:
        for fmt in ("text", "hex"):
            line = next(ln for ln in out.splitlines() if ln.startswith(f"{path:27} {fmt} "))
            assert " match " in line and "LOST" not in line
    assert re.search(r"add_reader \+ feed_demux +p50 +\d+ us +p99 +\d+ us", out)
    assert re.search(r"Modem recv +p50 +\d+ us +p99 +\d+ us", out)
    # the floor's own figures beside the Modem's, and the difference: pyqio's share
    # each Modem row beside the floor with as many hops, and the difference: one hop
    # against the writer's, two against the relay's (the least a second hop costs)
    assert re.search(r"add_reader \+ feed_demux, two hops +p50 +\d+ us +p99 +\d+ us", out)
    assert re.search(r"Modem recv, 1 hop +p50 +\d+ us +p99 +\d+ us .* minus add_reader \+ "
                     r"feed_demux: p50 [+-]\d+ us, p99 [+-]\d+ us", out)
    assert re.search(r"Modem recv +p50 +\d+ us +p99 +\d+ us .* minus add_reader \+ "
                     r"feed_demux, two hops: p50 [+-]\d+ us, p99 [+-]\d+ us", out)
    assert re.search(r"latency p50 <= 40 us \(64-byte message, one hop\): \d+ us, (met|MISSED) "
                     r"\(the add_reader \+ feed_demux floor's own p50: \d+ us; the Modem "
                     r"minus it: [+-]\d+ us(; the floor itself misses the goal: beyond this "
                     r"machine)?\)", out)
    assert re.search(r"latency p50 <= 40 us \(64-byte message, two hops\): \d+ us, "
                     r"(met|MISSED) \(the add_reader \+ feed_demux, two hops floor's own p50", out)
    # the naive goals name what the bare floor itself reaches on the same bytes
    assert re.search(r">= 1.5x faster than the naive loop \(text\): [\d.]+x faster, (met|MISSED) "
                     r"\(the bare os.read \+ feed_demux floor: [\d.]+x faster", out)
    assert "writer and reader not pinned" in out
    # the simulators' exit summaries ("pyqio sim: 1 link(s); 0 dropped ...") are not shown
    assert "pyqio sim:" not in proc.stderr
    assert re.search(r"^ +1 modems .* match ", out, re.M)
    assert re.search(r"^ +2 modems .* match ", out, re.M)
    assert "Modem socket recv <= 1.2x the add_reader + feed_demux floor (text): " in out
    assert "Modem recv latency p50 <= 40 us" in out
    assert not re.search(r"(?i)\bissue\b|#\d", out)


def test_e2e_bench_json_counts_every_byte() -> None:
    proc = bench("--json", "--pin")
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert {(r["path"], r["format"]) for r in res["rows"]} == {
        (p, f) for p in E.PATHS for f in ("text", "hex")}
    assert all(r["matched"] and r["bytes"] >= 65536 for r in res["rows"])
    assert [r["modems"] for r in res["scaling"]] == [1, 2]
    assert all(r["messages"] == 50 for r in res["latency"])
    assert res["latency_setup"]["pinned_cpu"] == min(os.sched_getaffinity(0))
    by = {r["path"]: r for r in res["latency"]}
    assert set(by) == {E.AIO_FLOOR, L.AIO_FLOOR2, E.RECV, E.RECV1}
    assert by[E.RECV1]["p50_minus_floor_us"] == pytest.approx(
        by[E.RECV1]["p50_us"] - by[E.AIO_FLOOR]["p50_us"])
    assert by[E.RECV]["p99_minus_floor_us"] == pytest.approx(
        by[E.RECV]["p99_us"] - by[L.AIO_FLOOR2]["p99_us"])
    # a goal the same hops' floor misses too is marked so, and only then
    for g in res["goals"]:
        if "floor_met" in g:
            assert ("beyond this machine" in g["note"]) == (not g["floor_met"] and not g["met"])
    assert "pyqio sim:" not in proc.stderr


def test_a_simulator_that_ends_well_is_quiet(capfd) -> None:
    sim = M._Module([sys.executable, "-c", "import sys, time; "
                     "sys.stderr.write('pyqio sim: 1 link(s); 0 dropped or discarded: none\\n');"
                     " sys.stderr.flush(); print('ready', flush=True); time.sleep(30)"])
    assert sim.stdout.readline() == b"ready\n"   # its summary is written by now
    sim.stop(failed=False)
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("case", ["status", "words", "run failed"])
def test_a_simulator_failure_keeps_its_stderr(capfd, case: str) -> None:
    err_line = {"status": "Traceback: boom", "words": "pyqio sim: 1 link(s); 2 dropped",
                "run failed": "pyqio sim: 1 link(s); 0 dropped"}[case]
    end = "sys.exit(3)" if case == "status" else "time.sleep(30)"
    sim = M._Module([sys.executable, "-c", f"import sys, time; sys.stderr.write({err_line!r} "
                     f"+ '\\n'); sys.stderr.flush(); print('ready', flush=True); {end}"])
    assert sim.stdout.readline() == b"ready\n"   # its stderr is written by now
    if case == "status":
        sim.proc.wait()
    sim.stop(failed=case == "run failed")
    err = capfd.readouterr().err
    assert "ended with status" in err and err_line in err


def test_a_ratio_that_rounds_to_its_goal_is_shown_with_a_third_place() -> None:
    # 1.497x faster misses 1.5x: two places would print "1.50x faster, MISSED"
    assert E._near(1.497, 1.5) == "1.497"
    assert E._near(1.503, 1.5) == "1.503"
    assert E._near(1.23, 1.5) == "1.23"
    rows = [{"format": f, "path": p, "ms_per_mb": 1.0} for f in ("text", "hex") for p in E.PATHS]
    for r in rows:
        if r["path"] == E.NAIVE:
            r["ms_per_mb"] = 1.497
    shown = {g["goal"]: g["measured"] for g in E.goals(rows)}
    assert shown["Modem socket recv >= 1.5x faster than the naive loop (text)"] == "1.497x faster"


@pytest.mark.parametrize("mode", [[], ["--two-hops"], ["--two-hops", "--loop", "uvloop"]])
def test_latency_split_cuts_every_message_into_its_stages(mode: list[str]) -> None:
    # bench/latency_split.py: each stamped message is followed through the simulator
    # (two hops) or the host (one) and raises if any is not; the columns are printed
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-m", "bench.latency_split", "--messages", "20",
                           "--rounds", "1", *mode], cwd=root, check=False,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # the loop it ran on (the simulator's too: its --loop is the same)
    assert ("uvloop " if "uvloop" in mode else "asyncio (Python") in proc.stdout.splitlines()[0]
    if mode:
        head, row = proc.stdout.splitlines()[1:3]
        assert head.split(" | ")[0].strip() == "peer -> simulator"
        cells = [float(c) for c in row.split("|")]
        # each stage is a time in one process, or from a cause to its effect; only
        # "write -> host Link" may be negative: on one CPU the host can be woken and
        # run inside the simulator's write, before the write returns
        assert len(cells) == 8
        assert all(c >= 0 for i, c in enumerate(cells) if i != 3)
    else:
        assert re.search(r"write -> read callback +\d+ +callback \(pyqio\) +[\d.]+", proc.stdout)
