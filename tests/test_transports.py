"""Transports over real parts: PTY pairs opened by pyserial, loopback TCP, loop://, spy://.

Needs: pyserial (pip). No other package, no network beyond 127.0.0.1.
"""
from __future__ import annotations

import asyncio
import os
import socket
import struct
import threading

import pytest

from pyqio.errors import InvalidArgument
from pyqio.transports import (
    FdTransport,
    Transport,
    open_pty,
    open_transport,
    serial_settings,
    serve_pty,
    serve_tcp,
)

ALL_BYTES = bytes(range(256)) * 256  # 64 KiB, every value incl. 0x00, 0x1A, 0x1B, CR, LF
WAIT = 20.0  # seconds before a test gives up waiting (a hang guard, not a timing check)


class Collector(asyncio.Protocol):
    """Keeps everything a transport tells it, in order."""

    def __init__(self) -> None:
        self.transport = None
        self.data = bytearray()
        self.calls: list[str] = []
        self.lost: list[BaseException | None] = []
        self._loop = asyncio.get_running_loop()
        self._lost_fut = self._loop.create_future()
        self._want = 0
        self._got = self._loop.create_future()

    def connection_made(self, transport) -> None:
        self.calls.append("made")
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.data += data
        if len(self.data) >= self._want and not self._got.done():
            self._got.set_result(None)

    def pause_writing(self) -> None:
        self.calls.append("pause_writing")

    def resume_writing(self) -> None:
        self.calls.append("resume_writing")

    def connection_lost(self, exc) -> None:
        self.calls.append("lost")
        self.lost.append(exc)
        if not self._lost_fut.done():
            self._lost_fut.set_result(exc)

    async def received(self, n: int) -> bytes:
        self._want = n
        if len(self.data) < n:
            self._got = self._loop.create_future()
            await asyncio.wait_for(self._got, WAIT)
        return bytes(self.data)

    async def wait_lost(self):
        return await asyncio.wait_for(asyncio.shield(self._lost_fut), WAIT)


class Echo(asyncio.Protocol):
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


# --- PTY through pyserial, by path -----------------------------------------


async def _pty_pair():
    module_t, path = await serve_pty(Collector)
    host_t, host = await open_transport(path, Collector)
    return module_t, module_t.get_protocol(), host_t, host, path


def test_pty_by_path_carries_every_byte_value_both_ways():
    async def main():
        module_t, module, host_t, host, path = await _pty_pair()
        assert isinstance(host_t, FdTransport) and isinstance(host_t, Transport)
        assert host_t.get_extra_info("serial").port == path
        assert host_t.get_extra_info("serial").baudrate == 115200
        host_t.write(ALL_BYTES)
        module_t.write(ALL_BYTES[::-1])
        assert await module.received(len(ALL_BYTES)) == ALL_BYTES
        assert await host.received(len(ALL_BYTES)) == ALL_BYTES[::-1]
        host_t.close()
        module_t.close()
        assert await host.wait_lost() is None
        assert await module.wait_lost() is None
    run(main())


def test_pty_connection_made_runs_before_open_transport_returns():
    async def main():
        module_t, module, host_t, host, _ = await _pty_pair()
        assert host.calls == ["made"] and host.transport is host_t
        assert module.calls == ["made"] and module.transport is module_t
        host_t.close()
        module_t.close()
        await host.wait_lost()
    run(main())


def test_pty_master_closed_mid_stream_loses_host_once_with_oserror():
    async def main():
        module_t, _module, host_t, host, _ = await _pty_pair()
        module_t.write(b"+QIURC: \"recv\",0,4,\"abcd\"\r\n" * 100)
        await host.received(10)
        module_t.abort()  # the port vanishes: the master goes away mid-stream
        exc = await host.wait_lost()
        assert isinstance(exc, OSError)
        await asyncio.sleep(0.05)  # give a second report every chance to show up
        assert host.lost == [exc]
        assert host_t.is_closing()
        host_t.write(b"AT\r")  # dropped, not raised: asyncio's convention
    run(main())


def test_pty_slave_closed_while_writing_does_not_raise_on_the_closing_side():
    async def main():
        module_t, _module, host_t, host, _ = await _pty_pair()
        host_t.close()
        assert await host.wait_lost() is None
        host_t.write(b"AT\r")
        assert host.lost == [None]
        module_t.close()
    run(main())


