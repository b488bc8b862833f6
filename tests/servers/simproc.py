"""``pyqio sim`` in another process, where a real module would be.

:func:`sim_process` starts ``python -m pyqio sim --pty`` or ``--listen
127.0.0.1:0`` (plus any flags), reads the first line it prints and yields the
URL a host opens: the PTY's path or ``socket://127.0.0.1:PORT``.  The simulator
is started (and, by default, already up) before any host touches it.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def sim_process(kind: str, *flags: str) -> Iterator[str]:
    """*kind* ``"pty"`` or ``"tcp"``; yields the device URL for ``Modem(url)``."""
    where = ["--pty"] if kind == "pty" else ["--listen", "127.0.0.1:0"]
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.Popen([sys.executable, "-m", "pyqio", "sim", *where, *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline().decode().strip()
        assert first, proc.stderr.read().decode()
        yield first if kind == "pty" else f"socket://{first}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
