"""The ``bg96`` profile's framing lines, read whole at their line end (TOKENS.md
"The bg96 profile"): the Python twin's copy of ``nl_line()`` in csrc/tokenizer.c.

In that family (BG96 TCP/IP Application Note 2.2.8, 2.3.2; BG95&BG77&BG600L 2.3.8,
2.4.2) the data of a direct-push ``+QIURC: "recv"`` URC and of a ``+QIRD`` answer
follows the header's line end, so the header is a whole line, and the tokenizer
reads it when that line ends.
"""
from __future__ import annotations

import re

from ..protocol import T_READ, T_RECV

__all__ = ["QIRD_PREFIX", "RECV_PREFIX", "parse"]

RECV_PREFIX = b'+QIURC: "recv",'
QIRD_PREFIX = b"+QIRD: "
_IP = rb"[0-9A-Fa-f.:]{1,45}"
# SP* id [ "," SP* len [ "," SP* IP "," SP* port ] ], the IP quoted or bare
_RECV = re.compile(rb' *(\d{1,5})(?:, *(\d{1,5})(?:, *(?:"(' + _IP + rb')"|(' + _IP
                   + rb')), *(\d{1,5}))?)?\Z')
# SP* len [ "," SP* '"' IP '"' "," SP* port ]
_READ = re.compile(rb' *(\d{1,5})(?:, *"(' + _IP + rb')", *(\d{1,5}))?\Z')
_NUM_MAX = 65535

#: parse()'s answers besides a header tuple
LINE, BAD = 0, 1
Header = tuple[int, int, int, str | None, int]   # (kind, connect_id, length, ip, port)


def parse(line: bytes, buffer_access: frozenset[int]) -> int | Header:
    """What the line *line* is in the ``bg96`` profile: :data:`LINE` (a line: a buffer
    access notice, +QIRD's three-field answer, anything else), :data:`BAD` (a recv URC
    off the grammar: ``bad recv header``), or the header of framed data as
    ``(T_RECV or T_READ, connect_id (-1 for T_READ), length, ip, port (-1))``."""
    if line.startswith(RECV_PREFIX):
        m = _RECV.match(line, len(RECV_PREFIX))
        if m is None or any(int(g) > _NUM_MAX for g in (m[1], m[2], m[5]) if g is not None):
            return BAD
        cid, ipb = int(m[1]), m[3] or m[4]
        if m[2] is None or (ipb is None and cid in buffer_access):
            return LINE     # a buffer access notice
        return (T_RECV, cid, int(m[2]), None if ipb is None else ipb.decode("ascii"),
                -1 if m[5] is None else int(m[5]))
    if line.startswith(QIRD_PREFIX):
        m = _READ.match(line, len(QIRD_PREFIX))
        if m is None or any(int(g) > _NUM_MAX for g in (m[1], m[3]) if g is not None):
            return LINE
        return (T_READ, -1, int(m[1]), None if m[2] is None else m[2].decode("ascii"),
                -1 if m[3] is None else int(m[3]))
    return LINE
