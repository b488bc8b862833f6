"""Drop-in connections: ``socket.create_connection = modem.create_connection`` runs
unchanged third-party clients over the module (paho-mqtt 2.x through mosquitto,
urllib3 2.x and http.client against ``http.server``), with the simulator in
another process; the argument forms those clients pass are accepted; the timeout
bounds the whole connect; and the asyncio ``create_connection`` mirrors
``loop.create_connection``.

Needs: pip install 'paho-mqtt>=2' 'urllib3>=2' (the test extra); apt-get install
mosquitto (as tests/test_e2e_mqtt.py).
"""
from __future__ import annotations

import asyncio
import gc
import http.client
import http.server
import queue
import socket
import sys
import threading
import time

import paho.mqtt.client as mqtt
import pytest
import urllib3
import urllib3.util.connection

from pyqio import Modem as AsyncModem
from pyqio.blocking import Modem
from pyqio.errors import InvalidArgument
from pyqio.modem import OpenFailed
from tests import servers
from tests.servers.simproc import sim_process
from tests.test_e2e_mqtt import broker  # noqa: F401  (the mosquitto fixture)

BODY = b"pyqio drop-in \x00\x1a\r\nOK\r\n" * 300


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def remote_modem():
    """A blocking modem on ``pyqio sim --listen`` in another process."""
    with sim_process("tcp") as url, Modem(url) as m:
        yield m


@pytest.fixture(scope="module")
def modem():
    with Modem("sim://") as m:
        yield m


def wait_no_sockets(m: Modem) -> None:
    for _ in range(500):
        if not m.state():
            return
        time.sleep(0.01)
    assert m.state() == []


def test_paho_mqtt_publishes_and_receives_through_mosquitto(remote_modem, broker, monkeypatch):  # noqa: F811
    monkeypatch.setattr(socket, "create_connection", remote_modem.create_connection)
    got: queue.Queue = queue.Queue()
    subscribed = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="pyqio-dropin")
    client.on_message = lambda c, u, msg: got.put((msg.topic, msg.payload))
    client.on_subscribe = lambda *a: subscribed.set()
    client.on_connect = lambda c, u, f, rc, p: c.subscribe("pyqio/#", qos=1)
    # paho passes source_address=("", 0) and a timeout: both must be taken
    assert client.connect("127.0.0.1", broker, keepalive=30) == mqtt.MQTT_ERR_SUCCESS
    client.loop_start()
    try:
        assert subscribed.wait(20)
        payload = bytes(range(256)) * 8 + b"\x1a\x1b\r\nOK\r\n"
        info = client.publish("pyqio/bin", payload, qos=1)
        info.wait_for_publish(20)
        assert got.get(timeout=20) == ("pyqio/bin", payload)
        client.publish("pyqio/text", b"hello", qos=0)
        assert got.get(timeout=20) == ("pyqio/text", b"hello")
    finally:
        client.disconnect()
        client.loop_stop()
    monkeypatch.undo()
    assert socket.create_connection is not remote_modem.create_connection
    wait_no_sockets(remote_modem)


def test_urllib3_gets_from_http_server(remote_modem, http_server, monkeypatch):
    # urllib3 2.x calls its own create_connection with socket_options=[TCP_NODELAY]
    # and its own default-timeout token
    monkeypatch.setattr(urllib3.util.connection, "create_connection",
                        remote_modem.create_connection)
    host, port = http_server
    with urllib3.PoolManager() as pool:
        for _ in range(2):  # keep-alive: the second request reuses the connection
            resp = pool.request("GET", f"http://{host}:{port}/")
            assert resp.status == 200 and resp.data == BODY
    # a response keeps the socket's file open (as with the host's own sockets) until
    # it is collected; then the module socket is closed too
    del resp
    gc.collect()
    wait_no_sockets(remote_modem)


