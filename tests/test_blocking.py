"""pyqio.blocking: the modem without an event loop; create_connection() gives a
real socket.socket that stdlib clients (http.client, against http.server on
loopback) use unchanged."""
from __future__ import annotations

import http.client
import http.server
import socket
import socketserver
import threading
import time

import pytest

from pyqio import ResultCode
from pyqio.blocking import Modem
from pyqio.errors import CommandError, InvalidArgument


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b"blocking \x1a\x00 body" * 100
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(65536):
            self.request.sendall(data)


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def modem():
    with Modem("sim://") as m:
        yield m


def test_create_connection_returns_a_real_socket_for_http_client(modem):
    server = serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler))
    try:
        host, port = server.server_address
        sock = modem.create_connection((host, port), timeout=10)
        assert isinstance(sock, socket.socket)
        conn = http.client.HTTPConnection(host, port)
        conn.sock = sock  # http.client's own way to run over a given socket
        for _ in range(2):  # keep-alive: two requests on one module connection
            conn.request("GET", "/")
            resp = conn.getresponse()
            assert resp.status == 200
            assert resp.read() == b"blocking \x1a\x00 body" * 100
        conn.close()
        # closing the socket closes the module socket behind it (AT+QICLOSE)
        for _ in range(500):
            if modem.state() == []:
                break
            time.sleep(0.01)
        assert modem.state() == []
        with pytest.raises(InvalidArgument, match="source_address"):
            modem.create_connection((host, port), source_address=("127.0.0.1", 0))
    finally:
        server.shutdown()
        server.server_close()


def test_create_connection_socket_sees_eof_when_the_peer_closes(modem):
    class Bye(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.recv(10)
            self.request.sendall(b"bye")

    server = serve(socketserver.ThreadingTCPServer(("127.0.0.1", 0), Bye))
    try:
        sock = modem.create_connection(server.server_address, timeout=10)
        sock.sendall(b"hi")
        data = b""
        while chunk := sock.recv(100):
            data += chunk
        assert data == b"bye"
        sock.close()
    finally:
        server.shutdown()
        server.server_close()


def test_blocking_socket_send_recv_and_timeouts(modem):
    server = serve(socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo))
    try:
        with modem.connect(*server.server_address) as sock:
            sock.sendall(b"echo me")
            sock.settimeout(10)
            got = b""
            while len(got) < 7:
                got += sock.recv(100)
            assert got == b"echo me"
            sock.settimeout(0.2)
            with pytest.raises(TimeoutError):
                sock.recv(100)
            sock.settimeout(0)
            with pytest.raises(BlockingIOError):
                sock.recv(100)
    finally:
        server.shutdown()
        server.server_close()


def test_blocking_listener_and_udp_service(modem):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with modem.listen(port) as listener:
        listener.settimeout(10)
        client = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock, peer = listener.accept()
        sock.sendall(b"welcome")
        assert client.recv(100) == b"welcome"
        client.close()
        sock.close()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        uport = probe.getsockname()[1]
    with modem.udp_service(uport) as svc, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer_sock:
        svc.settimeout(10)
        peer_sock.settimeout(10)
        peer_sock.sendto(b"dgram", ("127.0.0.1", uport))
        data, addr = svc.recvfrom()
        svc.sendto(b"reply", addr)
        assert data == b"dgram" and peer_sock.recv(100) == b"reply"


def test_blocking_errors_are_the_async_ones(modem):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CommandError) as info:
        modem.connect("127.0.0.1", port)
    assert info.value.result == ResultCode.SOCKET_CONNECTION_FAILED
    assert modem.state() == []
