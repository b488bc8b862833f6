"""The BG96 family's commands: builders, parse, validation by module profile, injection.

AT+QIRD, AT+QICSGP, AT+QIACT(?), AT+QIDEACT, AT+QISENDEX, AT+QIGETERROR and AT+QIOPEN's
access modes and id ranges (BG96 TCP/IP Application Note 2.2; BG95&BG77&BG600L 2.3).
"""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyqio import Session, decode
from pyqio.commands import (
    QIAct,
    QIActQuery,
    QIClose,
    QICsgp,
    QIDeact,
    QIGetError,
    QIOpen,
    QIRd,
    QISendEx,
    QIState,
    parse,
)
from pyqio.errors import InvalidArgument
from pyqio.events import (
    ContextConfig,
    ContextState,
    LastError,
    Ok,
    ReadData,
    ReadStats,
    SendOk,
)
from pyqio.protocol import MODULES, PROFILE_CONNECT_IDS, PROFILE_CONTEXT_IDS

EXAMPLES = [  # lines of the BG96/BG95 notes' examples, and what they build
    (b'AT+QICSGP=1,1,"UNINET","","",1\r', QICsgp(1, 1, "UNINET", "", "", 1, module="bg96")),
    (b"AT+QICSGP=1\r", QICsgp(1, module="bg96")),
    (b"AT+QIACT=1\r", QIAct(1, module="bg96")),
    (b"AT+QIACT?\r", QIActQuery()),
    (b"AT+QIDEACT=1\r", QIDeact(1, module="bg96")),
    (b"AT+QIRD=0,1500\r", QIRd(0, 1500, module="bg96")),
    (b"AT+QIRD=0,0\r", QIRd(0, 0, module="bg96")),
    (b"AT+QIRD=11\r", QIRd(11, module="bg96")),
    (b'AT+QISENDEX=0,"3132333435"\r', QISendEx(0, b"12345", module="bg96")),
    (b"AT+QIGETERROR\r", QIGetError()),
    (b'AT+QIOPEN=1,11,"TCP","220.180.239.212",8009,0,0\r',
     QIOpen(1, 11, "TCP", "220.180.239.212", 8009, 0, 0, module="bg96")),
    (b'AT+QIOPEN=16,0,"UDP SERVICE","127.0.0.1",1,3030,2\r',
     QIOpen(16, 0, "UDP SERVICE", "127.0.0.1", 1, 3030, 2, module="bg96")),
]


@pytest.mark.parametrize("line,cmd", EXAMPLES)
def test_note_examples_build_and_parse_with_the_bg96_profile(line, cmd):
    assert cmd.to_bytes() == line
    assert parse(line, module="bg96") == cmd


@pytest.mark.parametrize("thunk,fragment", [
    (lambda: QIOpen(1, 5, "TCP", "h", 80), "0–4"),
    (lambda: QIOpen(0, 1, "TCP", "h", 80, 0, 0), "direct push mode only"),
    (lambda: QIOpen(0, 1, "TCP", "h", 80, 0, 2), "direct push mode only"),
    (lambda: QIOpen(0, 1, "TCP", "h", 80, module="bg96"), "1–16"),
    (lambda: QIOpen(1, 12, "TCP", "h", 80, module="bg96"), "0–11"),
    (lambda: QIOpen(17, 1, "TCP", "h", 80, module="bg96"), "1–16"),
    (lambda: QIOpen(1, 1, "TCP", "h", 80, 0, 3, module="bg96"), "0–2"),
    (lambda: QIClose(5), "0–4"),
    (lambda: QIState(1, 12, module="bg96"), "0–11"),
    (lambda: QIState(0, 0, module="bg96"), "1–16"),
    (lambda: QIRd(5), "0–4"),
    (lambda: QIRd(0, 1501, module="bg96"), "0–1500"),
    (lambda: QIRd(0, -1, module="bg96"), "0–1500"),
    (lambda: QICsgp(0, module="bg96"), "1–16"),
    (lambda: QICsgp(1, 4, "apn", module="bg96"), "1–3"),
    (lambda: QICsgp(1, 1, module="bg96"), "apn too"),
    (lambda: QICsgp(1, 1, "apn", "user", module="bg96"), "password too"),
    (lambda: QICsgp(1, 1, "apn", "u", "p", 4, module="bg96"), "0–3"),
    (lambda: QICsgp(1, 1, "a" * 101, module="bg96"), "apn"),
    (lambda: QIAct(0, module="bg96"), "1–16"),
    (lambda: QIDeact(17, module="bg96"), "1–16"),
    (lambda: QISendEx(0, b"", module="bg96"), "1–256"),
    (lambda: QISendEx(0, b"x" * 257, module="bg96"), "1–256"),
    (lambda: QISendEx(0, "31Z2", module="bg96"), "not a hex digit"),
    (lambda: QISendEx(0, 12, module="bg96"), "not bytes"),
    (lambda: QIAct(1, module="bg95"), "module='bg95'"),
])
def test_builders_refuse_by_profile_naming_what_is_allowed(thunk, fragment):
    with pytest.raises(InvalidArgument) as info:
        thunk()
    assert fragment in str(info.value)


