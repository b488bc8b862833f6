"""pyqio.Modem against the simulator over sim://, with real loopback peers.

Needs only the package's own dependencies (dnspython for the DNS server).
"""
from __future__ import annotations

import asyncio
import socket

import pytest

from pyqio import ResultCode
from pyqio.cli import _demo_servers as servers
from pyqio.errors import CommandError, InvalidArgument
from pyqio.modem import (
    CommandTimeout,
    Modem,
    OpenFailed,
    SendFailed,
    SocketClosedError,
    Timeouts,
)


def run(body, url="sim://", timeout=30, **kwargs):
    """Run ``body(modem)`` on a fresh Modem and return what it returns."""
    async def main():
        async with Modem(url, **kwargs) as modem:
            return await asyncio.wait_for(body(modem), timeout)
    return asyncio.run(main())


async def recv_exactly(sock, n):
    data = b""
    sock.settimeout(10)
    while len(data) < n:
        chunk = await sock.recv(n)
        if not chunk:
            break
        data += chunk
    return data


async def one_shot_server(reply: bytes, *, speaks_first: bool = False):
    """A TCP server that reads the client's first bytes (unless *speaks_first*),
    sends *reply*, then closes in order."""
    async def handle(reader, writer):
        if not speaks_first:
            await reader.read(100)
        writer.write(reply)
        await writer.drain()
        writer.close()
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bring_up_learns_ip_and_formats():
    async def body(m):
        return m.ip, m.send_hex, m.recv_hex, m.show_ra
    assert run(body) == ("10.18.237.42", False, False, False)


def test_text_send_uses_fixed_length_data_mode_and_carries_every_byte():
    tx = []

    async def body(m):
        server, (host, port) = await servers.start_tcp_echo()
        async with await m.connect(host, port) as sock:
            msg = bytes(range(256)) * 5  # 1280 bytes: 0x1A, 0x1B, CR, LF, NUL, quotes
            assert await sock.send(msg) == len(msg)
            got = await recv_exactly(sock, len(msg))
        server.close()
        return msg, got

    msg, got = run(body, trace=lambda kind, data: tx.append(data) if kind == "tx" else None)
    assert got == msg
    lines = [d for d in tx if d.startswith(b"AT+QISEND")]
    # 1024 is the text-mode maximum (note 2.3.4); no Ctrl-Z after fixed-length data
    assert lines == [b"AT+QISEND=0,1024\r", b"AT+QISEND=0,256\r"]
    assert msg[:1024] in tx and msg[1024:] in tx


def test_hex_mode_sends_inline_hex_in_512_byte_chunks():
    tx = []

    async def body(m):
        await m.set_data_format(True, True)
        server, (host, port) = await servers.start_tcp_echo()
        async with await m.connect(host, port) as sock:
            msg = bytes(range(256)) * 3
            await sock.send(msg)
            got = await recv_exactly(sock, len(msg))
        server.close()
        return msg, got

    msg, got = run(body, trace=lambda kind, data: tx.append(data) if kind == "tx" else None)
    assert got == msg
    sends = [d for d in tx if d.startswith(b"AT+QISEND")]
    assert [d.split(b",")[1] for d in sends] == [b"512", b"256"]
    assert sends[0] == b'AT+QISEND=0,512,"' + msg[:512].hex().upper().encode() + b'"\r'


def test_recv_gives_empty_bytes_only_after_orderly_peer_close():
    async def body(m):
        server, port = await one_shot_server(b"bye")
        sock = await m.connect("127.0.0.1", port)
        await sock.send(b"hi")
        first = await recv_exactly(sock, 3)
        sock.settimeout(10)
        eof1, eof2 = await sock.recv(), await sock.recv()
        with pytest.raises(SocketClosedError) as info:
            await sock.send(b"more")
        await sock.close()
        server.close()
        return first, eof1, eof2, info.value.result

    assert run(body) == (b"bye", b"", b"", ResultCode.SOCKET_CLOSED)


def test_data_from_a_server_that_speaks_first_is_received():
    # a banner sent the moment the connection is accepted (SMTP, SSH ...) must arrive
    async def body(m):
        server, port = await one_shot_server(b"220 banner\r\n", speaks_first=True)
        sock = await m.connect("127.0.0.1", port)
        sock.settimeout(10)
        data = b"".join([chunk async for chunk in sock])
        await sock.close()
        server.close()
        return data

    assert run(body) == b"220 banner\r\n"


def test_async_iteration_yields_chunks_until_peer_close():
    async def body(m):
        server, port = await one_shot_server(b"x" * 3000)
        sock = await m.connect("127.0.0.1", port)
        await sock.send(b"go")
        sock.settimeout(10)
        data = b"".join([chunk async for chunk in sock])
        await sock.close()
        server.close()
        return data

    assert run(body) == b"x" * 3000


