"""Exceptions shared by every layer and both tokenizer backends.

Two kinds of fault, as in h11: a caller's mistake raises at once
(:class:`InvalidArgument`, also a :class:`ValueError`); bytes from the module
that make no sense are not exceptions but :class:`pyqio.events.ProtocolError`
events in the stream, so that decoding goes on.
"""
from __future__ import annotations


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


class ReceiveOverflow(CommandError, ConnectionError):
    """A TCP socket with ``overflow="fail"`` received more than its ``buffer_limit``.

    Everything received before is still read; then this is raised instead of going
    on with a stream that has a gap.  (The default policy, ``"pause"``, stops
    reading the link instead and loses nothing.)
    """


class QueueFull(PyqioError):
    """Too many commands are waiting for the one in flight (``Session(max_queued=...)``).

    The session sends one command at a time (the module answers one at a time), so a
    caller that queues faster than the module answers would grow memory without
    bound; past the cap the call raises this instead and queues nothing.
    """


class BackendUnavailable(ImportError, PyqioError):
    """``PYQIO_BACKEND=c`` was asked for but the C tokenizer is not built."""
