"""The capture file format, version 1: its records, and the reader.

A capture is one host-module conversation: a header, then records appended in
time order. Every integer is little-endian::

    file    := header record*
    header  := magic[8] version:u16 length:u32 json[length] crc:u32
    record  := length:u32 kind:u8 t_ns:u64 data[length] crc:u32

``magic`` is ``89 'Q' 'I' 'O' 0D 0A 1A 0A``: the high first byte keeps it from
ever being mistaken for AT text (and is no byte a module starts with), and
the CR LF / Ctrl-Z / LF catch a file mangled by a text-mode copy, as PNG's do.
``crc`` is CRC-32 (``zlib.crc32``) of everything in the header or record
before it (for a record, its length, kind and time included).

The header's JSON object holds ``pyqio`` (the writer's version), ``created``
(UTC, ISO 8601), ``settings`` (:class:`CaptureSettings`: the module profile and
the ``AT+QICFG`` settings at the start) and ``meta`` (free-form, the user's).

Record kinds: 1 host to module, 2 module to host (the bytes as they were
read or written, one record per read or write), 3 settings (a JSON object:
the settings as the host's session sees them from then on), 4 mark (a JSON
object, e.g. ``{"text": "link reopened"}``). Readers skip kinds they do not
know (counted in :attr:`Capture.skipped`), so later versions may add kinds
without a version bump. ``t_ns`` is monotonic nanoseconds since the writer
started.

Crash safety: the writer (:class:`pyqio.capture._writer.CaptureWriter`) appends each record whole with one ``write`` and
flushes it (``fsync=True`` also syncs it to the disk). A reader drops an
incomplete or torn *last* record, or a tail of zeros (a file system that
extended the file before the crash), and counts the bytes in
:attr:`Capture.torn_bytes`; a damaged record with complete records after it
is a :class:`~pyqio.errors.CaptureError` naming its offset.
"""
from __future__ import annotations

import dataclasses
import json
import os
import struct
import zlib
from collections.abc import Iterator, Mapping
from typing import IO, Any

from ..errors import CaptureError, InvalidArgument

__all__ = [
    "FORMAT_VERSION", "HOST", "MAGIC", "MARK", "MODULE", "SETTINGS",
    "Capture", "CaptureHeader", "CaptureSettings", "Record",
    "is_capture", "read_capture",
]

MAGIC = b"\x89QIO\r\n\x1a\n"
FORMAT_VERSION = 1
HOST, MODULE, SETTINGS, MARK = 1, 2, 3, 4
KIND_NAMES = {HOST: "host", MODULE: "module", SETTINGS: "settings", MARK: "mark"}
MAX_RECORD = 16 << 20  # a longer length field is damage, not data (reads are KiB)
MAX_HEADER = 1 << 20

_HEAD = struct.Struct("<HI")
_REC = struct.Struct("<IBQ")
_CRC = struct.Struct("<I")


@dataclasses.dataclass(frozen=True)
class CaptureSettings:
    """What decoding the conversation needs to know: the module profile and the
    ``AT+QICFG`` settings (note 2.3.9) in force."""

    module: str = "bc660k"
    recv_format: str = "text"
    send_format: str = "text"
    show_ra: bool = False
    udp_service: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name in ("recv_format", "send_format"):
            if getattr(self, name) not in ("text", "hex"):
                raise InvalidArgument(f"{name}={getattr(self, name)!r}: allowed values are 'text' and 'hex'")
        object.__setattr__(self, "udp_service", tuple(sorted(set(self.udp_service))))

    def to_dict(self) -> dict[str, Any]:
        return {"module": self.module, "recv_format": self.recv_format,
                "send_format": self.send_format, "show_ra": self.show_ra,
                "udp_service": list(self.udp_service)}

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> CaptureSettings:
        """Read the known keys (others, from a later writer, are ignored)."""
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in obj.items() if k in known}
        if "show_ra" in kwargs:
            kwargs["show_ra"] = bool(kwargs["show_ra"])
        if "udp_service" in kwargs:
            kwargs["udp_service"] = tuple(int(i) for i in kwargs["udp_service"])
        return cls(**kwargs)

    @classmethod
    def of_session(cls, session: Any, module: str = "bc660k") -> CaptureSettings:
        """The settings a :class:`pyqio.Session` decodes by now."""
        dec = session.decoder
        return cls(module=getattr(session, "module", module), recv_format=dec.recv_format,
                   send_format=session.send_format, show_ra=dec.show_ra,
                   udp_service=tuple(dec.udp_service))


@dataclasses.dataclass(frozen=True)
class CaptureHeader:
    version: int
    pyqio_version: str
    created: str
    settings: CaptureSettings
    meta: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Record:
    """One record: ``kind`` (:data:`HOST`, :data:`MODULE`, :data:`SETTINGS`, :data:`MARK`),
    ``t_ns`` since the start, the bytes, and where it is (``index``, file ``offset``)."""

    index: int
    offset: int
    kind: int
    t_ns: int
    data: bytes

    @property
    def direction(self) -> str:
        """``"host"`` (host to module), ``"module"`` (module to host), ``"settings"``, ``"mark"``."""
        return KIND_NAMES.get(self.kind, f"kind-{self.kind}")

    @property
    def info(self) -> dict[str, Any]:
        """A settings or mark record's JSON object."""
        info: dict[str, Any] = json.loads(self.data.decode("utf-8"))
        return info


