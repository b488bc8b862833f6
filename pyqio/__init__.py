"""pyqio: drive the TCP/IP stack of a Quectel BC660K-GL NB-IoT module over its AT port.

The layers, from bytes to sockets, one subpackage each (each lower one knows
nothing of those above it):

- :mod:`pyqio.wire` frames the module's byte stream (C core, or its pure-Python
  twin) and turns it into typed :mod:`pyqio.events`: :func:`decode`, :class:`Decoder`;
- :mod:`pyqio.commands` builds (and parses) every command line of the application note;
- :mod:`pyqio.session` pairs answers with commands, sans-I/O;
- :mod:`pyqio.modem` (asyncio, :class:`Modem`) and :mod:`pyqio.blocking` give
  sockets, ping, NTP and DNS;
- :mod:`pyqio.transports` carry the bytes; :mod:`pyqio.sim` simulates the module;
- :mod:`pyqio.cli` is the ``pyqio`` command (demo, forward, bench ... live there);
- :mod:`pyqio.errors` holds every exception.

Heavy parts (asyncio, the simulator) are imported on first use, so decoding alone
stays cheap to import.
"""
from __future__ import annotations

import importlib
import logging
from typing import Any

from . import events
from ._version import __version__ as __version__
from .errors import (
    BackendUnavailable,
    CaptureError,
    CommandError,
    CommandSyntaxError,
    CommandTimeout,
    ContextLost,
    FieldShapeError,
    InvalidArgument,
    LinkError,
    NotRegistered,
    OpenFailed,
    PdpDeactivatedError,
    PyqioError,
    QueueFull,
    ReceiveOverflow,
    ReplayDivergence,
    SendFailed,
    SocketClosedError,
    SocketError,
)
from .wire import Decoder, ResultCode, backend, decode

__all__ = [
    "events", "ResultCode", "backend", "decode", "Decoder", "Session", "Modem",
    # every exception, all defined in pyqio.errors
    "PyqioError", "InvalidArgument", "CommandError", "LinkError", "BackendUnavailable",
    "CommandSyntaxError", "CommandTimeout", "FieldShapeError", "OpenFailed", "SendFailed",
    "SocketClosedError", "SocketError", "NotRegistered", "ContextLost", "CaptureError",
    "ReplayDivergence", "PdpDeactivatedError", "QueueFull", "ReceiveOverflow",
]

# A library configures no output of its own: without this, a warning logged before
# the program sets up logging would reach stderr through logging's last resort.
# The logger tree (pyqio.at, pyqio.modem, ...) is listed in docs/logging.md.
logging.getLogger("pyqio").addHandler(logging.NullHandler())

# public name -> module that defines it, imported on first access (PEP 562)
_LAZY = {
    "Session": "pyqio.session",
    "Modem": "pyqio.modem",
}


def __getattr__(name: str) -> Any:
    modname = _LAZY.get(name)
    if modname is None:
        raise AttributeError(f"module 'pyqio' has no attribute {name!r}")
    value = getattr(importlib.import_module(modname), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
