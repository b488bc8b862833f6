"""How ``csrc/events_c.c`` declares itself to the interpreter, in each of its two builds.

setup.py builds ``pyqio._events_c`` against the limited API of 3.10
(``Py_LIMITED_API=0x030A0000``, one ``abi3`` module for every CPython from 3.10),
and without the limit where there is no limited API (a free-threaded CPython).
``Py_mod_gil`` is not in the 3.10 limited API, so only the second build can declare
it, and there it must say what the code does: a Feeder relies on the GIL
(``Py_MOD_GIL_USED``). Here the C preprocessor, with this Python's own headers,
shows the ``module_slots`` each build compiles: CI runs this file on every
supported CPython (3.13's headers are where ``Py_mod_gil`` exists).

Needs: gcc and the Python headers (as the build does).
"""
from __future__ import annotations

import ast
import pathlib
import re
import subprocess
import sys
import sysconfig

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

def _setup_constant(name: str) -> str:
    """A string constant of setup.py (read, not run: running it builds)."""
    for node in ast.parse((ROOT / "setup.py").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)  # type: ignore[no-any-return]
    raise AssertionError(f"setup.py has no {name}")


LIMITED = [f"-DPy_LIMITED_API={_setup_constant('LIMITED_API')}"]  # setup.py's abi3 build
FULL: list[str] = []                         # as setup.py's build where there is no abi3


def _preprocess(source: str, flags: list[str]) -> str:
    cmd = ["gcc", "-E", "-P", *flags, f"-I{sysconfig.get_paths()['include']}",
           f"-I{ROOT / 'csrc'}", "-x", "c", "-"]
    res = subprocess.run(cmd, input=source, capture_output=True, text=True, timeout=60,
                         check=False)
    assert res.returncode == 0, res.stderr
    return res.stdout


def _expand(macro: str, flags: list[str]) -> str | None:
    """What *macro* expands to under *flags* (None: not defined)."""
    out = _preprocess(f"#include <Python.h>\n@@@ {macro}\n", flags)
    value = " ".join(out.rpartition("@@@ ")[2].split())
    return None if value == macro else value


def _slots(flags: list[str]) -> list[tuple[str, str]]:
    """``(slot id, value)`` of each entry of events_c.c's ``module_slots``, expanded."""
    out = _preprocess((ROOT / "csrc" / "events_c.c").read_text(), flags)
    body = re.search(r"module_slots\[\]\s*=\s*\{(.*?)\};", out, re.S)
    assert body is not None, "module_slots not found in csrc/events_c.c"
    return [(" ".join(a.split()), " ".join(b.split()))
            for a, b in re.findall(r"\{([^{},]*),([^{}]*)\}", body[1])]


@pytest.mark.parametrize("flags", [LIMITED, FULL], ids=["abi3", "full"])
def test_py_mod_gil_is_declared_exactly_where_the_headers_offer_it(flags):
    gil = _expand("Py_mod_gil", flags)
    slots = dict(_slots(flags))
    assert _expand("Py_mod_exec", flags) in slots     # the parse finds the real entries
    if flags is LIMITED:
        assert gil is None      # not in the 3.10 limited API: the abi3 build cannot declare it
    elif sys.version_info >= (3, 13):
        assert gil is not None  # 3.13's full API has it: the full build must declare it
    if gil is not None:
        assert slots.get(gil) == _expand("Py_MOD_GIL_USED", flags), \
            "a Feeder relies on the GIL: Py_mod_gil must be Py_MOD_GIL_USED"


@pytest.mark.parametrize("flags", [LIMITED, FULL], ids=["abi3", "full"])
def test_multiple_interpreters_is_declared_exactly_where_the_headers_offer_it(flags):
    slot = _expand("Py_mod_multiple_interpreters", flags)
    if flags is LIMITED or sys.version_info < (3, 12):
        assert slot is None
    else:
        assert dict(_slots(flags)).get(slot) == _expand(
            "Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED", flags)
