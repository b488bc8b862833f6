"""URCs at every position of every multi-line answer: each delivered once, in order, answer intact.

A URC or ``+IP:`` line can arrive between any two lines of a response, and between
``OK`` and ``SEND OK`` (docs/architecture.md, "One command in flight; URCs are never
attached").  For each answer shape of chapter 2, a URC is
put between every pair of its lines (and before the first and after the last), and
the module's bytes are fed whole, byte by byte, and cut in two at every point.  The
recv URC's payload holds fake ``OK``/``SEND OK`` lines that must not end anything.
Needs: pytest.
"""
from __future__ import annotations

import pytest

from pyqio import commands as C
from pyqio.events import Closed, DnsAddress, Incoming, IncomingFull, IpAddress, PdpDeactivated, Recv
from pyqio.session import Response, Session

FAKE = b'\r\nOK\r\nSEND OK\r\n+QIOPEN: 0,0\r\n"'
URCS = [
    (b'+QIURC: "recv",0,%d,"' % len(FAKE) + FAKE + b'"', Recv(0, FAKE, len(FAKE))),
    (b'+QIURC: "closed",1', Closed(1)),
    (b'+QIURC: "incoming",2,0,"1.2.3.4",5', Incoming(2, 0, "1.2.3.4", 5)),
    (b"+IP: 10.0.0.1", IpAddress("10.0.0.1")),
    (b'+QIURC: "pdpdeact",1', PdpDeactivated(1)),
    (b'+QIURC: "incoming full"', IncomingFull()),
    (b'+QIURC: "dnsgip","1.2.3.4"', DnsAddress("1.2.3.4", True)),
]

REPLY = b'+QPING: 0,"47.100.63.174",32,560,88'
# (command, data-mode payload, the module's answer lines); ">" is the prompt
ANSWERS = {
    "qiopen": (C.QIOpen(0, 0, "TCP", "220.180.239.212", 8062, 0, 1), None,
               [b"OK", b"+QIOPEN: 0,0"]),
    "qiclose": (C.QIClose(0), None, [b"OK", b"CLOSE OK"]),
    "qisend": (C.QISend(0, b"12345"), None, [b"OK", b"SEND OK"]),
    "qisend_data": (C.QISendData(0), C.ctrl_z_payload(b"12345"), [b">", b"OK", b"SEND OK"]),
    "qisend_fixed": (C.QISendFixed(0, 5), C.fixed_payload(b"12345", 5),
                     [b">", b"OK", b"SEND FAIL"]),
    "qisend_stats": (C.QISendStats(0), None, [b"+QISEND: 10,10,0", b"OK"]),
    "qistate": (C.QIStateAll(), None,
                [b'+QISTATE: 0,"TCP LISTENER","192.168.4.26",0,5000,2,0,1',
                 b'+QISTATE: 1,"TCP INCOMING","192.168.4.30",34835,5000,2,0,1', b"OK"]),
    "qping": (C.QPing(0, "iot.quectel.com"), None,
              [b"OK", REPLY, REPLY, REPLY, REPLY, b"+QPING: 0,4,4,0,220,560,322"]),
    "qping_timeouts": (C.QPing(0, "1.2.3.4", 1, 2), None,
                       [b"OK", b"+QPING: 569", b"+QPING: 569", b"+QPING: 569"]),
    "qntp": (C.QNtp(0, "ntp5.aliyun.com"), None, [b"OK", b'+QNTP: 0,"2019/06/11,11:08:20"']),
    "qidnsgip": (C.QIDnsGip(0, "www.baidu.com"), None,
                 [b"OK", b"+QIDNSGIP: 0,1,0", b"+QIDNSGIP: 14.215.177.39"]),
    "qidnscfg": (C.QIDnsCfgQuery(0), None, [b'+QIDNSCFG: 0,"218.2.2.2","8.8.8.8"', b"OK"]),
    "qicfg": (C.QICfgDataFormat(), None, [b'+QICFG: "dataformat",0,0', b"OK"]),
    "test_qicfg": (C.TestCommand("QICFG"), None,
                   [b'+QICFG: "dataformat",(0,1),(0,1)', b'+QICFG: "showRA",(0,1)', b"OK"]),
    "ati": (C.Identify(), None, [b"Quectel_Ltd", b"Quectel_BC660K-GL", b"Revision: X", b"OK"]),
    "error_after_ok": (C.QIOpen(0, 1, "UDP", "1.2.3.4", 9, 0, 1), None,
                       [b"OK", b"+CME ERROR: 563"]),
}


def frame(line: bytes) -> bytes:
    return b"\r\n> " if line == b">" else b"\r\n" + line + b"\r\n"


def stream(lines: list[bytes], inject: dict[int, list[bytes]]) -> bytes:
    """The answer's bytes with the URC lines of ``inject[j]`` put before line j."""
    out = []
    for j in range(len(lines) + 1):
        out += [frame(u) for u in inject.get(j, [])]
        if j < len(lines):
            out.append(frame(lines[j]))
    return b"".join(out)


def run(name: str, chunks: list[bytes]) -> tuple[list, Response, bytes]:
    command, payload, _ = ANSWERS[name]
    s = Session()
    req = s.send_command(command, payload)
    sent = s.data_to_send()
    assert sent == command.to_bytes()
    for chunk in chunks:
        s.receive_data(chunk)
        sent += s.data_to_send()
    out = s.events()
    responses = [x for x in out if isinstance(x, Response)]
    assert len(responses) == 1 and responses[0] is req.response
    assert s.pending is None
    return out, responses[0], sent[len(command.to_bytes()):]


def baseline(name: str) -> tuple[Response, bytes]:
    out, resp, released = run(name, [stream(ANSWERS[name][2], {})])
    assert out == [resp]
    return resp, released


def check(name: str, chunks: list[bytes], urcs: list, resp0: Response, released0: bytes,
          last_at: int) -> None:
    out, resp, released = run(name, chunks)
    assert [x for x in out if not isinstance(x, Response)] == urcs  # once, in order
    assert resp.events == resp0.events and resp.final == resp0.final
    assert released == released0 == (ANSWERS[name][1] or b"")  # the payload, once
    # URCs before the last answer line come out before the Response, the rest after
    assert out.index(resp) == min(last_at, len(urcs))


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_one_urc_at_each_position_fed_whole_and_bytewise(name):
    lines = ANSWERS[name][2]
    resp0, released0 = baseline(name)
    for j in range(len(lines) + 1):
        raw, ev = URCS[j % len(URCS)]
        data = stream(lines, {j: [raw]})
        ends_before = 1 if j < len(lines) else 0
        check(name, [data], [ev], resp0, released0, ends_before)
        check(name, [data[i:i + 1] for i in range(len(data))], [ev], resp0, released0,
              ends_before)


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_urcs_at_every_position_cut_at_every_byte(name):
    lines = ANSWERS[name][2]
    resp0, released0 = baseline(name)
    inject = {j: [URCS[j % len(URCS)][0]] for j in range(len(lines) + 1)}
    urcs = [URCS[j % len(URCS)][1] for j in range(len(lines) + 1)]
    data = stream(lines, inject)
    for cut in range(len(data) + 1):
        check(name, [data[:cut], data[cut:]], urcs, resp0, released0, len(lines))


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_answer_events_are_the_note_lines(name):
    """The baseline itself: every answer line is attached, the final ends it."""
    resp, _ = baseline(name)
    lines = [x for x in ANSWERS[name][2]]
    assert len(resp.events) == len(lines)
