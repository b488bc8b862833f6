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
import time
from dataclasses import dataclass

from .._result import ResultCode as RC

__all__ = ["DnsAnswer", "resolve", "sntp", "PingResult", "ping_once", "is_ip"]

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
    addresses: tuple = ()
    ttl: int = 0


async def resolve(name: str, servers: "tuple[str, ...]", port: int, timeout: float = 5.0) -> DnsAnswer:
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
        return DnsAnswer(RC.OK, tuple(r.address for r in ans), ans.rrset.ttl)
    return DnsAnswer(RC.DNS_PARSE_FAILED)


def _sntp_blocking(ip: str, port: int, timeout: float) -> dt.datetime:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        request = bytearray(48)
        request[0] = 0x23  # LI 0, version 4, mode 3 (client)
        request[40:48] = os.urandom(8)  # transmit timestamp: the nonce the reply must echo
        s.sendto(request, (ip, port))
        deadline = time.monotonic() + timeout
        while True:
            s.settimeout(max(deadline - time.monotonic(), 0.001))
            reply, _ = s.recvfrom(1024)
            # mode 4 (server), stratum > 0 (not a kiss-o'-death), our nonce as origin
            if len(reply) >= 48 and reply[0] & 7 == 4 and reply[1] and reply[24:32] == request[40:48]:
                break
    secs, frac = struct.unpack("!II", reply[40:48])
    return dt.datetime.fromtimestamp(secs - _NTP_EPOCH + frac / 2**32, dt.timezone.utc)


async def sntp(ip: str, port: int, timeout: float = 5.0) -> "tuple[int, dt.datetime | None]":
    """(result, UTC time) from the SNTP server at *ip*:*port*; 569 on timeout."""
    try:
        when = await asyncio.to_thread(_sntp_blocking, ip, port, timeout)
    except (TimeoutError, socket.timeout):
        return RC.OPERATION_TIMEOUT, None
    except OSError:
        return RC.SOCKET_CONNECTION_FAILED, None
    return RC.OK, when.replace(microsecond=0)


@dataclass(frozen=True)
class PingResult:
    result: int
    time_ms: int = 0
    ttl: int = 0


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _icmp_socket() -> "tuple[socket.socket, bool] | None":
    """An ICMP socket and whether it is raw (replies then carry the IP header)."""
    for kind, raw in ((socket.SOCK_DGRAM, False), (socket.SOCK_RAW, True)):
        try:
            return socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP), raw
        except PermissionError:
            continue
    return None


def _ping_blocking(ip: str, seq: int, size: int, timeout: float) -> PingResult:
    opened = _icmp_socket()
    if opened is None:
        return PingResult(RC.CREATE_SOCKET_FAILED)
    sock, raw = opened
    ident = os.getpid() & 0xFFFF
    with sock:
        sock.setsockopt(socket.IPPROTO_IP, _IP_RECVTTL, 1)
        payload = bytes(i & 0xFF for i in range(size))
        header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        packet = struct.pack("!BBHHH", 8, 0, _checksum(header + payload), ident, seq) + payload
        start = time.monotonic()
        sock.sendto(packet, (ip, 0))
        while True:
            left = start + timeout - time.monotonic()
            if left <= 0:
                return PingResult(RC.OPERATION_TIMEOUT)
            sock.settimeout(left)
            try:
                data, anc, _, _ = sock.recvmsg(65535, socket.CMSG_SPACE(4))
            except (TimeoutError, socket.timeout):
                return PingResult(RC.OPERATION_TIMEOUT)
            ttl = next((struct.unpack("i", d[:4])[0] for lvl, typ, d in anc
                        if lvl == socket.IPPROTO_IP and typ == socket.IP_TTL), 0)
            if raw:
                ttl, data = data[8], data[(data[0] & 0x0F) * 4:]
            # unprivileged sockets rewrite the id, so only raw sockets check it
            if len(data) >= 8 and data[0] == 0 and struct.unpack("!H", data[6:8])[0] == seq \
                    and (not raw or struct.unpack("!H", data[4:6])[0] == ident):
                rtt = round((time.monotonic() - start) * 1000)
                return PingResult(RC.OK, rtt, ttl)


async def ping_once(ip: str, seq: int, size: int, timeout: float) -> PingResult:
    """One ICMP echo request to *ip* (IPv4) and its reply, or the result code of the failure."""
    if ":" in ip:
        return PingResult(RC.OPERATION_NOT_SUPPORTED)
    try:
        return await asyncio.to_thread(_ping_blocking, ip, seq & 0xFFFF, size, timeout)
    except OSError:
        return PingResult(RC.SOCKET_WRITE_FAILED)
