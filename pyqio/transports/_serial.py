"""Serial ports opened by pyserial's URL handlers, read by an asyncio transport.

A device path (``/dev/ttyUSB0``, a PTY slave) and the handlers built on the
native port (``spy://``, ``alt://``, ``hwgrep://``) have a file descriptor:
:class:`~pyqio.transports._fd.FdTransport` watches it. For a plain native port
it reads and writes the descriptor itself (``os.read``), which spares
pyserial's ``select`` per read; for the wrappers it calls the wrapper's own
``read``/``write`` so that ``spy://`` still sees every byte. Handlers without
a descriptor (``loop://``, ``rfc2217://``, ``cp2110://``) fall back to one
reader thread (:mod:`pyqio.transports._thread`).

Line settings come from the URL's query (``rtscts`` also from the ``rtscts=``
keyword of ``open_transport`` and ``Modem``), for every kind of port:
``baudrate`` (default 115200), ``bytesize``, ``parity``, ``stopbits``,
``rtscts``, ``xonxoff``, ``dsrdtr``, ``exclusive``; the handler's own options
(``spy://...?file=...``, ``rfc2217://...?poll_modem``) pass through to it.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ..errors import InvalidArgument

__all__ = ["open_serial", "serial_settings"]

DEFAULT_BAUDRATE = 115200

_BOOLS = {"1": True, "true": True, "yes": True, "on": True, "": True,
          "0": False, "false": False, "no": False, "off": False}
_BYTESIZES = {"5": 5, "6": 6, "7": 7, "8": 8}
_PARITIES = {"N", "E", "O", "M", "S"}
_STOPBITS = {"1": 1, "1.5": 1.5, "2": 2}


def _bad(name: str, value: str, allowed: str) -> InvalidArgument:
    return InvalidArgument(f"serial option {name}={value!r}: allowed {allowed}")


def _setting(name: str, value: str) -> Any:
    if name == "baudrate":
        if not value.isdigit() or not 50 <= int(value) <= 4_000_000:
            raise _bad(name, value, "an integer 50..4000000")
        return int(value)
    if name == "bytesize":
        if value not in _BYTESIZES:
            raise _bad(name, value, "5, 6, 7 or 8")
        return _BYTESIZES[value]
    if name == "parity":
        if value.upper() not in _PARITIES:
            raise _bad(name, value, "N, E, O, M or S")
        return value.upper()
    if name == "stopbits":
        if value not in _STOPBITS:
            raise _bad(name, value, "1, 1.5 or 2")
        return _STOPBITS[value]
    if value.lower() not in _BOOLS:
        raise _bad(name, value, "true/false, 1/0, yes/no, on/off")
    return _BOOLS[value.lower()]


_SETTINGS = ("baudrate", "bytesize", "parity", "stopbits", "rtscts", "xonxoff",
             "dsrdtr", "exclusive")


def serial_settings(url: str) -> tuple[str, dict[str, Any]]:
    """Split ``url`` into (url for pyserial, keyword settings for the port).

    Raises :class:`~pyqio.errors.InvalidArgument` for a bad setting, and for
    any unknown option on a device path (which has no handler to take it).
    """
    base, _sep, query = url.partition("?")
    settings: dict[str, Any] = {"baudrate": DEFAULT_BAUDRATE}
    rest: list[tuple[str, str]] = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in _SETTINGS:
            settings[name] = _setting(name, value)
        else:
            rest.append((name, value))
    if rest and "://" not in base:
        names = ", ".join(n for n, _ in rest)
        raise InvalidArgument(f"device {base!r}: unknown option(s) {names}; "
                              f"allowed {', '.join(_SETTINGS)}")
    return (base + "?" + urlencode(rest) if rest else base), settings


def _split_spy_file(url: str) -> tuple[str, str | None]:
    """``spy://...?file=LOG`` -> (the URL without ``file``, LOG): pyserial's spy handler
    opens its log while it parses the URL, before the port opens; pyqio opens it
    after, so that a port that fails to open leaves no file behind."""
    if not url.lower().startswith("spy://") or "?" not in url:
        return url, None
    base, _sep, query = url.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True)
    files = [v for k, v in pairs if k == "file"]
    rest = [(k, v) for k, v in pairs if k != "file"]
    return (base + "?" + urlencode(rest) if rest else base), (files[-1] if files else None)


def _open_port(url: str, rtscts: bool | None = None) -> Any:
    import serial  # pyserial: imported here so that decoding never pays for it

    port_url, settings = serial_settings(url)
    if rtscts is not None:
        if settings.get("rtscts", rtscts) != rtscts:
            raise InvalidArgument(f"rtscts={rtscts!r} contradicts the device URL {url!r}")
        settings["rtscts"] = bool(rtscts)
    port_url, spy_file = _split_spy_file(port_url)
    try:
        port = serial.serial_for_url(port_url, do_not_open=True, **settings)
    except ValueError as exc:  # unknown scheme or a handler's bad option
        raise InvalidArgument(f"device {url!r}: {exc}") from exc
    port.open()  # SerialException (an OSError) when the device is not there
    if spy_file is not None:
        try:
            port.formatter.output = open(spy_file, "w")  # noqa: SIM115  # closed with the port
        except OSError:
            port.close()
            raise
    return port


def _close_port(port: Any) -> None:
    try:
        port.close()
    finally:
        output = getattr(getattr(port, "formatter", None), "output", None)
        if output is not None and hasattr(output, "fileno") and output.fileno() > 2:
            output.close()  # the spy log pyqio opened


def _fileno(port: Any) -> int | None:
    try:
        return int(port.fileno())
    except (AttributeError, OSError, ValueError):  # a handler without a descriptor
        return None


async def open_serial(url: str, protocol_factory: Callable[[], Any], *,
                      loop: asyncio.AbstractEventLoop | None = None,
                      rtscts: bool | None = None) -> tuple[Any, Any]:
    """Open the port ``url`` names and connect a new protocol to it.

    *rtscts* (or ``?rtscts=1``) turns on RTS/CTS hardware flow control: when the
    protocol pauses reading (a full socket buffer, see :mod:`pyqio.modem._socket`), the
    kernel's receive buffer fills, the UART drops RTS and the module holds its
    data instead of losing it (the module's own flow control must be on too).
    Off by default: with it on, a cable or adapter without CTS wired stops every
    write."""
    import serial

    from ._fd import FdTransport
    from ._thread import ThreadTransport

    loop = loop or asyncio.get_running_loop()
    port = await loop.run_in_executor(None, _open_port, url, rtscts)  # open() can block (rfc2217)
    protocol = protocol_factory()
    waiter: asyncio.Future[None] = loop.create_future()
    extra = {"serial": port, "url": url}
    fd = _fileno(port)
    if fd is None:
        transport: Any = ThreadTransport(loop, protocol, port, extra=extra, waiter=waiter)
    else:
        port.timeout = port.write_timeout = 0  # non-blocking: the loop waits, not the port
        # a plain native port is read with os.read; wrappers (spy://) must see the bytes
        native = type(port) is serial.Serial
        transport = FdTransport(loop, protocol, fd, on_release=lambda: _close_port(port),
                                extra=extra,
                                waiter=waiter, read=None if native else port.read,
                                write=None if native else port.write)
    try:
        await waiter
    except BaseException:
        transport.abort()
        raise
    return transport, protocol

