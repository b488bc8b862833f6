"""dnspython is the simulator's dependency only (the ``sim`` extra): without it the
library decodes and drives a module, and ``pyqio demo`` / ``pyqio sim`` / ``sim://``
say in one line what to install.

"Without it" is made real in a subprocess whose ``sys.modules["dns"] = None`` makes
every ``import dns...`` fail as it does where dnspython is not installed.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NO_DNS = "import sys; sys.modules['dns'] = None\n"
INSTALL = "pip install 'pyqio[sim]'"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", NO_DNS + code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


@pytest.mark.parametrize("argv", [["demo"], ["demo", "-q"], ["sim", "--listen", "127.0.0.1:0"], ["sim", "--pty"]])
def test_cli_prints_one_line_naming_the_extra_when_dnspython_is_missing(argv: list[str]) -> None:
    out = _run(f"from pyqio.cli import main; sys.exit(main({argv!r}))")
    assert out.returncode == 1
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert f"pyqio {argv[0]} needs dnspython" in lines[0] and INSTALL in lines[0]


def test_sim_url_raises_an_import_error_naming_the_extra() -> None:
    out = _run("""
from pyqio.blocking import Modem
try:
    Modem("sim://").__enter__()
except ImportError as exc:
    print(type(exc).__name__, exc.name, exc)
""")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ImportError dns pyqio's simulator needs dnspython")
    assert INSTALL in out.stdout


def test_decoding_and_the_cli_decoder_work_without_dnspython() -> None:
    out = _run("""
import pyqio
from pyqio.cli import main
print(pyqio.decode(b'\\r\\nOK\\r\\n'))
main(["decode", "--sample"])
assert "dns" not in [m.split(".")[0] for m in sys.modules if sys.modules[m] is not None]
""")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("[Ok()]\n{")


def test_with_dnspython_the_simulator_starts() -> None:
    """The control: the same program without the block gets a working simulator."""
    out = subprocess.run([sys.executable, "-c", "from pyqio.blocking import Modem\n"
                          "with Modem('sim://') as m: print(m.ip)"],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "10.18.237.42"
