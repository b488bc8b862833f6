"""A user's handler of module events, as an application on pyqio would write it:
it collects each socket's bytes and hands complete lines to the application.

It has a planted bug for the fuzzing example: a ``+QIURC: "closed"`` for a
socket that never received anything raises ``KeyError`` (the buffers are
made on the first data only). ``pyqio fuzz examples/handler.py:on_events``
finds it.
"""
from __future__ import annotations

from pyqio import events

buffers: dict[int, bytearray] = {}
lines: list[bytes] = []


def on_events(evs: list[events.Event]) -> None:
    """Called with the events of each read from the module."""
    for ev in evs:
        if isinstance(ev, events.Recv):
            buf = buffers.setdefault(ev.connect_id, bytearray())
            buf += ev.data
            while b"\n" in buf:
                line, _, rest = bytes(buf).partition(b"\n")
                lines.append(line)
                buf[:] = rest
        elif isinstance(ev, events.Closed):
            rest = buffers.pop(ev.connect_id)  # the planted bug: KeyError if no data came
            if rest:
                lines.append(bytes(rest))


def on_events_fixed(evs: list[events.Event]) -> None:
    """The same handler with the bug fixed: a close of a socket with no data is fine."""
    for ev in evs:
        if isinstance(ev, events.Closed):
            rest = buffers.pop(ev.connect_id, None)
            if rest:
                lines.append(bytes(rest))
        else:
            on_events([ev])