def test_settimeout_follows_cpython_semantics():
    async def body(m):
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        assert sock.gettimeout() is None
        sock.settimeout(0)
        with pytest.raises(BlockingIOError):
            await sock.recv()
        sock.settimeout(0.2)
        assert sock.gettimeout() == 0.2
        with pytest.raises(TimeoutError):
            await sock.recv()
        with pytest.raises(InvalidArgument, match="timeout"):
            sock.settimeout(-1)
        with pytest.raises(InvalidArgument, match="bufsize"):
            await sock.recv(0)
        sock.setblocking(True)
        assert sock.gettimeout() is None
        await sock.close()
        server.close()

    run(body)


def test_send_fail_raises_send_failed_with_result_code():
    async def body(m):
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        with pytest.raises(SendFailed) as info:
            await sock.send(b"data")
        await sock.close()
        server.close()
        return info.value.result

    assert run(body, url="sim://?send_fail_rate=1") == ResultCode.SOCKET_WRITE_FAILED


def test_refused_connect_raises_open_failed_and_frees_the_id():
    async def body(m):
        with pytest.raises(OpenFailed) as info:
            await m.connect("127.0.0.1", free_port())
        rows = await m.state()
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        cid = sock.connect_id
        await sock.close()
        server.close()
        return info.value.result, rows, cid

    result, rows, cid = run(body)
    assert result == ResultCode.SOCKET_CONNECTION_FAILED
    assert rows == [] and cid == 0


def test_listener_accepts_incoming_connection():
    async def body(m):
        port = free_port()
        async with await m.listen(port) as listener:
            listener.settimeout(10)
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            sock, peer = await listener.accept()
            writer.write(b"to the module")
            got = await recv_exactly(sock, 13)
            await sock.send(b"to the host")
            back = await asyncio.wait_for(reader.readexactly(11), 10)
            rows = await m.state()
            writer.close()
            sock.settimeout(10)
            eof = await sock.recv()
            await sock.close()
        return got, back, peer, sock.service_type, eof, {r.service_type for r in rows}

    got, back, peer, kind, eof, kinds = run(body)
    assert (got, back, kind, eof) == (b"to the module", b"to the host", "TCP INCOMING", b"")
    assert peer[0] == "127.0.0.1" and kinds == {"TCP LISTENER", "TCP INCOMING"}


def test_udp_client_round_trip():
    async def body(m):
        transport, (host, port) = await servers.start_udp_echo()
        async with await m.connect(host, port, "udp") as sock:
            sock.settimeout(10)
            await sock.send(b"\x00datagram\x1a")
            got = await sock.recv()
        transport.close()
        return got

    assert run(body) == b"\x00datagram\x1a"


def test_udp_service_recvfrom_and_sendto():
    async def body(m):
        port = free_port(socket.SOCK_DGRAM)
        async with await m.udp_service(port) as svc:
            svc.settimeout(10)
            peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            peer.bind(("127.0.0.1", 0))
            peer.sendto(b"hello service", ("127.0.0.1", port))
            data, addr = await svc.recvfrom()
            await svc.sendto(b"hello peer", addr)
            loop = asyncio.get_running_loop()
            peer.setblocking(False)
            back = await asyncio.wait_for(loop.sock_recv(peer, 100), 10)
            peer_addr = peer.getsockname()
            peer.close()
        return data, addr, back, peer_addr

    data, addr, back, peer_addr = run(body)
    assert (data, back) == (b"hello service", b"hello peer")
    assert addr == peer_addr


def test_a_full_receive_buffer_pauses_the_link_and_the_stream_has_no_gap():
    """The old policy dropped the packet that did not fit, leaving a hole in the TCP
    stream; now the link pauses until the owner reads, and every byte arrives."""
    async def body(m):
        payload = bytes(range(256)) * 16  # 4096 bytes
        server, port = await one_shot_server(payload)
        sock = await m.connect("127.0.0.1", port)
        sock.buffer_limit = 1500
        await sock.send(b"go")
        while not m._link.held_by:
            await asyncio.sleep(0.01)
        peak = sock.buffered()
        data = await recv_exactly(sock, len(payload))
        await sock.close()
        server.close()
        return payload, data, peak, sock.dropped_bytes, sock.dropped_packets

    payload, data, peak, dropped, packets = run(body)
    assert peak > 1500 and dropped == 0 and packets == 0
    assert data == payload


def test_ping_ntp_resolve_and_dns_config():
    async def body(m):
        ntp_tr, (ntp_host, ntp_port) = await servers.start_sntp()
        await m.set_dns("127.0.0.1", "127.0.0.2")
        dns = await m.get_dns()
        addrs = await m.resolve("box.pyqio.test")
        with pytest.raises(CommandError) as info:
            await m.resolve("missing.pyqio.test")
        when = await m.ntp(ntp_host, ntp_port)
        ping = await m.ping("127.0.0.1", timeout=2, count=2)
        ntp_tr.close()
        return dns, addrs, info.value.result, when, ping

    dns, addrs, code, when, ping = _run_with_dns(body)
    assert dns[:2] == ("127.0.0.1", "127.0.0.2")
    assert addrs == ["127.0.0.7"]
    assert isinstance(code, ResultCode) and code != ResultCode.OK
    assert when.tzinfo is not None
    assert ping.ok and len(ping.replies) == 2 and ping.summary.sent == 2


