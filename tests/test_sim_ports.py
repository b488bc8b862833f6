"""Ports: who may reach a listening simulator, and where its sockets may go.

``pyqio sim --listen`` off loopback needs ``--allow-remote`` and warns; a listening
simulator's sockets reach loopback only unless ``--allow-dest`` says otherwise; an
in-process or PTY simulator (the user's own) reaches anything unless told. A refused
destination is answered as an unreachable host (``+QIOPEN: <id>,566``, ``SEND FAIL``)
and logged. No packet leaves loopback: refused destinations are never contacted.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

import pyqio
from pyqio.cli import _demo_servers as servers
from pyqio.errors import InvalidArgument, OpenFailed, SendFailed
from pyqio.sim import SimConfig
from pyqio.transports._tcp import is_loopback
from tests.servers import free_udp_port

TEST_NET = "192.0.2.1"  # RFC 5737 documentation address: refused before any packet


@pytest.mark.parametrize(("host", "loopback"), [
    ("localhost", True), ("LOCALHOST", True), ("127.0.0.1", True), ("127.8.9.10", True),
    ("::1", True), ("[::1]", True), ("0.0.0.0", False), ("::", False), ("10.0.0.1", False),
    ("192.0.2.1", False), ("example.com", False), ("", False)])
def test_loopback_is_localhost_127_slash_8_and_ipv6_one_for_sim_and_forward(host, loopback):
    """The one check ``pyqio sim --listen`` and ``pyqio forward --listen`` share."""
    assert is_loopback(host) is loopback


def _sim(*args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    return subprocess.Popen([sys.executable, "-m", "pyqio", "sim", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def _stop(proc: subprocess.Popen[bytes]) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    return err.decode()


def _at(sock: socket.socket, line: bytes, until: bytes) -> bytes:
    """Send *line*; what comes back up to the end of the line holding *until*."""
    sock.sendall(line + b"\r")
    out = b""
    while until not in out or not out.endswith(b"\r\n"):
        chunk = sock.recv(4096)
        assert chunk, out
        out += chunk
    return out


def test_listen_off_loopback_is_refused_without_allow_remote() -> None:
    proc = _sim("--listen", "0.0.0.0:0")
    out, err = proc.communicate(timeout=20)
    assert proc.returncode != 0 and out == b""
    assert b"--allow-remote" in err and b"Traceback" not in err


def test_listen_off_loopback_with_allow_remote_serves_and_warns() -> None:
    proc = _sim("--listen", "0.0.0.0:0", "--allow-remote")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().decode().strip()
        port = int(first.rpartition(":")[2])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            assert b"OK" in _at(s, b"AT", b"OK\r\n")
    finally:
        err = _stop(proc)
    assert "warning" in err and "loopback only" in err


def test_a_listening_simulator_reaches_loopback_only_by_default() -> None:
    async def echo_server() -> tuple[asyncio.AbstractServer, int]:
        server, (_, port) = await servers.start_tcp_echo()
        return server, port

    loop = asyncio.new_event_loop()
    server, port = loop.run_until_complete(echo_server())
    threading.Thread(target=loop.run_forever, daemon=True).start()
    proc = _sim("--listen", "127.0.0.1:0", "--no-echo")
    try:
        assert proc.stdout is not None
        sim_port = int(proc.stdout.readline().decode().strip().rpartition(":")[2])
        with socket.create_connection(("127.0.0.1", sim_port), timeout=10) as s:
            _at(s, b"AT", b"OK\r\n")
            refused = _at(s, b'AT+QIOPEN=0,0,"TCP","%s",80,0,1' % TEST_NET.encode(),
                          b"+QIOPEN: 0,")
            ok = _at(s, b'AT+QIOPEN=0,1,"TCP","127.0.0.1",%d,0,1' % port, b"+QIOPEN: 1,0")
    finally:
        err = _stop(proc)
        loop.call_soon_threadsafe(loop.stop)
    assert b"+QIOPEN: 0,566" in refused and b"+QIOPEN: 1,0" in ok
    assert "outside allow_dest" in err


def test_pyqio_sim_prints_what_it_dropped_on_exit() -> None:
    async def source() -> tuple[asyncio.AbstractServer, int]:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"x" * 5000)
            await reader.read()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        return server, server.sockets[0].getsockname()[1]

    loop = asyncio.new_event_loop()
    server, port = loop.run_until_complete(source())
    threading.Thread(target=loop.run_forever, daemon=True).start()
    proc = _sim("--listen", "127.0.0.1:0", "--no-echo", "--urc-drop-rate", "1")
    try:
        assert proc.stdout is not None
        sim_port = int(proc.stdout.readline().decode().strip().rpartition(":")[2])
        with socket.create_connection(("127.0.0.1", sim_port), timeout=10) as s:
            _at(s, b'AT+QIOPEN=0,0,"TCP","127.0.0.1",%d,0,1' % port, b"+QIOPEN: 0,0")
            time.sleep(0.3)
            _at(s, b"AT", b"OK\r\n")
    finally:
        err = _stop(proc)
        loop.call_soon_threadsafe(loop.stop)
    summary = [line for line in err.splitlines() if line.startswith("pyqio sim: 1 link(s)")]
    assert summary, err
    dropped = int(summary[0].split("; ")[1].split()[0])
    assert dropped >= 5 and "dropped by urc_drop_rate" in summary[0]


def test_allow_dest_takes_cidrs_and_refuses_what_is_outside(caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    caplog.set_level(logging.WARNING, "pyqio.sim")

    async def main() -> tuple[int | None, bool, bool]:
        server, (_, port) = await servers.start_tcp_echo("127.0.0.2")
        async with pyqio.Modem("sim://?allow_dest=127.0.0.2/32", wait_ip=0) as m:
            with pytest.raises(OpenFailed) as err:
                await m.connect("127.0.0.1", port)
            sock = await m.connect("127.0.0.2", port)
            await sock.send(b"in")
            ok = await asyncio.wait_for(sock.recv(), 5) == b"in"
            svc = await m.udp_service(free_udp_port())
            with pytest.raises(SendFailed):
                await svc.sendto(b"x", (TEST_NET, 9))
            sent = True
        server.close()
        return err.value.result, ok, sent

    code, ok, sent = asyncio.run(asyncio.wait_for(main(), 30))
    assert code == 566 and ok and sent
    assert "refused a TCP socket to 127.0.0.1" in caplog.text
    assert f"refused a datagram to {TEST_NET}" in caplog.text


def test_a_local_simulator_reaches_anything_by_default_and_bad_values_are_refused() -> None:
    assert SimConfig().dest.allows(TEST_NET)
    assert not SimConfig(allow_dest="loopback").dest.allows(TEST_NET)
    assert SimConfig(allow_dest="loopback").dest.allows("::1")
    with pytest.raises(InvalidArgument, match="allow_dest='10.0.0.0/33'"):
        SimConfig(allow_dest="10.0.0.0/33")
    with pytest.raises(InvalidArgument, match="allow_dest"):
        SimConfig.from_url("sim://?allow_dest=nowhere")


def test_forward_listen_off_loopback_needs_allow_remote_and_warns() -> None:
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    cmd = [sys.executable, "-m", "pyqio", "forward", "--device", "sim://", "--listen",
           "0.0.0.0:0", "--to", "127.0.0.1:9"]
    refused = subprocess.run(cmd, capture_output=True, timeout=30, env=env)
    assert refused.returncode != 0 and refused.stdout == b""
    assert b"--allow-remote" in refused.stderr and b"Traceback" not in refused.stderr
    proc = subprocess.Popen([*cmd, "--allow-remote"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().decode().startswith("0.0.0.0:")
    finally:
        err = _stop(proc)
    assert "warning: accepting remote clients" in err
