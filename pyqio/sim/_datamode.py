"""The ``>`` data mode of AT+QISEND (note 2.3.4): raw bytes in, one payload out.

Line parsing cannot be used here: variable-length mode ends at Ctrl-Z (0x1A) or
after 1024 input bytes, and Esc (0x1B) cancels; fixed-length mode takes exactly
``<send_length>`` bytes (twice that many hex digits in hex mode) whatever they are.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CANCEL", "MAX_INPUT", "SEND", "DataMode"]

CTRL_Z, ESC = 0x1A, 0x1B
MAX_INPUT = 1024  # "When the input data length reaches the maximum length (1024 bytes)"
SEND, CANCEL = "send", "cancel"


@dataclass
class DataMode:
    """One pending data-mode send: where it goes, how it ends, what came so far."""

    conn: Any
    addr: tuple[str, int] | None
    fixed: int | None  # None: Ctrl-Z terminated; else the number of input bytes expected
    hex: bool
    buf: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes | bytearray) -> tuple[int, str | None]:
        """Take bytes from *data*: (how many were consumed, SEND/CANCEL/None if unfinished)."""
        if self.fixed is not None:
            take = min(self.fixed - len(self.buf), len(data))
            self.buf += data[:take]
            return take, SEND if len(self.buf) == self.fixed else None
        for i, byte in enumerate(data):
            if byte == CTRL_Z:
                return i + 1, SEND
            if byte == ESC:
                return i + 1, CANCEL
            self.buf.append(byte)
            if len(self.buf) == MAX_INPUT:
                return i + 1, SEND
        return len(data), None

    def payload(self) -> bytes | None:
        """The data to send (hex-decoded in hex mode); None when the hex is malformed."""
        if not self.hex:
            return bytes(self.buf)
        try:
            data = bytes.fromhex(self.buf.decode("ascii"))
        except ValueError:
            return None
        # bytes.fromhex skips spaces; the module would not
        return data if len(data) * 2 == len(self.buf) and data else None
