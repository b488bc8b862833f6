"""The events the decoder makes of the module's output, under their public name.

They are defined in :mod:`pyqio.wire.events` (the wire layer); this package gives
them the path users import, so ``pyqio.events.Recv is pyqio.wire.events.Recv``.
It re-exports every name of that module's ``__all__``, whatever is added there.
"""
from __future__ import annotations

from ..wire.events import *  # noqa: F403
from ..wire.events import __all__ as __all__
