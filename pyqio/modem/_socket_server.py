"""The two server kinds of AT+QIOPEN (note 2.3.1): ``UDP SERVICE`` and ``TCP LISTENER``.

They only add ``recvfrom``/``sendto`` and ``accept`` to the socket base of
:mod:`pyqio.modem._socket` (its receive buffer policy applies: a datagram that does
not fit is dropped and counted). :mod:`pyqio.modem` re-exports both.
"""
from __future__ import annotations

import collections
from typing import Any

from ..errors import InvalidArgument, LinkError, SocketClosedError
from ._socket import (
    DEFAULT_BACKLOG,
    DEFAULT_BUFFER_LIMIT,
    DEFAULT_MAX_DATAGRAMS,
    Address,
    ModemSocket,
    _SocketBase,
)
from ._waiting import _check_bufsize

__all__ = ["Listener", "UdpService"]


class UdpService(_SocketBase):
    """A ``UDP SERVICE`` socket (note 2.3.1): ``sendto`` any peer, ``recvfrom`` any peer."""

    def __init__(self, modem: Any, connect_id: int, local_port: int, *,
                 buffer_limit: int = DEFAULT_BUFFER_LIMIT,
                 max_datagrams: int = DEFAULT_MAX_DATAGRAMS) -> None:
        super().__init__(modem, connect_id, "UDP SERVICE", buffer_limit=buffer_limit)
        self.local_port = local_port
        self.max_datagrams = max_datagrams
        self._datagrams: collections.deque[tuple[bytes, Address]] = collections.deque()
        self._dgram_bytes = 0
        self.truncated_bytes = 0

    def _buffered_bytes(self) -> int:
        return self._dgram_bytes

    def _on_data(self, data: bytes, addr: Address) -> None:
        self.bytes_received += len(data)
        if (self._dgram_bytes + len(data) > self.buffer_limit
                or len(self._datagrams) >= self.max_datagrams):
            return self._drop(data)
        self._datagrams.append((data, addr))
        self._dgram_bytes += len(data)
        self._wake()

    async def recvfrom(self, bufsize: int = 65536) -> tuple[bytes, Address]:
        """The next datagram (truncated to *bufsize*) and its sender's ``(ip, port)``."""
        _check_bufsize(bufsize)
        while not self._datagrams:
            self._check_open()
            await self._wait("recvfrom")
        data, addr = self._datagrams.popleft()
        self._dgram_bytes -= len(data)
        self._made_room()
        if len(data) > bufsize:
            self.truncated_bytes += len(data) - bufsize
            data = data[:bufsize]
        return data, addr

    async def sendto(self, data: bytes, address: Address) -> int:
        """Send one datagram to *address* ``(ip, port)``; returns ``len(data)``."""
        ip, port = _check_address(address)
        data = bytes(data)
        async with self._send_lock:
            self._check_open()
            await self._modem._send_data(self, data, remote=(ip, port))
        return len(data)


def _check_address(address: Any) -> Address:
    try:
        ip, port = address
    except (TypeError, ValueError):
        raise InvalidArgument(f"address must be an (ip, port) pair, got {address!r}") from None
    if not isinstance(ip, str) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidArgument(
            f"address must be (str ip, int port 1-65535), got {address!r}")
    return ip, port


class Listener(_SocketBase):
    """A ``TCP LISTENER`` (note 2.3.1); :meth:`accept` takes ``+QIURC: "incoming"`` (2.4.3).

    Incoming connections wait in a backlog of *backlog* entries; one that arrives
    when it is full is closed at once and counted in ``refused``.
    """

    def __init__(self, modem: Any, connect_id: int, local_port: int, *,
                 backlog: int = DEFAULT_BACKLOG) -> None:
        super().__init__(modem, connect_id, "TCP LISTENER")
        self.local_port = local_port
        self.backlog = backlog
        self.refused = 0
        self._queue: collections.deque[tuple[ModemSocket, Address]] = collections.deque()

    def _on_incoming(self, sock: ModemSocket, addr: Address) -> bool:
        if len(self._queue) >= self.backlog:
            self.refused += 1
            return False
        self._queue.append((sock, addr))
        self._wake()
        return True

    async def accept(self) -> tuple[ModemSocket, Address]:
        """The next incoming connection and its peer's ``(ip, port)``."""
        while not self._queue:
            self._check_open()
            await self._wait("accept")
        return self._queue.popleft()

    def __aiter__(self) -> Listener:
        return self

    async def __anext__(self) -> tuple[ModemSocket, Address]:
        try:
            return await self.accept()
        except (SocketClosedError, LinkError):
            raise StopAsyncIteration from None