def test_close_flushes_a_megabyte_then_reports_none_and_flow_control_fires():
    async def main():
        module_t, module, host_t, host, _ = await _pty_pair()
        payload = os.urandom(1 << 20)
        host_t.write(payload)  # far more than the tty takes at once: it buffers
        assert host_t.get_write_buffer_size() > 0
        host_t.close()
        assert await module.received(len(payload)) == payload
        assert await host.wait_lost() is None
        assert host.calls == ["made", "pause_writing", "resume_writing", "lost"]
        assert not module_t.is_closing()  # serve_pty outlives its clients
        module_t.close()
        assert await module.wait_lost() is None
    run(main())


def test_a_large_write_goes_out_in_pieces_without_copying_what_is_left():
    """What a slow port did not take waits as a view of the one copy write() made:
    copying the rest after every piece would make a large write quadratic."""
    async def main():
        module_t, module, host_t, host, _ = await _pty_pair()
        payload = os.urandom(1 << 20)
        host_t.write(payload)
        (kept,) = host_t._buffer
        assert type(kept) is bytes and kept == payload[len(payload) - len(kept):]
        views = set()
        while host_t._buffer:
            head = host_t._buffer[0]
            if isinstance(head, memoryview):
                assert head.obj is kept   # a view of it, never a new copy
                views.add(len(head))
            await asyncio.sleep(0)
        assert len(views) >= 2   # it went out in several pieces
        assert await module.received(len(payload)) == payload
        host_t.close()
        module_t.close()
    run(main())


def test_pause_reading_holds_data_in_the_port_until_resumed():
    async def main():
        module_t, _module, host_t, host, _ = await _pty_pair()
        host_t.pause_reading()
        module_t.write(b"OK\r\n")
        await asyncio.sleep(0.05)
        assert host.data == b""
        host_t.resume_reading()
        assert await host.received(4) == b"OK\r\n"
        host_t.close()
        module_t.close()
        await host.wait_lost()
    run(main())


class Refuses(Collector):
    def connection_made(self, transport) -> None:
        raise RuntimeError("no thanks")


def test_connection_made_raising_fails_the_open_and_closes_the_device():
    async def main():
        server, path = await serve_pty(Collector)
        fds = sorted(os.listdir("/proc/self/fd"))
        with pytest.raises(RuntimeError, match="no thanks"):
            await open_transport(path, Refuses)
        await asyncio.sleep(0.05)
        assert sorted(os.listdir("/proc/self/fd")) == fds
        server.close()
    run(main())


def test_connection_made_raising_on_loop_url_starts_no_reader_thread():
    async def main():
        with pytest.raises(RuntimeError, match="no thanks"):
            await open_transport("loop://", Refuses)
        await asyncio.sleep(0.05)
        assert not [t for t in threading.enumerate() if t.name.startswith("pyqio-reader")]
    run(main())


# --- serving a PTY ----------------------------------------------------------


def test_serve_pty_echoes_to_clients_that_come_and_go():
    async def main():
        server_t, path = await serve_pty(Echo)
        assert server_t.get_extra_info("pty_path") == path
        for round_ in range(2):  # a second client works after the first left
            t, c = await open_transport(path, Collector)
            msg = b"AT+QIOPEN=1,0,\"TCP\"\r\x1a\x00" + bytes([round_])
            t.write(msg)
            assert await c.received(len(msg)) == msg
            t.close()
            assert await c.wait_lost() is None
        assert not server_t.is_closing()
        server_t.close()
    run(main())


def test_open_pty_is_raw_no_echo_no_translation():
    master, path = open_pty()
    try:
        slave = os.open(path, os.O_RDWR | os.O_NOCTTY)
        try:
            sent = b"a\r\n\x03\x1a\x00\x7f"
            os.write(master, sent)
            got = b""
            while len(got) < len(sent):  # a raw read returns what has arrived so far
                got += os.read(slave, 64)
            assert got == sent
            os.set_blocking(master, False)
            with pytest.raises(BlockingIOError):  # nothing echoed back
                os.read(master, 64)
        finally:
            os.close(slave)
    finally:
        os.close(master)


# --- pyserial URL handlers --------------------------------------------------


def test_loop_url_goes_through_the_reader_thread_and_keeps_order():
    async def main():
        t, p = await open_transport("loop://", Collector)
        assert not isinstance(t, FdTransport)
        chunks = [bytes([i]) * (i + 1) for i in range(256)]
        for c in chunks:
            t.write(c)
        assert await p.received(sum(map(len, chunks))) == b"".join(chunks)
        t.close()
        assert await p.wait_lost() is None
        assert p.lost == [None]
        assert not t.get_extra_info("serial").is_open
    run(main())


