"""A blocking facade over :class:`pyqio.modem.Modem` for programs without an event loop.

The asyncio modem runs on its own event loop in a daemon thread; every method
here submits a coroutine to it and waits for the result, so exceptions are the
same as the asyncio API's.  :meth:`Modem.create_connection` returns a real
:class:`socket.socket` (one end of a ``socketpair()``, the other end bridged
through a module TCP socket), so libraries that insist on a socket object —
``http.client``, ``smtplib``, ``paho-mqtt`` — run over the module unchanged::

    from pyqio.blocking import Modem
    with Modem("sim://") as modem:
        sock = modem.create_connection(("127.0.0.1", 8080), timeout=10)
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as _dt
import logging
import socket
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, Generic, TypeVar

from . import modem as _am
from .commands import Command
from .errors import InvalidArgument
from .session import Response
from .wire.events import SocketStatus

__all__ = ["Listener", "Modem", "Socket", "UdpService"]

log = logging.getLogger("pyqio.modem")

_T = TypeVar("_T")
_Inner = TypeVar("_Inner", _am.ModemSocket, _am.Listener, _am.UdpService)
_W = TypeVar("_W", bound="_Wrapped[Any]")


class _Runner:
    """An event loop in a daemon thread and a way to run coroutines on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._main, name="pyqio-modem", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float | None = None) -> _T:
        if threading.current_thread() is self.thread:
            raise RuntimeError("pyqio.blocking called from its own event loop thread")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        if not self.thread.is_alive():
            self.loop.close()


class _Wrapped(Generic[_Inner]):
    def __init__(self, runner: _Runner, inner: _Inner) -> None:
        self._runner = runner
        self._inner: _Inner = inner

    def settimeout(self, value: float | None) -> None:
        """CPython semantics: None blocks, 0 raises BlockingIOError, else TimeoutError."""
        self._inner.settimeout(value)

    def gettimeout(self) -> float | None:
        return self._inner.gettimeout()

    def setblocking(self, flag: bool) -> None:
        self._inner.setblocking(flag)

    def close(self) -> None:
        self._runner.run(self._inner.close())

    def __enter__(self: _W) -> _W:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        # counters and ids (connect_id, dropped_bytes, peer ...) read through
        return getattr(self._inner, name)


class Socket(_Wrapped[_am.ModemSocket]):
    """A blocking TCP/UDP client socket on the module (see :class:`pyqio.modem.ModemSocket`)."""

    def recv(self, bufsize: int = 65536) -> bytes:
        return self._runner.run(self._inner.recv(bufsize))

    def send(self, data: bytes) -> int:
        return self._runner.run(self._inner.send(data))

    def sendall(self, data: bytes) -> None:
        self._runner.run(self._inner.send(data))

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self.recv()
            if not chunk:
                return
            yield chunk


class Listener(_Wrapped[_am.Listener]):
    """A blocking ``TCP LISTENER``; :meth:`accept` returns ``(Socket, (ip, port))``."""

    def accept(self) -> tuple[Socket, tuple[str, int]]:
        sock, addr = self._runner.run(self._inner.accept())
        return Socket(self._runner, sock), addr


class UdpService(_Wrapped[_am.UdpService]):
    """A blocking ``UDP SERVICE`` socket with ``sendto``/``recvfrom``."""

    def sendto(self, data: bytes, address: tuple[str, int]) -> int:
        return self._runner.run(self._inner.sendto(data, address))

    def recvfrom(self, bufsize: int = 65536) -> tuple[bytes, tuple[str, int]]:
        return self._runner.run(self._inner.recvfrom(bufsize))


