"""open_connection(): asyncio's own StreamReader/StreamWriter over a module socket,
driving an unchanged stream-based HTTP client against http.server on loopback."""
from __future__ import annotations

import asyncio
import http.server
import threading

import pytest

from pyqio.modem import Modem

BODY = bytes(range(256)) * 400  # 100 KiB with every byte value, 0x1A included


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = BODY if self.path == "/blob" else b"hello\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[::-1])

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address
    server.shutdown()
    server.server_close()


async def http_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    """A stream-based HTTP/1.1 client: it knows only the StreamReader/StreamWriter API."""
    head = f"{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {len(body)}\r\n\r\n"
    writer.write(head.encode() + body)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def test_stream_client_runs_unchanged_over_open_connection(http_server):
    host, port = http_server

    async def main():
        async with Modem("sim://") as m:
            reader, writer = await m.open_connection(host, port)
            assert isinstance(reader, asyncio.StreamReader)
            assert isinstance(writer, asyncio.StreamWriter)
            small = await http_request(reader, writer, "GET", "/")
            blob = await http_request(reader, writer, "GET", "/blob")
            upload = bytes(range(256)) * 600  # 150 KiB: over the high-water mark, so
            # writer.drain() really waits for the module (pause_writing/resume_writing)
            echoed = await http_request(reader, writer, "POST", "/up", upload)
            peer = writer.get_extra_info("peername")
            writer.close()
            await writer.wait_closed()
            rows = await m.state()
            return small, blob, echoed, upload, peer, rows

    small, blob, echoed, upload, peer, rows = asyncio.run(asyncio.wait_for(main(), 60))
    assert small == (200, b"hello\n")
    assert blob == (200, BODY)
    assert echoed == (200, upload[::-1])
    assert peer == (host, port)
    assert rows == []  # writer.close() closed the module socket (AT+QICLOSE)


def test_reader_sees_eof_when_the_peer_closes():
    async def main():
        async def handle(reader, writer):
            await reader.read(10)
            writer.write(b"last words")
            writer.close()
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with Modem("sim://") as m:
            reader, writer = await m.open_connection("127.0.0.1", port)
            writer.write(b"hi")
            data = await asyncio.wait_for(reader.read(), 10)  # read() runs to EOF
            eof = reader.at_eof()
            writer.close()
            await writer.wait_closed()
        server.close()
        return data, eof

    assert asyncio.run(asyncio.wait_for(main(), 30)) == (b"last words", True)
