"""``pyqio fuzz MODULE:CALLABLE``: fuzz a handler of module events.

The handler is called as the host's code would be: ``handler(events)`` with
the :mod:`pyqio.events` of each read the module made (a :class:`pyqio.Decoder`),
or ``handler(session, events)`` when it takes two parameters (a
:class:`pyqio.Session`, for code that looks at the session too). The streams
are those a module with random settings (text/hex, showRA, UDP SERVICE
sockets) could send, with hostile payloads (line ends, quotes, fake
``OK``/URC lines, NULs) and cut into reads at random places; hex mode and
unframed forms included.

Engines: ``hypothesis`` (generates valid streams from
:func:`pyqio.testing.strategies.module_streams` and shrinks what fails) and
``atheris`` (coverage-guided, in a child process, from a corpus of such
streams; its finding is then shrunk here). ``auto`` takes atheris where it is
installed. Any exception of the handler is a finding: the shrunk stream is
saved as a capture in ``out`` (``fuzz-<Error>-<hash>.cap``), which
``pyqio fuzz ... --reproduce FILE`` (or :func:`reproduce`) runs again.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from ..errors import InvalidArgument
from ._fuzz_run import Finding, feed, load_target, minimize, reproduce, run_one, save_reproducer
from ._fuzz_stats import PROGRESS_EVERY, FuzzStats, LibFuzzerLog, Progress, hypothesis_figures

__all__ = ["DEFAULT_BUDGET", "Finding", "FuzzStats", "feed", "fuzz", "load_target", "parse_budget",
           "reproduce"]

DEFAULT_BUDGET = "30s"


def parse_budget(text: str | float) -> tuple[float | None, int | None]:
    """``"30s"``, ``"2m"`` -> (seconds, None); ``"5000"`` -> (None, examples)."""
    if isinstance(text, (int, float)):
        return float(text), None
    t = text.strip().lower()
    try:
        if t.endswith("ms"):
            return float(t[:-2]) / 1000, None
        if t.endswith("s"):
            return float(t[:-1]), None
        if t.endswith("m"):
            return float(t[:-1]) * 60, None
        n = int(t)
    except ValueError:
        n = -1
    if n <= 0:
        raise InvalidArgument(f"budget {text!r}: expected seconds such as 30s or 2m, "
                              "or a number of examples such as 5000")
    return None, n


def engines() -> list[str]:
    """The engines installed here, best first."""
    out = []
    try:
        import atheris  # noqa: F401
        out.append("atheris")
    except ImportError:
        pass
    try:
        import hypothesis  # noqa: F401
        out.append("hypothesis")
    except ImportError:
        pass
    return out


def fuzz(target: str | Callable[..., Any], *, budget: str | float = DEFAULT_BUDGET,
         seed: int | None = None, out: str | os.PathLike[str] | None = None,
         engine: str = "auto", module: str = "bc660k",
         on_stats: Callable[[FuzzStats], None] | None = None,
         stats_every: float = PROGRESS_EVERY) -> Finding | None:
    """Fuzz *target* (a callable, or ``"MODULE:CALLABLE"``); the first finding,
    shrunk and saved in *out* (when given), or None when the budget ran out.

    *on_stats*, when given, is called with the run's :class:`FuzzStats` now and
    then while it searches (at most every *stats_every* seconds; ``done``
    False) and once at the end (``done`` True): inputs run, time, rate, the
    engine's coverage figures and the input that failed."""
    callback = load_target(target) if isinstance(target, str) else target
    seconds, examples = parse_budget(budget)
    have = engines()
    if engine == "auto":
        if not have:
            raise ImportError("pyqio fuzz needs hypothesis or atheris: pip install 'pyqio[testing]'")
        engine = have[0]
    if engine not in ("atheris", "hypothesis"):
        raise InvalidArgument(f"engine={engine!r}: choose auto, atheris or hypothesis")
    if engine not in have:
        raise ImportError(f"the {engine} engine is not installed: pip install {engine}")
    report = on_stats or (lambda stats: None)
    progress = Progress(report, stats_every)
    if engine == "atheris":
        if not isinstance(target, str):
            raise InvalidArgument("the atheris engine runs the target in a child process: "
                                  "give it as 'MODULE:CALLABLE'")
        finding, stats = _atheris(target, callback, seconds, examples, seed, module, progress)
    else:
        finding, stats = _hypothesis(callback, seconds, examples, seed, module, progress)
    if finding is not None and out is not None:
        save_reproducer(finding, out, target if isinstance(target, str) else repr(target))
    stats.done = True
    report(stats)
    return finding


# -- hypothesis ---------------------------------------------------------------------------

