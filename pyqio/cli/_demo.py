"""``pyqio demo``: a whole session against the simulator (or a device), narrated.

It starts loopback servers (TCP and UDP echo, DNS, SNTP), points the simulated
module's DNS queries at the local DNS server, then walks through every main job:
TCP and UDP sockets in text and hex, a TCP listener taking a connection, DNS,
NTP, ping, and closing everything.  Each step prints the AT transcript (``->``
host to module, ``<-`` module to host) and the decoded events, with the time
since the start.  Exit status 0 means every step gave the expected answer.
"""
from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..wire._result import ResultCode
from . import _demo_servers as servers

DEMO_NAME = "demo.pyqio.test"


class Narrator:
    """Prints sections, the AT transcript and events with timings."""

    def __init__(self, out: TextIO, verbose: bool = True) -> None:
        self.out = out
        self.verbose = verbose
        self.t0 = time.monotonic()
        self.failures: list[str] = []
        self._rx = bytearray()

    def _p(self, text: str) -> None:
        try:
            print(f"{time.monotonic() - self.t0:8.3f}  {text}", file=self.out, flush=True)
        except BrokenPipeError:  # `pyqio demo | head`: the reader has seen enough
            self.out, self.verbose = open(os.devnull, "w"), False  # noqa: SIM115

    def section(self, title: str) -> None:
        print(f"\n== {title} ==", file=self.out, flush=True)

    def note(self, text: str) -> None:
        self._p(text)

    def check(self, what: str, ok: bool, detail: str = "") -> None:
        self._p(f"{'ok  ' if ok else 'FAIL'} {what}{': ' + detail if detail else ''}")
        if not ok:
            self.failures.append(what)

    def trace(self, kind: str, data: Any) -> None:
        if not self.verbose:
            return
        if kind == "tx":
            self._p(f"-> {_show(data)}")
        elif kind == "rx" and b'+QIURC: "recv"' in data:
            # a payload may hold line ends: show the chunk whole rather than cut it up
            whole = bytes(self._rx) + bytes(data).strip(b"\r\n")
            self._p(f"<- {_show(whole)}")
            self._rx.clear()
        elif kind == "rx":
            self._rx += data
            *lines, rest = self._rx.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
            self._rx = bytearray(rest)
            if bytes(rest) in (b">", b"> "):  # the data-mode prompt comes without a line end
                lines.append(rest)
                self._rx.clear()
            for line in lines:
                if line:
                    self._p(f"<- {_show(line)}")
        elif kind == "event":
            if hasattr(data, "final"):
                self._p(f"   = {type(data.final).__name__} ({len(data.events)} line(s)) "
                        f"for {_show(data.request.line)}")
            else:
                self._p(f"   * {_brief(data)}")


SHOWN = 48  # bytes of a long line or payload shown, before its length


def _show(data: bytes | bytearray) -> str:
    """A line as printable text; a long one (a recv URC with its payload) as its
    first bytes and its length, so every transcript entry stays one short line."""
    text = bytes(data).rstrip(b"\r\n")
    if len(text) > 2 * SHOWN:
        return f"{repr(text[:SHOWN])[2:-1]}... ({len(text)} bytes)"
    return repr(text)[2:-1]


def _brief(ev: Any) -> str:
    """An event's repr with long bytes fields (payloads) cut to a prefix and length."""
    if not dataclasses.is_dataclass(ev):
        return repr(ev)
    parts = []
    for f in dataclasses.fields(ev):
        value = getattr(ev, f.name)
        if isinstance(value, (bytes, bytearray)) and len(value) > SHOWN:
            parts.append(f"{f.name}=<{len(value)} bytes {bytes(value[:SHOWN // 3])!r}...>")
        else:
            parts.append(f"{f.name}={value!r}")
    return f"{type(ev).__name__}({', '.join(parts)})"


def _sim_url(device: str, dns_port: int) -> str:
    """Point a ``sim://`` device's DNS queries at the demo's DNS server."""
    parts = urlsplit(device)
    if parts.scheme != "sim":
        return device
    query = dict(parse_qsl(parts.query))
    query.setdefault("dns_port", str(dns_port))
    # urlunsplit would drop the "//" of an empty authority: "sim:?..." is not a device
    return f"sim://{parts.netloc}{parts.path}?{urlencode(query)}"


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _recv_exactly(sock: Any, n: int, timeout: float = 10.0) -> bytes:
    data = b""
    sock.settimeout(timeout)
    while len(data) < n:
        chunk = await sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


async def run_demo(device: str, out: TextIO = sys.stdout, verbose: bool = True) -> int:
    """Run the demo session; 0 when every step succeeded."""
    from ..modem import Modem

    n = Narrator(out, verbose)
    n.section("local servers on 127.0.0.1")
    tcp_srv, tcp_addr = await servers.start_tcp_echo()
    udp_tr, udp_addr = await servers.start_udp_echo()
    dns_tr, dns_addr = await servers.start_dns({DEMO_NAME: "127.0.0.1"})
    ntp_tr, ntp_addr = await servers.start_sntp()
    n.note(f"tcp echo {tcp_addr[1]}, udp echo {udp_addr[1]}, dns {dns_addr[1]}, sntp {ntp_addr[1]}")
    url = _sim_url(device, dns_addr[1])
    try:
        n.section(f"bring-up on {url}")
        async with Modem(url, trace=n.trace) as modem:
            n.check("module up", modem.ip is not None, f"ip {modem.ip}")
            for title, step in _STEPS:
                n.section(title)
                try:
                    await step(modem, n, tcp_addr, udp_addr, ntp_addr)
                except Exception as exc:
                    n.check(title, False, f"{type(exc).__name__}: {exc}")
            n.section("close everything")
        n.check("modem closed", True)
    except Exception as exc:
        n.check("session", False, f"{type(exc).__name__}: {exc}")
    finally:
        tcp_srv.close()
        for tr in (udp_tr, dns_tr, ntp_tr):
            tr.close()
    n.section("result")
    if n.failures:
        n.note(f"FAILED: {', '.join(n.failures)}")
        return 1
    n.note("all steps succeeded")
    return 0


