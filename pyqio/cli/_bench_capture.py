"""``pyqio bench --capture FILE``: the benchmark's streams made of a capture's bytes.

What the module sent (module to host records) is grouped by the settings it
was decoded under (recv format, showRA, UDP SERVICE sockets: a capture may
switch to hex mid-way), one stream per group, so that every decoding path
times the user's own traffic with the right settings.
"""
from __future__ import annotations

import binascii
import os
from typing import Any

from ..capture import MODULE, Capture, ConversationDecoder, read_capture

__all__ = ["capture_streams"]


def capture_streams(capture: Capture | str | os.PathLike[str]) -> list[Any]:
    """One bench ``Stream`` per group of settings in *capture* (biggest first)."""
    from .. import events as E
    from ..wire import decode
    from ._bench_streams import Stream

    cap = capture if isinstance(capture, Capture) else read_capture(capture)
    follow = ConversationDecoder(cap.settings)
    groups: dict[tuple[str, bool, tuple[int, ...]], bytearray] = {}
    for rec in cap.records:
        s = follow.settings
        if rec.kind == MODULE:
            groups.setdefault((s.recv_format, s.show_ra, s.udp_service), bytearray()).extend(rec.data)
        follow.feed(rec)
    streams = []
    for (fmt, show_ra, udp), data in groups.items():
        cut = data.rfind(b"\n") + 1  # each timed pass starts at a line, as the first did
        body = bytes(data[:cut] if cut else data)
        evs = decode(body, recv_format="hex" if fmt == "hex" else "text", show_ra=show_ra, udp_service=udp)
        recvs = [e for e in evs if isinstance(e, E.Recv)]
        name = "capture" + ("-hex" if fmt == "hex" else "") + ("-ra" if show_ra else "") + (
            "-udp" + "+".join(map(str, udp)) if udp else "")  # UDP SERVICE ids: their URCs carry addresses
        hexes = [binascii.hexlify(e.data).upper() for e in recvs] if fmt == "hex" else []
        streams.append(Stream(name, body, fmt, max(1, len(evs)), len(recvs), hexes,
                              show_ra=show_ra, udp_service=udp))
    return sorted((s for s in streams if s.data), key=lambda s: -len(s.data))