class Modem:
    """The blocking twin of :class:`pyqio.modem.Modem`: same arguments, same methods."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self._runner = _Runner()
        try:
            self._modem: _am.Modem = self._runner.run(_am.Modem.open(url, **kwargs))
        except BaseException:
            self._runner.stop()
            raise
        self._bridges: set[concurrent.futures.Future[None]] = set()

    @property
    def ip(self) -> str | None:
        return self._modem.ip

    @property
    def aio(self) -> _am.Modem:
        """The underlying asyncio modem (use only from its loop: ``self.loop``)."""
        return self._modem

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._runner.loop

    def close(self) -> None:
        if self._runner.thread.is_alive():
            try:
                self._runner.run(self._modem.close(), 30)
            finally:
                self._runner.stop()

    def __enter__(self) -> Modem:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        return self._runner.run(coro)

    # -- sockets -----------------------------------------------------------------
    def connect(self, host: str, port: int, proto: str = "tcp", *,
                access_mode: int | None = None) -> Socket:
        """A module socket; *access_mode* as :meth:`pyqio.Modem.connect` takes it (bg96)."""
        return Socket(self._runner, self._run(self._modem.connect(host, port, proto,
                                                                  access_mode=access_mode)))

    def listen(self, port: int, *, backlog: int = 8) -> Listener:
        return Listener(self._runner, self._run(self._modem.listen(port, backlog=backlog)))

    def udp_service(self, port: int) -> UdpService:
        return UdpService(self._runner, self._run(self._modem.udp_service(port)))

    def create_connection(self, address: tuple[str, int], timeout: float | None = None,
                          source_address: tuple[str, int] | None = None) -> socket.socket:
        """Like :func:`socket.create_connection`: a real, connected ``socket.socket``.

        It is one end of a ``socketpair()``; a task on the modem's loop copies bytes
        between the other end and a module TCP socket.  The module closing the
        connection shows as EOF (``recv`` returns ``b""``); closing the returned
        socket closes the module socket (``AT+QICLOSE``), and so does
        ``shutdown(SHUT_WR)``: the module has no TCP half-close.
        """
        if source_address is not None:
            raise InvalidArgument(f"source_address={source_address!r}: the module picks its "
                                  "own local address and port; pass None")
        host, port = address
        msock = self._run(self._modem.connect(host, port, "tcp"))
        user, ours = socket.socketpair()
        ours.setblocking(False)
        fut = asyncio.run_coroutine_threadsafe(_bridge(msock, ours), self._runner.loop)
        self._bridges.add(fut)
        fut.add_done_callback(self._bridges.discard)
        user.settimeout(timeout)
        return user

    # -- everything else -----------------------------------------------------------
    def command(self, cmd: Command | str | bytes, payload: bytes | None = None, *,
                timeout: float | None = None) -> Response:
        return self._run(self._modem.command(cmd, payload, timeout=timeout))

    def ping(self, host: str, **kwargs: Any) -> _am.PingResult:
        return self._run(self._modem.ping(host, **kwargs))

    def ntp(self, server: str, port: int | None = None, **kwargs: Any) -> _dt.datetime:
        return self._run(self._modem.ntp(server, port, **kwargs))

    def resolve(self, hostname: str) -> list[str]:
        return self._run(self._modem.resolve(hostname))

    def set_dns(self, primary: str, secondary: str | None = None) -> None:
        self._run(self._modem.set_dns(primary, secondary))

    def get_dns(self) -> tuple[str, ...]:
        return self._run(self._modem.get_dns())

    def state(self, connect_id: int | None = None) -> list[SocketStatus]:
        return self._run(self._modem.state(connect_id))

    def set_data_format(self, send_hex: bool, recv_hex: bool) -> None:
        self._run(self._modem.set_data_format(send_hex, recv_hex))

    def set_show_ra(self, enabled: bool) -> None:
        self._run(self._modem.set_show_ra(enabled))


async def _bridge(msock: _am.ModemSocket, ours: socket.socket) -> None:
    """Copy bytes both ways between the socketpair end *ours* and module socket *msock*."""
    loop = asyncio.get_running_loop()

    async def up() -> None:  # user -> module; EOF from the user closes the module socket
        while True:
            data = await loop.sock_recv(ours, 65536)
            if not data:
                return
            await msock.send(data)

    async def down() -> None:  # module -> user; the peer's close becomes EOF for the user
        async for chunk in msock:
            await loop.sock_sendall(ours, chunk)
        ours.shutdown(socket.SHUT_WR)

    up_t, down_t = loop.create_task(up()), loop.create_task(down())
    tasks, pending = [up_t, down_t], {up_t, down_t}
    try:
        # the user closing (up ends) or any failure finishes the bridge; the peer
        # closing in order (down ends) leaves up running so the user reads EOF, then closes
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            failed = [t for t in done if t.exception() is not None]
            for t in failed:
                log.debug("bridge of socket %d: %r", msock.connect_id, t.exception())
            if up_t in done or failed:
                break
    finally:
        for t in tasks:
            t.cancel()
        ours.close()
        try:
            await msock.close()
        except Exception as exc:
            log.debug("closing socket %d: %s", msock.connect_id, exc)
