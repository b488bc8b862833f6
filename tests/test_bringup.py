"""Bring-up from any state, and following the registration afterwards, against the
simulator (in process where the test needs its hands on it, in another process
where a real module would be): a radio switched off, a slow network search, no
network at all, URCs switched off or set by an earlier program, the network
taking the sockets, the context coming back with another address."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from pyqio import ContextLost, Modem, NotRegistered
from pyqio import events as E
from pyqio.cli import _demo_servers as servers
from pyqio.errors import InvalidArgument
from pyqio.sim import SimConfig, Simulator
from pyqio.transports import open_pipe, register_scheme
from tests.servers.simproc import sim_process

# ``heldsim://``: a Modem joined to a Simulator this test holds, to drive it by hand
_HELD: list[Simulator] = []


async def _open_held(url: str, protocol_factory, *, loop=None):
    return await open_pipe(protocol_factory, _HELD.pop(0))


register_scheme("heldsim", _open_held)


async def modem_on(sim: Simulator, **kwargs) -> Modem:
    _HELD[:] = [sim]
    return await Modem.open("heldsim://", **kwargs)


def run(body):
    return asyncio.run(asyncio.wait_for(body(), 30))


async def read_exactly(sock, n: int, timeout: float = 5.0) -> bytes:
    got = b""
    while len(got) < n:
        chunk = await asyncio.wait_for(sock.recv(), timeout)
        assert chunk, got
        got += chunk
    return got


def at(device: str, *lines: str) -> None:
    """An earlier host program: ``pyqio at`` sends *lines* and exits."""
    proc = subprocess.run([sys.executable, "-m", "pyqio", "at", "--device", device,
                           "--linger", "0.1", *lines], capture_output=True, text=True,
                          timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr


def tx_lines(trace_log: list[bytes]) -> list[bytes]:
    return [line for chunk in trace_log for line in chunk.split(b"\r") if line]


@pytest.mark.parametrize("earlier, sent, absent", [
    # the radio was switched off: bring-up switches it on and waits for registration
    (["AT+CFUN=0"], b"AT+CFUN=1", None),
    # URCs were left on in a form an earlier program chose: kept, not reset to 2
    (["AT+CEREG=4"], None, b"AT+CEREG=2"),
    # URCs off (the module's default): bring-up asks for them
    (["AT+CEREG=0"], b"AT+CEREG=2", None),
])
def test_bring_up_from_the_state_an_earlier_program_left(earlier, sent, absent):
    tx: list[bytes] = []

    async def main() -> None:
        def trace(kind, data):
            if kind == "tx":
                tx.append(bytes(data))
        async with Modem(device, trace=trace) as m:
            assert m.registered and m.ip == "10.18.237.42"
            lines = tx_lines(tx)
            if sent is not None:
                assert sent in lines
            if absent is not None:
                assert absent not in lines
            resp = await m.command("AT+CEREG?")
            n = [ev.n for ev in resp.events if isinstance(ev, E.Registration)]
            assert n == [4 if absent else 2]

    with sim_process("pty", "--register-delay", "0.3") as device:
        at(device, *earlier)
        asyncio.run(main())


def test_a_slow_network_search_is_waited_for_through_the_cereg_urc():
    async def main() -> float:
        t0 = time.monotonic()
        async with Modem("sim://?register_delay=0.4") as m:
            took = time.monotonic() - t0
            assert m.registered and m.ip == "10.18.237.42"
            return took

    assert asyncio.run(main()) >= 0.35


def test_no_network_within_the_timeout_is_not_registered():
    async def main() -> None:
        m = Modem("sim://?register_delay=30", registration_timeout=0.3)
        t0 = time.monotonic()
        with pytest.raises(NotRegistered) as err:
            await m.start()
        assert time.monotonic() - t0 < 3
        assert err.value.stat == 2  # searching
        assert isinstance(err.value, ConnectionError)

    asyncio.run(main())


def test_registration_timeout_none_comes_up_unregistered_and_waits_later():
    async def main() -> None:
        async with Modem("sim://?register_delay=0.3", registration_timeout=None) as m:
            assert not m.registered and m.ip is None
            with pytest.raises(NotRegistered):
                await m.wait_registered(0.01)
            await m.wait_registered(5)
            assert m.registered

    asyncio.run(main())


def test_stale_sockets_policy_is_checked():
    with pytest.raises(InvalidArgument, match="stale_sockets"):
        Modem("sim://", stale_sockets="reuse")


def test_radio_switched_off_by_the_user_fails_the_sockets_with_context_lost():
    async def main() -> None:
        seen: list[int] = []
        server, (host, port) = await servers.start_tcp_echo()
        async with Modem("sim://", on_registration=lambda r: seen.append(r.stat)) as m:
            sock = await m.connect(host, port)
            await sock.send(b"before")
            assert await read_exactly(sock, 6) == b"before"
            await m.command("AT+CFUN=0")
            with pytest.raises(ContextLost):
                await asyncio.wait_for(sock.recv(), 5)
            with pytest.raises(ContextLost):
                await sock.send(b"x")
            assert not m.registered
            await m.command("AT+CFUN=1")
            await m.wait_registered(5)
            assert seen[:1] == [0] and seen[-1] == 1
            await sock.close()
            again = await m.connect(host, port)
            await again.send(b"after")
            assert await read_exactly(again, 5) == b"after"
        server.close()

    asyncio.run(main())


def test_context_back_with_another_address_fails_the_old_sockets():
    async def main() -> None:
        server, (host, port) = await servers.start_tcp_echo()
        sim = Simulator(SimConfig(echo=False))
        m = await modem_on(sim)
        sock = await m.connect(host, port)
        # the network goes and comes back; the module keeps the socket open, but the
        # context now has another address: the socket's address is gone
        sim.set_registration(2)
        sim.config.ip = "10.9.9.9"
        sim.set_registration(1)
        with pytest.raises(ContextLost, match="another address"):
            await asyncio.wait_for(sock.recv(), 5)
        assert m.ip == "10.9.9.9"
        await sock.close()
        await m.close()
        server.close()

    run(main)


def test_context_back_with_the_same_address_keeps_the_sockets():
    async def main() -> None:
        server, (host, port) = await servers.start_tcp_echo()
        sim = Simulator(SimConfig(echo=False))
        m = await modem_on(sim)
        sock = await m.connect(host, port)
        sim.set_registration(4)  # unknown for a moment (a cell change), then home again
        sim.set_registration(1)
        await asyncio.sleep(0.2)
        await sock.send(b"still fine")
        assert await read_exactly(sock, 10) == b"still fine"
        await sock.close()
        await m.close()
        server.close()

    run(main)


def test_leaving_the_network_fails_the_sockets_even_without_closed_urcs():
    async def main() -> None:
        server, (host, port) = await servers.start_tcp_echo()
        sim = Simulator(SimConfig(echo=False))
        m = await modem_on(sim)
        sock = await m.connect(host, port)
        sim.set_registration(3)  # registration denied; this module says nothing of sockets
        with pytest.raises(ContextLost, match="left the network"):
            await asyncio.wait_for(sock.recv(), 5)
        with pytest.raises(ContextLost):
            await sock.send(b"x")
        await sock.close()
        await m.close()
        server.close()

    run(main)
