"""Reproduce the fault figures on whichever pyqio is first on PYTHONPATH.

usage: python tools/repro/faults.py restart|latency|delay|blocking|queue
"""
import asyncio
import hashlib
import random
import resource
import sys
import time

import pyqio
import pyqio.modem


async def source_server(data):
    async def serve(reader, writer):
        for i in range(0, len(data), 1 << 16):
            writer.write(data[i:i + (1 << 16)])
            await writer.drain()
        await reader.read()
        writer.close()
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def echo_server():
    async def serve(reader, writer):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        writer.close()
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def sim_of(m):
    return m._link.transport._peer._protocol


async def restart():
    """A peer's payload hello\\0RDY\\r\\nworld with one byte of its URC lost, at every position."""
    server, port = await echo_server()
    cases = failed = 0
    payload = b"hello\x00RDY\r\nworld"
    for cut in range(40):
        async with pyqio.Modem("sim://", wait_ip=0) as m:
            hostile = await m.connect("127.0.0.1", port)
            other = await m.connect("127.0.0.1", port)
            urc = b'\r\n+QIURC: "recv",%d,%d,"' % (hostile.connect_id, len(payload)) + payload + b'"\r\n'
            if cut >= len(urc):
                break
            sim_of(m).write(urc[:cut] + urc[cut + 1:])
            try:
                await other.send(b"ping")
                ok = await asyncio.wait_for(other.recv(), 5) == b"ping"
            except Exception:
                ok = False
            cases += 1
            failed += not ok
    server.close()
    print(f"restart: {failed} of {cases} byte-loss positions failed the unrelated socket")


async def download(query, size, buffer_limit=1 << 30):
    data = random.Random(1).randbytes(size)
    server, port = await source_server(data)
    async with pyqio.Modem("sim://?" + query, wait_ip=0, buffer_limit=buffer_limit) as m:
        sock = await m.connect("127.0.0.1", port)
        got = bytearray()
        while len(got) < size:
            try:
                chunk = await asyncio.wait_for(sock.recv(), 2)
            except (asyncio.TimeoutError, TimeoutError):
                break
            got += chunk
        stats = getattr(sim_of(m), "stats", None)
    server.close()
    print(f"{query}: delivered {len(got):,} of {size:,} bytes; in order and equal: "
          f"{hashlib.sha256(got).digest() == hashlib.sha256(data).digest()}; sim stats: {stats}")


def blocking():
    import socketserver
    import threading

    from pyqio.blocking import Modem
    size = 3_000_000
    data = random.Random(12).randbytes(size)

    class H(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.sendall(data)
            self.request.recv(1)
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    with Modem("sim://?latency=0.002", wait_ip=0) as m:
        sock = m.connect("127.0.0.1", srv.server_address[1])
        sock.settimeout(2)
        got = bytearray()
        while len(got) < size:
            try:
                chunk = sock.recv(16384)
            except TimeoutError:
                break
            got += chunk
            if len(got) % (256 * 1024) < 16384:
                time.sleep(0.05)
        dropped = sock.dropped_bytes
    print(f"blocking: delivered {len(got):,} of {size:,} bytes, sha256 equal: "
          f"{hashlib.sha256(got).digest() == hashlib.sha256(data).digest()}, dropped_bytes {dropped:,}")


async def queue():
    from pyqio import commands as C
    from pyqio.session import Session
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    s = Session()
    n = 0
    try:
        for n in range(100_000):
            s.send_command(C.At())
    except Exception as exc:
        print(f"queue: refused at command {n:,}: {type(exc).__name__}: {exc}")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"queue: {len(s.queued):,} queued, max RSS {before / 1024:.0f} -> {after / 1024:.0f} MB")


what = sys.argv[1]
if what == "restart":
    asyncio.run(restart())
elif what == "latency":
    asyncio.run(download("latency=0.002", 20_000_000))
elif what == "delay":
    asyncio.run(download("seed=1&urc_delay_rate=0.01&urc_delay=0.05", 5_000_000))
elif what == "blocking":
    blocking()
elif what == "queue":
    asyncio.run(queue())
