"""Reading a conversation back: the host's bytes cut into units, and both
directions decoded with the settings the host's session had at each point.

The host's side is command lines ending in CR (note 2.1.2; a LF is taken as
a line end too) and, after ``AT+QISEND`` in data mode (2.3.4), a payload: up
to Ctrl-Z or Esc, or exactly ``<send_length>`` bytes (twice that in hex).
:class:`HostUnits` cuts it so, keeping the raw bytes (the replay compares
them) and a key that ignores what the module does not care about: the case
and blanks outside quotes, and the line end.

:class:`ConversationDecoder` follows the settings as a session does: an
``AT+QICFG="dataformat"`` or ``"showRA"`` write applies at the module's
``OK``, a ``+QICFG:`` answer at once (2.3.9), a UDP SERVICE socket counts once
``+QIOPEN: <id>,0`` came (its URCs carry the sender, 2.4.2); a settings
record of the capture applies as it stands.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from ._format import HOST, MARK, MODULE, SETTINGS, Capture, CaptureSettings, Record

__all__ = ["ConversationDecoder", "HostUnits", "command_key", "conversation_dicts"]

CTRL_Z, ESC = 0x1A, 0x1B
MAX_PAYLOAD = 1024  # 2.3.4: the module sends by itself once 1024 bytes are typed
MAX_LINE = 4096


def command_key(line: bytes) -> bytes:
    """*line* as the module reads it: upper case and no blanks outside quotes, no line end."""
    out = bytearray()
    quoted = False
    for byte in line.rstrip(b"\r\n"):
        if byte == 0x22:
            quoted = not quoted
        elif not quoted:
            if byte in b" \t":
                continue
            if 0x61 <= byte <= 0x7A:
                byte -= 0x20
        out.append(byte)
    return bytes(out)


class HostUnits:
    """Cuts the host's byte stream into units: ``feed(chunk)`` -> ``[(raw, key, command)]``.

    ``command`` is the parsed :mod:`pyqio.commands` object of a line (None for a
    payload, or a line the parser refuses: the module would answer ERROR).
    """

    def __init__(self, send_format: str = "text") -> None:
        self.send_format = send_format
        self._buf = bytearray()
        self._mode = "line"  # "line", "ctrlz" or "fixed"
        self._need = 0

    def feed(self, chunk: bytes) -> list[tuple[bytes, bytes, Any]]:
        out: list[tuple[bytes, bytes, Any]] = []
        buf = self._buf
        for byte in chunk:
            buf.append(byte)
            if self._mode == "fixed":
                self._need -= 1
                if self._need == 0:
                    out.append(self._payload())
            elif self._mode == "ctrlz":
                if byte in (CTRL_Z, ESC) or len(buf) >= MAX_PAYLOAD:
                    out.append(self._payload())
            elif byte in (13, 10):
                if len(buf) == 1:
                    buf.clear()  # the LF of a CR LF, or an empty line: nothing to the module
                else:
                    out.append(self._line())
            elif len(buf) > MAX_LINE:
                out.append((bytes(buf), command_key(bytes(buf)), None))
                buf.clear()
        return out

    def pending(self) -> bytes:
        """Bytes of a unit not finished yet."""
        return bytes(self._buf)

    def _payload(self) -> tuple[bytes, bytes, Any]:
        raw = bytes(self._buf)
        self._buf.clear()
        self._mode = "line"
        return raw, raw, None

    def _line(self) -> tuple[bytes, bytes, Any]:
        from .. import commands

        raw = bytes(self._buf)
        self._buf.clear()
        try:
            cmd = commands.parse(raw.rstrip(b"\r\n") + b"\r", send_format=self.send_format)
        except ValueError:
            return raw, command_key(raw), None
        if isinstance(cmd, commands.QICfgDataFormat) and cmd.send_hex is not None:
            self.send_format = "hex" if cmd.send_hex else "text"  # from the next line on
        if isinstance(cmd, commands.QISendFixed):
            self._mode, self._need = "fixed", cmd.length * (2 if cmd.hex else 1)
        elif isinstance(cmd, commands.QISendData):
            self._mode = "ctrlz"
        return raw, command_key(raw), cmd


class ConversationDecoder:
    """Decodes a capture's records in order: :meth:`decode` -> ``(record, [dict])``.

    Module records give ``event.to_dict()`` of each :mod:`pyqio.events` event;
    host records the dicts of ``pyqio decode --direction host`` (a parsed
    command, a data-mode payload); settings and mark records one dict each.
    """

    def __init__(self, settings: CaptureSettings) -> None:
        from ..commands._host_stream import HostStream
        from ..wire import Decoder

        self.settings = settings
        self._dec = Decoder(settings.recv_format, settings.show_ra,  # type: ignore[arg-type]
                            settings.udp_service)
        self._host = HostStream(settings.send_format)
        self._pending: list[dict[str, Any]] = []  # settings writes waiting for their OK
        self._opening: dict[int, bool] = {}  # connect id -> UDP SERVICE, until +QIOPEN

    def decode(self, capture: Capture) -> Iterator[tuple[Record, list[dict[str, Any]]]]:
        for rec in capture.records:
            yield rec, self.feed(rec)
        tail = [ev.to_dict() for ev in self._dec.finish()] + list(self._host.finish())
        if tail and capture.records:
            yield capture.records[-1], tail

    def feed(self, rec: Record) -> list[dict[str, Any]]:
        if rec.kind == HOST:
            out = list(self._host.feed(rec.data))
            for d in out:
                self._on_command(d)
            return out
        if rec.kind == MODULE:
            return self._module(rec.data)
        if rec.kind == SETTINGS:
            self._apply(CaptureSettings.from_dict(rec.info))
            return [{"event": "Settings", **self.settings.to_dict()}]
        if rec.kind == MARK:
            return [{"event": "Mark", **rec.info}]
        return []

    def _module(self, data: bytes) -> list[dict[str, Any]]:
        from .. import events as E

        out: list[dict[str, Any]] = []
        pieces = data.split(b"\n")  # a setting shown on one line applies from the next
        for i, piece in enumerate(pieces):
            for ev in self._dec.feed(piece if i == len(pieces) - 1 else piece + b"\n"):
                out.append(ev.to_dict())
                if isinstance(ev, E.DataFormat):
                    self._set(recv_format="hex" if ev.recv_hex else "text",
                              send_format="hex" if ev.send_hex else "text")
                elif isinstance(ev, E.ShowRA):
                    self._set(show_ra=ev.enabled)
                elif isinstance(ev, E.Ok) and self._pending:
                    self._set(**self._pending.pop(0))
                elif isinstance(ev, (E.Error, E.CmeError)) and self._pending:
                    self._pending.pop(0)
                elif isinstance(ev, E.OpenResult) and ev.connect_id in self._opening:
                    udp = self._opening.pop(ev.connect_id) and ev.result == 0
                    self._udp(ev.connect_id, udp)
                elif isinstance(ev, E.Closed):
                    self._udp(ev.connect_id, False)
        return out

    def _on_command(self, d: dict[str, Any]) -> None:
        name = d.get("command")
        if name == "QICfgDataFormat" and d.get("send_hex") is not None:
            self._pending.append({"send_format": "hex" if d["send_hex"] else "text",
                                  "recv_format": "hex" if d["recv_hex"] else "text"})
        elif name == "QICfgShowRA" and d.get("enabled") is not None:
            self._pending.append({"show_ra": bool(d["enabled"])})
        elif name == "QIOpen":
            self._opening[int(d["connect_id"])] = d.get("service_type") == "UDP SERVICE"
        elif name == "QIClose":
            self._udp(int(d["connect_id"]), False)

    def _udp(self, cid: int, on: bool) -> None:
        ids = set(self.settings.udp_service)
        (ids.add if on else ids.discard)(cid)
        self._set(udp_service=tuple(ids))

    def _set(self, **changes: Any) -> None:
        self._apply(dataclasses.replace(self.settings, **changes))

    def _apply(self, settings: CaptureSettings) -> None:
        self.settings = settings
        self._dec.recv_format = settings.recv_format  # type: ignore[assignment]
        self._dec.show_ra = settings.show_ra
        self._dec.udp_service = settings.udp_service
        self._host.send_format = settings.send_format


def conversation_dicts(capture: Capture) -> Iterator[dict[str, Any]]:
    """Every event of both directions as a JSON-ready dict, in order, each led by
    ``t`` (seconds since the start), ``direction`` and ``record`` (its index)."""
    for rec, items in ConversationDecoder(capture.settings).decode(capture):
        for item in items:
            yield {"t": round(rec.t_ns / 1e9, 9), "direction": rec.direction, "record": rec.index, **item}
