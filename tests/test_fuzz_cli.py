"""``pyqio fuzz``: finds a planted bug in a sample handler (examples/handler.py) within
its default budget, with each engine, saves a shrunk reproducer capture that
``--reproduce`` (and :func:`pyqio.testing.fuzz.reproduce`) runs again, and finds
nothing in the fixed handler. Each run reports what it did: the inputs (as many as
the handler saw), time, rate, the engine's own figures (libFuzzer's cov/ft/corpus,
hypothesis's test cases) and the input that failed; progress lines on stderr.

Needs: pytest, hypothesis; atheris (the `test` extra) for the atheris engine.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pyqio.capture import MODULE, read_capture
from pyqio.errors import InvalidArgument
from pyqio.testing.fuzz import FuzzStats, _libfuzzer_seed, fuzz, load_target, parse_budget, reproduce

ROOT = Path(__file__).resolve().parent.parent
HANDLER = str(ROOT / "examples" / "handler.py")


def pyqio(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyqio", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=400, check=False)


STATS = re.compile(r"^pyqio fuzz: (?P<engine>atheris|hypothesis): (?P<execs>\d+) inputs in "
                   r"(?P<seconds>\d+\.\d) s \((?P<rate>\d+)/s\)(?:, the finding at input (?P<at>\d+))?; "
                   r"(?P<figures>.*)$", re.M)
LIBFUZZER = re.compile(r"libFuzzer: cov (\d+) \(edges\), ft (\d+) \(features\), corpus (\d+) inputs")
HYPOTHESIS = re.compile(r"hypothesis: (\d+) valid(?:, (\d+) failing)?, (\d+) rejected test cases; "
                        "it measures no code coverage")


def stats_line(stdout: str) -> re.Match:
    """The figures: the line before the verdict, which stays stdout's last line."""
    lines = stdout.splitlines()
    verdict = next(i for i, line in enumerate(lines) if line.startswith(("pyqio fuzz: no finding",
                                                                         "pyqio fuzz: finding:")))
    found = STATS.match(lines[verdict - 1])
    assert found, stdout
    assert int(found["execs"]) > 0 and float(found["seconds"]) > 0, found[0]
    return found


