"""The host's end of a link to a simulator, for tests: send bytes, read answers exactly.

Over the in-memory pair (the ``sim://`` transport) or a real TCP connection.
"""
from __future__ import annotations

import asyncio
from typing import Any

from pyqio.sim import SimConfig, Simulator
from pyqio.transports import connect_protocols

__all__ = ["Link", "async_test"]


class _Host(asyncio.Protocol):
    def __init__(self) -> None:
        self.buf = bytearray()
        self.changed = asyncio.Event()
        self.closed = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self.changed.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.changed.set()


class Link:
    """One host link; ``sim`` is the Simulator when it runs in this process."""

    def __init__(self, host: _Host, sim: Simulator | None) -> None:
        self.host, self.sim = host, sim

    @classmethod
    async def memory(cls, config: SimConfig | None = None, **knobs: Any) -> Link:
        sim = Simulator(config or SimConfig(echo=False, **knobs))
        host = _Host()
        connect_protocols(host, sim)
        while getattr(host, "transport", None) is None or sim.transport is None:
            await asyncio.sleep(0)
        link = cls(host, sim)
        cfg = sim.config
        if cfg.attach_delay == 0 and cfg.register_delay == 0 and cfg.boot_on_connect:
            await link.until(b"\r\n+IP: %s\r\n" % sim.config.ip.encode())
        return link

    @classmethod
    async def tcp(cls, hostname: str, port: int) -> Link:
        _, host = await asyncio.get_running_loop().create_connection(_Host, hostname, port)
        return cls(host, None)

    def send(self, data: bytes) -> None:
        self.host.transport.write(data)

    async def until(self, marker: bytes, timeout: float = 10.0) -> bytes:
        """Everything received up to and including the first *marker*, taken off the buffer."""
        async def wait() -> bytes:
            while True:
                i = self.host.buf.find(marker)
                if i >= 0:
                    out = bytes(self.host.buf[:i + len(marker)])
                    del self.host.buf[:i + len(marker)]
                    return out
                if self.host.closed:
                    raise EOFError(bytes(self.host.buf))
                self.host.changed.clear()
                await self.host.changed.wait()
        try:
            return await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"no {marker!r} in {bytes(self.host.buf)!r}") from None

    async def command(self, line: bytes, until: bytes = b"\r\nOK\r\n") -> bytes:
        """Send *line* (CR added) and return the answer up to *until*."""
        self.send(line + b"\r")
        return await self.until(until)

    async def settle(self, rounds: int = 20) -> bytes:
        """What arrived after letting the loop run a few turns (for "nothing more" checks)."""
        for _ in range(rounds):
            await asyncio.sleep(0.005)
        out = bytes(self.host.buf)
        del self.host.buf[:]
        return out

    def close(self) -> None:
        self.host.transport.close()


def async_test(fn: Any) -> Any:
    """Run an ``async def`` test in a fresh event loop (no pytest plugin needed)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(asyncio.wait_for(fn(*args, **kwargs), 60))

    return wrapper
