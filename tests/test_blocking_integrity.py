"""The blocking facade keeps the rule too: a slow reader gets every byte, in order.

Reading 3 MB through ``pyqio.blocking`` over ``sim://?latency=0.002`` with a reader
slower than the link used to deliver a stream with holes (whole packets dropped
from its middle, 458,752 of 3,000,000 bytes arrived). Now the link pauses while
the reader catches up, and the SHA-256 of what was read is the sender's.
"""
from __future__ import annotations

import hashlib
import random
import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from pyqio.blocking import Modem

SIZE = 3_000_000
DATA = random.Random(12).randbytes(SIZE)


class _Source(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.sendall(DATA)
        self.request.recv(1)  # until the client closes


@pytest.fixture
def source() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Source)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _read_slowly(recv: object) -> bytes:
    got = bytearray()
    while len(got) < SIZE:
        chunk = recv(16384)  # type: ignore[operator]
        assert chunk, f"EOF after {len(got)} bytes"
        got += chunk
        if len(got) % (256 * 1024) < 16384:
            time.sleep(0.05)  # slower than the link
    return bytes(got)


def test_blocking_socket_reads_3_mb_in_order_with_a_slow_reader(source: int) -> None:
    with Modem("sim://?latency=0.002", wait_ip=0) as m:
        sock = m.connect("127.0.0.1", source)
        got = _read_slowly(sock.recv)
        dropped = sock.dropped_bytes
        sock.close()
    assert dropped == 0
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(DATA).hexdigest()


def test_create_connection_reads_3_mb_in_order_with_a_slow_reader(source: int) -> None:
    with Modem("sim://?latency=0.002", wait_ip=0) as m:
        sock = m.create_connection(("127.0.0.1", source), timeout=30)
        assert isinstance(sock, socket.socket)
        got = _read_slowly(sock.recv)
        sock.close()
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(DATA).hexdigest()
