"""The bytes the simulated module writes: ``<CR><LF><response><CR><LF>`` (note 2.1.2).

Events are written with their own ``to_bytes()`` serializers (:mod:`pyqio.events`);
this module holds the few forms events do not model: test-command answers (``=?``)
and ``ATI``.
"""
from __future__ import annotations

from ..wire import events as ev

__all__ = ["IDENTITY", "PROMPT", "TEST_ANSWERS", "encode", "encode_recv", "line"]

PROMPT = ev.Prompt().to_bytes()

#: Answers to ``AT+<cmd>=?`` with the note's ranges (sections 2.3.1-2.3.9).
TEST_ANSWERS: dict[str, tuple[bytes, ...]] = {
    "QIOPEN": ((b'+QIOPEN: (0-10),(0-4),"TCP/UDP/TCP LISTENER/UDP SERVICE",<host>,'
                b"(1-65535),(0-65535),(1)"),),
    "QICLOSE": (b"+QICLOSE: (0-4)",),
    "QISTATE": (b"+QISTATE: 0,(0-10)", b"+QISTATE: 1,(0-4)"),
    "QISEND": (b"+QISEND: (0-4),<remote_ip>,<remote_port>,(0-1024),<data>,(0-2)",),
    "QPING": (b"+QPING: (0-10),<host>,(1-255),(1-10),(32-1500),(0,1)",),
    "QNTP": (b"+QNTP: (0-10),<server>,(1-65535),(0,1)",),
    "QIDNSGIP": (b"+QIDNSGIP: (0-10),<hostname>",),
    "QIDNSCFG": (b"+QIDNSCFG: (0-10),<pridnsaddr>,<secdnsaddr>",),
    "QICFG": (b'+QICFG: "dataformat",(0,1),(0,1)', b'+QICFG: "showRA",(0,1)'),
}

#: ``ATI``: manufacturer, model, revision (as the BC660K-GL prints them).
IDENTITY = (b"Quectel_Ltd", b"Quectel_BC660K-GL", b"Revision: BC660KGLAAR01A03")


def line(text: bytes) -> bytes:
    """One response line framed as the module frames it."""
    return b"\r\n" + text + b"\r\n"


def encode(event: ev.Event) -> bytes:
    """The bytes of *event* as the module writes it."""
    return event.to_bytes()


def encode_recv(event: ev.Recv, *, recv_hex: bool) -> bytes:
    """``+QIURC: "recv",...`` (2.4.2); the payload as text or as hex per ``dataformat``."""
    return event.to_bytes(recv_format="hex" if recv_hex else "text")
