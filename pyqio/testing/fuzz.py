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

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument
from ._fuzz_run import Finding, feed, load_target, minimize, reproduce, run_one, save_reproducer

__all__ = ["DEFAULT_BUDGET", "Finding", "feed", "fuzz", "load_target", "parse_budget", "reproduce"]

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
         engine: str = "auto", module: str = "bc660k") -> Finding | None:
    """Fuzz *target* (a callable, or ``"MODULE:CALLABLE"``); the first finding,
    shrunk and saved in *out* (when given), or None when the budget ran out."""
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
    if engine == "atheris":
        if not isinstance(target, str):
            raise InvalidArgument("the atheris engine runs the target in a child process: "
                                  "give it as 'MODULE:CALLABLE'")
        finding = _atheris(target, callback, seconds, examples, seed, module)
    else:
        finding = _hypothesis(callback, seconds, examples, seed, module)
    if finding is not None and out is not None:
        save_reproducer(finding, out, target if isinstance(target, str) else repr(target))
    return finding


# -- hypothesis ---------------------------------------------------------------------------

def _hypothesis(callback: Callable[..., Any], seconds: float | None, examples: int | None,
                seed: int | None, module: str) -> Finding | None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    from .strategies import chunked, module_streams

    failing: list[Finding] = []
    case = module_streams(module=module).flatmap(lambda s: st.tuples(st.just(s), chunked(s.data)))

    def check(pair: tuple[Any, list[bytes]]) -> None:
        stream, chunks = pair
        err = run_one(callback, stream.settings, chunks)
        if err is not None:
            failing.append(Finding(err, stream.settings, chunks))
            raise err

    deadline = None if seconds is None else time.monotonic() + seconds
    batch = 200 if examples is None else min(examples, 200)
    done = 0
    rounds = 0
    while True:
        conf = settings(max_examples=batch, deadline=None, database=None, derandomize=False,
                        phases=[Phase.generate, Phase.shrink], print_blob=False,
                        suppress_health_check=list(HealthCheck))
        test = conf(given(case)(check))
        test = hseed((seed or 0) * 1_000_003 + rounds)(test) if seed is not None else test
        try:
            test()
        except Exception:  # noqa: BLE001 - the handler's error; the last one is the shrunk one
            if failing:
                return failing[-1]
            raise
        rounds += 1
        done += batch
        if examples is not None and done >= examples:
            return None
        if deadline is not None and time.monotonic() >= deadline:
            return None


# -- atheris ------------------------------------------------------------------------------

def _atheris(target: str, callback: Callable[..., Any], seconds: float | None, examples: int | None,
             seed: int | None, module: str) -> Finding | None:
    from ._fuzz_atheris import decode_input, seed_corpus

    with tempfile.TemporaryDirectory(prefix="pyqio-fuzz-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        corpus.mkdir()
        seed_corpus(corpus, module, seed or 0)
        cmd = [sys.executable, "-m", "pyqio.testing._fuzz_atheris", target, module,
               f"-artifact_prefix={work}/", "-rss_limit_mb=2048", "-timeout=20",
               f"-seed={seed if seed is not None else 0}", str(corpus)]
        if seconds is not None:
            cmd.insert(5, f"-max_total_time={max(1, int(seconds))}")
        if examples is not None:
            cmd.insert(5, f"-runs={examples}")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), *sys.path]))
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False,
                              timeout=None if seconds is None else seconds + 120)
        crashes = sorted(work.glob("crash-*")) + sorted(work.glob("timeout-*"))
        if not crashes:
            if proc.returncode != 0:
                raise RuntimeError(f"the atheris run failed (exit {proc.returncode}):\n"
                                   f"{proc.stderr[-2000:]}")
            return None
        settings, chunks = decode_input(crashes[0].read_bytes(), module)
    err = run_one(callback, settings, chunks)
    if err is None:  # flaky in the child only (state kept between calls): report as found there
        err = RuntimeError(f"the handler failed in the fuzzer but not when run again:\n"
                           f"{proc.stderr[-2000:]}")
        return Finding(err, settings, chunks)
    return minimize(Finding(err, settings, chunks), callback)
