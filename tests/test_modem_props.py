"""Properties of the Modem's data path over the simulator: whatever bytes, sizes,
splits and data format, and however many sockets at once, each socket's stream
comes back exactly as sent.  (Needs hypothesis, from the test extra.)"""
from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyqio.cli import _demo_servers as servers
from pyqio.modem import Modem


async def read_n(sock, n):
    data = b""
    sock.settimeout(10)
    while len(data) < n:
        chunk = await sock.recv()
        if not chunk:
            break
        data += chunk
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.binary(min_size=1, max_size=1500), min_size=1, max_size=4),
       send_hex=st.booleans(), recv_hex=st.booleans())
def test_any_bytes_in_any_split_and_format_come_back_intact(pieces, send_hex, recv_hex):
    async def main():
        server, (host, port) = await servers.start_tcp_echo()
        async with Modem("sim://") as m:
            await m.set_data_format(send_hex, recv_hex)
            async with await m.connect(host, port) as sock:
                for piece in pieces:
                    await sock.send(piece)
                got = await read_n(sock, sum(map(len, pieces)))
        server.close()
        return got

    assert asyncio.run(asyncio.wait_for(main(), 30)) == b"".join(pieces)


def test_concurrent_sockets_each_get_their_own_stream():
    async def main():
        server, (host, port) = await servers.start_tcp_echo()
        async with Modem("sim://") as m:
            socks = [await m.connect(host, port) for _ in range(4)]

            async def talk(sock, tag):
                msg = bytes([tag]) * 3000 + bytes(range(256))
                await sock.send(msg)
                return msg, await read_n(sock, len(msg))

            results = await asyncio.gather(*(talk(s, i) for i, s in enumerate(socks)))
            for s in socks:
                await s.close()
        server.close()
        return results

    for sent, got in asyncio.run(asyncio.wait_for(main(), 60)):
        assert got == sent
