"""``pyqio at``: raw AT passthrough with the decoded events beside the raw lines.

It bypasses the session on purpose: whatever you type goes to the module as is
(``\\r`` appended), including commands pyqio has no builder for, and data typed
after a ``>`` prompt.  Everything the module says is printed as its raw line and,
indented beneath it, the event the decoder makes of it.  The decoder follows
``AT+QICFG="dataformat"``/``"showRA"`` lines you send that the module answers
``OK`` so that recv URCs keep being framed right.

In interactive mode a line ``^Z`` sends Ctrl-Z (ending variable-length data
mode) and ``^[`` sends Esc (cancelling it).
"""
from __future__ import annotations

import asyncio
import io
import os
import re
import sys
from typing import Any, TextIO

FINALS = (b"OK", b"ERROR", b"SEND OK", b"SEND FAIL", b"CLOSE OK")
_CFG_FMT = re.compile(rb'AT\+QICFG="dataformat",\s*([01]),\s*([01])', re.IGNORECASE)
_CFG_RA = re.compile(rb'AT\+QICFG="showRA",\s*([01])', re.IGNORECASE)


class RawLink(asyncio.Protocol):
    """Prints each line the module sends and the events decoded from it."""

    def __init__(self, out: TextIO) -> None:
        from ..wire._decoder import Decoder

        self.out = out
        self.decoder = Decoder()
        self.transport: Any = None
        self.lost: asyncio.Future[BaseException | None] = \
            asyncio.get_running_loop().create_future()
        self._line = bytearray()
        self._final = asyncio.Event()
        self._pending_cfg: bytes | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def connection_lost(self, exc: BaseException | None) -> None:
        if not self.lost.done():
            self.lost.set_result(exc)
        self._final.set()

    def send(self, line: bytes) -> None:
        self._final.clear()
        if _CFG_FMT.match(line) or _CFG_RA.match(line):
            self._pending_cfg = line
        print(f"-> {_show(line)}", file=self.out, flush=True)
        self.transport.write(line)

    def data_received(self, data: bytes) -> None:
        events = self.decoder.feed(data)
        self._print_raw(data)
        for ev in events:
            print(f"     {ev!r}", file=self.out, flush=True)
            self._after(ev)

    def _print_raw(self, data: bytes) -> None:
        self._line += data
        parts = re.split(rb"\r\n|\r|\n", bytes(self._line))
        self._line = bytearray(parts.pop())
        if bytes(self._line).strip() == b">":
            parts.append(bytes(self._line))
            self._line.clear()
        for part in parts:
            if part:
                print(f"<- {_show(part)}", file=self.out, flush=True)
                if part.strip() in FINALS or part.startswith(b"+CME ERROR") \
                        or part.strip() == b">":
                    self._final.set()

    def _after(self, ev: Any) -> None:
        from ..wire import events as E

        if isinstance(ev, E.Ok) and self._pending_cfg is not None:
            m = _CFG_FMT.match(self._pending_cfg)
            if m:
                self.decoder.recv_format = "hex" if m.group(2) == b"1" else "text"
            m = _CFG_RA.match(self._pending_cfg)
            if m:
                self.decoder.show_ra = m.group(1) == b"1"
        if isinstance(ev, (E.Ok, E.Error, E.CmeError)):
            self._pending_cfg = None

    async def wait_final(self, timeout: float) -> bool:
        """Wait for a final result (or ``>``); False, and a note, when none came."""
        try:
            await asyncio.wait_for(self._final.wait(), timeout)
        except asyncio.TimeoutError:
            print(f"   (no final result within {timeout:g} s)", file=self.out, flush=True)
            return False
        return True


def _show(data: bytes) -> str:
    return repr(bytes(data).rstrip(b"\r\n"))[2:-1]


def to_line(text: str) -> bytes:
    """What to write for one typed line: ``^Z``/``^[`` for Ctrl-Z/Esc, else text + CR."""
    if text == "^Z":
        return b"\x1a"
    if text == "^[":
        return b"\x1b"
    return text.encode("latin-1") + b"\r"


async def run_at(device: str, commands: list[str], *, timeout: float = 5.0,
                 linger: float = 0.5, out: TextIO = sys.stdout,
                 stdin: TextIO | None = None) -> int:
    """One-shot (each of *commands*, waiting for its final result and *linger* more
    seconds for deferred answers) or, with no commands, interactive from *stdin*."""
    from ..modem._open import open_link

    transport, link = await open_link(device, lambda: RawLink(out))
    unanswered = 0
    try:
        if commands:
            for text in commands:
                link.send(to_line(text))
                unanswered += not await link.wait_final(timeout)
                await asyncio.sleep(linger)
        else:
            await _interactive(link, stdin or sys.stdin)
            await asyncio.sleep(linger)
        # the link vanishing under us is a failure; our own close below is not
        failed = link.lost.done() and link.lost.result() is not None
    finally:
        transport.close()
    return 1 if failed or unanswered else 0


async def _interactive(link: RawLink, stdin: TextIO) -> None:
    """Send each line typed.  A terminal or pipe is watched with ``add_reader``
    (so Ctrl-C is not stuck behind a blocking read in a thread); a regular file,
    which epoll cannot watch, is read directly: reading it never blocks long."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    try:
        fd = stdin.fileno()
        loop.add_reader(fd, _read_ready, fd, lines, bytearray())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        fd = -1
    try:
        while not link.lost.done():
            if fd >= 0:
                got: asyncio.Future[Any] = asyncio.ensure_future(lines.get())
                lost: asyncio.Future[Any] = link.lost
                await asyncio.wait([got, lost], return_when=asyncio.FIRST_COMPLETED)
                if not got.done():
                    got.cancel()
                    return
                text = got.result()
            else:
                text = stdin.readline() or None
            if text is None:
                return
            text = text.rstrip("\r\n")
            if text:
                link.send(to_line(text))
    finally:
        if fd >= 0:
            loop.remove_reader(fd)


def _read_ready(fd: int, lines: asyncio.Queue[str | None], pending: bytearray) -> None:
    try:
        data = os.read(fd, 4096)
    except BlockingIOError:
        return
    except OSError:
        data = b""
    if not data:  # end of input: what is left is the last line
        asyncio.get_running_loop().remove_reader(fd)
        if pending:
            lines.put_nowait(pending.decode("latin-1"))
        lines.put_nowait(None)
        return
    pending += data
    *done, rest = pending.split(b"\n")
    pending[:] = rest
    for line in done:
        lines.put_nowait(line.decode("latin-1"))
