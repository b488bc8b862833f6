"""The package as its users meet it: version, logging, license.

The logger tree is a documented interface (docs/logging.md): a program turns on
``pyqio.at`` to see the AT wire trace, so a renamed or undocumented logger breaks it.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib.metadata import metadata, version
from pathlib import Path

import pyqio

ROOT = Path(__file__).resolve().parent.parent


def test_version_attribute_is_the_installed_metadata_version() -> None:
    assert pyqio.__version__ == version("pyqio")
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc)?\d*", pyqio.__version__)


def test_version_is_written_in_one_place_only() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text and "\nversion =" not in text.split("[tool.setuptools.dynamic]")[0]
    init = (ROOT / "pyqio" / "__init__.py").read_text()
    assert "__version__ =" not in init


def test_metadata_names_the_license_os_and_typing() -> None:
    meta = metadata("pyqio")
    assert meta["License-Expression"] == "MIT"
    classifiers = meta.get_all("Classifier") or []
    for wanted in ("Operating System :: POSIX :: Linux", "Typing :: Typed"):
        assert wanted in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert "the pyqio developers" in (meta["Author"] or "")
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n\nCopyright (c) 2026 the pyqio developers")


def test_changelog_has_an_unreleased_section_and_this_version() -> None:
    heads = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert heads[:2] == ["Unreleased", pyqio.__version__]


def _logger_names_in_the_package() -> set[str]:
    names = set()
    for path in (ROOT / "pyqio").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "getLogger"):
                arg = node.args[0] if node.args else None
                assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (
                    f"{path}: getLogger needs a literal name from the documented tree")
                names.add(arg.value)
    return names


def test_every_logger_is_in_the_documented_tree_and_every_documented_one_exists() -> None:
    documented = set(re.findall(r"^\| `(pyqio(?:\.[a-z_]+)*)` \|", (ROOT / "docs" / "logging.md").read_text(),
                                re.M))
    used = _logger_names_in_the_package()
    assert used <= documented, f"undocumented loggers: {sorted(used - documented)}"
    assert documented - {"pyqio"} <= used, f"documented but unused: {sorted(documented - used - {'pyqio'})}"
    assert all(name.startswith("pyqio.") for name in used - {"pyqio"})


WARNS = """
import logging, sys, time
if sys.argv[1] == "configured":
    logging.basicConfig(format="%(name)s %(levelname)s %(message)s")
from pyqio.blocking import Modem
with Modem("sim://?restart_after=0.2") as m:
    time.sleep(0.7)   # the simulated module restarts: pyqio.modem logs a warning
"""


def _run_warning_program(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WARNS, mode], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_a_library_warning_reaches_stderr_only_when_the_program_configures_logging() -> None:
    configured = _run_warning_program("configured")
    assert configured.returncode == 0, configured.stderr
    # the control: the run does log a warning, and logging shows it when asked to
    assert "pyqio.modem WARNING the module restarted" in configured.stderr
    silent = _run_warning_program("unconfigured")
    assert silent.returncode == 0, silent.stderr
    assert silent.stderr == "", "logging's last-resort handler printed a pyqio warning"


def test_the_at_wire_trace_is_logged_at_debug_on_pyqio_at() -> None:
    prog = """
import logging
logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
logging.getLogger("pyqio.at").setLevel(logging.DEBUG)
from pyqio.blocking import Modem
with Modem("sim://") as m:
    pass
"""
    out = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "pyqio.at -> b'AT" in out.stderr and "pyqio.at <- b'" in out.stderr
    assert "pyqio.modem" not in out.stderr  # INFO lines of the modem stay below WARNING
