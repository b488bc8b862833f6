"""The package's layers: where exceptions live, and which way imports go."""
from __future__ import annotations

import ast
import importlib
import pathlib
import subprocess
import sys

import pytest

import pyqio
import pyqio.errors

PKG = pathlib.Path(pyqio.__file__).parent
# importing these runs the command line
_SCRIPTS = {"pyqio.__main__", "pyqio.sim.__main__"}


def _module_names() -> list[str]:
    names = []
    for path in sorted(PKG.rglob("*.py")):
        parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return [n for n in names if n not in _SCRIPTS]


def _is_exception(node: ast.ClassDef, known: set[str]) -> bool:
    for base in node.bases:
        name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
        if name in known or name.endswith(("Error", "Exception")):
            return True
    return False


def test_every_exception_class_is_defined_in_errors_and_exported_from_pyqio() -> None:
    defined = {name: obj for name, obj in vars(pyqio.errors).items()
               if isinstance(obj, type) and issubclass(obj, BaseException)
               and obj.__module__ == "pyqio.errors"}
    assert set(pyqio.errors.__all__) == set(defined)
    for name, cls in defined.items():
        assert name in pyqio.__all__ and getattr(pyqio, name) is cls, name
    # found by import: every exception class any module holds is one of errors'
    for modname in _module_names():
        mod = importlib.import_module(modname)
        for name, obj in vars(mod).items():
            if isinstance(obj, type) and issubclass(obj, BaseException) \
                    and obj.__module__.startswith("pyqio"):
                assert obj.__module__ == "pyqio.errors", f"{modname}.{name}"
    # found by reading: no class statement outside errors.py (nested ones included)
    # derives from an exception
    known = {"BaseException", "Exception", *defined}
    for path in PKG.rglob("*.py"):
        if path.name == "errors.py" and path.parent == PKG:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                assert not _is_exception(node, known), f"{path}: class {node.name}"


def test_exceptions_are_still_found_where_they_were_raised() -> None:
    from pyqio import commands, modem
    from pyqio.modem import CommandTimeout, OpenFailed, SendFailed, SocketClosedError, SocketError

    assert commands.CommandSyntaxError is pyqio.CommandSyntaxError
    assert (CommandTimeout, OpenFailed, SendFailed, SocketClosedError, SocketError) == (
        pyqio.CommandTimeout, pyqio.OpenFailed, pyqio.SendFailed, pyqio.SocketClosedError,
        pyqio.SocketError)
    assert modem.Modem is pyqio.Modem
    with pytest.raises(pyqio.CommandSyntaxError):
        commands.parse(b"AT+NOSUCH\r")


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def test_the_public_paths_are_real_modules() -> None:
    out = _run(
        "import importlib, pyqio.events, pyqio.commands, pyqio.session, pyqio.modem, "
        "pyqio.blocking, pyqio.transports, pyqio.sim, pyqio.cli\n"
        "from pyqio.events import Recv\n"
        "from pyqio import commands as C\n"
        "assert Recv is pyqio.wire.events.Recv and C.parse and pyqio.session.Session\n"
        "assert pyqio.blocking.Modem and pyqio.Modem is pyqio.modem.Modem\n"
        "for m in (pyqio.events, pyqio.commands, pyqio.session, pyqio.modem, pyqio.cli):\n"
        "    importlib.reload(m)\n"
        "print(pyqio.cli.main.__module__)\n")
    assert out.strip() == "pyqio.cli"


def test_the_modem_does_not_import_the_demo_or_the_bench_harness() -> None:
    out = _run("import sys, pyqio.modem, pyqio.blocking\n"
               "print(sorted(m for m in sys.modules if m.startswith('pyqio.cli') "
               "or 'demo' in m or 'bench' in m or m.startswith('pyqio.sim')))")
    assert out.strip() == "[]"


def test_transports_never_import_the_simulator() -> None:
    # sim registers its sim:// scheme with transports, never the other way round
    out = _run("import sys, pyqio.transports\n"
               "print([m for m in sys.modules if m.startswith('pyqio.sim')])")
    assert out.strip() == "[]"
    for path in (PKG / "transports").rglob("*.py"):
        text = path.read_text()
        assert "pyqio.sim" not in text and "..sim" not in text, path


def test_sim_urls_open_through_the_modem_which_loads_the_simulator() -> None:
    out = _run(
        "import asyncio, sys, pyqio\n"
        "from pyqio.transports import open_transport\n"
        "async def main():\n"
        "    try:\n"
        "        await open_transport('sim://', asyncio.Protocol)\n"
        "    except pyqio.InvalidArgument as exc:\n"
        "        print('refused:', 'sim://' in str(exc), 'pyqio.sim' in sys.modules)\n"
        "    async with pyqio.Modem('sim://?echo=0') as m:\n"
        "        print('modem:', m.ip is not None, 'pyqio.sim' in sys.modules)\n"
        "asyncio.run(main())\n")
    assert out.split("\n")[:2] == ["refused: True False", "modem: True True"]
