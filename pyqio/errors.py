"""Every exception pyqio defines, for every layer and both tokenizer backends.

The modules that raise them re-export them where they were first defined
(``pyqio.modem.SocketError``, ``pyqio.commands.CommandSyntaxError`` ...), and
``pyqio`` exports them all.

Two kinds of fault, as in h11: a caller's mistake raises at once
(:class:`InvalidArgument`, also a :class:`ValueError`); bytes from the module
that make no sense are not exceptions but :class:`pyqio.events.ProtocolError`
events in the stream, so that decoding goes on.
"""
from __future__ import annotations

from typing import Any

__all__ = [
    "BackendUnavailable",
    "CaptureError",
    "CommandError",
    "CommandSyntaxError",
    "CommandTimeout",
    "ContextLost",
    "FieldShapeError",
    "InvalidArgument",
    "LinkError",
    "NotRegistered",
    "OpenFailed",
    "QueueFull",
    "ReceiveOverflow",
    "PdpDeactivatedError",
    "PyqioError",
    "ReplayDivergence",
    "SendFailed",
    "SocketClosedError",
    "SocketError",
]


class PyqioError(Exception):
    """Base class of every exception pyqio raises on purpose."""


class InvalidArgument(ValueError, PyqioError):
    """A caller passed a value outside what the note allows.

    The message names the parameter, the value and the allowed range.
    """


class CommandError(PyqioError):
    """The module answered a command with ``ERROR``, ``+CME ERROR`` or a failing result code."""

    def __init__(self, message: str, *, result: int | None = None, command: bytes | None = None):
        super().__init__(message)
        self.result = result
        self.command = command


class LinkError(PyqioError, ConnectionError):
    """The byte transport to the module went away; ``__cause__`` holds why."""


class QueueFull(PyqioError):
    """Too many commands are waiting for the one in flight (``Session(max_queued=...)``).

    The session sends one command at a time (the module answers one at a time), so a
    caller that queues faster than the module answers would grow memory without
    bound; past the cap the call raises this instead and queues nothing.
    """


class BackendUnavailable(ImportError, PyqioError):
    """``PYQIO_BACKEND=c`` was asked for but the C tokenizer is not built."""


class CommandSyntaxError(InvalidArgument):
    """A host command line that is not one the note defines (raised by ``pyqio.commands.parse``)."""


class CommandTimeout(PyqioError, TimeoutError):
    """The module did not answer a command within its timeout."""

    def __init__(self, message: str, *, command: bytes | None = None):
        super().__init__(message)
        self.command = command


class SocketError(CommandError, ConnectionError):
    """A socket operation failed on the module; ``result`` holds the :class:`~pyqio.ResultCode`."""


class OpenFailed(SocketError):
    """``+QIOPEN: <id>,<result>`` with a non-zero result (AT+QIOPEN, note 2.3.1)."""


class SendFailed(SocketError):
    """``SEND FAIL``: the module accepted the data but could not send it (note 2.3.4)."""


class SocketClosedError(SocketError):
    """The connection is closed (``+QIURC: "closed"``, note 2.4.1, or closed locally)."""


class ReceiveOverflow(SocketError):
    """A TCP socket with ``overflow="fail"`` received more than its ``buffer_limit``.

    Everything received before is still read; then this is raised instead of going
    on with a stream that has a gap.  (The default policy, ``"pause"``, stops
    reading the link instead and loses nothing.)
    """


class NotRegistered(PyqioError, ConnectionError):
    """The module is not registered to the network (``+CEREG: <stat>`` other than 1
    home or 5 roaming, 3GPP TS 27.007) within the time allowed; ``stat`` holds the
    last ``<stat>`` seen (None if none was)."""

    def __init__(self, message: str, *, stat: int | None = None):
        super().__init__(message)
        self.stat = stat


class ContextLost(SocketError):
    """The socket's PDP context died under it: the network registration was lost
    (``+CEREG: 0/2/3/4/80``) and the module closed the socket, or the context came
    back with another address.  The socket cannot carry data any more; close it."""


class PdpDeactivatedError(ContextLost):
    """The network deactivated the socket's PDP context (``+QIURC: "pdpdeact",<contextID>``,
    BG96 TCP/IP Application Note 2.3.5): the connection is gone, as with :class:`ContextLost`;
    ``context_id`` names the context."""

    def __init__(self, message: str, *, context_id: int, result: int | None = None):
        super().__init__(message, result=result)
        self.context_id = context_id


class FieldShapeError(ValueError, PyqioError):
    """A known line whose parameters do not have the documented shape.

    Raised and caught inside the line classifier: the decoder turns it into a
    :class:`pyqio.events.ProtocolError` event, so it never reaches a caller of
    ``decode``/``feed``; exported so that every exception pyqio defines is here.
    """


class CaptureError(ValueError, PyqioError):
    """A capture file is not one, or is damaged before its last record.

    ``offset`` is the byte offset in the file where reading stopped (None when
    the problem is not at one place). A torn *last* record (a crash mid-write)
    is not an error: readers drop it and count the bytes.
    """

    def __init__(self, message: str, *, offset: int | None = None):
        super().__init__(message)
        self.offset = offset


class ReplayDivergence(AssertionError, PyqioError):
    """The host sent something else than the recording (``Replay(strict=True)``).

    ``divergences`` lists every :class:`pyqio.capture.Divergence` seen so far.
    """

    def __init__(self, message: str, divergences: list[Any] | None = None):
        super().__init__(message)
        self.divergences = list(divergences or ())