async def _tcp_text(modem: Any, n: Narrator, tcp: Any, udp: Any, ntp: Any) -> None:
    async with await modem.connect(*tcp, "tcp") as sock:
        msg = b'hello, "module", over TCP\r\nOK\r\n'  # a fake final result inside the data
        await sock.send(msg)
        got = await _recv_exactly(sock, len(msg))
        n.check("TCP echo (text)", got == msg, repr(got))


async def _tcp_hex(modem: Any, n: Narrator, tcp: Any, udp: Any, ntp: Any) -> None:
    await modem.set_data_format(True, True)
    try:
        async with await modem.connect(*tcp, "tcp") as sock:
            msg = bytes(range(256)) * 3  # every byte value, 0x1A and 0x1B included; two chunks
            await sock.send(msg)
            got = await _recv_exactly(sock, len(msg))
            n.check("TCP echo (hex, 768 binary bytes)", got == msg, f"{len(got)} bytes back")
    finally:
        await modem.set_data_format(False, False)


async def _udp(modem: Any, n: Narrator, tcp: Any, udp: Any, ntp: Any) -> None:
    async with await modem.connect(*udp, "udp") as sock:
        sock.settimeout(10)
        await sock.send(b"datagram \x00\x1a\xff")
        got = await sock.recv()
        n.check("UDP echo", got == b"datagram \x00\x1a\xff", repr(got))


async def _listener(modem: Any, n: Narrator, tcp: Any, udp: Any, ntp: Any) -> None:
    async with await modem.listen(_free_port()) as listener:
        listener.settimeout(10)
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.local_port)
        sock, peer = await listener.accept()
        n.note(f"accepted connection {sock.connect_id} from {peer[0]}:{peer[1]}")
        async with sock:
            writer.write(b"ping from a host client")
            got = await _recv_exactly(sock, 23)
            await sock.send(b"pong from the module")
            back = await asyncio.wait_for(reader.readexactly(20), 10)
        n.check("TCP listener exchange", got == b"ping from a host client"
                and back == b"pong from the module", f"{got!r} / {back!r}")
        writer.close()


async def _udp_service(modem: Any, n: Narrator, tcp: Any, udp: Any, ntp: Any) -> None:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        peer.bind(("127.0.0.1", 0))
        peer.setblocking(False)
        async with await modem.udp_service(_free_port(socket.SOCK_DGRAM)) as svc:
            svc.settimeout(10)
            peer.sendto(b"to the UDP service", ("127.0.0.1", svc.local_port))
            data, addr = await svc.recvfrom()
            n.note(f"datagram from {addr[0]}:{addr[1]}: {data!r}")
            await svc.sendto(b"and back", addr)
            back = await asyncio.wait_for(loop.sock_recv(peer, 100), 10)
        n.check("UDP service exchange", (data, back) == (b"to the UDP service", b"and back"),
                f"{data!r} / {back!r}")


async def _dns(modem: Any, n: Narrator, tcp: Any, udp: Any, ntp: Any) -> None:
    await modem.set_dns("127.0.0.1")
    servers_ = await modem.get_dns()
    n.note(f"DNS servers: {', '.join(servers_)}")
    addrs = await modem.resolve(DEMO_NAME)
    n.check(f"resolve {DEMO_NAME}", addrs[:1] == ["127.0.0.1"], ", ".join(addrs))


async def _ntp(modem: Any, n: Narrator, tcp: Any, udp: Any, ntp: Any) -> None:
    when = await modem.ntp(ntp[0], ntp[1])
    skew = abs(when.timestamp() - time.time())
    n.check("NTP time", skew < 5, f"{when.isoformat()} ({skew:.1f} s from the host clock)")


async def _ping(modem: Any, n: Narrator, tcp: Any, udp: Any, ntp: Any) -> None:
    result = await modem.ping("127.0.0.1", timeout=2, count=2)
    if result.summary.result == ResultCode.CREATE_SOCKET_FAILED and modem.url.startswith("sim"):
        # the simulator pings for real: a host that allows no ICMP socket to this user
        # cannot, which says nothing about pyqio
        n.note("ping unavailable on this host (554: no ICMP socket; see sysctl "
               "net.ipv4.ping_group_range): step not counted")
        return
    times = ", ".join(f"{r.time_ms} ms" for r in result.replies if r.result == 0)
    n.check("ping 127.0.0.1", result.ok, f"summary {result.summary!r}; replies {times}")


async def _state(modem: Any, n: Narrator, tcp: Any, udp: Any, ntp: Any) -> None:
    rows = await modem.state()
    n.check("no socket left open (AT+QISTATE?)", rows == [], repr(rows))


_STEPS: list[tuple[str, Callable[..., Any]]] = [
    ("TCP client, text", _tcp_text),
    ("TCP client, hex data format", _tcp_hex),
    ("UDP client", _udp),
    ("TCP listener", _listener),
    ("UDP service", _udp_service),
    ("DNS", _dns),
    ("NTP", _ntp),
    ("ping", _ping),
    ("socket state", _state),
]