def test_the_bc660k_ranges_are_the_default_and_parse_follows_the_profile():
    line = b'AT+QIOPEN=1,11,"TCP","h",80,0,0\r'
    with pytest.raises(InvalidArgument, match="0–4"):
        parse(line)
    assert parse(line, module="bg96").connect_id == 11
    assert parse(b'AT+QIOPEN=0,4,"TCP","h",80,0,1\r') == QIOpen(0, 4, "TCP", "h", 80, 0, 1)
    with pytest.raises(InvalidArgument, match="module="):
        parse(b"AT\r", module="ec21")


@pytest.mark.parametrize("field,build", [
    ("apn", lambda v: QICsgp(1, 1, v, "", "", module="bg96")),
    ("username", lambda v: QICsgp(1, 1, "apn", v, "", module="bg96")),
    ("password", lambda v: QICsgp(1, 1, "apn", "", v, module="bg96")),
    ("host", lambda v: QIOpen(1, 0, "TCP", v, 80, 0, 0, module="bg96")),
])
@pytest.mark.parametrize("evil", ['x"\r\nAT+QIDEACT=1', "a\rAT", "a\nb", 'a"', "a\x1ab", "a\x1bb",
                                  "a\x00b", "caf\u00e9"])
def test_every_string_parameter_refuses_injection(field, build, evil):
    with pytest.raises(InvalidArgument) as info:
        build(evil)
    assert field in str(info.value)


def test_hex_send_carries_every_byte_on_one_line():
    data = bytes(range(256))
    cmd = QISendEx(3, data, module="bg96")
    line = cmd.to_bytes()
    assert line.count(b"\r") == 1 and line.endswith(b'"\r') and b"\n" not in line
    assert parse(line, module="bg96").data == data


_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters='"'),
                max_size=30)


@st.composite
def _commands(draw: st.DrawFn, module: str):
    cids = PROFILE_CONNECT_IDS[module]
    ctxs = PROFILE_CONTEXT_IDS[module]
    cid = draw(st.integers(cids[0], cids[-1]))
    ctx = draw(st.integers(ctxs[0], ctxs[-1]))
    kind = draw(st.sampled_from(["qird", "qicsgp", "qiact", "qideact", "qisendex", "qiopen",
                                 "qiclose"]))
    if kind == "qird":
        return QIRd(cid, draw(st.none() | st.integers(0, 1500)), module=module)
    if kind == "qicsgp":
        n = draw(st.integers(0, 3))
        args = [draw(st.integers(1, 3)), draw(_text)] if n else []
        if n >= 2:
            args += [draw(_text), draw(_text)]
        if n == 3:
            args.append(draw(st.integers(0, 3)))
        return QICsgp(ctx, *args, module=module)
    if kind == "qiact":
        return QIAct(ctx, module=module)
    if kind == "qideact":
        return QIDeact(ctx, module=module)
    if kind == "qisendex":
        return QISendEx(cid, draw(st.binary(min_size=1, max_size=256)), module=module)
    if kind == "qiclose":
        return QIClose(cid, module=module)
    modes = [1] if module != "bg96" else [0, 1, 2]
    return QIOpen(ctx, cid, "TCP", draw(_text.filter(bool)), draw(st.integers(1, 65535)),
                  draw(st.integers(0, 65535)), draw(st.sampled_from(modes)), module=module)


@pytest.mark.parametrize("module", MODULES)
@given(data=st.data())
def test_parse_inverts_to_bytes_in_every_profile(module, data):
    cmd = data.draw(_commands(module))
    assert parse(cmd.to_bytes(), module=module) == cmd
    assert parse(cmd.to_bytes(), module=module).to_bytes() == cmd.to_bytes()


ANSWERS = [
    (b'\r\n+QIACT: 1,1,1,"10.7.157.1"\r\n', ContextState(1, 1, 1, "10.7.157.1")),
    (b"\r\n+QIACT: 2,0,1\r\n", ContextState(2, 0, 1)),
    (b'\r\n+QICSGP: 1,"UNINET","","",1\r\n', ContextConfig(1, "UNINET", "", "", 1)),
    (b"\r\n+QIGETERROR: 0,operation successful\r\n", LastError(0, "operation successful")),
    (b"\r\n+QIGETERROR: 565,DNS parse failed\r\n", LastError(565, "DNS parse failed")),
]


@pytest.mark.parametrize("wire,event", ANSWERS)
def test_answers_decode_to_their_events_and_back(wire, event):
    assert decode(wire, module="bg96") == [event]
    assert decode(wire) == [event]  # their lines are the same in every profile
    assert event.to_bytes() == wire


