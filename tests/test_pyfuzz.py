"""Bounded atheris runs of the Python-level fuzz harnesses (tests/fuzz/fuzz_*.py).

Each harness states its invariant at its top (Decoder: never raises, chunking and
backend do not change the tokens, memory bounded, demux loses nothing;
commands.parse: a Command whose bytes parse back equal and are one line, or a
ValueError; Session: any module output while commands wait never raises, and every
request completes exactly once; the C line table: the reference's event for every
line, types included). Here each runs for a bounded time in a subprocess, its seed corpus
read-only behind a scratch corpus, and any finding (a crash, an assertion, a
timeout) fails the test with the harness's report.

Needs: ``pip install atheris`` (wheels for CPython 3.11 on x86-64 Linux; building
it elsewhere needs clang). The C tokenizer must be built (the decoder harness
compares both backends).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FUZZ = ROOT / "tests" / "fuzz"
SECONDS = int(os.environ.get("PYQIO_PYFUZZ_SECONDS", "20"))


def atheris_available() -> None:
    try:
        import atheris  # noqa: F401
    except ImportError:
        pytest.fail("atheris is not installed: `pip install atheris` (the Python fuzz "
                    "harnesses in tests/fuzz need it)")


def run_harness(name: str, corpus: str, tmp_path: Path) -> tuple[int, str]:
    scratch = tmp_path / "corpus"
    scratch.mkdir()
    cmd = [sys.executable, str(FUZZ / name), f"-max_total_time={SECONDS}",
           f"-artifact_prefix={tmp_path}/", "-rss_limit_mb=1024", "-timeout=10",
           str(scratch), str(FUZZ / "corpus" / corpus)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                          timeout=SECONDS + 120, check=False)
    out = proc.stdout + proc.stderr
    return proc.returncode, out


def executions(output: str) -> int:
    m = re.search(r"Done (\d+) runs in", output)
    return int(m.group(1)) if m else 0


@pytest.mark.parametrize("harness, corpus", [
    ("fuzz_decoder.py", "decoder"),
    ("fuzz_commands.py", "commands"),
    ("fuzz_session.py", "session"),
    ("fuzz_lines.py", "lines"),
])
def test_harness_finds_nothing_in_a_bounded_run(harness: str, corpus: str,
                                                tmp_path: Path) -> None:
    atheris_available()
    assert any((FUZZ / "corpus" / corpus).iterdir()), "seed corpus missing"
    code, out = run_harness(harness, corpus, tmp_path)
    runs = executions(out)
    print(f"{harness}: {runs} executions in {SECONDS} s")
    tail = "\n".join(out.splitlines()[-40:])
    assert code == 0, f"{harness} found a failing input (artifacts in {tmp_path}):\n{tail}"
    # a harness that stops at once (import error, empty corpus) must not pass as clean
    assert runs > 1000, f"{harness} ran only {runs} inputs:\n{tail}"


def test_decoder_corpus_seeds_every_module_profile() -> None:
    # fuzz_decoder.py: byte 0 bits 5-6 pick the profile, bit 7 the buffer access ids;
    # seeds of each profile start the run in each framing
    heads = [f.read_bytes()[0] for f in (FUZZ / "corpus" / "decoder").iterdir()]
    assert {min((h >> 5) & 3, 2) for h in heads} == {0, 1, 2}
    assert any(h & 0x80 and (h >> 5) & 3 >= 2 for h in heads)


def test_decoder_harness_catches_a_broken_invariant(tmp_path: Path) -> None:
    """The harness is not vacuous: an input breaking an invariant makes it fail.

    A copy of the harness whose Python twin is swapped for one that drops every
    other token must be caught at once on the seed corpus."""
    atheris_available()
    src = (FUZZ / "fuzz_decoder.py").read_text()
    broken = src.replace(
        "def check_backends(s: dict, ids: set, body: bytes, seed: int, flip_seed: int) -> None:",
        "def check_backends(s: dict, ids: set, body: bytes, seed: int, flip_seed: int) -> None:\n"
        "    _orig = _tokenizer.Tokenizer.feed\n"
        "    _tokenizer.Tokenizer.feed = lambda self, d: _orig(self, d)[::2]\n")
    assert broken != src
    copy = tmp_path / "fuzz_decoder_broken.py"
    copy.write_text(broken.replace(
        "os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))",
        repr(str(ROOT))))
    proc = subprocess.run([sys.executable, str(copy), "-runs=200",
                           f"-artifact_prefix={tmp_path}/", str(FUZZ / "corpus" / "decoder")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert proc.returncode != 0
    assert "backends differ" in proc.stdout + proc.stderr
