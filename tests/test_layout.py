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


def test_each_part_is_imported_on_first_use() -> None:
    # embedded hosts pay at import only for what they use (bench/README.md, "Footprint")
    out = _run("import sys, pyqio\n"
               "print(sorted(m for m in sys.modules if m.startswith('pyqio')))\n"
               "print(pyqio.decode(b'\\r\\nOK\\r\\n'), pyqio.events.Ok, pyqio.protocol.MODULES[0])\n"
               "print('asyncio' in sys.modules, 'pyqio.commands' in sys.modules)\n"
               "import pyqio.modem\n"
               "print('pyqio.sim' in sys.modules, 'pyqio.cli' in sys.modules)\n")
    assert out.split("\n")[:4] == ["['pyqio', 'pyqio._version', 'pyqio.errors']",
                                   "[Ok()] <class 'pyqio.wire.events.Ok'> bc660k",
                                   "False False", "False False"]


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



# The layers, bottom (0) to top. A module may import its own subpackage and any
# layer strictly below its own: never one beside it or above it. Beside each other:
# the wire and the transports (bytes vs AT), the modem and the simulator (the two
# sides of one link: they meet only through a transport, and the modem loads the
# simulator by name, at run time, for a sim:// URL).
LAYER = {
    "errors": 0, "protocol": 0, "_version": 0,  # the protocol's numbers, stated once
    "_frozen": 0,  # the frozen dataclass builder of the events and commands
    "_tokenizer_c": 0, "_events_c": 0,  # the built C parts import nothing
    "wire": 1, "transports": 1, "data": 1,
    "commands": 2, "events": 2,
    "session": 3, "capture": 3,  # capture: the capture format, reading and replay
    "modem": 4, "sim": 4,
    "blocking": 5,
    "cli": 6, "testing": 6, "__main__": 7,  # testing: the users' pytest plugin and strategies
}


def _unit(parts: list[str]) -> str:
    """The layer of a module path (``["pyqio", "wire", "_lines"]`` is in ``wire``)."""
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: pathlib.Path, root: pathlib.Path) -> list[tuple[int, list[str]]]:
    """``(line, module path)`` of every pyqio module *path* imports, relative ones resolved."""
    package = list(path.relative_to(root).with_suffix("").parts)[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name.split(".")) for a in node.names
                    if a.name.split(".")[0] == "pyqio"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
            elif (node.module or "").split(".")[0] == "pyqio":
                base = []
            else:
                continue
            mod = base + (node.module.split(".") if node.module else [])
            # "from pyqio import modem" / "from .. import commands": the names are modules
            names = [mod + [a.name] for a in node.names] if len(mod) == 1 else [mod]
            out += [(node.lineno, n) for n in names]
    return out


def layer_violations(root: pathlib.Path) -> list[str]:
    """Every import under *root*/pyqio that goes beside or up the layers."""
    wrong = []
    for path in sorted((root / "pyqio").rglob("*.py")):
        me = _unit(list(path.relative_to(root).with_suffix("").parts))
        if me == "__init__":
            continue  # the package facade re-exports every layer
        if me not in LAYER:
            wrong.append(f"{path}: {me} has no place in LAYER")
            continue
        for line, target in _imports(path, root):
            other = _unit(target)
            if other in (me, "__init__"):
                continue
            if other not in LAYER and not any((root / "pyqio" / other).with_suffix(ext).exists()
                                              for ext in (".py", "")):
                continue  # a name the facade defines ("from .. import __version__"), not a module
            if other not in LAYER or LAYER[other] >= LAYER[me]:
                wrong.append(f"{path.relative_to(root)}:{line} ({me}) imports "
                             f"{'.'.join(target)} ({other})")
    return wrong


def test_imports_run_one_way_down_the_layers() -> None:
    assert layer_violations(PKG.parent) == []


@pytest.mark.parametrize(("where", "code", "found"), [
    ("wire/_probe.py", "from ..session import Session\n", "(wire) imports pyqio.session (session)"),
    ("transports/_probe.py", "import pyqio.wire\n", "(transports) imports pyqio.wire (wire)"),
    ("modem/_probe.py", "from .. import sim\n", "(modem) imports pyqio.sim (sim)"),
    ("session/_probe.py", "from pyqio.modem._link import Link\n", "(session) imports pyqio.modem._link"),
    ("newlayer/__init__.py", "", "newlayer has no place in LAYER"),
    ("wire/_probe.py", "from .. import __version__, cli\n", "(wire) imports pyqio.cli (cli)"),
])
def test_the_layer_check_sees_an_import_going_beside_or_up(
        tmp_path: pathlib.Path, where: str, code: str, found: str) -> None:
    probe = tmp_path / "pyqio" / where
    probe.parent.mkdir(parents=True)
    probe.write_text(code)
    (tmp_path / "pyqio" / "errors.py").write_text("")
    wrong = layer_violations(tmp_path)
    assert len(wrong) == 1 and found in wrong[0], wrong
