"""The events the decoder makes of the module's output, under their public name.

They are defined in :mod:`pyqio.wire.events` (the wire layer); this package gives
them the path users import, so ``pyqio.events.Recv is pyqio.wire.events.Recv``.
It re-exports every name of that module's ``__all__``, whatever is added there, and
those of :mod:`pyqio.wire._events_3gpp` (the 3GPP TS 27.007 answers and URC).
"""
from __future__ import annotations

from ..wire._events_3gpp import *  # noqa: F403
from ..wire._events_3gpp import __all__ as _gpp_all
from ..wire.events import *  # noqa: F403
from ..wire.events import __all__ as _note_all

__all__ = [*_note_all, *_gpp_all]
