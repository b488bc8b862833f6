"""A module restart is confirmed by asking the module, never guessed from payload bytes.

What may only *suggest* a restart is what the tokenizer saw outside any framed
payload: a boot line ``RDY`` of its own, or a recv frame that broke (a reboot
cutting a URC). Either can be faked by a remote peer whose payload holds a banner
when one byte of its URC is lost on the UART. So the modem asks the module (a sync
``AT``, then ``AT+QISTATE?``) and resets only when the module no longer holds the
sockets; a module that still holds them fails none of them.
"""
from __future__ import annotations

import asyncio
import sys

import pytest
from conftest import load_backend
from test_faults import FaultSim, modem_on, read_exactly, run

from pyqio import events as E
from pyqio.cli import _demo_servers as servers
from pyqio.errors import LinkError
from pyqio.sim import SimConfig, _wire

#: the boot output as it can look to the host: with or without NULs, line ends cut
BANNERS = [
    b"RDY",
    b"\r\nRDY\r\n",
    b"\x00\x00\x00\x00\r\nRDY\r\n",
    b"\x00RDY\r\n",
    b"\r\n\x00\x00RDY\r\n\r\n+IP: 10.18.237.42\r\n",
    b"\nRDY\n",
]


@pytest.fixture(params=["python", "c"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The modem's session decodes with this tokenizer backend."""
    monkeypatch.setattr(sys.modules["pyqio.wire._decoder"], "Tokenizer", load_backend(request.param))
    return request.param


def _urc(connect_id: int, payload: bytes, recv_hex: bool) -> bytes:
    return _wire.encode_recv(E.Recv(connect_id, payload, len(payload), None, None),
                             recv_hex=recv_hex)


@pytest.mark.parametrize("recv_hex", [False, True], ids=["text", "hex"])
def test_hostile_banners_with_a_byte_lost_anywhere_never_fail_an_unrelated_socket(
        backend: str, recv_hex: bool) -> None:
    async def main() -> tuple[int, int, int]:
        sim = FaultSim()
        m = await modem_on(sim)
        if recv_hex:
            await m.set_data_format(False, True)
        core = m._link.session.decoder._core  # a C Feeder, or a TokenFeeder over a tokenizer
        assert type(getattr(core, "tok", core)).__module__.endswith(
            ("_ctokenizer", "_events_c") if backend == "c" else ("_pytokenizer",))
        server, (host, port) = await servers.start_tcp_echo()
        hostile = await m.connect(host, port)
        bystander = await m.connect(host, port)
        cases = 0
        for banner in BANNERS:
            urc = _urc(hostile.connect_id, b"hello" + banner + b"world", recv_hex)
            for cut in range(len(urc)):
                sim.write(urc[:cut] + urc[cut + 1:])  # one byte lost on the UART
                msg = b"still here %d" % cases
                await bystander.send(msg)
                assert await read_exactly(bystander, len(msg)) == msg, (banner, cut)
                cases += 1
        await asyncio.wait_for(m._restart_check_done(), 5)
        assert not bystander.closed and bystander._error is None
        suspected, restarts = m.restart_suspicions, m.restarts
        await m.close()
        server.close()
        return cases, suspected, restarts

    cases, suspected, restarts = run(main)
    assert cases > 200 and restarts == 0
    assert suspected > 0  # the fakes did look like reboots; asking the module said no


def test_a_real_restart_is_still_detected_and_fails_the_sockets(backend: str) -> None:
    async def main() -> int:
        sim = FaultSim()
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        socks = [await m.connect(host, port) for _ in range(2)]
        sim.restart()
        for sock in socks:
            with pytest.raises(LinkError, match="restarted"):
                await asyncio.wait_for(sock.recv(), 5)
        await asyncio.wait_for(m.wait_ready(), 5)
        restarts = m.restarts
        await m.close()
        server.close()
        return restarts

    assert run(main) == 1


def test_a_restart_suggested_while_a_check_runs_is_checked_again() -> None:
    """The module answered the first check (sockets held), then really restarted: the
    second suggestion, arriving while the first check was still in flight, is not lost."""
    async def main() -> int:
        sim = FaultSim()
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        sim.write(b"\r\nRDY\r\n")  # a fake: the module still holds the socket

        def restart_after_state(s: FaultSim, line: bytes) -> bool:
            if line == b"AT+QISTATE?":
                s.on_line = None
                s.command_line(line)  # answered with the socket held ...
                s.restart()  # ... then the module reboots
                return True
            return False

        sim.on_line = restart_after_state
        with pytest.raises(LinkError, match="restarted"):
            await asyncio.wait_for(sock.recv(), 5)
        restarts = m.restarts
        await m.close()
        server.close()
        return restarts

    assert run(main) == 1


def test_with_no_socket_open_a_restart_is_told_by_the_echo_coming_back() -> None:
    """Nothing to ask ``AT+QISTATE?`` about: a boot turns echo back on, a fake does not."""
    async def main() -> tuple[int, int, int]:
        sim = FaultSim(SimConfig(echo=True))
        m = await modem_on(sim)
        sim.write(b"\r\nRDY\r\n")  # a fake: the module did not restart
        await asyncio.sleep(0.05)
        await asyncio.wait_for(m._restart_check_done(), 5)
        fakes = m.restarts
        sim.restart()  # the real one: NULs, RDY, echo on again
        await asyncio.sleep(0.05)
        await asyncio.wait_for(m._restart_check_done(), 5)
        await asyncio.wait_for(m.wait_ready(), 5)
        restarts, suspected = m.restarts, m.restart_suspicions
        await m.close()
        return fakes, restarts, suspected

    fakes, restarts, suspected = run(main)
    assert fakes == 0 and restarts == 1 and suspected == 2
