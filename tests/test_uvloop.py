"""pyqio on uvloop: the Modem, its sockets and streams, and the simulator.

pyqio's asyncio code runs on any asyncio event loop; uvloop (libuv under the
asyncio API) is the one users pick for speed. Here a Modem on a uvloop loop drives
``pyqio sim --pty --loop uvloop`` (its own process, a real PTY read through
pyserial's path) and moves data both ways through loopback servers; the ``--loop``
options of ``pyqio sim`` and ``pyqio bench --e2e`` are checked to do what they say,
and a missing uvloop to be a usage error naming the install.

uvloop comes with the test extras, so each of these runs (a missing uvloop fails
here, as CI must not pass by skipping). ``.ci/run`` also runs the Modem's, the
transports' and the simulator's own test files again with ``PYQIO_TEST_LOOP=uvloop``
(tests/conftest.py then makes every ``asyncio.run`` a uvloop loop).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import socket
import subprocess
import sys
from typing import Any

import pytest
import uvloop  # a test extra: missing, this file fails to import (CI must not skip it)

from pyqio.cli import _demo_servers as servers
from pyqio.errors import InvalidArgument
from pyqio.modem import Modem
from pyqio.transports import _loops
from tests.servers import udp_echo_server
from tests.servers.link import Link


def test_run_on_uvloop_runs_the_coroutine_on_a_uvloop_loop() -> None:
    async def main() -> tuple[type, int]:
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop()), 42

    policy = asyncio.get_event_loop_policy()
    assert _loops.run(main(), "uvloop") == (uvloop.Loop, 42)
    # and leaves the process as it was: the same policy (3.10 swaps it for the run)
    assert asyncio.get_event_loop_policy() is policy
    assert _loops.run(main(), "asyncio")[1] == 42


def test_a_missing_uvloop_is_an_error_naming_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError

    async def main() -> None:
        raise AssertionError("must not run")

    coro = main()
    with pytest.raises(InvalidArgument, match=r"uvloop is not installed.*pip install uvloop"):
        _loops.run(coro, "uvloop")
    assert coro.cr_frame is None  # closed, not left to warn "never awaited"
    with pytest.raises(InvalidArgument, match="'tokio': not one of asyncio, uvloop"):
        _loops.loop_factory("tokio")


def test_pyqio_sim_with_uvloop_missing_says_so_and_starts_nothing() -> None:
    code = ("import sys; sys.modules['uvloop'] = None\n"
            "from pyqio.cli import main\n"
            "sys.exit(main(['sim', '--pty', '--loop', 'uvloop']))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       check=False)
    assert r.returncode == 2, r
    assert r.stdout == ""  # no PTY path: nothing was served
    assert "uvloop is not installed here (pip install uvloop)" in r.stderr


def test_bench_loop_goes_with_e2e_only() -> None:
    r = subprocess.run([sys.executable, "-m", "pyqio", "bench", "--loop", "uvloop"],
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 2
    assert "--loop uvloop goes with --e2e" in r.stderr


def _maps_uvloop(pid: int) -> bool:
    with open(f"/proc/{pid}/maps") as f:
        return "/uvloop/" in f.read()


def test_the_modem_on_uvloop_drives_pyqio_sim_on_uvloop() -> None:
    """Bring-up, a TCP socket both ways (256 KiB, every byte checked), streams and a
    UDP socket, host and simulator each on uvloop."""
    proc = subprocess.Popen([sys.executable, "-m", "pyqio", "sim", "--pty", "--loop", "uvloop"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/"), proc.stderr.read() if proc.stderr else ""
        assert _maps_uvloop(proc.pid), "pyqio sim --loop uvloop did not load uvloop"
        blob = random.Random(7).randbytes(256 << 10)

        async def main() -> dict[str, Any]:
            got: dict[str, Any] = {"loop": type(asyncio.get_running_loop())}
            server, (host, port) = await servers.start_tcp_echo()
            udp, uport = await udp_echo_server()
            try:
                async with Modem(path, wait_ip=0.5) as m:
                    got["ip"] = m.ip
                    async with await m.connect(host, port) as sock:
                        sock.settimeout(20)
                        await sock.sendall(blob)
                        back = bytearray()
                        while len(back) < len(blob):
                            back += await sock.recv()
                        got["tcp"] = hashlib.sha256(back).digest()
                    reader, writer = await m.open_connection(host, port)
                    writer.write(b"over streams\n")
                    await writer.drain()
                    got["streams"] = await asyncio.wait_for(reader.readline(), 20)
                    writer.close()
                    await writer.wait_closed()
                    async with await m.connect("127.0.0.1", uport, "udp") as usock:
                        usock.settimeout(20)
                        await usock.send(b"a datagram")
                        got["udp"] = await usock.recv()
            finally:
                server.close()
                udp.close()
            return got

        got = _loops.run(asyncio.wait_for(main(), 60), "uvloop")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert got["loop"] is uvloop.Loop
    assert got["ip"] is not None
    assert got["tcp"] == hashlib.sha256(blob).digest()
    assert got["streams"] == b"over streams\n"
    assert got["udp"] == b"a datagram"
    assert proc.returncode == 0, err
    assert " 0 dropped or discarded" in err  # the simulator's own count of losses


def test_a_busy_udp_service_port_gives_574_on_uvloop() -> None:
    """uvloop's create_datagram_endpoint raises a bind failure as an OSError with no
    errno, raised from the bind's own (EADDRINUSE): the simulator still answers
    ``+QIOPEN: <id>,574`` (port busy), as on asyncio's loop."""
    async def main() -> bytes:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
            taken.bind(("127.0.0.1", 0))
            port = taken.getsockname()[1]
            link = await Link.memory()
            await link.command(b'AT+QIOPEN=0,0,"UDP SERVICE","127.0.0.1",1,%d' % port,
                               b"+QIOPEN: 0,")
            return await link.until(b"\r\n")

    assert _loops.run(asyncio.wait_for(main(), 30), "uvloop") == b"574\r\n"


def test_bench_e2e_runs_host_and_simulators_on_the_loop_it_names() -> None:
    r = subprocess.run([sys.executable, "-m", "pyqio", "bench", "--e2e", "--quick", "--json",
                        "--counts", "1", "--loop", "uvloop"],
                       capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout)
    assert res["loop"] == f"uvloop {uvloop.__version__}"
    assert all(row["matched"] for row in res["rows"])
    assert {row["path"] for row in res["latency"]} >= {"Modem recv", "Modem recv, 1 hop"}


def test_the_suite_runs_on_the_loop_named_by_PYQIO_TEST_LOOP() -> None:
    """The guard of ``.ci/run``'s uvloop pass: with ``PYQIO_TEST_LOOP=uvloop`` every
    ``asyncio.run`` of the suite gets a uvloop loop; without it, asyncio's own."""
    async def kind() -> str:
        return type(asyncio.get_running_loop()).__module__

    wanted = os.environ.get("PYQIO_TEST_LOOP", "asyncio")
    assert asyncio.run(kind()).split(".")[0] == wanted
