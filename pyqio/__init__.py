"""pyqio: drive the TCP/IP stack of a Quectel BC660K-GL NB-IoT module over its AT port.

The layers, from bytes to sockets (see DESIGN.md):

- :mod:`pyqio.tokenizer` frames the module's byte stream (C core, or its pure-Python twin);
- :func:`decode` / :class:`Decoder` turn it into typed :mod:`pyqio.events`;
- :mod:`pyqio.commands` builds (and parses) every command line of the application note;
- :mod:`pyqio.session` pairs answers with commands, sans-I/O;
- :class:`Modem` (asyncio) and :mod:`pyqio.blocking` give sockets, ping, NTP and DNS;
- :mod:`pyqio.transports` carry the bytes; :mod:`pyqio.sim` simulates the module.

Heavy parts (asyncio, the simulator) are imported on first use, so decoding alone
stays cheap to import.
"""
from __future__ import annotations

import importlib
from typing import Any

from . import events
from ._result import ResultCode

# Imported eagerly, and after the submodule: ``pyqio.decode`` is both a module and
# the contract function ``pyqio.decode(data)``. Importing the module sets the
# package attribute to the module; rebinding it here, once, keeps the function
# whatever a user imports first (``from pyqio.decode import Decoder`` included).
from .decode import Decoder, decode
from .errors import (
    BackendUnavailable,
    CommandError,
    InvalidArgument,
    LinkError,
    PyqioError,
    QueueFull,
    ReceiveOverflow,
)
from .tokenizer import backend

__all__ = [
    "events", "ResultCode", "backend", "decode", "Decoder", "Session", "Modem",
    "PyqioError", "InvalidArgument", "CommandError", "LinkError", "BackendUnavailable",
    "QueueFull", "ReceiveOverflow",
]
__version__ = "0.1.0"

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
