"""The fenced code blocks of README.md and docs/, and how tests/test_docs.py runs them.

Conventions (CONTRIBUTING.md, "Documentation"):

- ```` ```python ````: run; the blocks of one page run in order in one process, so a
  page can build on its earlier blocks. An expression statement followed by a
  comment line ``# -> TEXT`` must have ``repr`` equal to TEXT (``...`` in TEXT
  matches anything); ``# -> raises Name: message`` expects that exception.
- ```` ```sh ````: a script, run with ``bash -e``; it must exit 0.
- ```` ```console ````: ``$ `` lines are commands, the lines after each one its
  expected standard output (a line ``...`` matches any number of lines).
- ``<!-- no-run: why -->`` on the line before a fence leaves it out; the reason
  is required.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

RUN = {"python", "sh", "console"}
# fences that look runnable but would escape the runner: they must use a RUN name
# (or a no-run comment), so an example cannot rot by its fence's spelling
ALIASES = {"py", "python3", "pycon", "bash", "shell", "zsh", "shell-session", "sh-session", "ipython"}
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<lang>[\w+-]*)[^\n]*$")
NO_RUN = re.compile(r"^\s*<!--\s*no-run\s*:(?P<why>.*?)-->\s*$")
EXPECT = re.compile(r"^\s*# -> (?P<text>.*)$")


@dataclass
class Block:
    path: Path
    line: int          # 1-based line of the opening fence
    lang: str
    code: str
    no_run: str | None  # the reason given, or None when the block runs

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """Every fenced block of a Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m["fence"], len(m["indent"])
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        prev = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        mark = NO_RUN.match(prev)
        out.append(Block(path, start + 1, m["lang"].lower(), "\n".join(body) + "\n",
                         mark["why"].strip() if mark else None))
        i += 1
    return out


def with_checks(code: str) -> str:
    """*code* with every expression statement followed by ``# -> TEXT`` turned into a
    check of its value (or of what it raises); ``await`` expressions work too."""
    lines = code.splitlines()
    tree = ast.parse(code)
    exprs = [n for n in ast.walk(tree) if isinstance(n, ast.Expr) and n.end_lineno is not None]
    for node in sorted(exprs, key=lambda n: n.lineno, reverse=True):
        after = node.end_lineno  # 0-based index of the line after the expression
        m = EXPECT.match(lines[after]) if after < len(lines) else None
        if m is None:
            continue
        pad = " " * node.col_offset
        expr = ast.get_source_segment(code, node.value)
        lines[node.lineno - 1:after + 1] = [
            f"{pad}try:",
            f"{pad}    __doc_got = ('value', ({expr}))",
            f"{pad}except Exception as __doc_exc:",
            f"{pad}    __doc_got = ('raised', __doc_exc)",
            f"{pad}__doc_check(__doc_got, {m['text']!r}, {node.lineno})",
        ]
    return "\n".join(lines) + "\n"


CHECKER = r'''
import re as __re

def __doc_check(got, expected, line):
    kind, value = got
    if expected.startswith("raises "):
        if kind != "raised":
            raise AssertionError(f"line {line} of the block: expected {expected!r}, nothing was raised")
        name, _, message = expected[len("raises "):].partition(": ")
        text = f"{type(value).__name__}: {value}"
        ok = type(value).__name__ == name and (not message or __matches(f"{name}: {message}", text))
    elif kind == "raised":
        raise value
    else:
        text = repr(value)
        ok = __matches(expected, text)
    if not ok:
        raise AssertionError(f"line {line} of the block: the page shows\n  {expected}\nbut it gives\n  {text}")

def __matches(pattern, text):
    return __re.fullmatch(".*?".join(__re.escape(p) for p in pattern.split("...")), text, __re.S) is not None
'''


def console_steps(code: str) -> list[tuple[str, list[str]]]:
    """``$ command`` lines and the output lines shown after each."""
    steps: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"console block: output {line!r} before any '$ ' command")
    return steps


def output_matches(shown: list[str], got: list[str]) -> bool:
    """Line by line, with a shown ``...`` line matching any number of lines."""
    if not shown:
        return not got
    if shown[0] == "...":
        return any(output_matches(shown[1:], got[k:]) for k in range(len(got) + 1))
    return bool(got) and shown[0].rstrip() == got[0].rstrip() and output_matches(shown[1:], got[1:])
