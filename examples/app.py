"""A tiny application on pyqio, the code under test in these examples: it asks a
server for the time over a module socket ("TIME?\\n" -> one line back)."""
from __future__ import annotations

from typing import Any


async def ask_time(modem: Any, server: tuple[str, int]) -> bytes:
    """Open a TCP socket through *modem*, send one request, return the answer line."""
    sock = await modem.connect(server[0], server[1], "tcp")
    try:
        await sock.send(b"TIME?\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = await sock.recv()
            if not chunk:
                break
            answer += chunk
        return answer
    finally:
        await sock.close()
