"""Whatever the host sends, the simulator answers and never grows without bound.

Needs: pip install hypothesis.
"""
from __future__ import annotations

import asyncio
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyqio import Decoder
from pyqio.events import Recv
from pyqio.sim._output import HIGH_WATER
from pyqio.sim._simulator import MAX_LINE
from tests.servers.link import Link, async_test

# Pieces of host input. No '.', so no IP address can form: random input never
# reaches the network (names fail: no DNS server is configured).
PIECES = [b"AT", b"at", b"+QISEND=", b"+QIOPEN=", b"+QICFG=", b'"dataformat"', b'"showRA"',
          b"+QICLOSE=", b"+QISTATE", b"+QPING=", b"+QNTP=", b"+QIDNSGIP=", b"+QIDNSCFG=", b"E0",
          b"E1", b"I", b"=?", b"?", b",", b'"', b"0", b"1", b"5", b"1024", b"\r", b"\n", b"\x00",
          b"\x1a", b"\x1b", b"x", b"\xff", b'"TCP"', b'"UDP SERVICE"', b'"host"']


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=30).map(b"".join), max_size=8))
def test_any_host_input_gets_answers_and_never_raises(chunks: list[bytes]) -> None:
    async def run() -> None:
        errors: list[dict] = []
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: errors.append(ctx))
        link = await Link.memory()
        for chunk in chunks:
            link.send(chunk)
        await link.settle(3)
        # leave data mode if the input entered it, then the module must still answer
        link.send(b"\x1b" + b"0" * 1100 + b"\x1b\rAT\r")
        await link.until(b"\r\nOK\r\n")
        assert errors == []
        assert link.sim is not None and len(link.sim._rx) <= MAX_LINE + 1100
    asyncio.run(run())


@async_test
async def test_flood_from_a_peer_to_a_host_that_does_not_read_pauses_the_peer_and_loses_nothing(
        ) -> None:
    """The host stops reading: the simulator stops reading the peer (back-pressure, as a
    module's buffer and TCP window do) and stays bounded; once the host reads again,
    every byte arrives, in order, in whole URCs, and nothing was dropped."""
    total = 8 << 20
    release = asyncio.get_running_loop().create_future()
    data = bytes(random.Random(5).getrandbits(8) for _ in range(1 << 16)) * (total >> 16)

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for i in range(0, total, 1 << 16):
            writer.write(data[i:i + (1 << 16)])
            await writer.drain()
        # the peer stays connected until the end: from 3.13 asyncio no longer keeps
        # the writer of a returned handler, whose garbage collection closes the
        # connection (a "closed" URC would then follow the recv URCs)
        await release
        writer.close()

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    link = await Link.memory()
    await link.command(b'AT+QIOPEN=0,0,"TCP","127.0.0.1",%d' % port, b"+QIOPEN: 0,0\r\n")
    link.host.transport.pause_reading()  # the host falls behind
    sim = link.sim
    assert sim is not None
    while not sim.stats.remote_pauses:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    assert sim.backlog() <= HIGH_WATER + (256 << 10)  # one read of the peer past the mark
    link.host.transport.resume_reading()
    decoder, got, urcs = Decoder(), bytearray(), []
    while len(got) < total:
        await link.host.changed.wait()
        link.host.changed.clear()
        chunk = bytes(link.host.buf)
        del link.host.buf[:]
        for e in decoder.feed(chunk):
            assert isinstance(e, Recv) and e.connect_id == 0 and e.length <= 1024, e
            got += e.data
            urcs.append(e.length)
    assert bytes(got) == data and sim.stats.drops == 0
    release.set_result(None)
    server.close()