def test_a_description_holding_commas_is_kept_in_one_field():
    # fields are read with the blanks around commas dropped (note example 4.2.3), so a
    # description's own ", " comes back as ","
    assert decode(b"\r\n+QIGETERROR: 552,invalid parameters, try again\r\n") == [
        LastError(552, "invalid parameters,try again")]


@pytest.mark.parametrize("wire", [b"\r\n+QIACT: 1,1\r\n", b'\r\n+QICSGP: 1,"a"\r\n',
                                  b"\r\n+QIGETERROR: x,y\r\n", b"\r\n+QIACT: 1,1,1,\"nope!\"\r\n"])
def test_misshapen_answers_are_protocol_errors(wire):
    [ev] = decode(wire)
    assert type(ev).__name__ == "ProtocolError"


def _run(cmd, answer: bytes, module: str = "bg96"):
    """Send *cmd* through a Session of *module*, feed *answer*: its Response, and the
    events not attached to it."""
    s = Session(module=module)
    req = s.send_command(cmd)
    assert s.data_to_send() == cmd.to_bytes()
    s.receive_data(answer)
    got = list(s.events())
    responses = [e for e in got if type(e).__name__ == "Response"]
    assert len(responses) == 1 and responses[0].request is req
    return responses[0], [e for e in got if type(e).__name__ != "Response"]


def test_qird_answer_is_paired_with_the_read_and_its_data_kept_whole():
    payload = b'OK\r\n+QIURC: "closed",0\r\n"\x00'
    req, loose = _run(QIRd(0, 1500, module="bg96"),
                      b"\r\n+QIRD: %d\r\n%s\r\n\r\nOK\r\n" % (len(payload), payload))
    assert loose == []
    assert [type(e) for e in req.events] == [ReadData, Ok]
    assert req.events[0].data == payload


def test_qird_counters_are_paired_with_the_read():
    req, _ = _run(QIRd(0, 0, module="bg96"), b"\r\n+QIRD: 5,5,0\r\n\r\nOK\r\n")
    assert req.events[0] == ReadStats(5, 5, 0)


def test_qiact_rows_and_qigeterror_are_paired_with_their_command():
    req, loose = _run(QIActQuery(), b'\r\n+QIACT: 1,1,1,"10.0.0.2"\r\n\r\n+QIACT: 2,1,1,"10.0.0.3"'
                                    b"\r\n\r\nOK\r\n")
    assert loose == [] and len(req.events) == 3
    req, loose = _run(QIGetError(), b"\r\n+QIGETERROR: 0,operation successful\r\n\r\nOK\r\n")
    assert req.events[0] == LastError(0, "operation successful")


@pytest.mark.parametrize("answer", [b"\r\nSEND OK\r\n", b"\r\nOK\r\n\r\nSEND OK\r\n"])
def test_hex_send_ends_on_send_ok_with_or_without_ok(answer):
    req, loose = _run(QISendEx(0, b"12345", module="bg96"), answer)
    assert loose == [] and isinstance(req.events[-1], SendOk)


def test_a_qird_answer_with_urcs_between_its_lines_and_a_command_queued_behind_it():
    from pyqio.events import Closed, RecvNotice

    s = Session(module="bg96")
    opened = s.send_command(QIOpen(1, 0, "TCP", "127.0.0.1", 80, 0, 0, module="bg96"))
    s.data_to_send()
    s.receive_data(b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n")
    assert opened.done and s.decoder.buffer_access == {0}
    # a buffer notice with a length (BG95) on a buffer access id is a notice, not data
    s.receive_data(b'\r\n+QIURC: "recv",0,12\r\n')
    read = s.send_command(QIRd(0, 1500, module="bg96"))
    state = s.send_command(QIActQuery())  # queued behind the read: one command in flight
    assert s.data_to_send() == b"AT+QIRD=0,1500\r"
    payload = b'\r\nOK\r\n+QIURC: "recv",0,5\r\n'
    s.receive_data(b'\r\n+QIURC: "closed",3\r\n\r\n+QIRD: %d\r\n%s\r\n'
                   b'\r\n+QIURC: "recv",0\r\n\r\nOK\r\n' % (len(payload), payload))
    assert read.done and not state.done
    assert s.data_to_send() == b"AT+QIACT?\r"
    s.receive_data(b'\r\n+QIACT: 1,1,1,"10.0.0.2"\r\n\r\nOK\r\n')
    got = list(s.events())
    loose = [e for e in got if type(e).__name__ != "Response"]
    assert loose == [RecvNotice(0, 12), Closed(3), RecvNotice(0)]
    responses = [e for e in got if type(e).__name__ == "Response"]
    read_resp = next(r for r in responses if r.request is read)
    assert read_resp.events == (ReadData(payload), Ok())
    state_resp = next(r for r in responses if r.request is state)
    assert state_resp.events[0] == ContextState(1, 1, 1, "10.0.0.2")
