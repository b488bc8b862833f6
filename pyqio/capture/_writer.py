"""Writing a capture (the file format of :mod:`pyqio.capture._format`), crash-safely.

Each record is appended whole with one ``write`` and flushed; ``append=True``
goes on after the last complete record of an existing capture.
"""
from __future__ import annotations

import datetime
import json
import os
import threading
import time
import zlib
from collections.abc import Mapping
from typing import IO, Any

from ..errors import InvalidArgument
from ._format import (
    _CRC,
    _HEAD,
    _REC,
    FORMAT_VERSION,
    HOST,
    MAGIC,
    MARK,
    MAX_RECORD,
    MODULE,
    SETTINGS,
    CaptureSettings,
    read_capture,
)

__all__ = ["CaptureWriter"]


def _now_utc() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class CaptureWriter:
    """Appends records to a capture file, each flushed as it is written.

    *target* is a path or a binary file open for writing. *settings* are those
    at the start (:class:`CaptureSettings` or a dict of its fields), *meta* any
    JSON-able dict of yours. ``fsync=True`` syncs each record to the disk.
    ``append=True`` opens an existing capture and goes on after its last
    complete record (a torn one is cut off first); times continue from it.
    Safe to call from several threads.
    """

    def __init__(self, target: str | os.PathLike[str] | IO[bytes], *,
                 settings: CaptureSettings | Mapping[str, Any] | None = None,
                 meta: Mapping[str, Any] | None = None, fsync: bool = False,
                 append: bool = False) -> None:
        if isinstance(settings, Mapping):
            settings = CaptureSettings.from_dict(settings)
        self.settings = settings or CaptureSettings()
        self.fsync = fsync
        self._lock = threading.Lock()
        self._t0 = time.monotonic_ns()
        self._count = 0
        self._owns = not hasattr(target, "write")
        self._file: IO[bytes]
        if append:
            if not self._owns:
                raise InvalidArgument("append=True needs a path, not an open file")
            self._file = self._reopen(os.fspath(target))  # type: ignore[arg-type]
            return
        self._file = open(target, "wb") if self._owns else target  # type: ignore[arg-type,assignment]
        from .. import __version__
        head = {"pyqio": __version__, "created": _now_utc(),
                "settings": self.settings.to_dict(), "meta": dict(meta or {})}
        js = json.dumps(head, sort_keys=True).encode()
        body = _HEAD.pack(FORMAT_VERSION, len(js)) + js
        self._put(MAGIC + body + _CRC.pack(zlib.crc32(body)))

    def _reopen(self, path: str) -> IO[bytes]:
        cap = read_capture(path)
        end = os.path.getsize(path) - cap.torn_bytes
        f = open(path, "r+b")
        f.truncate(end)
        f.seek(end)
        self.settings = cap.settings
        for rec in cap.records:
            if rec.kind == SETTINGS:
                self.settings = CaptureSettings.from_dict(rec.info)
        last = cap.records[-1].t_ns if cap.records else 0
        self._t0 -= last
        self._count = len(cap.records)
        return f

    @property
    def records(self) -> int:
        """Records written (with ``append``: in the file)."""
        return self._count

    @property
    def closed(self) -> bool:
        return self._file.closed

    def elapsed_ns(self) -> int:
        return time.monotonic_ns() - self._t0

    def write(self, kind: int, data: bytes | bytearray | memoryview, t_ns: int | None = None) -> None:
        """Append one record of *kind*; *t_ns* defaults to now since the start."""
        if not 0 < kind < 256:
            raise InvalidArgument(f"record kind {kind!r}: expected 1-255")
        data = bytes(data)
        if len(data) > MAX_RECORD:
            raise InvalidArgument(f"record of {len(data)} bytes: at most {MAX_RECORD}")
        with self._lock:
            if self._file.closed:
                return  # a late write from a transport closing after the writer
            t = self.elapsed_ns() if t_ns is None else t_ns
            body = _REC.pack(len(data), kind, t) + data
            self._put(body + _CRC.pack(zlib.crc32(body)))
            self._count += 1

    def host(self, data: bytes | bytearray | memoryview) -> None:
        """Bytes the host wrote to the module."""
        if data:
            self.write(HOST, data)

    def module(self, data: bytes | bytearray | memoryview) -> None:
        """Bytes the host read from the module."""
        if data:
            self.write(MODULE, data)

    def change_settings(self, settings: CaptureSettings) -> None:
        """Record *settings* if they differ from the last ones recorded."""
        if settings != self.settings:
            self.settings = settings
            self.write(SETTINGS, json.dumps(settings.to_dict(), sort_keys=True).encode())

    def mark(self, text: str, **info: Any) -> None:
        """A note in the conversation (``link opened``, a test step ...)."""
        self.write(MARK, json.dumps({"text": text, **info}, sort_keys=True).encode())

    def _put(self, blob: bytes) -> None:
        self._file.write(blob)
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        with self._lock:
            if self._owns and not self._file.closed:
                self._file.close()

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
