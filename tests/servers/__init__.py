"""Real servers on loopback for the simulator's tests: echo peers, DNS, NTP.

Needs: ``pip install dnslib`` (DNS server), ``apt-get install -y chrony`` (NTP server,
run unprivileged-port, without touching the system clock).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["dns_server", "free_udp_port", "ntp_server", "tcp_echo_server", "udp_echo_server"]


class _TcpEcho(asyncio.Protocol):
    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


class _UdpEcho(asyncio.DatagramProtocol):
    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.transport.sendto(data, addr)


async def tcp_echo_server(host: str = "127.0.0.1") -> tuple[asyncio.Server, int]:
    """A TCP server echoing every byte back; (server, port)."""
    server = await asyncio.get_running_loop().create_server(_TcpEcho, host, 0)
    return server, server.sockets[0].getsockname()[1]


async def udp_echo_server(host: str = "127.0.0.1") -> tuple[Any, int]:
    """A UDP server echoing every datagram to its sender; (transport, port)."""
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        _UdpEcho, local_addr=(host, 0))
    return transport, transport.get_extra_info("sockname")[1]


@contextlib.contextmanager
def dns_server(zone: str) -> Iterator[int]:
    """dnslib's DNS server answering from *zone* (master-file text) on 127.0.0.1; yields the port."""
    from dnslib.server import DNSLogger, DNSServer
    from dnslib.zoneresolver import ZoneResolver

    server = DNSServer(ZoneResolver(zone), address="127.0.0.1", port=0,
                       logger=DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data"))
    server.start_thread()
    try:
        yield server.server.server_address[1]
    finally:
        server.stop()
        server.server.server_close()


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ntp_answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.sendto(b"\x23" + bytes(47), ("127.0.0.1", port))
        try:
            return len(s.recv(100)) >= 48
        except OSError:
            return False


@contextlib.contextmanager
def ntp_server() -> Iterator[int]:
    """chronyd serving NTP on a free loopback port (``-x``: the clock is left alone)."""
    chronyd = shutil.which("chronyd") or "/usr/sbin/chronyd"
    if not os.path.exists(chronyd):
        raise RuntimeError("chronyd not found: apt-get install -y chrony")
    port = free_udp_port()
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "chrony.conf")
        with open(conf, "w") as f:
            f.write(f"port {port}\nbindaddress 127.0.0.1\nlocal stratum 8\nallow 127.0.0.1\n"
                    f"cmdport 0\npidfile {tmp}/chronyd.pid\n")
        proc = subprocess.Popen([chronyd, "-x", "-d", "-u", "root", "-f", conf],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while not _ntp_answers(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chronyd did not serve: {proc.stderr.read()!r}")  # type: ignore[union-attr]
            yield port
        finally:
            proc.terminate()
            proc.wait(5)
