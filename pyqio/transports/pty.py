"""Pseudo-terminals: the simulator's ``pyqio sim --pty``, and tests.

A PTY pair looks to a program on the slave side exactly like a USB serial
port, so a host program opens the slave path with pyserial (or minicom) as it
would ``/dev/ttyUSB0``. Both ends are raw: no echo, no CR/LF translation, no
signal characters, every byte value (0x00, 0x1A Ctrl-Z, 0x1B Esc) intact.
"""
from __future__ import annotations

import asyncio
import os
import tty
from collections.abc import Callable
from typing import Any

from ._fd import FdTransport

__all__ = ["open_pty", "serve_fd", "serve_pty"]


def open_pty() -> tuple[int, str]:
    """Open a raw PTY pair; return (master fd, slave path).

    The slave is put in raw mode (``tty.setraw``: no echo, no line editing,
    8 bits) and closed again; the settings stay with the pair while the master
    is open. The caller owns the master descriptor.
    """
    master, slave = os.openpty()
    try:
        tty.setraw(slave)
        path = os.ttyname(slave)
    finally:
        os.close(slave)
    return master, path


async def serve_fd(fd: int, protocol_factory: Callable[[], Any], *,
                   loop: asyncio.AbstractEventLoop | None = None,
                   extra: dict[str, Any] | None = None,
                   on_release: Callable[[], Any] | None = None) -> tuple[FdTransport, Any]:
    """Run a new protocol on descriptor ``fd`` (taken over: closed with the transport).

    A PTY master given here reads EIO, which loses the link, whenever no slave
    descriptor is open (before a client opens the path, after it closes it):
    serve a PTY with :func:`serve_pty`, which keeps one open.
    """
    loop = loop or asyncio.get_running_loop()
    protocol = protocol_factory()
    waiter: asyncio.Future[None] = loop.create_future()

    def release() -> None:
        try:
            os.close(fd)
        finally:
            if on_release is not None:
                on_release()

    transport = FdTransport(loop, protocol, fd, on_release=release, extra=extra, waiter=waiter)
    try:
        await waiter
    except BaseException:
        transport.abort()  # frees the descriptor
        raise
    return transport, protocol


async def serve_pty(protocol_factory: Callable[[], Any], *,
                    loop: asyncio.AbstractEventLoop | None = None) -> tuple[FdTransport, str]:
    """Serve a new protocol on the master of a fresh PTY; return (transport, slave path).

    Clients may open and close the slave path as often as they like: the
    transport keeps one slave descriptor of its own open, because a Linux PTY
    master reads EIO whenever no slave is open (before the first client and
    between two). Bytes written while no client is there wait in the slave's
    input queue (a few KiB, then the master stops taking them and they queue
    in the transport's write buffer) and a client that opens later reads them
    first, as from a real port: such a client should flush its input.
    ``get_extra_info("pty_path")`` gives the slave path.
    """
    master, path = open_pty()
    keeper = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        return (await serve_fd(master, protocol_factory, loop=loop, extra={"pty_path": path},
                               on_release=lambda: os.close(keeper)))[0], path
    except BaseException:
        os.close(keeper)
        raise
