"""A TCP socket never delivers a stream with a gap: a full buffer pauses the link.

The modem reads the module's URCs into each socket's buffer. When a TCP socket's
buffer passes ``buffer_limit`` and its owner is slow, the default policy
(``overflow="pause"``) stops reading the link until the owner has read it down;
nothing is dropped. ``overflow="fail"`` fails that one socket with
ReceiveOverflow after everything that fitted, and leaves the others alone.
UDP sockets still drop whole datagrams, counted.
"""
from __future__ import annotations

import asyncio
import hashlib
import os

import pytest
from test_faults import FaultSim, modem_on, read_exactly, run

import pyqio
from pyqio import events as E
from pyqio.cli import _demo_servers as servers
from pyqio.errors import InvalidArgument, ReceiveOverflow
from pyqio.sim import _wire
from pyqio.transports import open_transport, serve_pty

LIMIT = 64 * 1024


def _urcs(connect_id: int, data: bytes) -> bytes:
    """*data* as the module pushes it: recv URCs of at most 1024 bytes (2.4, NOTE 5)."""
    return b"".join(
        _wire.encode_recv(E.Recv(connect_id, data[i:i + 1024], len(data[i:i + 1024]),
                                 None, None), recv_hex=False)
        for i in range(0, len(data), 1024))


def test_a_full_tcp_buffer_pauses_the_link_and_loses_nothing() -> None:
    async def main() -> tuple[bytes, bytes, int, int, bool, bool]:
        sim = FaultSim()
        m = await modem_on(sim, buffer_limit=LIMIT)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        data = os.urandom(1_000_000)
        for i in range(0, len(data), 50_000):  # written to the link, the reader asleep
            sim.write(_urcs(sock.connect_id, data[i:i + 50_000]))
        await asyncio.sleep(0.2)
        paused = not m._link.transport.is_reading()
        peak = sock.buffered()
        got = await read_exactly(sock, len(data))
        resumed = m._link.transport.is_reading()
        await m.close()
        server.close()
        return got, data, peak, sock.dropped_bytes, paused, resumed

    got, data, peak, dropped, paused, resumed = run(main)
    assert paused and resumed
    assert LIMIT < peak < LIMIT + 128 * 1024  # one read of the link past the limit at most
    assert dropped == 0 and hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


def test_overflow_fail_fails_only_that_socket_after_everything_that_fitted() -> None:
    async def main() -> tuple[bytes, bytes, int, bool, list[bytes]]:
        sim = FaultSim()
        m = await modem_on(sim, buffer_limit=LIMIT, overflow="fail")
        server, (host, port) = await servers.start_tcp_echo()
        slow = await m.connect(host, port)
        other = await m.connect(host, port)
        data = os.urandom(3 * LIMIT)
        sim.write(_urcs(slow.connect_id, data))
        await asyncio.sleep(0.1)
        got = b""
        with pytest.raises(ReceiveOverflow, match="buffer over .*never goes on with a gap"):
            while True:
                got += await asyncio.wait_for(slow.recv(), 5)
        await other.send(b"unaffected")
        ok = await read_exactly(other, 10) == b"unaffected"
        await m.close()
        server.close()
        return got, data, slow.dropped_bytes, ok, sim.seen

    got, data, dropped, ok, seen = run(main)
    assert ok
    assert data.startswith(got) and LIMIT < len(got) and len(got) + dropped == len(data)
    assert b"AT+QICLOSE=0" in seen  # the module stops pushing for it


def test_a_command_timing_out_behind_a_paused_link_says_why() -> None:
    async def main() -> str:
        sim = FaultSim()
        m = await modem_on(sim, buffer_limit=LIMIT)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        sim.write(_urcs(sock.connect_id, os.urandom(4 * LIMIT)))
        await asyncio.sleep(0.1)
        with pytest.raises(pyqio.modem.CommandTimeout) as err:
            await m.command("AT", timeout=0.3)
        await m.close()
        server.close()
        return str(err.value)

    assert "receive buffer of socket(s) 0 is full" in run(main)


def test_overflow_policy_is_checked() -> None:
    with pytest.raises(InvalidArgument, match="overflow='drop'"):
        pyqio.Modem("sim://", overflow="drop")