@pytest.mark.parametrize("engine", ["auto", "atheris", "hypothesis"])
def test_fuzz_finds_the_planted_bug_and_writes_a_reproducer(tmp_path, engine):
    out = tmp_path / "findings"
    proc = pyqio("fuzz", f"{HANDLER}:on_events", "--out", str(out), "--engine", engine,
                 "--seed", "1", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "finding: KeyError" in proc.stdout and "buffers.pop(ev.connect_id)" in proc.stdout
    stats = stats_line(proc.stdout)
    assert stats["engine"] == engine or engine == "auto"
    assert 1 <= int(stats["at"]) <= int(stats["execs"]), stats[0]
    [cap_path] = out.glob("fuzz-KeyError-*.cap")
    cap = read_capture(cap_path)
    data = b"".join(r.data for r in cap if r.kind == MODULE)
    assert b'"closed"' in data and len(data) <= 64  # shrunk to about one URC
    assert cap.header.meta["error"].startswith("KeyError")
    # the capture reproduces it, from the command line and from Python
    again = pyqio("fuzz", f"{HANDLER}:on_events", "--reproduce", str(cap_path), cwd=tmp_path)
    assert again.returncode == 1 and "reproduces KeyError" in again.stdout
    assert isinstance(reproduce(load_target(f"{HANDLER}:on_events"), cap_path), KeyError)
    fixed = pyqio("fuzz", f"{HANDLER}:on_events_fixed", "--reproduce", str(cap_path), cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr


def test_the_fixed_handler_survives_a_budget(tmp_path):
    proc = pyqio("fuzz", f"{HANDLER}:on_events_fixed", "--budget", "300", "--engine", "hypothesis",
                 "--out", str(tmp_path / "f"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no finding within 300" in proc.stdout and not (tmp_path / "f").exists()
    assert proc.stdout.splitlines()[-1] == "pyqio fuzz: no finding within 300"
    stats = stats_line(proc.stdout)
    assert stats["engine"] == "hypothesis" and stats["at"] is None
    figures = HYPOTHESIS.fullmatch(stats["figures"])
    assert figures and int(figures[1]) == int(stats["execs"]) == 300, stats[0]  # the budget, not a batch more


COUNTING = """
_last = None
def handle(session, evs):  # called once per read: a new session is a new input
    global _last
    if session is not _last:
        _last = session
        with open({path!r}, "ab") as f:
            f.write(b".")
"""


@pytest.mark.parametrize("engine", ["atheris", "hypothesis"])
def test_the_figures_count_the_inputs_the_handler_ran(tmp_path, engine):
    # the atheris case needs atheris, and fails without it (.ci/run's other-Python runs deselect it)
    count = tmp_path / "count"
    handler = tmp_path / f"counting_{engine}.py"  # a module name of its own: imported in this process
    handler.write_text(COUNTING.format(path=str(count)))
    reports: list[FuzzStats] = []
    assert fuzz(f"{handler}:handle", budget="300", engine=engine,
                on_stats=reports.append) is None
    final = reports[-1]
    assert final.done and all(not r.done for r in reports[:-1])
    assert final.engine == engine and final.finding_at is None
    assert final.execs == count.stat().st_size >= 300  # the engine's count is the handler's
    assert final.seconds > 0 and final.rate == final.execs / final.seconds
    if engine == "atheris":
        assert final.execs == 300  # libFuzzer's -runs: the empty input and the seed corpus count
        assert final.figures["cov"] > 0 and final.figures["ft"] >= final.figures["cov"]
        assert final.figures["corpus"] > 0
    else:
        assert final.figures["valid"] == final.execs and final.figures["failing"] == 0


def test_the_atheris_engine_reports_libfuzzers_coverage(tmp_path):
    # needs atheris, and fails without it (.ci/run's other-Python runs deselect it)
    proc = pyqio("fuzz", f"{HANDLER}:on_events_fixed", "--engine", "atheris", "--budget", "2000",
                 "--out", str(tmp_path / "f"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "pyqio fuzz: no finding within 2000"
    stats = stats_line(proc.stdout)
    assert stats["engine"] == "atheris" and int(stats["execs"]) == 2000
    figures = LIBFUZZER.match(stats["figures"])
    assert figures, stats[0]
    cov, ft, corpus = map(int, figures.groups())
    assert 0 < cov <= ft and corpus > 0


@pytest.mark.parametrize("engine", ["atheris", "hypothesis"])
def test_progress_lines_go_to_stderr_and_quiet_leaves_them_out(tmp_path, engine):
    # the atheris case needs atheris, and fails without it (.ci/run's other-Python runs deselect it)
    args = ("fuzz", f"{HANDLER}:on_events_fixed", "--engine", engine, "--budget", "3s",
            "--progress", "0.5", "--out", str(tmp_path / "f"))
    proc = pyqio(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    progress = [STATS.match(line) for line in proc.stderr.splitlines()]
    assert len(progress) >= 2 and all(progress), proc.stderr
    execs = [int(p["execs"]) for p in progress if p]
    assert execs == sorted(execs) and execs[-1] <= int(stats_line(proc.stdout)["execs"])
    assert len(STATS.findall(proc.stdout)) == 1  # stdout: the final figures and the verdict only
    quiet = pyqio(*args, "--quiet", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    stats_line(quiet.stdout)


def test_a_two_parameter_handler_gets_the_session(tmp_path):
    (tmp_path / "sesshandler.py").write_text(
        "from pyqio.session import Session\n"
        "from pyqio import events\n"
        "def handle(session, evs):\n"
        "    assert isinstance(session, Session)\n"
        "    for ev in evs:\n"
        "        if isinstance(ev, events.Recv) and session.recv_format == 'hex':\n"
        "            raise RuntimeError('planted: hex data')\n")
    proc = pyqio("fuzz", "sesshandler:handle", "--engine", "hypothesis", "--seed", "2",
                 "--out", str(tmp_path / "f"), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "RuntimeError: planted: hex data" in proc.stdout
    [cap] = (tmp_path / "f").glob("*.cap")
    assert read_capture(cap).settings.recv_format == "hex"


@pytest.mark.parametrize("target, why", [
    ("no_colon", "expected MODULE:CALLABLE"),
    ("no_such_module_xyz:f", "cannot import no_such_module_xyz"),
    (f"{HANDLER}:missing", "has no missing"),
    (f"{HANDLER}:lines", "lines is not callable"),
])
def test_bad_targets_are_usage_errors(tmp_path, target, why):
    proc = pyqio("fuzz", target, cwd=tmp_path)
    assert proc.returncode == 2 and why in proc.stderr, proc.stderr


def test_budgets_are_seconds_or_examples():
    assert parse_budget("30s") == (30.0, None)
    assert parse_budget("2m") == (120.0, None)
    assert parse_budget("500ms") == (0.5, None)
    assert parse_budget("5000") == (None, 5000)
    with pytest.raises(InvalidArgument, match="budget 'soon'"):
        parse_budget("soon")
    with pytest.raises(InvalidArgument, match="budget '0'"):
        parse_budget("0")


BG96_RECV = b'\r\n+QIURC: "recv",0,5\r\nhello\r\n'  # bg96 framing: the length ends the header line


def test_feed_decodes_with_the_captures_module_profile():
    """A bg96 capture (``--module bg96``, ``--reproduce``) reaches the handler as bg96
    events, through a Decoder and through a Session; it was decoded as bc660k."""
    from pyqio.capture import CaptureSettings
    from pyqio.events import Recv
    from pyqio.testing.fuzz import feed

    got: list = []
    feed(got.extend, CaptureSettings(module="bg96"), [BG96_RECV])
    assert [type(e) for e in got] == [Recv] and got[0].data == b"hello"
    seen: list = []
    feed(lambda session, evs: seen.extend(evs), CaptureSettings(module="bg96"), [BG96_RECV])
    assert [type(e) for e in seen] == [Recv] and seen[0].data == b"hello"


def test_the_atheris_child_decodes_with_the_module_profile_it_is_given(tmp_path):
    # atheris is in the test extra: without it this fails, as the atheris engine's
    # case above does (.ci/run's other-Python runs, which leave atheris out, deselect both)
    from pyqio.capture import CaptureSettings
    from pyqio.testing._fuzz_atheris import encode_input

    (tmp_path / "strict.py").write_text(
        "from pyqio.events import ProtocolError\n"
        "def on_events(evs):\n"
        "    bad = [e for e in evs if isinstance(e, ProtocolError)]\n"
        "    assert not bad, bad\n")
    case = tmp_path / "case"
    case.write_bytes(encode_input(CaptureSettings(module="bg96"), BG96_RECV))
    proc = subprocess.run([sys.executable, "-m", "pyqio.testing._fuzz_atheris",
                           f"{tmp_path / 'strict.py'}:on_events", "bg96", str(case)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_libfuzzer_lines_are_read_for_the_figures():
    from pyqio.testing._fuzz_stats import LibFuzzerLog

    log = LibFuzzerLog()
    assert not log.feed("INFO: Seed: 1\n")
    assert log.feed("#65\tINITED cov: 160 ft: 540 corp: 60/11Kb exec/s: 0 rss: 54Mb\n")
    assert log.feed("#70\tNEW    cov: 161 ft: 545 corp: 61/11Kb lim: 329 exec/s: 0 rss: 54Mb L: 9/423 MS: 1 ...\n")
    stats = log.stats()
    assert (stats.execs, stats.figures) == (70, {"cov": 161, "ft": 545, "corpus": 61})
    assert stats.new_ago is not None and "cov 161 (edges), ft 545 (features), corpus 61" in stats.describe()
    log.feed("stat::number_of_executed_units: 81\n")  # after a finding: the last word on the count
    assert log.stats(done=True).execs == 81
    seeds_only = LibFuzzerLog()
    seeds_only.feed("stat::number_of_executed_units: 38\n")  # a finding in the seed corpus
    assert seeds_only.stats().execs == 38
    assert "no coverage figures yet" in seeds_only.stats().describe()


def test_every_seed_given_is_a_fixed_libfuzzer_seed_never_its_pick_one_zero():
    """libFuzzer's -seed=0 means "pick a seed": --seed 0 must still repeat its run."""
    assert _libfuzzer_seed(None) == 0
    given = [0, 1, 2, 7, 2 ** 32 - 2, -1, 10 ** 12]
    mapped = [_libfuzzer_seed(s) for s in given]
    assert all(1 <= m <= 2 ** 32 - 1 for m in mapped), mapped
    assert len(set(mapped[:5])) == 5  # small seeds stay apart
    assert _libfuzzer_seed(0) == _libfuzzer_seed(0)


def test_a_child_failure_shows_the_handlers_traceback_not_the_input_dump():
    """An atheris child that fails shows the handler's traceback in the error, even
    when libFuzzer's dump of the input (hex bytes, escapes, base64) follows it at
    length: the tail alone would hold only the dump."""
    from pyqio.testing._fuzz_stats import LibFuzzerLog

    log = LibFuzzerLog()
    for line in ["INFO: Seed: 1\n", "\n", " === Uncaught Python exception: ===\n",
                 "ValueError: planted\n", "Traceback (most recent call last):\n",
                 '  File "/tmp/bad_handler.py", line 4, in on_events\n',
                 '    raise ValueError("planted")\n', "ValueError: planted\n", "\n", "\n",
                 "INFO: Instrumenting bad_handler\n",
                 "==20714== ERROR: libFuzzer: fuzz target exited\n",
                 "SUMMARY: libFuzzer: fuzz target exited\n",
                 "MS: 0 ; base unit: 0000000000000000000000000000000000000000\n",
                 "0x0," * 2000 + "\n", "\\000" * 2000 + "\n",
                 "artifact_prefix='/tmp/x/'; Test unit written to /tmp/x/crash-9a28\n",
                 "Base64: " + "A" * 3000 + "\n"]:
        log.feed(line)
    text = log.text()
    assert len(text) < 2500
    assert text.lstrip().startswith("=== Uncaught Python exception: ===")
    assert 'raise ValueError("planted")' in text
    assert "ERROR: libFuzzer: fuzz target exited" in text
    assert "Test unit written to /tmp/x/crash-9a28" in text
    assert "0x0,0x0" not in text and "Base64" not in text
    plain = LibFuzzerLog()  # no exception block (a crash in C, say): the tail as it was
    plain.feed("==1== ERROR: AddressSanitizer: heap-buffer-overflow\n")
    assert plain.text() == "==1== ERROR: AddressSanitizer: heap-buffer-overflow\n"
