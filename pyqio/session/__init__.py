"""The session layer: commands out, answers paired with them, sans-I/O (as h11's ``Connection``).

- ``_machine``: :class:`Session`, one command in flight, its answer gathered into a
  :class:`Response`, every URC passed through as its own event;
- ``_plans``: per command, which lines answer it and what completes it;
- ``_types``: :class:`Request`, :class:`Response`, :class:`TimedOut`, :class:`LinkReset`,
  :class:`Appended`;
- ``_demux``: receive buffers attached to connect ids (the demux path);
- ``_effects``: what the events teach the session (sockets, framing settings);
- ``_socket_table``: each connect id's state machine (:class:`SocketInfo`), as a table.

It never sleeps, reads a clock or touches a port: :mod:`pyqio.modem` does the I/O.
"""
from __future__ import annotations

from ._machine import (
    DEFAULT_MAX_QUEUED,
    MAX_ATTACHED,
    Appended,
    LinkReset,
    Request,
    Response,
    Session,
    SocketInfo,
    TimedOut,
)

__all__ = ["DEFAULT_MAX_QUEUED", "MAX_ATTACHED", "Appended", "LinkReset", "Request", "Response",
           "Session", "SocketInfo", "TimedOut"]
