"""Captures: a host-module conversation recorded to a file, read back, replayed.

Record with ``Modem(url, record="run.cap")`` (the blocking Modem too),
``pyqio demo/at/forward --record run.cap``, :func:`open_transport` (``url,
factory, record="run.cap"``), or by hand with :class:`CaptureWriter` /
:class:`RecordingTransport`. Read with :func:`read_capture`; ``pyqio decode
run.cap`` prints both directions with times. Replay the module's side with
:func:`replay` (also ``sim://?replay=run.cap``, ``pyqio sim --replay``).

The file format (version 1) is documented in :mod:`pyqio.capture._format`
and in ``docs/testing.md``.
"""
from __future__ import annotations

from ._follow import ConversationDecoder, HostUnits, command_key, conversation_dicts
from ._format import (
    FORMAT_VERSION,
    HOST,
    MAGIC,
    MARK,
    MODULE,
    SETTINGS,
    Capture,
    CaptureHeader,
    CaptureSettings,
    Record,
    is_capture,
    read_capture,
)
from ._replay import Divergence, Replay, ReplayModule, replay
from ._transport import RecordingProtocol, RecordingTransport, open_transport
from ._writer import CaptureWriter

__all__ = [
    "FORMAT_VERSION", "HOST", "MAGIC", "MARK", "MODULE", "SETTINGS",
    "Capture", "CaptureHeader", "CaptureSettings", "CaptureWriter", "ConversationDecoder",
    "Divergence", "HostUnits", "Record", "RecordingProtocol", "RecordingTransport",
    "Replay", "ReplayModule", "command_key", "conversation_dicts", "is_capture", "open_transport",
    "read_capture", "replay",
]
