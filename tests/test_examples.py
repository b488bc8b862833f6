"""Every file of examples/ runs: recording a session, replaying it in pytest, the
property test of a handler, fuzzing it, benchmarking a capture.

Needs: pytest, hypothesis; atheris (the `test` extra) speeds the fuzz example.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pyqio.capture import read_capture

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=400, check=False)


def test_every_example_file_is_run_here():
    ran = {"app.py", "handler.py", "record_session.py", "test_replay_capture.py",
           "test_handler_properties.py", "fuzz_handler.py", "bench_capture.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == ran  # a new example needs a test here


def test_record_session_writes_a_capture_and_bench_reads_it(tmp_path):
    cap_path = tmp_path / "session.cap"
    rec = run(str(EXAMPLES / "record_session.py"), str(cap_path))
    assert rec.returncode == 0, rec.stdout + rec.stderr
    assert "the application got b'TIME?\\n'" in rec.stdout
    cap = read_capture(cap_path)
    assert b"TIME?\n" in cap.host_bytes() and cap.header.meta["server"][0] == "127.0.0.1"
    bench = run(str(EXAMPLES / "bench_capture.py"), str(cap_path))
    assert bench.returncode == 0, bench.stdout + bench.stderr
    assert "capture " in bench.stdout and "Python events" in bench.stdout


def test_the_pytest_examples_pass():
    proc = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "pyqio.testing.plugin",
               str(EXAMPLES))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout


def test_the_fuzz_example_finds_the_planted_bug(tmp_path):
    proc = run(str(EXAMPLES / "fuzz_handler.py"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "found KeyError" in proc.stdout and "runs the reproducer cleanly" in proc.stdout
