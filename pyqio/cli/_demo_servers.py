"""Tiny loopback servers the demo (and tests) talk to through the module.

A TCP and a UDP echo server, a DNS server answering A queries from a fixed
table (messages built and parsed by dnspython, a dependency), and an SNTP
responder (RFC 4330, the 48-byte packet).  All bind 127.0.0.1 on a free port.
"""
from __future__ import annotations

import asyncio
import struct
import time
from typing import Any

Address = tuple[str, int]

NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900-01-01 to 1970-01-01


async def start_tcp_echo(host: str = "127.0.0.1") -> tuple[asyncio.AbstractServer, Address]:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(echo, host, 0)
    return server, server.sockets[0].getsockname()[:2]


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Address) -> None:
        reply = self.answer(data)
        if reply is not None:
            self.transport.sendto(reply, addr)


async def _udp_server(answer: Any, host: str) -> tuple[Any, Address]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: _Udp(answer), local_addr=(host, 0))
    return transport, transport.get_extra_info("sockname")[:2]


async def start_udp_echo(host: str = "127.0.0.1") -> tuple[Any, Address]:
    return await _udp_server(lambda data: data, host)


def _dns_answer(records: dict[str, str], ttl: int) -> Any:
    import dns.exception
    import dns.message
    import dns.rcode
    import dns.rdatatype
    import dns.rrset

    def answer(wire: bytes) -> bytes | None:
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None  # not DNS: a real server would drop it too
        reply = dns.message.make_response(query)
        for q in query.question:
            name = q.name.to_text(omit_final_dot=True).lower()
            if q.rdtype == dns.rdatatype.A and name in records:
                reply.answer.append(dns.rrset.from_text(q.name, ttl, "IN", "A", records[name]))
            else:
                reply.set_rcode(dns.rcode.NXDOMAIN)
        return reply.to_wire()

    return answer


async def start_dns(records: dict[str, str], host: str = "127.0.0.1",
                    ttl: int = 300) -> tuple[Any, Address]:
    """A DNS server answering A queries for *records* (name -> IPv4), NXDOMAIN otherwise."""
    from ..sim._deps import require_sim_deps

    require_sim_deps("the demo's DNS server")
    table = {k.lower().rstrip("."): v for k, v in records.items()}
    return await _udp_server(_dns_answer(table, ttl), host)


def _sntp_answer(wire: bytes) -> bytes | None:
    if len(wire) < 48:
        return None
    now = time.time() + NTP_EPOCH_OFFSET
    secs, frac = int(now), int((now % 1) * 2 ** 32)
    version = (wire[0] >> 3) & 7 or 4
    head = struct.pack("!BBbb", (version << 3) | 4, 1, 6, -20)  # LI 0, server, stratum 1
    root = struct.pack("!II4s", 0, 0, b"LOCL")
    originate = wire[40:48]  # the client's transmit time, echoed (RFC 4330, 5)
    stamps = struct.pack("!II", secs, frac) + originate + struct.pack("!IIII", secs, frac, secs, frac)
    return head + root + stamps


async def start_sntp(host: str = "127.0.0.1") -> tuple[Any, Address]:
    """An SNTP server giving the host's clock (stratum 1, reference "LOCL")."""
    return await _udp_server(_sntp_answer, host)