def test_spy_url_sees_every_byte_both_ways(tmp_path):
    async def main():
        module_t, path = await serve_pty(Collector)
        module = module_t.get_protocol()
        log = tmp_path / "spy.txt"
        t, p = await open_transport(f"spy://{path}?file={log}&baudrate=9600", Collector,
                                    allow_files=True)
        assert t.get_extra_info("serial").baudrate == 9600
        t.write(b"AT+QPING=1,\"127.0.0.1\"\r")
        module_t.write(b"\r\nOK\r\n")
        assert await p.received(6) == b"\r\nOK\r\n"
        assert await module.received(23) == b"AT+QPING=1,\"127.0.0.1\"\r"
        t.close()
        module_t.close()
        await p.wait_lost()
        text = log.read_text()
        assert "TX" in text and "RX" in text and "41 54 2B 51 50 49 4E 47" in text
    run(main())


class Rfc2217Echo:
    """pyserial's own RFC 2217 PortManager on 127.0.0.1, serving a loop:// port (an echo)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.conn: socket.socket | None = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import serial
        import serial.rfc2217

        conn, _ = self.listener.accept()
        self.conn = conn
        port = serial.serial_for_url("loop://", timeout=0.05)
        manager = serial.rfc2217.PortManager(port, type("W", (), {"write": staticmethod(conn.sendall)})())

        def to_client() -> None:
            try:
                while port.is_open:
                    data = port.read(port.in_waiting or 1)
                    if data:
                        conn.sendall(b"".join(manager.escape(data)))
            except (OSError, TypeError):
                pass  # the test closed the connection or the port

        threading.Thread(target=to_client, daemon=True).start()
        try:
            while data := conn.recv(65536):
                port.write(b"".join(manager.filter(data)))
        except OSError:
            pass
        port.close()

    def drop(self) -> None:
        """The server goes away mid-session (its host rebooted)."""
        assert self.conn is not None
        self.conn.shutdown(socket.SHUT_RDWR)
        self.conn.close()
        self.listener.close()


# pyserial 3.5's RFC 2217 client still calls Thread.setDaemon/setName
quiet_pyserial = pytest.mark.filterwarnings("ignore:set(Daemon|Name)\\(\\) is deprecated:DeprecationWarning")


@quiet_pyserial
def test_rfc2217_url_through_a_real_rfc2217_server_every_byte_value_incl_iac():
    async def main():
        server = Rfc2217Echo()
        t, p = await open_transport(f"rfc2217://127.0.0.1:{server.port}?baudrate=9600", Collector)
        assert not isinstance(t, FdTransport)  # no descriptor: the reader-thread fallback
        assert t.get_extra_info("serial").baudrate == 9600
        t.write(ALL_BYTES)  # 0xFF is telnet's IAC: it must be escaped and unescaped
        assert await p.received(len(ALL_BYTES)) == ALL_BYTES
        t.close()
        assert await p.wait_lost() is None
        server.drop()
    run(main())


@quiet_pyserial
def test_rfc2217_server_gone_mid_stream_loses_the_port_once_with_an_oserror():
    async def main():
        server = Rfc2217Echo()
        t, p = await open_transport(f"rfc2217://127.0.0.1:{server.port}", Collector)
        t.write(b"AT\r")
        await p.received(3)
        server.drop()
        exc = await p.wait_lost()
        assert isinstance(exc, OSError)  # serial.SerialException is an OSError
        await asyncio.sleep(0.1)
        assert p.lost == [exc]
        t.write(b"AT\r")  # dropped after the loss
    run(main())


# --- socket:// over loopback TCP --------------------------------------------


def test_socket_url_talks_to_a_real_tcp_server_with_every_byte_value():
    async def main():
        server = await serve_tcp("127.0.0.1", 0, Echo)
        host, port = server.sockets[0].getsockname()[:2]
        t, p = await open_transport(f"socket://{host}:{port}", Collector)
        t.write(ALL_BYTES)
        assert await p.received(len(ALL_BYTES)) == ALL_BYTES
        t.close()
        assert await p.wait_lost() is None
        server.close()
        await server.wait_closed()
    run(main())


def test_socket_url_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this host")  # an environment limit, not a missing feature
    async def main():
        try:
            server = await serve_tcp("::1", 0, Echo)
        except OSError:
            pytest.skip("::1 not configured on this host")
        port = server.sockets[0].getsockname()[1]
        t, p = await open_transport(f"socket://[::1]:{port}", Collector)
        t.write(b"AT\r")
        assert await p.received(3) == b"AT\r"
        t.close()
        server.close()
    run(main())


class _Grab(asyncio.Protocol):
    accepted: asyncio.Queue[asyncio.Transport]

    def connection_made(self, transport) -> None:
        self.accepted.put_nowait(transport)


def _server_side_loss(how: str) -> BaseException | None:
    async def main():
        _Grab.accepted = asyncio.Queue()
        server = await serve_tcp("127.0.0.1", 0, _Grab)
        port = server.sockets[0].getsockname()[1]
        _t, p = await open_transport(f"socket://127.0.0.1:{port}", Collector)
        srv = await _Grab.accepted.get()
        srv.write(b"\r\n+IP: 10.0.0.2\r\n")
        await p.received(17)
        if how == "reset":  # SO_LINGER 0: close sends RST, as a crashed ser2net would
            srv.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            srv.abort()
        else:
            srv.close()
        exc = await p.wait_lost()
        await asyncio.sleep(0.05)
        assert p.lost == [exc]
        server.close()
        return exc
    return run(main())


def test_socket_url_server_reset_loses_the_port_with_connection_reset():
    assert isinstance(_server_side_loss("reset"), ConnectionResetError)


def test_socket_url_server_orderly_close_is_a_lost_port_too():
    exc = _server_side_loss("close")
    assert isinstance(exc, ConnectionResetError) and "closed the link" in str(exc)


# --- bad URLs and settings ----------------------------------------------------


@pytest.mark.parametrize("url, words", [
    ("/dev/ttyUSB9?baudrate=fast", ["baudrate", "'fast'", "50..4000000"]),
    ("/dev/ttyUSB9?parity=X", ["parity", "'X'", "N, E, O, M or S"]),
    ("/dev/ttyUSB9?stopbits=3", ["stopbits", "'3'", "1, 1.5 or 2"]),
    ("/dev/ttyUSB9?speed=9600", ["speed", "allowed baudrate"]),
    ("nosuch://x", ["nosuch://x", "not known"]),
    ("socket://127.0.0.1", ["socket://127.0.0.1", "HOST:PORT", "0..65535"]),
    ("socket://127.0.0.1:99999", ["HOST:PORT", "0..65535"]),
    ("socket://127.0.0.1:0", ["port 0", "1..65535"]),
    ("socket://127.0.0.1:7000?logging=debug", ["no options"]),
    ("", ["device ''", "socket://HOST:PORT"]),
])
def test_bad_url_raises_invalid_argument_naming_what_and_why(url, words):
    async def main():
        with pytest.raises(InvalidArgument) as info:
            await open_transport(url, Collector)
        assert isinstance(info.value, ValueError)
        for w in words:
            assert w in str(info.value)
    run(main())


def test_a_registered_scheme_opens_through_its_own_opener():
    from pyqio.transports import connect_protocols, register_scheme

    async def open_echo(url, protocol_factory, *, loop=None):
        protocol = protocol_factory()
        transport, _ = connect_protocols(protocol, Echo())
        await asyncio.sleep(0)
        return transport, protocol

    async def main():
        register_scheme("echotest", open_echo)
        t, p = await open_transport("echotest://anything", Collector)
        t.write(b"ATI\r")
        assert await p.received(4) == b"ATI\r"
        t.close()
    run(main())
    with pytest.raises(InvalidArgument, match="'Bad-Name'"):
        register_scheme("Bad-Name", open_echo)


def test_missing_device_raises_oserror():
    async def main():
        with pytest.raises(OSError):
            await open_transport("/dev/pyqio-no-such-port", Collector)
    run(main())


def test_serial_settings_split_ours_from_the_handlers_options():
    url, settings = serial_settings("rfc2217://127.0.0.1:7000?poll_modem&baudrate=9600&rtscts=1")
    assert url == "rfc2217://127.0.0.1:7000?poll_modem="
    assert settings == {"baudrate": 9600, "rtscts": True}
    assert serial_settings("/dev/ttyUSB0") == ("/dev/ttyUSB0", {"baudrate": 115200})


def test_pty_read_throughput_helper_counts_every_byte_from_another_process():
    from pyqio.cli._bench_pty import pty_read_throughput

    result = run(pty_read_throughput(1 << 16))
    assert result["received"] == 1 << 16 and result["calls"] >= 1
    assert result["kind"] == "pyqio"