def _hypothesis(callback: Callable[..., Any], seconds: float | None, examples: int | None,
                seed: int | None, module: str,
                progress: Progress) -> tuple[Finding | None, FuzzStats]:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    from .strategies import chunked, module_streams

    failing: list[Finding] = []
    case = module_streams(module=module).flatmap(lambda s: st.tuples(st.just(s), chunked(s.data)))
    start = time.monotonic()
    stats = FuzzStats("hypothesis")
    runs = 0  # handler runs, shrinking included: the live count between hypothesis's statistics
    not_searching = 0.0  # seconds hypothesis spent shrinking

    def check(pair: tuple[Any, list[bytes]]) -> None:
        nonlocal runs
        stream, chunks = pair
        runs += 1
        err = run_one(callback, stream.settings, chunks)
        if err is not None:
            if not failing:
                stats.finding_at = runs
            failing.append(Finding(err, stream.settings, chunks))
            raise err
        if progress.due() and not failing:  # not while shrinking
            progress(FuzzStats("hypothesis", runs, time.monotonic() - start))

    def finish(found: Finding | None) -> tuple[Finding | None, FuzzStats]:
        stats.seconds = time.monotonic() - start - not_searching
        stats.execs = stats.figures["valid"] + stats.figures["failing"] if stats.figures else runs
        return found, stats

    deadline = None if seconds is None else start + seconds
    done = 0
    rounds = 0
    while True:
        batch = 200 if examples is None else min(examples - done, 200)  # the last one: what is left
        conf = settings(max_examples=batch, deadline=None, database=None, derandomize=False,
                        phases=[Phase.generate, Phase.shrink], print_blob=False,
                        suppress_health_check=list(HealthCheck))
        test = conf(given(case)(check))
        test = hseed((seed or 0) * 1_000_003 + rounds)(test) if seed is not None else test
        collected: list[Any] = []
        try:
            with _hypothesis_statistics(collected.append):
                test()
        except Exception:  # noqa: BLE001 - the handler's error; the last one is the shrunk one
            if failing:
                not_searching += sum(hypothesis_figures(stats.figures, c) for c in collected)
                return finish(failing[-1])
            raise
        not_searching += sum(hypothesis_figures(stats.figures, c) for c in collected)
        rounds += 1
        done += batch
        if examples is not None and done >= examples:
            return finish(None)
        if deadline is not None and time.monotonic() >= deadline:
            return finish(None)


def _hypothesis_statistics(callback: Callable[[Any], None]) -> contextlib.AbstractContextManager[Any]:
    """hypothesis's statistics of each run, as its pytest plugin gets them
    (``--hypothesis-show-statistics``); nothing where this hypothesis lacks them."""
    try:
        from hypothesis.statistics import collector
    except ImportError:
        return contextlib.nullcontext()
    manager: contextlib.AbstractContextManager[Any] = cast(Any, collector).with_value(callback)
    return manager


# -- atheris ------------------------------------------------------------------------------

def _atheris(target: str, callback: Callable[..., Any], seconds: float | None, examples: int | None,
             seed: int | None, module: str,
             progress: Progress) -> tuple[Finding | None, FuzzStats]:
    from ._fuzz_atheris import decode_input, seed_corpus

    with tempfile.TemporaryDirectory(prefix="pyqio-fuzz-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        corpus.mkdir()
        seed_corpus(corpus, module, seed or 0)
        cmd = [sys.executable, "-m", "pyqio.testing._fuzz_atheris", target, module,
               f"-artifact_prefix={work}/", "-rss_limit_mb=2048", "-timeout=20",
               "-print_final_stats=1", f"-seed={_libfuzzer_seed(seed)}", str(corpus)]
        if seconds is not None:
            cmd.insert(5, f"-max_total_time={max(1, int(seconds))}")
        if examples is not None:
            cmd.insert(5, f"-runs={examples}")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), *sys.path]))
        log, returncode = _run_child(cmd, env, None if seconds is None else seconds + 120, progress)
        stats = log.stats()
        crashes = sorted(work.glob("crash-*")) + sorted(work.glob("timeout-*"))
        if not crashes:
            if returncode != 0:
                raise RuntimeError(f"the atheris run failed (exit {returncode}):\n{log.text()}")
            return None, stats
        stats.finding_at = stats.execs
        settings, chunks = decode_input(crashes[0].read_bytes(), module)
    err = run_one(callback, settings, chunks)
    if err is None:  # flaky in the child only (state kept between calls): report as found there
        err = RuntimeError(f"the handler failed in the fuzzer but not when run again:\n{log.text()}")
        return Finding(err, settings, chunks), stats
    return minimize(Finding(err, settings, chunks), callback), stats


def _libfuzzer_seed(seed: int | None) -> int:
    """libFuzzer's ``-seed`` for *seed*: 0 (libFuzzer picks one) for None, and for
    every seed given a fixed number in 1..2**32-1, since libFuzzer takes 0 to mean
    "pick one" and would make ``--seed 0`` a different run each time."""
    if seed is None:
        return 0
    return seed % (2 ** 32 - 1) + 1


def _run_child(cmd: list[str], env: dict[str, str], limit: float | None,
               progress: Progress) -> tuple[LibFuzzerLog, int]:
    """Run the atheris child, reading libFuzzer's output as it comes: a progress
    report on a status line when one is due (libFuzzer prints one on new
    coverage and on each doubling of its runs)."""
    log = LibFuzzerLog()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", env=env) as proc:
        timer = None if limit is None else threading.Timer(limit, proc.kill)
        if timer is not None:
            timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if log.feed(line) and progress.due():
                    progress(log.stats())
        finally:
            if timer is not None:
                timer.cancel()
        return log, proc.wait()
