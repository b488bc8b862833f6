"""The command line as a user meets it: ``--version``; each common mistake gives one
line on stderr naming the problem and an exit status (2 for usage, 1 for what the
system refused), never a traceback unless ``-v`` asks for it; Ctrl-C ends every
command at once with 130, ``pyqio at`` reading a terminal included."""
from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import termios
import time

import pytest

from pyqio import __version__
from tests.servers.simproc import sim_process

ENV = dict(os.environ, PYTHONPATH=os.getcwd())


def pyqio(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyqio", *args], capture_output=True,
                          text=True, timeout=timeout, env=ENV, check=False)


def one_line_error(proc: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    err = proc.stderr
    assert proc.returncode == code, (proc.returncode, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def busy_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        yield s.getsockname()[1]


def test_version_prints_the_installed_version():
    proc = pyqio("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"pyqio {__version__}"


def test_at_with_a_missing_device():
    proc = pyqio("at", "--device", "/dev/ttyUSB9", "AT")
    one_line_error(proc, 1, "pyqio at: error:", "/dev/ttyUSB9", "No such file")


def test_forward_with_a_missing_device():
    proc = pyqio("forward", "--device", "/dev/ttyUSB9", "--listen", "127.0.0.1:0",
                 "--to", "127.0.0.1:80")
    one_line_error(proc, 1, "pyqio forward: error:", "/dev/ttyUSB9")


def test_a_device_that_is_not_a_serial_port():
    proc = pyqio("at", "--device", os.devnull, "AT")
    one_line_error(proc, 1, "pyqio at: error:")


def test_a_bad_device_url_is_a_usage_error():
    proc = pyqio("at", "--device", "nosuch://x", "AT")
    one_line_error(proc, 2, "nosuch")


def test_sim_on_a_port_in_use(busy_port):
    proc = pyqio("sim", "--listen", f"127.0.0.1:{busy_port}")
    one_line_error(proc, 1, "pyqio sim: error:", str(busy_port), "in use")


def test_forward_on_a_port_in_use(busy_port):
    proc = pyqio("forward", "--device", "sim://", "--listen", f"127.0.0.1:{busy_port}",
                 "--to", "127.0.0.1:80")
    one_line_error(proc, 1, "pyqio forward: error:", str(busy_port), "in use")


@pytest.mark.parametrize("command", [["sim"], ["forward", "--to", "127.0.0.1:1"]])
@pytest.mark.parametrize("listen", ["nope", "127.0.0.1:99999", "127.0.0.1:"])
def test_a_bad_listen_address(command, listen):
    proc = pyqio(*command, "--listen", listen)
    one_line_error(proc, 2, f"pyqio {command[0]}: error:", repr(listen))


@pytest.mark.parametrize("flag, value, words", [
    ("--urc-drop-rate", "5", ("urc_drop_rate", "0.0-1.0")),
    ("--urc-drop-rate", "often", ("urc_drop_rate", "often")),
    ("--ip", "notanip", ("ip", "notanip", "not an IP address")),
    ("--latency", "-1", ("latency", ">= 0")),
])
def test_a_bad_sim_flag_value(flag, value, words):
    proc = pyqio("sim", "--pty", flag, value)
    one_line_error(proc, 2, "pyqio sim: error:", *words)


def test_verbose_shows_the_traceback():
    proc = pyqio("at", "-v", "--device", "/dev/ttyUSB9", "AT")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "/dev/ttyUSB9" in proc.stderr.strip().splitlines()[-1]


def test_an_unanswered_command_fails(tmp_path):
    # a PTY nobody answers on: the command gets no final result
    master, slave = os.openpty()
    try:
        proc = pyqio("at", "--device", os.ttyname(slave), "--timeout", "0.3", "--linger", "0",
                     "AT")
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 1
    assert "no final result" in proc.stdout


# -- Ctrl-C -------------------------------------------------------------------------

def _controlling_tty() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def start_on_a_terminal(*args: str) -> tuple[subprocess.Popen[bytes], int]:
    """``pyqio ARGS`` with a PTY as its stdin and controlling terminal (cooked mode:
    a ``\\x03`` typed there is SIGINT, as in a shell)."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "pyqio", *args], stdin=slave,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
                            preexec_fn=_controlling_tty)
    os.close(slave)
    return proc, master


def read_until(proc: subprocess.Popen[bytes], marker: bytes, timeout: float = 20) -> bytes:
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    out, deadline = b"", time.monotonic() + timeout
    while marker not in out:
        assert time.monotonic() < deadline, out
        assert proc.poll() is None, (out, proc.stderr.read() if proc.stderr else b"")
        chunk = proc.stdout.read(65536)
        out += chunk or b""
        if not chunk:
            time.sleep(0.02)
    return out


def interrupt(proc: subprocess.Popen[bytes], master: int, how: str) -> float:
    t0 = time.monotonic()
    if how == "ctrl-c typed":
        os.write(master, b"\x03")
    else:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(5)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return time.monotonic() - t0


@pytest.mark.parametrize("how", ["ctrl-c typed", "SIGINT"])
def test_ctrl_c_ends_interactive_at_at_once(how):
    with sim_process("pty") as device:
        proc, master = start_on_a_terminal("at", "--device", device)
        os.write(master, b"AT\n")
        read_until(proc, b"<- OK")
        elapsed = interrupt(proc, master, how)  # waiting for the next line typed
        assert proc.returncode == 130
        assert elapsed < 1.0, elapsed
        assert proc.stderr is not None
        assert b"Traceback" not in proc.stderr.read()


def test_interactive_at_reads_lines_from_a_pipe_until_its_end():
    proc = subprocess.run([sys.executable, "-m", "pyqio", "at", "--device", "sim://",
                           "--linger", "0.2"], input="ATE0\nAT+QISTATE?\n", text=True,
                          capture_output=True, timeout=30, env=ENV, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("<- OK") == 2


@pytest.mark.parametrize("args, marker", [
    # every AT+QIOPEN takes 5 s: Ctrl-C lands while the demo waits for one
    (["demo", "--device", "sim://?open_delay=5"], b"AT+QIOPEN"),
    (["forward", "--device", "sim://", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:9"],
     b"127.0.0.1:"),
    (["sim", "--pty"], b"/dev/"),
])
def test_ctrl_c_ends_each_command_quietly_with_130(args, marker):
    proc, master = start_on_a_terminal(*args)
    read_until(proc, marker)
    elapsed = interrupt(proc, master, "ctrl-c typed")
    assert proc.returncode == 130
    assert elapsed < 2.0, elapsed
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert b"Traceback" not in err and len(err.splitlines()) <= 1, err


def test_demo_shows_long_payloads_as_one_short_line():
    proc = pyqio("demo", timeout=60)
    assert proc.returncode == 0, proc.stdout[-2000:]
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) < 200
    # the 768-byte binary echo is shown by its length and first bytes
    assert any("<512 bytes b'\\x00\\x01" in line for line in lines)


def test_permission_denied_is_one_line_and_exit_1(capsys):
    # as root no device refuses to open, so the handler is driven directly
    from pyqio.cli import _report

    exc = PermissionError(13, "Permission denied", "/dev/ttyUSB0")
    assert _report("pyqio at", exc, 0) == 1
    err = capsys.readouterr().err
    assert err == "pyqio at: error: [Errno 13] Permission denied: '/dev/ttyUSB0'\n"


def test_an_unexpected_error_says_so_in_one_line(capsys):
    from pyqio.cli import _report

    assert _report("pyqio demo", KeyError("x"), 0) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: KeyError" in err and "-v" in err
