"""Reader throughput over a real PTY pair, for ``pyqio bench`` and the record.

A child process writes ``nbytes`` into the PTY master as fast as it can; this
process reads the slave through a transport and counts. Measures wall time,
this process's CPU time (every thread) and the number of ``data_received``
calls. ``kind="serial_asyncio_fast"`` runs the same over pyserial-asyncio-fast
(if installed) for comparison. Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

from ..transports.pty import open_pty

_SENDER = ("import os, sys\nfd, n = int(sys.argv[1]), int(sys.argv[2])\n"
           "block = bytes(range(256)) * 16\n"
           "while n > 0:\n    n -= os.write(fd, block[:min(n, len(block))])\n")


class _Count(asyncio.Protocol):
    def __init__(self, nbytes: int) -> None:
        self.nbytes, self.got, self.calls = nbytes, 0, 0
        self.done = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self.got += len(data)
        self.calls += 1
        if self.got >= self.nbytes and not self.done.done():
            self.done.set_result(None)


async def _open(kind: str, path: str, protocol: _Count) -> Any:
    if kind == "pyqio":
        from ..transports import open_transport
        return (await open_transport(path, lambda: protocol))[0]
    import serial_asyncio_fast  # optional, only for the comparison

    loop = asyncio.get_running_loop()
    transport, _ = await serial_asyncio_fast.create_serial_connection(
        loop, lambda: protocol, path, baudrate=115200)
    await asyncio.sleep(0)  # its connection_made runs on the next turn
    return transport


async def pty_read_throughput(nbytes: int = 16 << 20, kind: str = "pyqio") -> dict[str, Any]:
    """Read ``nbytes`` through ``kind``'s transport; return wall/cpu seconds and calls."""
    master, path = open_pty()
    protocol = _Count(nbytes)
    transport = await _open(kind, path, protocol)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _SENDER, str(master), str(nbytes), pass_fds=[master])
    try:
        await protocol.done
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        await child.wait()
        transport.close()
        await asyncio.sleep(0.01)
        os.close(master)
    return {"kind": kind, "bytes": nbytes, "received": protocol.got, "wall_s": wall, "cpu_s": cpu,
            "calls": protocol.calls, "mb_per_s": nbytes / wall / 1e6}


def main() -> None:  # python -m pyqio.transports._bench [NBYTES]
    nbytes = int(sys.argv[1]) if len(sys.argv) > 1 else 16 << 20
    for kind in ("pyqio", "serial_asyncio_fast") * 3:
        try:
            r = asyncio.run(pty_read_throughput(nbytes, kind))
        except ImportError:
            continue
        print(f"{r['kind']:20} {r['bytes']:>10} B  wall {r['wall_s']:.3f} s  "
              f"cpu {r['cpu_s']:.3f} s  {r['calls']:>6} calls  {r['mb_per_s']:.0f} MB/s")


if __name__ == "__main__":
    main()