def test_http_client_runs_unchanged_with_socket_create_connection_replaced(
        remote_modem, http_server, monkeypatch):
    monkeypatch.setattr(socket, "create_connection", remote_modem.create_connection)
    conn = http.client.HTTPConnection(*http_server, timeout=10)  # sets TCP_NODELAY itself
    conn.request("GET", "/")
    resp = conn.getresponse()
    assert resp.status == 200 and resp.read() == BODY
    conn.close()
    wait_no_sockets(remote_modem)


def test_timeout_bounds_the_whole_connect_against_a_slow_module(http_server):
    # every AT+QIOPEN takes 3 s before its +QIOPEN result
    with sim_process("tcp", "--open-delay", "3") as url, Modem(url) as m:
        t0 = time.monotonic()
        with pytest.raises(TimeoutError, match="took more than 0.5 s"):
            m.create_connection(http_server, timeout=0.5)
        elapsed = time.monotonic() - t0
        assert 0.45 <= elapsed < 1.5, elapsed  # 0.5 s and a margin for a loaded machine
        # the half-open id is closed in the background; a patient connect works
        sock = m.create_connection(http_server, timeout=10)
        assert sock.gettimeout() == 10
        sock.close()
        wait_no_sockets(m)


def test_source_address_any_is_accepted_anything_else_refused(modem, http_server):
    for ok in (None, ("", 0), ("0.0.0.0", 0), ("::", 0)):
        modem.create_connection(http_server, 10, ok).close()
    for bad in (("127.0.0.1", 0), ("", 5000), "x"):
        with pytest.raises(InvalidArgument, match="source_address"):
            modem.create_connection(http_server, 10, bad)
    wait_no_sockets(modem)


def test_default_timeout_forms_mean_socket_getdefaulttimeout(modem, http_server):
    from urllib3.util.timeout import _DEFAULT_TIMEOUT

    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(7.5)
    try:
        for form in ((), (socket._GLOBAL_DEFAULT_TIMEOUT,), (_DEFAULT_TIMEOUT,)):
            with modem.create_connection(http_server, *form) as s:
                assert s.gettimeout() == 7.5
        with modem.create_connection(http_server, None) as s:
            assert s.gettimeout() is None
    finally:
        socket.setdefaulttimeout(old)
    with pytest.raises(InvalidArgument, match="timeout"):
        modem.create_connection(http_server, -1)
    with pytest.raises(InvalidArgument, match="address"):
        modem.create_connection(("127.0.0.1", 0))
    wait_no_sockets(modem)


