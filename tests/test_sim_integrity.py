"""The simulator never loses or reorders data but through its explicit drop fault.

Every fault profile (latency, held-back URCs, garbage lines, SEND FAIL, all at once)
carries random data through a real ``pyqio.Modem`` and real loopback servers with
the drop fault off: each TCP socket's bytes arrive whole and in order (SHA-256
equal), UDP datagrams arrive as the set sent, and ``Simulator.stats`` counts no drop.
The host reads slowly at times, so the simulator's back-pressure is part of it.
The default run pushes 1 MiB per profile; ``pytest -m slow`` pushes >= 20 MB.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time

import pytest

import pyqio
from pyqio.cli import _demo_servers as servers
from pyqio.errors import SendFailed
from tests.servers import free_udp_port
from tests.servers.link import Link, async_test

PROFILES = {
    "clean": "",
    "latency": "latency=0.002",
    "held back": "urc_delay_rate=0.05&urc_delay=0.02",
    "garbage": "garbage_rate=0.05",
    "send fail": "send_fail_rate=0.1",
    "all": "latency=0.001&urc_delay_rate=0.05&urc_delay=0.01&garbage_rate=0.02&send_fail_rate=0.05",
}


async def _source(size: int, seed: int) -> tuple[asyncio.AbstractServer, int, str]:
    """A TCP server sending *size* seeded random bytes to each client; their SHA-256."""
    block = random.Random(seed).randbytes(1 << 16)
    data = (block * (size // len(block) + 1))[:size]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for i in range(0, size, 1 << 16):
            writer.write(data[i:i + (1 << 16)])
            await writer.drain()
        await reader.read()  # until the host closes
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], hashlib.sha256(data).hexdigest()


async def _read_slowly(sock: pyqio.modem.ModemSocket, size: int, rng: random.Random) -> str:
    digest, got = hashlib.sha256(), 0
    while got < size:
        chunk = await asyncio.wait_for(sock.recv(rng.choice([512, 4096, 65536])), 30)
        assert chunk, f"socket {sock.connect_id}: EOF after {got} of {size} bytes"
        digest.update(chunk)
        got += len(chunk)
        if rng.random() < 0.02:
            await asyncio.sleep(0.01)  # a slow reader now and then: back-pressure
    return digest.hexdigest()


async def _send_retrying(sock: pyqio.modem.ModemSocket, data: bytes) -> None:
    """Send all of *data*; a SEND FAIL chunk (the fault: nothing sent) is sent again."""
    base = sock.bytes_sent
    while sock.bytes_sent - base < len(data):
        try:
            await sock.send(data[sock.bytes_sent - base:])
        except SendFailed:
            continue


async def _echo_check(sock: pyqio.modem.ModemSocket, size: int, rng: random.Random) -> bool:
    data = rng.randbytes(size)
    reader = asyncio.ensure_future(_read_slowly(sock, size, rng))
    await _send_retrying(sock, data)
    return await reader == hashlib.sha256(data).hexdigest()


async def _udp_check(sock: pyqio.modem.ModemSocket, count: int, rng: random.Random) -> bool:
    sent = {b"%06d:" % i + rng.randbytes(rng.randint(1, 900)) for i in range(count)}
    got: set[bytes] = set()

    async def receive() -> None:
        while len(got) < len(sent):
            got.add(await asyncio.wait_for(sock.recv(), 30))

    reader = asyncio.ensure_future(receive())
    for dgram in sorted(sent):
        await _send_retrying(sock, dgram)
    await reader
    return got == sent


async def _run_profile(query: str, down: int, seed: int) -> dict:
    rng = random.Random(seed)
    servers_ = []
    async with pyqio.Modem(f"sim://?seed={seed}&{query}", buffer_limit=32 * 1024,
                           wait_ip=0) as m:
        sim = m._link.transport._peer._protocol
        socks, digests, readers = [], [], []
        for i in range(3):  # each read from the start: a full buffer would hold the link
            server, port, digest = await _source(down, seed + i)
            servers_.append(server)
            socks.append(await m.connect("127.0.0.1", port))
            digests.append(digest)
            readers.append(asyncio.ensure_future(
                _read_slowly(socks[-1], down, random.Random(seed + 10 + i))))
        echo, (host, port) = await servers.start_tcp_echo()
        udp_t, (uhost, uport) = await servers.start_udp_echo()
        esock = await m.connect(host, port)
        usock = await m.connect(uhost, uport, "udp")
        got = await asyncio.gather(*readers, _echo_check(esock, max(down // 16, 4096), rng),
                                   _udp_check(usock, 40, rng))
        stats = sim.stats
        dropped = (sum(s.dropped_bytes for s in [*socks, esock, usock]),)
        echo.close()
        udp_t.close()
    for server in servers_:
        server.close()
    return {"tcp": got[:3] == digests, "echo": got[3], "udp": got[4],
            "drops": stats.drops, "host_dropped": dropped[0]}


def _check(name: str, down: int) -> float:
    start = time.monotonic()
    result = asyncio.run(asyncio.wait_for(_run_profile(PROFILES[name], down, 7), 600))
    assert result == {"tcp": True, "echo": True, "udp": True, "drops": 0, "host_dropped": 0}, name
    return time.monotonic() - start


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_fault_profile_delivers_every_byte_in_order(name: str) -> None:
    _check(name, (1 << 20) // 3)  # three sockets: 1 MiB down per profile


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_fault_profile_delivers_20_mb_in_order(name: str) -> None:
    took = _check(name, 7 * 1000 * 1000)  # three sockets: 21 MB down per profile
    print(f"{name}: 21 MB down in {took:.1f} s")


# -- the queue itself ------------------------------------------------------------------

@async_test
async def test_a_urc_due_sooner_than_the_armed_drain_goes_out_at_once() -> None:
    """The drain timer was armed for a URC held back 2 s; a URC due now must not wait
    for it (before, it did: ``_arm_drain`` did not re-arm for a sooner one)."""
    link = await Link.memory(urc_delay_rate=1.0, urc_delay=2.0)
    sim = link.sim
    assert sim is not None
    sim.urc(b"\r\n+QIURC: \"closed\",0\r\n", droppable=True, connect_id=0)  # held back 2 s
    sim.urc(b"\r\n+QIURC: \"closed\",1\r\n", connect_id=1)  # due now
    start = time.monotonic()
    assert await link.until(b"\"closed\",1\r\n", timeout=1.5)
    assert time.monotonic() - start < 0.5


@async_test
async def test_a_held_back_urc_never_passes_a_later_urc_of_its_own_socket() -> None:
    link = await Link.memory(seed=3, urc_delay_rate=0.5, urc_delay=0.05)
    sim = link.sim
    assert sim is not None
    for i in range(200):
        sim.urc(b"\r\n+X: %d,%d\r\n" % (i % 2, i), droppable=True, connect_id=i % 2)
    await asyncio.sleep(0.5)  # every held-back one is due by then
    out = await link.settle(2)
    seqs = {0: [], 1: []}
    for line in out.split(b"\r\n"):
        if line.startswith(b"+X: "):
            cid, seq = map(int, line[4:].split(b","))
            seqs[cid].append(seq)
    assert seqs[0] == sorted(seqs[0]) and seqs[1] == sorted(seqs[1])
    assert len(seqs[0]) == len(seqs[1]) == 100


@async_test
async def test_the_drop_fault_is_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "pyqio.sim")
    server, port, _ = await _source(10_000, 1)
    link = await Link.memory(urc_drop_rate=1.0)
    await link.command(b'AT+QIOPEN=0,0,"TCP","127.0.0.1",%d' % port, b"+QIOPEN: 0,0\r\n")
    await asyncio.sleep(0.2)
    sim = link.sim
    assert sim is not None
    assert sim.stats.urcs_dropped >= 10 and sim.stats.urc_bytes_dropped > 10_000
    assert sim.stats.drops == sim.stats.urcs_dropped
    assert "urc_drop_rate: dropped" in caplog.text
    server.close()


@async_test
async def test_udp_datagrams_for_a_host_that_does_not_read_are_dropped_and_counted() -> None:
    link = await Link.memory()
    local_port = free_udp_port()
    await link.command(b'AT+QIOPEN=0,0,"UDP SERVICE","127.0.0.1",1,%d,1' % local_port,
                       b"+QIOPEN: 0,0\r\n")
    sim = link.sim
    assert sim is not None
    link.host.transport.pause_reading()
    loop = asyncio.get_running_loop()
    peer, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                  remote_addr=("127.0.0.1", local_port))
    for _ in range(3000):  # ~3 MB, far past what the simulator holds for a host
        peer.sendto(b"u" * 1000)
        await asyncio.sleep(0)
    await asyncio.sleep(0.2)
    assert sim.stats.datagrams_dropped > 0
    assert sim.stats.datagram_bytes_dropped == 1000 * sim.stats.datagrams_dropped
    assert sim.backlog() <= (1 << 20)
    peer.close()
