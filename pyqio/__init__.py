"""pyqio: drive the TCP/IP stack of a Quectel BC660K-GL NB-IoT module over its AT port."""
from __future__ import annotations

from . import events
from ._result import ResultCode
from .errors import BackendUnavailable, CommandError, InvalidArgument, LinkError, PyqioError

__all__ = [
    "events", "ResultCode",
    "PyqioError", "InvalidArgument", "CommandError", "LinkError", "BackendUnavailable",
]
__version__ = "0.1.0"
