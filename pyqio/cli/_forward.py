"""``pyqio forward``: a local port carried through module sockets.

TCP: each connection accepted on the local port gets its own module TCP socket
to the target; bytes are copied both ways until either side closes.  UDP: each
local peer address gets its own module UDP socket (the module has five connect
ids, so at most five peers at once; the oldest idle one is closed for a new one).
"""
from __future__ import annotations

import asyncio
import collections
import logging
import sys
from typing import Any, TextIO

log = logging.getLogger("pyqio.forward")

Address = tuple[str, int]


def format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def _pipe_tcp(modem: Any, to: Address, reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter) -> None:
    peer = writer.get_extra_info("peername")
    try:
        msock = await modem.connect(to[0], to[1], "tcp")
    except Exception as exc:
        log.warning("forward %s -> %s: %s", peer, to, exc)
        writer.close()
        return
    log.info("forward %s -> %s on module socket %d", peer, to, msock.connect_id)

    async def up() -> None:
        while data := await reader.read(65536):
            await msock.send(data)

    async def down() -> None:
        async for chunk in msock:
            writer.write(chunk)
            await writer.drain()

    tasks = [asyncio.create_task(up()), asyncio.create_task(down())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            if t.exception() is not None:
                log.info("forward %s: %r", peer, t.exception())
    finally:
        for t in tasks:
            t.cancel()
        writer.close()
        try:
            await msock.close()
        except Exception as exc:
            log.debug("closing module socket: %s", exc)


class _UdpForward(asyncio.DatagramProtocol):
    def __init__(self, modem: Any, to: Address, max_peers: int = 5) -> None:
        self.modem, self.to, self.max_peers = modem, to, max_peers
        self.transport: Any = None
        self.peers: collections.OrderedDict[Address, Any] = collections.OrderedDict()
        self._queue: asyncio.Queue[tuple[bytes, Address]] = asyncio.Queue(1024)
        self._task = asyncio.get_running_loop().create_task(self._run())

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Address) -> None:
        try:
            self._queue.put_nowait((data, addr))
        except asyncio.QueueFull:
            log.warning("udp forward: queue full, datagram from %s dropped", addr)

    async def _run(self) -> None:
        while True:
            data, addr = await self._queue.get()
            try:
                sock = await self._socket_for(addr)
                await sock.send(data)
            except Exception as exc:
                log.warning("udp forward from %s: %s", addr, exc)

    async def _socket_for(self, addr: Address) -> Any:
        sock = self.peers.get(addr)
        if sock is not None:
            self.peers.move_to_end(addr)
            return sock
        if len(self.peers) >= self.max_peers:
            _, old = self.peers.popitem(last=False)
            await old.close()
        sock = await self.modem.connect(self.to[0], self.to[1], "udp")
        self.peers[addr] = sock
        asyncio.get_running_loop().create_task(self._back(sock, addr))
        return sock

    async def _back(self, sock: Any, addr: Address) -> None:
        try:
            async for data in sock:
                self.transport.sendto(data, addr)
        except Exception as exc:
            log.debug("udp forward back to %s: %s", addr, exc)


async def forward(device: str, listen: Address, to: Address, *, udp: bool = False,
                  out: TextIO = sys.stdout, ready: asyncio.Future[tuple[str, int]] | None = None,
                  record: str | None = None) -> None:
    """Serve until cancelled; print the bound ``HOST:PORT`` alone on *out*'s first line."""
    from ..modem import Modem

    async with Modem(device, record=record) as modem:
        loop = asyncio.get_running_loop()
        if udp:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _UdpForward(modem, to), local_addr=listen)
            bound = transport.get_extra_info("sockname")[:2]
            closer: Any = transport
        else:
            server = await asyncio.start_server(
                lambda r, w: _pipe_tcp(modem, to, r, w), listen[0], listen[1])
            bound = server.sockets[0].getsockname()[:2]
            closer = server
        print(format_address(*bound), file=out, flush=True)
        if ready is not None:
            ready.set_result(bound)
        try:
            await asyncio.Event().wait()
        finally:
            closer.close()
