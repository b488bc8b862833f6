"""``pyqio bench --e2e``: the rows that drive a :class:`pyqio.modem.Modem`.

Two hops (``Modem recv``, ``Modem streams``): ``pyqio sim --pty`` processes (one
per modem) and a loopback TCP peer process that pushes the payload into the
simulated socket, which the simulator frames as the module would.

One hop (``..., 1 hop``): the Modem's host side on the floors' own bytes. The
two-hop rows get their URCs from the simulator as it frames a loopback peer's TCP
segments: realistic, but the URCs come in the simulator's rhythm, so the host may
wake for less data per read than the floors, whose writer pushes prepared bytes into the PTY as fast as it takes them,
and their latency includes the simulator's own hop. Here the module is a simulator
(its own process, over a PTY) only for the bring-up and ``AT+QIOPEN``: 20 ms after
its ``+QIOPEN: 0,0`` it writes the floors' prepared URC file (then
``+QIURC: "closed",0``) into the PTY as fast as the PTY takes it, or, for latency,
one stamped 64-byte URC each 2 ms. The host's CPU clock starts once ``connect()``
(``open_connection()``) returned, as the floors' starts with the PTY open: opening
the socket is not receiving. So these rows and the floors read the same bytes the
same way, and the difference is the Modem's: session, dispatch, socket, wake-up
and the reader's task.
"""
from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from typing import IO, Any

from . import _bench_e2e as E
from ._bench_e2e import RECV, RECV1, STREAMS, STREAMS1, LostBytes, _check, _spawn
from ._bench_latency import stamps as _stamps

# the loopback TCP peer: prints its port, then to each client sends the payload file
# (or, with a count, that many stamped 64-byte messages, one per 2 ms) and closes
_PEER = r"""
import os, socket, sys, threading, time
data = open(sys.argv[1], 'rb').read()
count = int(sys.argv[2])
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(128)
print(srv.getsockname()[1], flush=True)
def serve(c):
    if count:
        for _ in range(count):
            time.sleep(0.002)
            c.sendall(b'%063d\n' % time.perf_counter_ns())
    else:
        c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    while c.recv(4096):
        pass
    c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""

# what a simulator that ends well prints on stderr: its summary, nothing dropped
_CLEAN = re.compile(r"pyqio sim: \d+ link\(s\); 0 dropped\b.*")


class _Module:
    """A simulator process whose stderr is kept aside, in a temporary file.

    ``pyqio sim`` prints a summary on stderr when it ends ("pyqio sim: 1 link(s);
    0 dropped ..."): one per run and modem, some hundred lines in a bench whose runs
    check every byte themselves. So it is shown only when something went wrong: the
    run failed, the process ended by itself or with a status other than a stopped
    service's, or it said anything besides a clean summary."""

    def __init__(self, args: list[str]) -> None:
        self.name = " ".join(args[1:3])
        self.err: IO[bytes] = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.err)
        self.stdout: IO[bytes] = self.proc.stdout  # type: ignore[assignment]

    def stop(self, failed: bool) -> None:
        ended_alone = self.proc.poll() is not None
        self.proc.terminate()
        status = self.proc.wait()
        self.err.seek(0)
        text = self.err.read().decode(errors="replace")
        self.err.close()
        odd = [ln for ln in text.splitlines() if ln.strip() and not _CLEAN.fullmatch(ln)]
        if failed or ended_alone or status not in (0, -signal.SIGTERM) or odd:
            sys.stderr.write(f"simulator process ({self.name} ...) ended with status "
                             f"{status}; its stderr:\n{text}")
            sys.stderr.flush()


class Simulated:
    """``pyqio sim --pty`` processes, one Modem each, and one loopback peer process."""

    def __init__(self, count: int, data_file: str, messages: int = 0,
                 argv: list[str] | None = None) -> None:
        self.count, self.data_file, self.messages = count, data_file, messages
        # the simulator's command line (it prints its PTY's path): pyqio sim by default
        self.argv = argv or [sys.executable, "-m", "pyqio", "sim", "--pty", "--no-echo",
                             "--loop", E.LOOP]
        self.sims: list[_Module] = []
        self.modems: list[Any] = []

    async def __aenter__(self) -> Simulated:
        from ..modem import Modem

        self.peer = _spawn(_PEER, self.data_file, str(self.messages))
        assert self.peer.stdout is not None
        self.port = int(self.peer.stdout.readline())
        for _ in range(self.count):
            self.sims.append(_Module(self.argv))
        paths = [sim.stdout.readline().decode().strip() for sim in self.sims]
        opened = await asyncio.gather(*(Modem.open(p) for p in paths), return_exceptions=True)
        self.modems = [m for m in opened if not isinstance(m, BaseException)]
        failed = [m for m in opened if isinstance(m, BaseException)]
        if failed:  # no __aexit__ after a failed __aenter__: reap the processes here
            await self.__aexit__(type(failed[0]))
            raise failed[0]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*(m.close() for m in self.modems), return_exceptions=True)
        for sim in self.sims:
            sim.stop(failed=bool(exc) and exc[0] is not None)
        self.peer.terminate()
        self.peer.wait()


async def _recv_all(sock: Any) -> bytes:
    parts = []
    while data := await sock.recv(65536):
        parts.append(data)
    return b"".join(parts)


