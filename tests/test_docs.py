"""The documentation: the MkDocs site builds with warnings as errors, and every
code block of README.md and docs/ runs as shown (conventions: tests/doc_blocks.py).

Needs: the ``docs`` extra (mkdocs, mkdocstrings[python]; the ``test`` extra pulls
it in), the ``sim`` extra, mosquitto and paho-mqtt for the tutorial.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from doc_blocks import ALIASES, CHECKER, RUN, Block, blocks, console_steps, output_matches, with_checks

ROOT = Path(__file__).resolve().parent.parent
# csrc/TOKENS.md is on the site too (tools/mkdocs_hooks.py generates docs/tokens.md from it)
PAGES = [ROOT / "README.md", ROOT / "csrc" / "TOKENS.md", *sorted((ROOT / "docs").rglob("*.md"))]
ALL = [b for page in PAGES for b in blocks(page)]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # the interpreter's own scripts (pyqio, mkdocs) first, as in an activated venv
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _run(argv: list[str], cwd: Path, log: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run *argv* in a session of its own, output to files (a broker a block started
    may hold a pipe open after the block is done), and end whatever it left running."""
    out, err = log.with_suffix(".out"), log.with_suffix(".err")
    with out.open("w") as fo, err.open("w") as fe:
        proc = subprocess.Popen(argv, cwd=cwd, env=_env(), stdout=fo, stderr=fe, text=True,
                                start_new_session=True)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            code = -1
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    return subprocess.CompletedProcess(argv, code, out.read_text(), err.read_text())


def test_there_are_pages_and_blocks_to_run() -> None:
    assert len(PAGES) >= 10
    assert sum(b.lang == "python" and b.no_run is None for b in ALL) >= 15


@pytest.mark.parametrize("block", ALL, ids=lambda b: b.where)
def test_every_block_runs_or_says_why_not(block: Block) -> None:
    assert block.lang not in ALIASES, (
        f"{block.where}: a ```{block.lang} block; write ```python, ```sh or ```console so the suite runs it")
    if block.no_run is not None:
        assert len(block.no_run.split()) >= 3, f"{block.where}: <!-- no-run: ... --> needs a reason"
        assert block.lang in RUN, f"{block.where}: a no-run mark on a block that would not run anyway"


def _python_pages() -> list[Path]:
    return [p for p in PAGES if any(b.lang == "python" and b.no_run is None for b in blocks(p))]


@pytest.mark.parametrize("page", _python_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_of_a_page_run_in_order(page: Path, tmp_path: Path) -> None:
    parts = [CHECKER]
    for b in blocks(page):
        if b.lang == "python" and b.no_run is None:
            parts.append(f"\n# ---- {b.where}\n__doc_block = {b.where!r}\n" + with_checks(b.code))
    script = tmp_path / f"{page.stem}_blocks.py"
    script.write_text("".join(parts))
    run = _run([sys.executable, str(script)], tmp_path, tmp_path / "log")
    assert run.returncode == 0, f"{page.name}: a block failed (script {script}):\n{run.stderr[-4000:]}"


SHELL = [b for b in ALL if b.lang in ("sh", "console") and b.no_run is None]


@pytest.mark.parametrize("block", SHELL, ids=lambda b: b.where)
def test_shell_block_runs_and_prints_what_it_shows(block: Block, tmp_path: Path) -> None:
    if block.lang == "sh":
        run = _run(["bash", "-e", "-c", block.code], tmp_path, tmp_path / "log")
        assert run.returncode == 0, f"{block.where}:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}"
        return
    for command, shown in console_steps(block.code):
        run = _run(["bash", "-e", "-c", command], tmp_path, tmp_path / "log")
        assert run.returncode == 0, f"{block.where}: `{command}` failed:\n{run.stderr[-2000:]}"
        got = run.stdout.splitlines()
        assert output_matches(shown, got), (
            f"{block.where}: `{command}` shows\n" + "\n".join(shown) + "\nbut prints\n" + "\n".join(got))


def test_the_site_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    pytest.importorskip("mkdocstrings_handlers.python", reason="the docs extra: pip install -e '.[docs]'")
    site = tmp_path / "site"
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                          "-d", str(site)], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    assert (site / "index.html").exists() and (site / "tutorial" / "index.html").exists()
    # the API reference is generated from the docstrings, not written by hand
    reference = (site / "reference" / "index.html").read_text()
    assert "Decoder" in reference and "recv_format" in reference


def test_every_public_module_has_a_reference_page() -> None:
    import pkgutil

    import pyqio

    public = [m.name for m in pkgutil.iter_modules(pyqio.__path__)
              if not m.name.startswith("_") and m.name not in ("cli", "data")]
    assert {"wire", "events", "commands", "session", "modem", "transports", "sim", "errors"} <= set(public)
    nav = (ROOT / "mkdocs.yml").read_text()
    for name in public:
        page = ROOT / "docs" / "reference" / f"{name}.md"
        assert page.exists() and f"::: pyqio.{name}" in page.read_text(), f"no reference page for pyqio.{name}"
        assert f"reference/{name}.md" in nav


def test_runner_catches_a_wrong_shown_value(tmp_path: Path) -> None:
    """The control: a block whose shown result is wrong fails its page."""
    script = tmp_path / "wrong.py"
    script.write_text(CHECKER + with_checks("import pyqio\nlen(pyqio.decode(b'\\r\\nOK\\r\\n'))\n# -> 2\n"))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "the page shows\n  2\nbut it gives\n  1" in run.stderr
    assert not output_matches(['{"event": "Ok"}'], ['{"event": "Error"}'])
    assert output_matches(["a", "...", "z"], ["a", "b", "c", "z"])
