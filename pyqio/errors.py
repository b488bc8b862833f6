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


class BackendUnavailable(ImportError, PyqioError):
    """``PYQIO_BACKEND=c`` was asked for but the C tokenizer is not built."""


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

    def __init__(self, message: str, divergences: list | None = None):
        super().__init__(message)
        self.divergences = list(divergences or ())
