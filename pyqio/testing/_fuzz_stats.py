"""What a ``pyqio fuzz`` run did: inputs run, time, rate, and the coverage
figures the engine itself has (:class:`FuzzStats`).

The atheris child's figures are libFuzzer's, read from its output
(:class:`LibFuzzerLog`): ``cov`` (code edges covered), ``ft`` (features:
edges with hit counts) and the corpus it kept. The hypothesis engine's are
hypothesis's statistics of its generate phase: test cases that reached the
handler (valid or failing) and those the strategies rejected; hypothesis
measures no code coverage while it generates, and none is made up for it.
"""
from __future__ import annotations

import collections
import dataclasses
import re
import time
from collections.abc import Callable
from typing import Any

__all__ = ["PROGRESS_EVERY", "FuzzStats", "LibFuzzerLog", "Progress", "hypothesis_figures"]

PROGRESS_EVERY = 10.0  # seconds between progress reports, at most one per libFuzzer status line


@dataclasses.dataclass
class FuzzStats:
    """The figures of one run, so far (``done`` False) or at its end.

    ``execs``: inputs the engine ran through the handler while searching
    (libFuzzer's executed units; hypothesis's valid and failing test cases),
    not counting the shrinking of a finding. ``seconds``: the search's wall
    time (the atheris child's start-up included). ``finding_at``: the input,
    counted the same way, that first failed. ``figures``: the engine's own
    counts, named as it names them (see :meth:`describe`).
    """

    engine: str
    execs: int = 0
    seconds: float = 0.0
    figures: dict[str, int] = dataclasses.field(default_factory=dict)
    finding_at: int | None = None
    new_ago: float | None = None  # seconds since the engine last reported new coverage
    done: bool = False

    @property
    def rate(self) -> float:
        """Inputs per second of the search."""
        return self.execs / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        """One line: ``atheris: 40555 inputs in 5.1 s (7952/s); libFuzzer: cov 175, ...``."""
        head = f"{self.engine}: {self.execs} inputs in {self.seconds:.1f} s ({self.rate:.0f}/s)"
        if self.finding_at is not None:
            head += f", the finding at input {self.finding_at}"
        return f"{head}; {self._figures()}"

    def _figures(self) -> str:
        f = self.figures
        if self.engine == "atheris":
            if "cov" not in f:
                return "libFuzzer: no coverage figures yet (it reports them after its seed corpus)"
            new = "" if self.new_ago is None else f", new coverage {self.new_ago:.0f} s ago"
            return (f"libFuzzer: cov {f['cov']} (edges), ft {f['ft']} (features), "
                    f"corpus {f.get('corpus', 0)} inputs{new}")
        if not f:  # while it runs: its statistics come at the end of each batch
            return "hypothesis measures no code coverage"
        failing = f", {f['failing']} failing" if f.get("failing") else ""
        return (f"hypothesis: {f.get('valid', 0)} valid{failing}, {f.get('invalid', 0)} rejected "
                "test cases; it measures no code coverage")


class Progress:
    """Hands the run's figures to *callback* while it runs: :meth:`due` is True at
    most once per *every* seconds."""

    def __init__(self, callback: Callable[[FuzzStats], None], every: float = PROGRESS_EVERY) -> None:
        self.callback = callback
        self.every = every
        self.last = time.monotonic()

    def due(self) -> bool:
        now = time.monotonic()
        if now - self.last < self.every:
            return False
        self.last = now
        return True

    def __call__(self, stats: FuzzStats) -> None:
        self.callback(stats)


_STATUS = re.compile(r"^#(\d+)\s+(\w+)\s")
_FIELD = re.compile(r"\b(cov|ft|corp): (\d+)")
_FINAL = re.compile(r"^stat::number_of_executed_units:\s*(\d+)")
# a line of libFuzzer's own (its log after a Python exception block), which ends that block
_LIBFUZZER_LINE = re.compile(r"^(INFO:|WARNING:|==\d+==|#\d+\s|MS: |SUMMARY: |stat::)")
_EXCEPTION_LINES = 200  # at most this much of a traceback is kept


class LibFuzzerLog:
    """libFuzzer's output, line by line: its status lines (``#4096 pulse cov: 175
    ft: 651 corp: 132/18Kb ...``), its final ``stat::`` lines, and a tail of the
    rest for an error message."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.execs = 0
        self.final_execs: int | None = None
        self.figures: dict[str, int] = {}
        self.last_new: float | None = None
        self.tail: collections.deque[str] = collections.deque(maxlen=200)
        # atheris's "=== Uncaught Python exception: ===" block: the handler's traceback,
        # which libFuzzer's dump of the input after it would push out of the tail
        self.exception: list[str] = []
        self._in_exception = False

    def feed(self, line: str) -> bool:
        """Take one line; True when it was a status line (new figures)."""
        self.tail.append(line)
        if line.strip() == "=== Uncaught Python exception: ===":
            self.exception, self._in_exception = [line], True
            return False
        if self._in_exception:
            if _LIBFUZZER_LINE.match(line) or len(self.exception) >= _EXCEPTION_LINES:
                self._in_exception = False
            else:
                self.exception.append(line)
                return False
        if (m := _FINAL.match(line)) is not None:
            self.final_execs = int(m.group(1))
            return False
        m = _STATUS.match(line)
        if m is None:
            return False
        self.execs = int(m.group(1))
        for name, value in _FIELD.findall(line):
            self.figures["corpus" if name == "corp" else name] = int(value)
        if m.group(2) == "NEW":
            self.last_new = time.monotonic()
        return True

    def stats(self, done: bool = False) -> FuzzStats:
        now = time.monotonic()
        execs = self.final_execs if self.final_execs is not None else self.execs
        new_ago = None if self.last_new is None else now - self.last_new
        return FuzzStats("atheris", execs, now - self.start, dict(self.figures), new_ago=new_ago, done=done)

    def text(self, limit: int = 2000) -> str:
        """The end of the output, for an error message; the handler's traceback first
        when atheris printed one (the input's dump after it is left out)."""
        if not self.exception:
            return "".join(self.tail)[-limit:]
        block = "".join(self.exception).rstrip("\n")[-limit:]
        last = [ln for ln in self.tail if ln.startswith(("==", "SUMMARY:", "artifact_prefix="))]
        return block + "\n" + "".join(last[-3:])


def hypothesis_figures(into: dict[str, int], statistics: Any) -> float:
    """Add one hypothesis run's generate-phase test cases to *into*, by status:
    ``valid`` and ``failing`` ran the handler, ``invalid`` the strategies rejected.
    Returns the seconds it spent in other phases (shrinking), not searching."""
    phase = statistics.get("generate-phase")
    if not isinstance(phase, dict) or "test-cases" not in phase:
        return 0.0  # a hypothesis whose statistics read otherwise: the handler's own count stands
    cases = phase["test-cases"]
    counts = collections.Counter(case.get("status") for case in cases)
    into["valid"] = into.get("valid", 0) + counts["valid"]
    into["failing"] = into.get("failing", 0) + counts["interesting"]
    into["invalid"] = into.get("invalid", 0) + counts["invalid"] + counts["overrun"]
    return sum(float(other.get("duration-seconds", 0.0)) for name, other in statistics.items()
               if name.endswith("-phase") and name != "generate-phase" and isinstance(other, dict))
