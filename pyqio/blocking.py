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
from collections.abc import Coroutine, Iterable, Iterator
from typing import Any, Generic, TypeVar

from . import modem as _am
from .commands import Command
from .modem._dropin import (
    DEFAULT_TIMEOUT,
    apply_socket_options,
    bridge,
    check_address,
    check_source_address,
    connect_timeout,
    group_errors,
    local_pair,
    open_bounded,
)
from .session import Response
from .wire.events import Registration, SocketStatus

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
    def registered(self) -> bool:
        """True while registered to the network (home or roaming, ``+CEREG``)."""
        return self._modem.registered

    @property
    def registration(self) -> Registration | None:
        """The last :class:`pyqio.events.Registration` (read answer or URC)."""
        return self._modem.registration

    def wait_registered(self, timeout: float | None = None) -> None:
        """Block until registered; :class:`pyqio.errors.NotRegistered` after *timeout* s."""
        self._run(self._modem.wait_registered(timeout))

    @property
    def adopted(self) -> list[Any]:
        """Sockets taken over from an earlier host program (``stale_sockets="adopt"``)."""
        kinds = {_am.Listener: Listener, _am.UdpService: UdpService}
        return [kinds.get(type(s), Socket)(self._runner, s) for s in self._modem.adopted]

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

    def create_connection(self, address: tuple[str, int], timeout: Any = DEFAULT_TIMEOUT,
                          source_address: tuple[str, int] | None = None, *,
                          all_errors: bool = False,
                          socket_options: Iterable[Any] | None = None) -> socket.socket:
        """:func:`socket.create_connection` over the module: a real, connected
        ``socket.socket``, so ``socket.create_connection = modem.create_connection``
        (or urllib3's ``urllib3.util.connection.create_connection``) runs
        paho-mqtt 2.x, urllib3 2.x, requests and http.client over the module.

        The parameters are the standard library's, plus urllib3's *socket_options*:

        - *timeout* bounds the whole connect, ``AT+QIOPEN`` and its deferred
          ``+QIOPEN`` result together (note 2.3.1), and is then the returned
          socket's timeout; the default is :func:`socket.getdefaulttimeout`, as
          in the standard library (urllib3's default token means the same).
          A connect that takes longer raises :class:`CommandTimeout`, a
          ``TimeoutError``.
        - *source_address*: None or ``("", 0)`` (paho-mqtt's default); the module
          binds its own local address, so anything else is refused.
        - *all_errors*: on Python 3.11+, failures are raised in an
          ``ExceptionGroup``, as the standard library does.
        - *socket_options*: ``(level, option, value)`` triples set on the
          returned socket (the local end: ``TCP_NODELAY``, ``SO_KEEPALIVE``...);
          options with no meaning there are accepted and skipped.  They do not
          reach the module's TCP connection, which AT cannot tune.

        The returned socket is one end of a loopback TCP pair; a task on the
        modem's loop copies bytes between the other end and the module socket.
        The module closing the connection shows as EOF (``recv`` returns ``b""``);
        closing the returned socket closes the module socket (``AT+QICLOSE``),
        and so does ``shutdown(SHUT_WR)``: the module has no TCP half-close.
        Failures are ``OSError`` subclasses (:class:`pyqio.OpenFailed` is a
        ``ConnectionError``), so clients map them as they map the host's own.
        """
        bound = connect_timeout(timeout)
        check_source_address(source_address)
        host, port = check_address(address)
        try:
            msock = self._run(open_bounded(self._modem, host, port, bound))
        except Exception as exc:
            grouped = group_errors(exc, all_errors)
            if grouped is exc:
                raise
            raise grouped from None
        try:
            user, ours = local_pair()
            apply_socket_options(user, socket_options)
        except BaseException:
            self._run(msock.close())
            raise
        ours.setblocking(False)
        fut = asyncio.run_coroutine_threadsafe(bridge(msock, ours), self._runner.loop)
        self._bridges.add(fut)
        fut.add_done_callback(self._bridges.discard)
        user.settimeout(bound)
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
