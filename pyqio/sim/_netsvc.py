"""The network services behind AT+QIDNSGIP, AT+QNTP and AT+QPING, done for real.

DNS goes through dnspython to the configured servers; NTP is a plain SNTP (RFC 4330)
exchange; ping sends ICMP echo requests through an unprivileged ICMP socket where
``net.ipv4.ping_group_range`` allows it, else a raw socket (root), else reports
``554`` (create socket failed). Each call returns a result code of chapter 3
instead of raising, since that is what the module reports.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import socket
import struct
from dataclasses import dataclass

from ..wire._result import ResultCode as RC

__all__ = ["DnsAnswer", "PingResult", "is_ip", "ping_once", "resolve", "sntp"]

_NTP_EPOCH = 2208988800  # seconds from 1900-01-01 to 1970-01-01
_IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)  # Linux value; absent from Python's table


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class DnsAnswer:
    result: int
    addresses: tuple[str, ...] = ()
    ttl: int = 0


async def resolve(name: str, servers: tuple[str, ...], port: int, timeout: float = 5.0) -> DnsAnswer:
    """A records of *name* (AAAA when there are none) from *servers* on *port*.

    No server configured, no such name or no address all give 565 (DNS parse failed);
    no answer in time gives 569.
    """
    if is_ip(name):
        return DnsAnswer(RC.OK, (name,), 0)
    if not servers:
        return DnsAnswer(RC.DNS_PARSE_FAILED)
    import dns.asyncresolver
    import dns.exception
    import dns.resolver

    res = dns.asyncresolver.Resolver(configure=False)
    res.nameservers = list(servers)
    res.port = port
    res.lifetime = timeout
    for rdtype in ("A", "AAAA"):
        try:
            ans = await res.resolve(name, rdtype)
        except dns.resolver.NoAnswer:
            continue
        except (dns.resolver.NXDOMAIN, dns.resolver.NoNameservers, dns.name.EmptyLabel,
                dns.name.LabelTooLong, dns.name.NameTooLong):
            return DnsAnswer(RC.DNS_PARSE_FAILED)
        except dns.exception.Timeout:
            return DnsAnswer(RC.OPERATION_TIMEOUT)
        ttl = ans.rrset.ttl if ans.rrset is not None else 0
        return DnsAnswer(RC.OK, tuple(r.address for r in ans), ttl)
    return DnsAnswer(RC.DNS_PARSE_FAILED)


async def _readable(sock: socket.socket, deadline: float) -> bool:
    """Wait until *sock* can be read or *deadline* (loop time) passes; cancellable at once."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(True)

    loop.add_reader(sock.fileno(), wake)
    try:
        return await asyncio.wait_for(ready, max(deadline - loop.time(), 0))
    except asyncio.TimeoutError:
        return False
    finally:
        loop.remove_reader(sock.fileno())


async def sntp(ip: str, port: int, timeout: float = 5.0) -> tuple[int, dt.datetime | None]:
    """(result, UTC time) from the SNTP server at *ip*:*port*; 569 when no answer comes."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    deadline = asyncio.get_running_loop().time() + timeout
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.setblocking(False)
        request = bytearray(48)
        request[0] = 0x23  # LI 0, version 4, mode 3 (client)
        request[40:48] = os.urandom(8)  # transmit timestamp: the nonce the reply must echo
        try:
            s.sendto(request, (ip, port))
        except OSError:
            return RC.SOCKET_WRITE_FAILED, None
        while await _readable(s, deadline):
            try:
                reply = s.recv(1024)
            except OSError:
                continue  # ICMP unreachable: keep waiting, as a module would, until timeout
            # mode 4 (server), stratum > 0 (not a kiss-o'-death), our nonce as origin
            if len(reply) >= 48 and reply[0] & 7 == 4 and reply[1] and reply[24:32] == request[40:48]:
                secs, frac = struct.unpack("!II", reply[40:48])
                when = dt.datetime.fromtimestamp(secs - _NTP_EPOCH + frac / 2**32, dt.timezone.utc)
                return RC.OK, when.replace(microsecond=0)
    return RC.OPERATION_TIMEOUT, None


@dataclass(frozen=True)
class PingResult:
    result: int
    time_ms: int = 0
    ttl: int = 0


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _icmp_socket() -> tuple[socket.socket, bool] | None:
    """An ICMP socket and whether it is raw (replies then carry the IP header)."""
    for kind, raw in ((socket.SOCK_DGRAM, False), (socket.SOCK_RAW, True)):
        try:
            return socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP), raw
        except PermissionError:
            continue
    return None


def _echo_request(ident: int, seq: int, size: int) -> bytes:
    payload = bytes(i & 0xFF for i in range(size))
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    return struct.pack("!BBHHH", 8, 0, _checksum(header + payload), ident, seq) + payload


def _echo_reply(sock: socket.socket, raw: bool, ident: int, seq: int) -> int | None:
    """The TTL of our echo reply if *sock* holds it, else None (someone else's ICMP)."""
    data, anc, _, _ = sock.recvmsg(65535, socket.CMSG_SPACE(4))
    ttl = next((struct.unpack("i", d[:4])[0] for lvl, typ, d in anc
                if lvl == socket.IPPROTO_IP and typ == socket.IP_TTL), 0)
    if raw:
        ttl, data = data[8], data[(data[0] & 0x0F) * 4:]
    # unprivileged ICMP sockets rewrite the id, so only raw sockets check it
    if len(data) >= 8 and data[0] == 0 and struct.unpack("!H", data[6:8])[0] == seq \
            and (not raw or struct.unpack("!H", data[4:6])[0] == ident):
        return ttl
    return None


async def ping_once(ip: str, seq: int, size: int, timeout: float) -> PingResult:
    """One ICMP echo request to *ip* (IPv4) and its reply, or the result code of the failure."""
    if ":" in ip:
        return PingResult(RC.OPERATION_NOT_SUPPORTED)
    opened = _icmp_socket()
    if opened is None:
        return PingResult(RC.CREATE_SOCKET_FAILED)
    sock, raw = opened
    ident, seq = os.getpid() & 0xFFFF, seq & 0xFFFF
    loop = asyncio.get_running_loop()
    with sock:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_IP, _IP_RECVTTL, 1)
        start = loop.time()
        try:
            sock.sendto(_echo_request(ident, seq, size), (ip, 0))
        except OSError:
            return PingResult(RC.SOCKET_WRITE_FAILED)
        while await _readable(sock, start + timeout):
            try:
                ttl = _echo_reply(sock, raw, ident, seq)
            except OSError:
                continue
            if ttl is not None:
                return PingResult(RC.OK, round((loop.time() - start) * 1000), ttl)
    return PingResult(RC.OPERATION_TIMEOUT)