@dataclasses.dataclass
class Capture:
    """A capture read whole: :attr:`header`, :attr:`records` (known kinds only)."""

    header: CaptureHeader
    records: list[Record]
    torn_bytes: int = 0  # bytes of a torn last record that were dropped
    skipped: int = 0  # records of kinds this reader does not know
    path: str | None = None

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def settings(self) -> CaptureSettings:
        return self.header.settings

    def module_bytes(self) -> bytes:
        """Everything the module sent, in order."""
        return b"".join(r.data for r in self.records if r.kind == MODULE)

    def host_bytes(self) -> bytes:
        """Everything the host sent, in order."""
        return b"".join(r.data for r in self.records if r.kind == HOST)


def is_capture(prefix: bytes) -> bool:
    """True when *prefix* (the first bytes of a file) starts like a capture."""
    return bytes(prefix[:len(MAGIC)]) == MAGIC


def read_capture(source: str | os.PathLike[str] | bytes | bytearray | IO[bytes]) -> Capture:
    """Read a capture from a path, its bytes or a binary file.

    Raises :class:`~pyqio.errors.CaptureError` (a ``ValueError``) for a file that
    is not a capture, is from a later format version, or is damaged before
    its last record; the message and ``offset`` say where.
    """
    path = None
    if isinstance(source, (bytes, bytearray)):
        buf = bytes(source)
    elif hasattr(source, "read"):
        buf = source.read()
    else:
        path = os.fspath(source)
        with open(path, "rb") as f:
            buf = f.read()
    header, pos = _read_header(buf)
    records: list[Record] = []
    skipped = torn = 0
    for item in _scan(buf, pos):
        if isinstance(item, int):
            torn = item
        elif item.kind in KIND_NAMES:
            records.append(dataclasses.replace(item, index=len(records)))
        else:
            skipped += 1
    return Capture(header, records, torn, skipped, path)


def _read_header(buf: bytes) -> tuple[CaptureHeader, int]:
    if not is_capture(buf):
        raise CaptureError("not a pyqio capture (the file does not start with the capture magic)",
                           offset=0)
    pos = len(MAGIC)
    if len(buf) < pos + _HEAD.size:
        raise CaptureError("capture header is incomplete", offset=pos)
    version, length = _HEAD.unpack_from(buf, pos)
    if version > FORMAT_VERSION:
        raise CaptureError(f"capture format version {version} is newer than this pyqio reads "
                           f"({FORMAT_VERSION}); upgrade pyqio", offset=pos)
    end = pos + _HEAD.size + length
    if length > MAX_HEADER or len(buf) < end + _CRC.size:
        raise CaptureError("capture header is incomplete or damaged", offset=pos)
    (crc,) = _CRC.unpack_from(buf, end)
    if zlib.crc32(buf[pos:end]) != crc:
        raise CaptureError("capture header checksum mismatch", offset=pos)
    try:
        head = json.loads(buf[pos + _HEAD.size:end].decode("utf-8"))
        settings = CaptureSettings.from_dict(head.get("settings", {}))
    except (ValueError, TypeError, AttributeError) as exc:
        raise CaptureError(f"capture header is not valid: {exc}", offset=pos) from None
    return CaptureHeader(version, str(head.get("pyqio", "?")), str(head.get("created", "")),
                         settings, dict(head.get("meta") or {})), end + _CRC.size


def _scan(buf: bytes, pos: int) -> Iterator[Record | int]:
    """Records from *pos*; ends by yielding the count of torn tail bytes, if any."""
    n = len(buf)
    index = 0
    while pos < n:
        if n - pos < _REC.size + _CRC.size:
            yield n - pos
            return
        length, kind, t_ns = _REC.unpack_from(buf, pos)
        end = pos + _REC.size + length
        if length > MAX_RECORD or end + _CRC.size > n:
            if length > MAX_RECORD and not _zeros(buf, pos):
                raise CaptureError(f"record {index} at offset {pos}: length {length} is damaged",
                                   offset=pos)
            yield n - pos  # the last record, cut short by a crash
            return
        (crc,) = _CRC.unpack_from(buf, end)
        if zlib.crc32(buf[pos:end]) != crc:
            if end + _CRC.size == n or _zeros(buf, pos):
                yield n - pos
                return
            raise CaptureError(f"record {index} at offset {pos}: checksum mismatch "
                               "(the capture is damaged here)", offset=pos)
        yield Record(index, pos, kind, t_ns, buf[pos + _REC.size:end])
        index += 1
        pos = end + _CRC.size


def _zeros(buf: bytes, pos: int) -> bool:
    return not buf[pos:].strip(b"\0")