def _run_with_dns(body):
    """Run *body* on a simulator whose DNS queries go to a local DNS server."""
    async def main():
        dns_tr, (_, dns_port) = await servers.start_dns({"box.pyqio.test": "127.0.0.7"})
        try:
            async with Modem(f"sim://?dns_port={dns_port}") as m:
                return await asyncio.wait_for(body(m), 30)
        finally:
            dns_tr.close()
    return asyncio.run(main())


def test_raw_command_lines_are_parsed_and_sent():
    async def body(m):
        resp = await m.command("AT+QICFG=\"showRA\"")
        with pytest.raises(InvalidArgument):
            await m.command("AT+NOSUCH\rAT")
        # a command pyqio has no builder for goes to the module as it is; the
        # simulated module knows no such command and answers ERROR
        with pytest.raises(CommandError, match="AT\\+NOSUCH: ERROR"):
            await m.command("AT+NOSUCH")
        return resp.ok, [type(e).__name__ for e in resp.events]

    assert run(body) == (True, ["ShowRA", "Ok"])


def test_bad_arguments_raise_invalid_argument_naming_the_parameter():
    async def body(m):
        with pytest.raises(InvalidArgument, match="proto"):
            await m.connect("127.0.0.1", 80, "sctp")
        with pytest.raises(InvalidArgument, match="port"):
            await m.connect("127.0.0.1", 70000)
        with pytest.raises(InvalidArgument, match="send_hex"):
            await m.set_data_format(1, 0)

    run(body)


def test_no_free_connect_id_after_five_sockets():
    async def body(m):
        server, (host, port) = await servers.start_tcp_echo()
        socks = [await m.connect(host, port) for _ in range(5)]
        with pytest.raises(OSError) as info:
            await m.connect(host, port)
        for s in socks:
            await s.close()
        server.close()
        return sorted(s.connect_id for s in socks), info.value.result

    ids, result = run(body)
    assert ids == [0, 1, 2, 3, 4] and result == ResultCode.SOCKET_IDENTITY_USED


def test_sync_retries_and_times_out_against_a_silent_line():
    # pyserial's loop:// sends back what we write: "AT" is echoed but never answered OK
    async def main():
        m = Modem("loop://", timeouts=Timeouts(sync=0.05, response=0.1), sync_attempts=3)
        with pytest.raises(CommandTimeout, match="3 attempts"):
            await m.start()
    asyncio.run(main())


def test_timeouts_are_overridable_and_a_timed_out_open_frees_its_id():
    # every URC (the +QIOPEN result included) comes 0.5 s late
    async def body(m):
        server, (host, port) = await servers.start_tcp_echo()
        with pytest.raises(CommandTimeout, match=r"\+QIOPEN"):
            await m.connect(host, port)  # Timeouts(open_result=0.1) below
        sock = await m.connect(host, port, timeout=5)  # per-call override
        cid = sock.connect_id
        await sock.close()
        server.close()
        return cid

    assert run(body, url="sim://?latency=0.5", timeouts=Timeouts(open_result=0.1)) == 0


def test_at_transcript_is_logged_at_debug(caplog):
    async def body(m):
        await m.state()

    with caplog.at_level("DEBUG", logger="pyqio.at"):
        run(body)
    lines = [r.getMessage() for r in caplog.records if r.name == "pyqio.at"]
    assert "-> b'AT+QISTATE?\\r'" in lines
    assert any(line.startswith("<- ") and "OK" in line for line in lines)


def test_garbage_between_lines_never_breaks_the_session():
    # the simulator writes random junk lines before its output (seeded, so it replays)
    async def body(m):
        server, (host, port) = await servers.start_tcp_echo()
        for _ in range(10):
            async with await m.connect(host, port) as sock:
                msg = bytes(range(256)) * 3
                await sock.send(msg)
                assert await recv_exactly(sock, len(msg)) == msg
        server.close()
        return list(m.unattached)

    junk = run(body, url="sim://?garbage_rate=0.3&seed=1")
    assert junk  # surfaced as unattached events, never raised, never taken for answers


def test_pdp_breakdown_closes_sockets_and_they_read_eof():
    async def body(m):
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        sock.settimeout(10)
        eof = await sock.recv()  # the breakdown closes it (+QIURC: "closed", 2.4.1)
        await sock.close()
        server.close()
        return eof, await m.state()

    assert run(body, url="sim://?pdp_breakdown_after=0.3") == (b"", [])
