"""The Modem over real byte links: a PTY opened through pyserial, a TCP link
(socket://), links that vanish, reconnecting, and the swallowed first AT.

The simulator serves the module's side in process (pyqio.transports.serve_pty /
serve_tcp); the Modem opens the PTY's slave path like any serial device.
"""
from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from pyqio.cli import _demo_servers as servers
from pyqio.errors import LinkError
from pyqio.modem import Modem, ReconnectPolicy, Timeouts
from pyqio.sim import SimConfig, Simulator
from pyqio.transports import serve_pty, serve_tcp


async def echo_round_trip(m: Modem, msg: bytes) -> bytes:
    server, (host, port) = await servers.start_tcp_echo()
    async with await m.connect(host, port) as sock:
        sock.settimeout(10)
        await sock.send(msg)
        got = b""
        while len(got) < len(msg):
            got += await sock.recv()
    server.close()
    return got


def test_modem_over_a_real_pty_through_pyserial():
    async def main():
        # +IP: comes after the port is open, so bring-up sees it (pyserial flushes
        # what was queued before the open, as on a module that attached long ago)
        transport, path = await serve_pty(lambda: Simulator(SimConfig(attach_delay=0.5)))
        try:
            async with Modem(path) as m:
                msg = bytes(range(256)) * 8
                return m.ip, await echo_round_trip(m, msg) == msg
        finally:
            transport.close()

    ip, same = asyncio.run(asyncio.wait_for(main(), 30))
    assert ip is not None and same


def test_modem_over_pyqio_sim_pty_subprocess():
    proc = subprocess.Popen([sys.executable, "-m", "pyqio", "sim", "--pty"],
                            stdout=subprocess.PIPE, text=True)
    try:
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/")

        async def main():
            async with Modem(path, wait_ip=0.5) as m:
                return await echo_round_trip(m, b"over a PTY \x1a\x00\xff")

        assert asyncio.run(asyncio.wait_for(main(), 30)) == b"over a PTY \x1a\x00\xff"
    finally:
        proc.terminate()
        proc.wait(10)


def test_vanished_pty_ends_pending_operations_with_link_error():
    async def main():
        transport, path = await serve_pty(Simulator)
        server, (host, port) = await servers.start_tcp_echo()
        m = await Modem.open(path, wait_ip=0.5)
        sock = await m.connect(host, port)
        pending_recv = asyncio.ensure_future(sock.recv())
        await asyncio.sleep(0)
        transport.close()  # the module side goes away, as when a USB adapter is pulled
        with pytest.raises(LinkError) as recv_err:
            await asyncio.wait_for(pending_recv, 10)
        with pytest.raises(LinkError):
            await m.state()
        with pytest.raises(LinkError):
            await sock.send(b"x")
        await m.close()
        server.close()
        return recv_err.value

    err = asyncio.run(asyncio.wait_for(main(), 30))
    assert isinstance(err.__cause__, OSError)


def test_reconnect_policy_reopens_and_reinitialises():
    links: list = []

    def factory():
        sim = Simulator()
        links.append(sim)
        return sim

    async def main():
        server = await serve_tcp("127.0.0.1", 0, factory)
        port = server.sockets[0].getsockname()[1]
        echo, (host, eport) = await servers.start_tcp_echo()
        m = await Modem.open(f"socket://127.0.0.1:{port}",
                             reconnect=ReconnectPolicy(initial_delay=0.05, max_delay=0.2))
        await m.set_data_format(True, True)
        sock = await m.connect(host, eport)
        links[0].transport.abort()  # the link drops under the modem
        with pytest.raises(LinkError):
            sock.settimeout(10)
            await sock.recv()
        # the next request waits for the reconnect, then works on the new link
        rows = await asyncio.wait_for(m.state(), 10)
        fmt = await m.command('AT+QICFG="dataformat"')
        got = await echo_round_trip(m, b"after the reconnect")
        await m.close()
        server.close()
        echo.close()
        return len(links), rows, fmt.events[0], got

    n_links, rows, fmt, got = asyncio.run(asyncio.wait_for(main(), 30))
    assert n_links == 2 and rows == []
    assert (fmt.send_hex, fmt.recv_hex) == (True, True)  # restored after the reconnect
    assert got == b"after the reconnect"


class SwallowsFirstAt(Simulator):
    """The simulator, with the module's habit after a deep-sleep wake: the first
    ``AT`` is lost (docs/architecture.md, "The module's habits")."""

    swallowed = 0

    def data_received(self, data: bytes) -> None:
        if not SwallowsFirstAt.swallowed and data.startswith(b"AT\r"):
            SwallowsFirstAt.swallowed += 1
            data = data[3:]
        if data:
            super().data_received(data)


def test_first_at_swallowed_is_retried():
    tx: list = []

    async def main():
        server = await serve_tcp("127.0.0.1", 0, SwallowsFirstAt)
        port = server.sockets[0].getsockname()[1]
        async with Modem(f"socket://127.0.0.1:{port}", timeouts=Timeouts(sync=0.2),
                         trace=lambda kind, d: tx.append(d) if kind == "tx" else None) as m:
            ip = m.ip
        server.close()
        return ip

    assert asyncio.run(asyncio.wait_for(main(), 30)) is not None
    assert SwallowsFirstAt.swallowed == 1
    assert tx[:2] == [b"AT\r", b"AT\r"]


def test_module_restart_fails_sockets_and_brings_the_module_up_again():
    tx: list = []

    async def main():
        echo, (host, port) = await servers.start_tcp_echo()
        async with Modem("sim://?restart_after=0.5",
                         trace=lambda kind, d: tx.append(d) if kind == "tx" else None) as m:
            sock = await m.connect(host, port)
            sock.settimeout(10)
            with pytest.raises(LinkError, match="restarted"):
                await sock.recv()  # nothing comes: the restart ends the wait
            await asyncio.wait_for(m.wait_ready(), 10)
            rows = await m.state()
            got = await echo_round_trip(m, b"after the restart")
            restarts = m.restarts
        echo.close()
        return restarts, rows, got

    restarts, rows, got = asyncio.run(asyncio.wait_for(main(), 30))
    assert restarts == 1 and rows == [] and got == b"after the restart"
    assert tx.count(b"ATE0\r") == 2  # echo turned off again after the reboot


def test_reconnect_that_gives_up_ends_waiting_requests_with_link_error():
    links: list = []

    def factory():
        sim = Simulator()
        links.append(sim)
        return sim

    async def main():
        server = await serve_tcp("127.0.0.1", 0, factory)
        port = server.sockets[0].getsockname()[1]
        m = await Modem.open(f"socket://127.0.0.1:{port}",
                             reconnect=ReconnectPolicy(initial_delay=0.05, max_attempts=2))
        server.close()  # stops listening at once: nobody to reconnect to
        links[0].transport.abort()
        with pytest.raises(LinkError):
            await asyncio.wait_for(m.state(), 10)
        with pytest.raises(LinkError):
            await asyncio.wait_for(m.wait_ready(), 10)
        await m.close()
        return len(links)

    assert asyncio.run(asyncio.wait_for(main(), 30)) == 1
