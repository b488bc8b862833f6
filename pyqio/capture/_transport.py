"""Recording wherever bytes flow: a transport and protocol pair that copies
every write and every read into a capture (:class:`CaptureWriter`).

:class:`RecordingTransport` wraps the host's transport (its writes are host
to module records); :class:`RecordingProtocol` wraps the host's protocol
(each ``data_received`` is one module to host record). When the protocol has
a ``session`` (a :class:`pyqio.Session`, as the modem's link has), the
settings it decodes by are recorded too, whenever they change.
:func:`open_transport` (``pyqio.transports.open_transport`` with ``record=``)
puts both in place.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ._format import CaptureSettings
from ._writer import CaptureWriter

__all__ = ["ModemRecorder", "RecordingProtocol", "RecordingTransport", "as_writer", "open_transport"]


def as_writer(record: str | os.PathLike[str] | CaptureWriter, **kwargs: Any) -> tuple[CaptureWriter, bool]:
    """``(writer, owned)``: a new writer for a path (the caller closes it), or the one given."""
    if isinstance(record, CaptureWriter):
        return record, False
    return CaptureWriter(record, **kwargs), True


class RecordingTransport:
    """A transport that records what is written through it, then passes it on."""

    def __init__(self, inner: Any, writer: CaptureWriter) -> None:
        self._inner = inner
        self.writer = writer

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._inner.is_closing():  # what the transport drops never reached the module
            self.writer.host(data)
        self._inner.write(data)

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def close(self) -> None:
        self._inner.close()

    def is_closing(self) -> bool:
        return bool(self._inner.is_closing())

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "capture":
            return self.writer
        return self._inner.get_extra_info(name, default)

    def __getattr__(self, name: str) -> Any:  # abort, pause_reading, buffer sizes ...
        return getattr(self._inner, name)

    def __repr__(self) -> str:
        return f"<RecordingTransport {self._inner!r}>"


class RecordingProtocol:
    """Stands between a transport and the host's *protocol*, recording both ways.

    *settings* is called after each read to get the settings now in force
    (default: those of ``protocol.session`` when it has one); a change is
    recorded. With ``close_writer`` the writer is closed when the link is lost.
    """

    def __init__(self, protocol: Any, writer: CaptureWriter, *,
                 settings: Callable[[], CaptureSettings] | None = None,
                 close_writer: bool = False) -> None:
        self.protocol = protocol
        self.writer = writer
        self.transport: RecordingTransport | None = None
        self._settings = settings
        self._close_writer = close_writer

    def _check_settings(self) -> None:
        get = self._settings
        if get is None:
            session = getattr(self.protocol, "session", None)
            if session is None or not hasattr(session, "decoder"):
                return
            module = self.writer.settings.module
            settings = CaptureSettings.of_session(session, module)
        else:
            settings = get()
        self.writer.change_settings(settings)

    def connection_made(self, transport: Any) -> None:
        self.transport = RecordingTransport(transport, self.writer)
        self.protocol.connection_made(self.transport)

    def data_received(self, data: bytes) -> None:
        self.writer.module(data)
        try:
            self.protocol.data_received(data)
        finally:
            self._check_settings()

    def connection_lost(self, exc: BaseException | None) -> None:
        try:
            self.protocol.connection_lost(exc)
        finally:
            if self._close_writer:
                self.writer.close()

    def __getattr__(self, name: str) -> Any:  # pause_writing, resume_writing, eof_received
        return getattr(self.protocol, name)


class ModemRecorder:
    """The capture of a :class:`pyqio.Modem` (``Modem(url, record=...)``): one writer
    for every link the modem opens (a reconnect is marked in it), closed with the
    modem when it made the writer itself."""

    def __init__(self, record: str | os.PathLike[str] | CaptureWriter, url: str) -> None:
        self._record = record
        self.url = url
        self.writer: CaptureWriter | None = None
        self._owned = False

    def next_link(self, settings: CaptureSettings) -> CaptureWriter:
        """The writer for a link about to open with *settings* in force."""
        if self.writer is None:
            self.writer, self._owned = as_writer(self._record, settings=settings, meta={"url": self.url})
        else:
            self.writer.mark("link reopened", url=self.url)
            self.writer.change_settings(settings)
        return self.writer

    def close(self) -> None:
        if self.writer is not None and self._owned:
            self.writer.close()


async def open_transport(url: str, protocol_factory: Callable[[], Any], *,
                         record: str | os.PathLike[str] | CaptureWriter | None = None,
                         **kwargs: Any) -> tuple[Any, Any]:
    """:func:`pyqio.transports.open_transport`, recording the conversation to *record*
    (a path, closed when the link is lost, or a :class:`CaptureWriter` of yours).

    Returns ``(transport, protocol)``: a :class:`RecordingTransport` and your
    protocol. Without *record* it is ``pyqio.transports.open_transport`` itself.
    """
    from .. import transports

    if record is None:
        return await transports.open_transport(url, protocol_factory, **kwargs)
    writer, owned = as_writer(record)
    made: list[RecordingProtocol] = []

    def recording() -> RecordingProtocol:
        made.append(RecordingProtocol(protocol_factory(), writer, close_writer=owned))
        return made[-1]
    try:
        await transports.open_transport(url, recording, **kwargs)
    except BaseException:
        if owned:
            writer.close()
        raise
    return made[-1].transport, made[-1].protocol
