"""Record a session: the application of app.py talks through the simulated module
to a loopback echo server, and every byte between host and module goes into a
capture (``Modem(url, record=...)``). The server's address goes into the
capture's metadata, so that a replay can run the application the same way.

    python examples/record_session.py session.cap
    pyqio decode session.cap          # both directions, with times
"""
from __future__ import annotations

import asyncio
import sys

from app import ask_time

from pyqio import Modem
from pyqio.capture import CaptureWriter
from pyqio.testing import EchoServer


async def record(path: str) -> bytes:
    """Run the application once against the simulator, recording to *path*."""
    with EchoServer() as echo:  # stands for the field's time server: it echoes the request
        writer = CaptureWriter(path, meta={"server": list(echo.tcp), "what": "ask_time example"})
        with writer:
            async with Modem("sim://", record=writer) as modem:
                return await ask_time(modem, echo.tcp)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "session.cap"
    answer = asyncio.run(record(out))
    print(f"recorded {out}; the application got {answer!r}")