def test_rtscts_keyword_turns_on_hardware_flow_control_on_a_serial_port() -> None:
    async def main() -> tuple[bool, str]:
        module_t, path = await serve_pty(asyncio.Protocol)
        t, _ = await open_transport(path, asyncio.Protocol, rtscts=True)
        on = t.get_extra_info("serial").rtscts
        t.close()
        with pytest.raises(InvalidArgument, match="not a serial port") as err:
            await open_transport("sim://", asyncio.Protocol, rtscts=True)
        module_t.close()
        return on, str(err.value)

    on, _ = asyncio.run(main())
    assert on is True


def test_reading_a_full_socket_down_outside_the_loop_is_safe() -> None:
    # The link was paused by a full socket while the module rebooted (RDY held
    # behind the data). Reading the socket down in plain synchronous code on the
    # loop's thread resumes the link; the held RDY must then be handled from the
    # loop (its restart check starts a task), not on the reader's stack, where
    # there is no running loop.
    loop = asyncio.new_event_loop()
    try:
        sim = FaultSim()
        m = loop.run_until_complete(modem_on(sim, buffer_limit=LIMIT))
        server, (host, port) = loop.run_until_complete(servers.start_tcp_echo())
        sock = loop.run_until_complete(m.connect(host, port))
        data = os.urandom(4 * LIMIT)
        sim.write(_urcs(sock.connect_id, data))
        sim.write(b"\r\nRDY\r\n")
        loop.run_until_complete(asyncio.sleep(0.2))
        assert not m._link.transport.is_reading()
        suspicions = m.restart_suspicions
        got = b""
        while len(got) < len(data):
            while sock._readable():
                got += sock._take(65536)  # no loop running: must not raise
            loop.run_until_complete(asyncio.sleep(0.01))
        loop.run_until_complete(asyncio.sleep(0.05))
        assert got == data
        assert m.restart_suspicions == suspicions + 1
        loop.run_until_complete(m.close())
        server.close()
        loop.run_until_complete(server.wait_closed())
    finally:
        loop.close()


def test_an_open_that_times_out_with_a_full_buffer_leaves_the_link_reading(
        caplog: pytest.LogCaptureFixture) -> None:
    # AT+QIOPEN answers OK, the peer's first bytes (more than the buffer holds) come,
    # and +QIOPEN: <id>,<result> never does. The socket was registered early, so its
    # buffer filled and paused the link; the caller's timeout then means nobody will
    # ever read it. Its hold must go with it: else the AT+QICLOSE that frees the id
    # waits behind that buffer, and the link stays paused for good (every later
    # command timing out "the receive buffer of socket(s) 0 is full").
    data = os.urandom(4 * LIMIT)

    def data_but_no_result(sim: FaultSim, line: bytes) -> bool:
        if line.startswith(b"AT+QIOPEN") and not sim.swallowed:
            sim.swallowed = True
            sim.victim = sim.modem._sockets[0]
            sim.reply(E.Ok())
            sim.write(_urcs(0, data))   # ... then data for it, never +QIOPEN: 0,0
            return True
        return False

    async def main() -> tuple[frozenset[int], bool, bool, list[bytes], int]:
        sim = FaultSim(on_line=data_but_no_result)
        sim.swallowed = False
        m = sim.modem = await modem_on(sim, buffer_limit=LIMIT)
        with pytest.raises(pyqio.modem.CommandTimeout):
            await m.connect("127.0.0.1", 9, timeout=0.3)
        held = m._link.held_by
        reading = m._link.transport.is_reading()
        rows_ok = await m.state() == []   # answered at once, not after a timeout
        await m.close()
        return held, reading, rows_ok, sim.seen, m.orphan_bytes

    held, reading, rows_ok, seen, orphans = run(main)
    assert held == frozenset() and reading and rows_ok
    assert b"AT+QICLOSE=0" in seen
    # ... and answered: the id is free on the module, not left open behind a timeout
    assert not [r for r in caplog.records if "AT+QICLOSE" in r.getMessage()]
    # the caller never got the socket, so nothing on it can be read or seen: every
    # byte that came for it is counted on the modem, and said in the log
    assert orphans == len(data)
    assert any("given up while opening" in r.getMessage() and f"{len(data)} received"
               in r.getMessage() for r in caplog.records)
