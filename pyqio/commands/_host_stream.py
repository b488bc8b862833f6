"""Decode a capture of what the *host* sent: command lines and data-mode payloads.

The host's side of the link is command lines ending in CR (note 2.1.2), each
parsed by :func:`pyqio.commands.parse`, and after ``AT+QISEND`` in data mode
(2.3.4) a payload: up to Ctrl-Z (send) or Esc (cancel) for the variable-length
form, exactly ``<send_length>`` bytes (twice that in hex) for the fixed form.
``AT+QICFG="dataformat"`` switches how later ``AT+QISEND`` data is read.

Used by ``pyqio decode --direction host``; yields JSON-ready dicts, as the module
direction does, so that both read alike. Memory stays bounded: a line or payload
longer than the cap is reported and skipped.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from ..wire._eventfmt import _jsonable

CTRL_Z, ESC = 0x1A, 0x1B
MAX_PAYLOAD = 1024  # 2.3.4: the module sends by itself once 1024 bytes are typed


class HostStream:
    """Streaming decoder of host output: ``feed(chunk)`` yields dicts, ``finish()`` the rest."""

    def __init__(self, send_format: str = "text", max_line: int = 4096) -> None:
        self.send_format = send_format
        self.max_line = max_line
        self._buf = bytearray()
        self._mode = "line"  # "line", "ctrlz", "fixed" or "discard"
        self._need = 0  # bytes still due in "fixed" mode
        self._cid = 0

    def feed(self, chunk: bytes) -> Iterator[dict[str, Any]]:
        """Decode *chunk*; yields one dict per command, payload or fault completed."""
        for byte in chunk:
            yield from self._byte(byte)

    def finish(self) -> Iterator[dict[str, Any]]:
        """End of capture: a partial line is parsed, a partial payload reported."""
        if self._mode == "line" and self._buf:
            yield from self._line(bytes(self._buf))
        elif self._mode in ("ctrlz", "fixed"):
            yield _error("payload not finished at end of capture", bytes(self._buf))
        self._buf.clear()
        self._mode = "line"

    def _byte(self, byte: int) -> Iterator[dict[str, Any]]:
        mode, buf = self._mode, self._buf
        if mode == "fixed":
            buf.append(byte)
            self._need -= 1
            if self._need == 0:
                yield self._payload("fixed length")
        elif mode == "ctrlz":
            if byte in (CTRL_Z, ESC):
                yield self._payload("ctrl-z" if byte == CTRL_Z else "esc (cancelled)")
            else:
                buf.append(byte)
                if len(buf) >= MAX_PAYLOAD:
                    yield self._payload("1024 bytes")
        elif byte in (13, 10):
            if mode == "line" and buf:
                line = bytes(buf)
                buf.clear()
                yield from self._line(line)
            self._mode = "line" if self._mode == "discard" else self._mode
        elif mode == "line":
            buf.append(byte)
            if len(buf) >= self.max_line:
                yield _error("line too long", bytes(buf))
                buf.clear()
                self._mode = "discard"

    def _line(self, line: bytes) -> Iterator[dict[str, Any]]:
        from .. import commands  # lazily: `pyqio decode` of module output never needs it

        try:
            cmd = commands.parse(line, send_format=self.send_format)
        except ValueError as exc:
            yield _error(str(exc), line)
            return
        yield _command_dict(cmd)
        send_hex = getattr(cmd, "send_hex", None)
        if isinstance(cmd, commands.QICfgDataFormat) and send_hex is not None:
            self.send_format = "hex" if send_hex else "text"
        if isinstance(cmd, commands.QISendFixed):
            self._mode, self._need = "fixed", cmd.length * (2 if cmd.hex else 1)
            self._cid = cmd.connect_id
        elif isinstance(cmd, commands.QISendData):
            self._mode, self._cid = "ctrlz", cmd.connect_id

    def _payload(self, ended_by: str) -> dict[str, Any]:
        data = bytes(self._buf)
        self._buf.clear()
        self._mode = "line"
        return {"event": "Payload", "connect_id": self._cid, "data": _jsonable(data),
                "ended_by": ended_by}


def _command_dict(cmd: object) -> dict[str, Any]:
    out: dict[str, Any] = {"event": "Command", "command": type(cmd).__name__}
    for f in dataclasses.fields(cmd):  # type: ignore[arg-type]  # every command is a dataclass
        if not f.name.startswith("_"):
            out[f.name] = _jsonable(getattr(cmd, f.name))
    out["line"] = str(cmd)
    return out


def _error(reason: str, raw: bytes) -> dict[str, Any]:
    return {"event": "ProtocolError", "reason": reason, "raw": _jsonable(raw)}
