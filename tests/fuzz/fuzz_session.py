"""atheris harness for ``pyqio.session.Session``: the module's bytes while commands wait.

Invariant, for every input:

1. ``receive_data()`` never raises, whatever the module sends between, inside and
   after the answers (bad bytes are ``ProtocolError`` events: docs/architecture.md,
   "Errors are events");
2. every request completes at most once (one ``Response`` per request), and one
   whose final came is no longer pending;
3. every request completes: with its answer, or with the caller's timeout
   (``fail_pending``) at the end, after which nothing is pending or queued;
4. memory stays bounded: a request keeps a bounded number of lines, the queue of
   output events drained each step stays small.

Input: byte 0 picks the commands queued (bit i: command i of the profile's list), byte
1 picks the profile (bit 7: the BG96 family's, else the BC660K's) and seeds the cuts
(bits 0-6); the rest is what the module writes. After the stream, ``fail_pending``
(the caller's timeout) ends whatever is still waiting.
"""
from __future__ import annotations

import os
import random
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

with atheris.instrument_imports(include=["pyqio"]):
    from pyqio import commands as C
    from pyqio.events import Event
    from pyqio.session import Session

COMMANDS = [
    (C.QIOpen(0, 0, "TCP", "127.0.0.1", 7, 0, 1), None),
    (C.QISendFixed(0, 5), b"ab\x1b\r\n"),
    (C.QISendData(1), C.ctrl_z_payload(b"hi")),
    (C.QPing(0, "127.0.0.1", 1, 2), None),
    (C.QIDnsGip(0, "example.org"), None),
    (C.QIStateAll(), None),
    (C.QIClose(0), None),
    (C.QICfgDataFormat(True, True), None),
]
# the BG96 family: buffer access mode (its own AT+QIRD reads), a listener whose
# accepted sockets take that mode, and its command forms
COMMANDS_BG96 = [
    (C.QIOpen(1, 0, "TCP", "127.0.0.1", 7, 0, 0, module="bg96"), None),
    (C.QIOpen(1, 1, "TCP LISTENER", "127.0.0.1", 0, 2020, 0, module="bg96"), None),
    (C.QIRd(0, 100, module="bg96"), None),
    (C.QISendFixed(0, 5), b"ab\x1b\r\n"),
    (C.QPing(1, "127.0.0.1", 1, 2), None),
    (C.QIStateAll(), None),
    (C.QIClose(0, module="bg96"), None),
    (C.QICfgDataFormat(True, True), None),
]
MAX_EVENTS_PER_FEED = 4096


def TestOneInput(data: bytes) -> None:
    if len(data) < 2:
        return
    bg96 = bool(data[1] & 0x80)
    s = Session(module="bg96") if bg96 else Session()
    reqs = [s.send_command(cmd, payload)
            for i, (cmd, payload) in enumerate(COMMANDS_BG96 if bg96 else COMMANDS)
            if data[0] >> i & 1]
    done: dict[int, object] = {}
    rng = random.Random(data[1] & 0x7F)
    body = data[2:]
    pos = 0
    while True:
        s.data_to_send()
        check_events(s.events(), done)
        if pos >= len(body):
            break
        step = rng.randint(1, 64)
        s.receive_data(body[pos:pos + step])
        pos += step
    for _ in range(len(reqs) + 1):  # the caller's timeouts end what still waits
        s.fail_pending("fuzz: timed out")
        s.data_to_send()
        check_events(s.events(), done)
    assert s.pending is None and not s.queued, "a request survived its timeout"
    assert set(done) == {id(r) for r in reqs}, "a request never completed"


def check_events(events: list, done: dict[int, object]) -> None:
    assert len(events) <= MAX_EVENTS_PER_FEED
    for ev in events:
        req = getattr(ev, "request", None)
        if req is not None:
            assert id(req) not in done, ("completed twice", req)
            done[id(req)] = req
        else:
            assert isinstance(ev, Event), ev


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
