"""``sim://`` and the simulator served over a real PTY and a loopback TCP port.

Needs: pyserial (pip). Traffic only to 127.0.0.1.
"""
from __future__ import annotations

import asyncio

import pytest

from pyqio.errors import InvalidArgument
from pyqio.sim import Simulator
from pyqio.transports import MemoryTransport, open_transport, serve_pty, serve_tcp

WAIT = 20.0  # a hang guard, not a timing check


class Lines(asyncio.Protocol):
    """Collects the module's output and waits for a given ending."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.lost: list = []
        self._changed = asyncio.Event()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.data += data
        self._changed.set()

    def connection_lost(self, exc) -> None:
        self.lost.append(exc)
        self._changed.set()

    async def until(self, ending: bytes) -> bytes:
        async def wait() -> None:
            while not self.data.endswith(ending):
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(wait(), WAIT)
        return bytes(self.data)


async def _at_ok(url: str) -> Lines:
    t, p = await open_transport(url, Lines)
    t.write(b"ATE0\r")
    await p.until(b"OK\r\n")
    p.data.clear()
    t.write(b"AT\r")
    assert await p.until(b"\r\nOK\r\n") == b"\r\nOK\r\n"
    t.close()
    return p


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_sim_url_answers_at_in_process():
    async def main():
        t, p = await open_transport("sim://?seed=1", Lines)
        assert isinstance(t, MemoryTransport)
        t.write(b"AT\r")
        assert (await p.until(b"OK\r\n")).endswith(b"\r\nOK\r\n")
        t.close()
        await asyncio.sleep(0)
        assert p.lost == [None]
    run(main())


def test_sim_url_with_an_unknown_option_is_refused():
    async def main():
        with pytest.raises(InvalidArgument, match="no_such_knob"):
            await open_transport("sim://?no_such_knob=1", Lines)
    run(main())


def test_simulator_served_on_a_pty_answers_a_pyserial_client():
    async def main():
        server, path = await serve_pty(Simulator)
        await _at_ok(path)
        await _at_ok(path)  # a second client after the first left
        server.close()
    run(main())


def test_simulator_served_on_tcp_answers_socket_url():
    async def main():
        server = await serve_tcp("127.0.0.1", 0, Simulator)
        port = server.sockets[0].getsockname()[1]
        await _at_ok(f"socket://127.0.0.1:{port}")
        server.close()
        await server.wait_closed()
    run(main())
