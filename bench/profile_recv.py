"""cProfile of the host process while one Modem socket ``recv()``s N bytes from
``pyqio sim --pty`` (bench/README.md, "What the time goes to").

    python -m bench.profile_recv [NBYTES] [--hex]

The simulator and the loopback peer run in their own processes (see
``pyqio.cli._bench_e2e``); only this process is profiled, around the receive loop.
"""
from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import sys
import tempfile

from pyqio.cli import _bench_e2e as E
from pyqio.cli import _bench_modems as M


async def profile(nbytes: int, hex_mode: bool, path: str) -> cProfile.Profile:
    want = b"".join(E.make_payload(nbytes, hex_mode))
    with open(path, "wb") as f:
        f.write(want)
    prof = cProfile.Profile()
    async with M.Simulated(1, path) as sim:
        await sim.modems[0].set_data_format(False, hex_mode)
        sock = await sim.modems[0].connect("127.0.0.1", sim.port)
        prof.enable()
        got = await M._recv_all(sock)
        prof.disable()
        await sock.close()
    if got != want:
        raise E.LostBytes(f"received {len(got)} of {len(want)} bytes")
    return prof


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--hex"]
    nbytes = int(args[0]) if args else 786432
    with tempfile.TemporaryDirectory() as tmp:
        prof = asyncio.run(profile(nbytes, "--hex" in sys.argv, os.path.join(tmp, "payload")))
    pstats.Stats(prof).sort_stats("tottime").print_stats(22)
    return 0


if __name__ == "__main__":
    sys.exit(main())