async def run_modems(count: int, data_file: str, want: bytes, hex_mode: bool,
                     streams: bool = False) -> float:
    """*count* Modems (one simulator each) each receive *want*: CPU seconds."""
    async with Simulated(count, data_file) as sim:
        for m in sim.modems:
            await m.set_data_format(False, hex_mode)
        if streams:
            conns = await asyncio.gather(*(m.open_connection("127.0.0.1", sim.port)
                                           for m in sim.modems))
            reads: list[Awaitable[bytes]] = [r.read() for r, _ in conns]
        else:
            socks = await asyncio.gather(*(m.connect("127.0.0.1", sim.port)
                                           for m in sim.modems))
            reads = [_recv_all(s) for s in socks]
        cpu0 = time.process_time()
        got = await asyncio.gather(*reads)
        cpu = time.process_time() - cpu0
        if streams:
            for _, w in conns:
                w.close()
        else:
            for s in socks:
                await s.close()
    for data in got:
        _check(STREAMS if streams else RECV, data, want)
    return cpu


async def latency_modem(data_file: str, count: int) -> list[float]:
    """Microseconds from the peer's write to ``recv()`` returning, per 64-byte message."""
    out: list[float] = []
    async with Simulated(1, data_file, messages=count) as sim:
        sock = await sim.modems[0].connect("127.0.0.1", sim.port)
        while data := await sock.recv(65536):
            out += _stamps(data, time.perf_counter_ns())
        await sock.close()
    if len(out) != count:
        raise LostBytes(f"{RECV} latency: {len(out)} of {count} messages")
    return out


# the module: a simulator that bursts the URC file into the PTY after +QIOPEN: 0,0
_MODULE = r"""
import asyncio, sys, time
from pyqio.sim import SimConfig, Simulator
from pyqio.transports import serve_pty
from pyqio.transports._loops import run

urcs_file, messages, loop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
CLOSED = b'\r\n+QIURC: "closed",0\r\n'

class OneHop(Simulator):
    burst_done = False

    def write(self, data):
        super().write(data)
        if not self.burst_done and b"+QIOPEN: 0,0" in data:
            self.burst_done = True
            # a moment for the host to see connect() return: its clock starts there,
            # so that the rows count the receiving, not the opening
            asyncio.get_running_loop().call_later(0 if messages else 0.02, self.burst)

    def burst(self):
        loop = asyncio.get_running_loop()
        if not messages:
            with open(urcs_file, "rb") as f:
                self.transport.write(f.read() + CLOSED)
            return
        def one(i):
            # the next one is scheduled first, so that the write is the last thing
            # this process does before it sleeps, as the floor's writer: on one CPU
            # (--pin) the host runs once the writer sleeps
            if i + 1 < messages:
                loop.call_later(0.002, one, i + 1)
            m = b"%063d\n" % time.perf_counter_ns()
            self.transport.write(b'\r\n+QIURC: "recv",0,64,"' + m + b'"\r\n')
            if i + 1 == messages:
                self.transport.write(CLOSED)
        loop.call_later(0.002, one, 0)

async def main():
    held = []
    server = await asyncio.start_server(lambda r, w: held.append(w), "127.0.0.1", 0)
    transport, path = await serve_pty(lambda: OneHop(SimConfig(echo=False)))
    print(path, server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()

run(main(), loop)
"""


class OneHop:
    """One ``Modem`` on a one-hop module process (see the module docstring)."""

    def __init__(self, urcs: str, hex_mode: bool, messages: int = 0) -> None:
        self.urcs, self.hex_mode, self.messages = urcs, hex_mode, messages

    async def __aenter__(self) -> OneHop:
        from ..modem import Modem

        self.proc = _Module([sys.executable, "-c", _MODULE, self.urcs, str(self.messages),
                             E.LOOP])
        try:
            path, port = self.proc.stdout.readline().decode().split()
            self.port = int(port)
            self.modem: Any = await Modem.open(path)
        except BaseException:
            self.proc.stop(failed=True)
            raise
        await self.modem.set_data_format(False, self.hex_mode)
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.modem.close()
        finally:
            self.proc.stop(failed=exc[0] is not None)


async def run_onehop(urcs: str, want: bytes, hex_mode: bool, streams: bool = False) -> float:
    """The Modem receives the URC file (payloads *want*): CPU seconds."""
    async with OneHop(urcs, hex_mode) as one:
        if streams:
            reader, writer = await one.modem.open_connection("127.0.0.1", one.port)
            cpu0 = time.process_time()
            got = await reader.read()
        else:
            sock = await one.modem.connect("127.0.0.1", one.port)
            cpu0 = time.process_time()
            parts = []
            while data := await sock.recv(65536):
                parts.append(data)
            got = b"".join(parts)
        cpu = time.process_time() - cpu0
        if streams:
            writer.close()
        else:
            await sock.close()
    _check(STREAMS1 if streams else RECV1, got, want)
    return cpu


async def latency_onehop(urcs: str, count: int) -> list[float]:
    """Microseconds from the module process's write to ``recv()`` returning."""
    out: list[float] = []
    async with OneHop(urcs, False, messages=count) as one:
        sock = await one.modem.connect("127.0.0.1", one.port)
        while data := await sock.recv(65536):
            out += _stamps(data, time.perf_counter_ns())
        await sock.close()
    if len(out) != count:
        raise LostBytes(f"{RECV1} latency: {len(out)} of {count} messages")
    return out
