"""Smoke tests: what a fresh install must do, needing only pytest and ``pyqio[sim]``.

tools/check_dist.sh runs this file from an unpacked sdist against the sdist's own
install and the repaired wheel's install, each in a fresh venv; the suite runs it
against the development install. ``PYQIO_EXPECT_BACKEND`` (``c`` for the wheel)
and ``PYQIO_EXPECT_INSTALLED=1`` (the package must come from site-packages, not
from the unpacked source next to the tests) make those runs stricter.
"""
from __future__ import annotations

import importlib
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
from importlib.metadata import version
from pathlib import Path

import pyqio


def test_imports_with_its_version_and_names_its_backend() -> None:
    assert pyqio.__version__ == version("pyqio")
    assert pyqio.backend() in ("c", "python")
    expected = os.environ.get("PYQIO_EXPECT_BACKEND")
    if expected:
        assert pyqio.backend() == expected
    if expected == "c":
        importlib.import_module("pyqio._events_c")  # the wheel carries both C parts
    if os.environ.get("PYQIO_EXPECT_INSTALLED") == "1":
        installed = {Path(sysconfig.get_path(k)).resolve() for k in ("purelib", "platlib")}
        assert Path(pyqio.__file__).resolve().parent.parent in installed


def test_decodes_a_length_framed_recv_holding_a_fake_ok() -> None:
    events = pyqio.decode(b'\r\nOK\r\n\r\n+QIURC: "recv",0,8,"a\r\nOK\r\nb"\r\n')
    assert [type(e).__name__ for e in events] == ["Ok", "Recv"]
    assert events[1].data == b"a\r\nOK\r\nb"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    # the console script that the install put beside this interpreter
    script = Path(sys.executable).with_name("pyqio")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pyqio"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=60)


def test_console_script_help_lists_the_commands() -> None:
    if os.environ.get("PYQIO_EXPECT_INSTALLED") == "1":
        assert Path(sys.executable).with_name("pyqio").exists() or shutil.which("pyqio")
    out = _cli("--help")
    assert out.returncode == 0, out.stderr
    for command in ("decode", "sim", "demo", "forward", "at", "bench"):
        assert command in out.stdout


def test_decodes_the_sample_capture_from_the_shell() -> None:
    out = _cli("decode", "--sample")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:3] == [
        '{"event": "IpAddress", "ip": "10.0.0.2"}',
        '{"event": "Text", "line": {"hex": "41544531", "text": "ATE1"}}',
        '{"event": "Ok"}',
    ]


def test_a_tcp_round_trip_through_the_simulated_module() -> None:
    from pyqio.blocking import Modem

    with socket.create_server(("127.0.0.1", 0)) as server:
        def echo_once() -> None:
            conn, _ = server.accept()
            with conn:
                conn.sendall(conn.recv(1024).upper())
        threading.Thread(target=echo_once, daemon=True).start()
        with Modem("sim://") as modem:
            with modem.create_connection(server.getsockname(), timeout=10) as sock:
                sock.sendall(b"over the module")
                assert sock.recv(1024) == b"OVER THE MODULE"
