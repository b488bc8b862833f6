"""Peers for the simulated module's sockets to talk to, on loopback, in a thread
or a process of their own (so they work beside any event loop): TCP and UDP
echo, a small HTTP server, and Debian's mosquitto broker where installed."""
from __future__ import annotations

import errno
import http.server
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["EchoServer", "HttpServer", "Mosquitto"]

Address = tuple[str, int]


class _TcpEcho(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


class _UdpEcho(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        sock.sendto(data, self.client_address)


class _Threaded(socketserver.ThreadingMixIn):
    daemon_threads = True
    allow_reuse_address = True


class _TcpServer(_Threaded, socketserver.TCPServer):
    pass


class _UdpServer(_Threaded, socketserver.UDPServer):
    pass


class EchoServer:
    """TCP and UDP echo on 127.0.0.1, free ports: :attr:`tcp` and :attr:`udp` addresses."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._servers: list[socketserver.BaseServer] = [
            _TcpServer((host, 0), _TcpEcho), _UdpServer((host, 0), _UdpEcho)]
        for srv in self._servers:
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.tcp: Address = self._servers[0].server_address[:2]  # type: ignore[assignment,index]
        self.udp: Address = self._servers[1].server_address[:2]  # type: ignore[assignment,index]

    def close(self) -> None:
        for srv in self._servers:
            srv.shutdown()
            srv.server_close()

    def __enter__(self) -> EchoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Http(http.server.BaseHTTPRequestHandler):
    body = b"hello from the pyqio test peer\n"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(self.body)

    def do_POST(self) -> None:  # noqa: N802
        size = int(self.headers.get("Content-Length") or 0)
        self._answer(self.rfile.read(size))

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass  # keep the test output clean


class HttpServer:
    """HTTP/1.1 on 127.0.0.1: GET answers :attr:`body`, POST echoes the request body."""

    body = _Http.body

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server = http.server.ThreadingHTTPServer((host, 0), _Http)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.address: Address = self._server.server_address[:2]  # type: ignore[assignment]

    @property
    def url(self) -> str:
        return f"http://{self.address[0]}:{self.address[1]}/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HttpServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Mosquitto:
    """Debian's mosquitto broker on a free loopback port (:attr:`address`)."""

    def __init__(self, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
        exe = shutil.which("mosquitto")
        if exe is None:
            raise FileNotFoundError(errno.ENOENT, "the mosquitto broker is not installed "
                                    "(Debian: apt-get install mosquitto)", "mosquitto")
        self._dir = tempfile.TemporaryDirectory(prefix="pyqio-mosquitto-")
        for _attempt in range(3):  # a free port can be taken between the probe and the bind
            port = _free_port(host)
            conf = Path(self._dir.name) / "mosquitto.conf"
            conf.write_text(f"listener {port} {host}\nallow_anonymous true\npersistence false\n")
            self._proc = subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE)
            if _wait_port(host, port, self._proc, timeout):
                self.address: Address = (host, port)
                return
        err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
        self._dir.cleanup()
        raise RuntimeError(f"mosquitto did not start: {err.strip()}")

    def close(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stderr:
            self._proc.stderr.close()
        self._dir.cleanup()

    def __enter__(self) -> Mosquitto:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _wait_port(host: str, port: int, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.1).close()
            return True
        except OSError:
            if proc.poll() is not None:
                return False
            time.sleep(0.05)
    proc.kill()
    proc.wait()
    return False
