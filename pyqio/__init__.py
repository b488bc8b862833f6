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

Every part is imported on first use (PEP 562): ``import pyqio`` loads the exceptions
only, ``pyqio.decode`` the wire layer, ``pyqio.Modem`` asyncio and the modem, so a
program pays for what it uses (bench/README.md, "Footprint").
"""
from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # what the lazy names below are, for type checkers
    from . import events
    from . import protocol as protocol
    from . import wire as wire
    from .modem import Modem
    from .session import Session
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
    "Decoder": "pyqio.wire",
    "ResultCode": "pyqio.wire",
    "backend": "pyqio.wire",
    "decode": "pyqio.wire",
    "Session": "pyqio.session",
    "Modem": "pyqio.modem",
}
# subpackages that ``import pyqio`` used to load as a side effect: still attributes
_SUBMODULES = ("events", "wire", "protocol")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        value = importlib.import_module(f"pyqio.{name}")
    else:
        modname = _LAZY.get(name)
        if modname is None:
            raise AttributeError(f"module 'pyqio' has no attribute {name!r}")
        value = getattr(importlib.import_module(modname), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