def test_socket_options_are_set_on_the_returned_socket(modem, http_server):
    opts = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
            (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    with modem.create_connection(http_server, 10, socket_options=opts) as s:
        assert s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    with pytest.raises(InvalidArgument, match="socket_options"):
        modem.create_connection(http_server, 10, socket_options=[(1, 2)])
    wait_no_sockets(modem)


def test_a_failed_open_is_a_connection_error_grouped_with_all_errors(modem):
    port = _free_port()
    with pytest.raises(OpenFailed) as info:
        modem.create_connection(("127.0.0.1", port), 10)
    assert isinstance(info.value, ConnectionError)
    if sys.version_info >= (3, 11):
        with pytest.raises(ExceptionGroup) as group:  # noqa: F821
            modem.create_connection(("127.0.0.1", port), 10, all_errors=True)
        assert isinstance(group.value.exceptions[0], OpenFailed)
    wait_no_sockets(modem)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_asyncio_create_connection_mirrors_the_loop_method():
    class Echoed(asyncio.Protocol):
        def __init__(self) -> None:
            self.data = b""
            self.made: asyncio.BaseTransport | None = None
            self.lost = asyncio.get_running_loop().create_future()

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.made = transport

        def data_received(self, data: bytes) -> None:
            self.data += data

        def connection_lost(self, exc: BaseException | None) -> None:
            self.lost.set_result(exc)

    async def main() -> None:
        server, port = await servers.tcp_echo_server()
        host = "127.0.0.1"
        async with AsyncModem("sim://") as m:
            transport, protocol = await m.create_connection(Echoed, host, port)
            assert isinstance(transport, asyncio.Transport)
            assert protocol.made is transport
            assert transport.get_extra_info("peername") == (host, port)
            transport.pause_reading()
            assert not transport.is_reading()
            transport.write(b"ping \x1a\x00")
            await asyncio.sleep(0.2)
            assert protocol.data == b""  # paused: nothing delivered
            transport.resume_reading()
            for _ in range(200):
                if protocol.data == b"ping \x1a\x00":
                    break
                await asyncio.sleep(0.01)
            assert protocol.data == b"ping \x1a\x00"
            transport.close()
            assert await asyncio.wait_for(protocol.lost, 10) is None
            assert await m.state() == []
            with pytest.raises(InvalidArgument, match="server_hostname"):
                await m.create_connection(Echoed, host, port, server_hostname="x")
            with pytest.raises(InvalidArgument, match="source_address"):
                await m.create_connection(Echoed, host, port, local_addr=("127.0.0.1", 9))
            with pytest.raises(InvalidArgument, match="sock="):
                await m.create_connection(Echoed, host, port, sock=socket.socket())
            with pytest.raises(TypeError, match="unexpected"):
                await m.create_connection(Echoed, host, port, no_such_option=1)
            # what asyncio's own callers pass for the host's connect is accepted
            transport, protocol = await m.create_connection(
                Echoed, host, port, family=0, proto=0, flags=0, local_addr=("", 0),
                happy_eyeballs_delay=0.25, interleave=1)
            transport.write(b"again")
            for _ in range(200):
                if protocol.data == b"again":
                    break
                await asyncio.sleep(0.01)
            assert protocol.data == b"again"
            transport.abort()
            assert await asyncio.wait_for(protocol.lost, 10) is None
        server.close()

    asyncio.run(main())


def test_asyncio_create_connection_runs_tls_in_asyncios_own_transport():
    """TLS to a local TLS echo server (a trustme CA) through the module: asyncio's TLS
    transport over the bridged module socket, the server's name checked."""
    import ssl

    import trustme

    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("echo.pyqio.test").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)

    class Got(asyncio.Protocol):
        def __init__(self) -> None:
            self.data = b""
            self.more = asyncio.Event()

        def data_received(self, data: bytes) -> None:
            self.data += data
            self.more.set()

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=server_ctx)
        host, port = server.sockets[0].getsockname()[:2]
        async with AsyncModem("sim://") as m:
            transport, protocol = await m.create_connection(
                Got, host, port, ssl=client_ctx, server_hostname="echo.pyqio.test",
                ssl_handshake_timeout=10, timeout=10)
            assert transport.get_extra_info("ssl_object").version().startswith("TLS")
            transport.write(b"secret \x00\x1a" * 100)
            while len(protocol.data) < 900:
                protocol.more.clear()
                await asyncio.wait_for(protocol.more.wait(), 10)
            assert protocol.data == b"secret \x00\x1a" * 100
            transport.close()
            # a wrong name is refused by the handshake, and its module socket freed
            with pytest.raises(ssl.SSLCertVerificationError):
                await m.create_connection(Got, host, port, ssl=client_ctx,
                                          server_hostname="other.example")
            for _ in range(500):
                if await m.state() == []:
                    break
                await asyncio.sleep(0.01)
            assert await m.state() == []
        server.close()

    asyncio.run(main())


def test_urllib3_https_wraps_the_returned_socket_in_tls(remote_modem, monkeypatch, tmp_path):
    import ssl

    import trustme

    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)  # the module resolves no names here
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setattr(urllib3.util.connection, "create_connection",
                            remote_modem.create_connection)
        port = server.server_address[1]
        with urllib3.PoolManager(ca_certs=str(ca_file)) as pool:
            resp = pool.request("GET", f"https://127.0.0.1:{port}/")
            assert resp.status == 200 and resp.data == BODY
        del resp
        gc.collect()
        wait_no_sockets(remote_modem)
    finally:
        server.shutdown()
        server.server_close()
