"""Chapter 4 of the note as host/module dialogues played through a Session, byte for byte.

Host bytes out must equal the note's command lines (and data-mode payloads); module
bytes in are the note's lines, framed ``<CR><LF>line<CR><LF>`` (2.1.2).  Each
dialogue is played with the module's bytes fed line by line, all the bytes between
two host steps in one chunk, and one byte at a time.  Needs: pytest.
"""
from __future__ import annotations

import datetime as dt

import pytest

from pyqio import commands as C
from pyqio.events import (
    CloseOk,
    DnsResult,
    Incoming,
    NtpResult,
    Ok,
    OpenResult,
    PingSummary,
    Recv,
    SendOk,
)
from pyqio.session import Response, Session


def cmd(command, line: str, payload: bytes | None = None):
    """The host issues *command*; its bytes must be the note's *line* (plus CR)."""
    return ("cmd", command, line.encode() + b"\r", payload)


def mod(*lines: str):
    """The module sends *lines* (``>`` is the bare prompt, as the module writes it)."""
    return ("mod", b"".join(b"\r\n> " if x == ">" else b"\r\n" + x.encode() + b"\r\n"
                            for x in lines))


def host(data: bytes):
    """The host must now write *data* (a data-mode payload, released by the prompt)."""
    return ("host", data)


def done(final, ok: bool = True):
    """The next output event is the Response of the oldest request, ended by *final*."""
    return ("done", final, ok)


def urc(event):
    """The next output event is the URC *event*."""
    return ("urc", event)


def play(script: list, chunking: str, s: Session | None = None) -> Session:
    s = s or Session()
    pending: list[bytes] = []

    def flush() -> None:
        data = b"".join(pending)
        pending.clear()
        if chunking == "bytes":
            for i in range(len(data)):
                s.receive_data(data[i:i + 1])
        elif data:
            s.receive_data(data)

    for step in script:
        kind = step[0]
        if kind == "mod":
            pending.append(step[1])
            if chunking == "lines":
                flush()
            continue
        flush()
        if kind == "cmd":
            s.send_command(step[1], step[3])
            assert s.data_to_send() == step[2]
        elif kind == "host":
            assert s.data_to_send() == step[1]
        elif kind == "done":
            ev = s.next_event()
            assert isinstance(ev, Response), ev
            assert ev.final == step[1] and ev.ok is step[2]
        elif kind == "urc":
            assert s.next_event() == step[1]
    flush()
    assert s.events() == [] and s.pending is None and s.data_to_send() == b""
    return s


CHUNKINGS = ["lines", "joined", "bytes"]

OPEN_TCP = C.QIOpen(0, 0, "TCP", "220.180.239.212", 8062, 0, 1)

EX_4_1_1 = [
    cmd(OPEN_TCP, 'AT+QIOPEN=0,0,"TCP","220.180.239.212",8062,0,1'),
    mod("OK", "+QIOPEN: 0,0"),
    done(OpenResult(0, 0)),
    cmd(C.QIState(1, 0), "AT+QISTATE=1,0"),
    mod('+QISTATE: 0,"TCP","220.180.239.212",8062,0,2,0,1', "OK"),
    done(Ok()),
]

_SEND_TEXT = [
    cmd(C.QICfgDataFormat(False, False), 'AT+QICFG="dataformat",0,0'),
    mod("OK"), done(Ok()),
    cmd(C.QICfgDataFormat(), 'AT+QICFG="dataformat"'),
    mod('+QICFG: "dataformat",0,0', "OK"), done(Ok()),
    cmd(C.QISend(0, b"12345"), 'AT+QISEND=0,5,"12345"'),
    mod("OK", "SEND OK"), done(SendOk()),
    cmd(C.QISendData(0), "AT+QISEND=0", C.ctrl_z_payload(b"12345")),
    mod(">"), host(b"12345\x1a"), mod("OK", "SEND OK"), done(SendOk()),
    cmd(C.QISendFixed(0, 5), "AT+QISEND=0,5", C.fixed_payload(b"12345", 5)),
    mod(">"), host(b"12345"), mod("OK", "SEND OK"), done(SendOk()),
]

_SEND_HEX = [
    cmd(C.QICfgDataFormat(True, False), 'AT+QICFG="dataformat",1,0'),
    mod("OK"), done(Ok()),
    cmd(C.QICfgDataFormat(), 'AT+QICFG="dataformat"'),
    mod('+QICFG: "dataformat",1,0', "OK"), done(Ok()),
    cmd(C.QISend(0, b"12345", hex=True), 'AT+QISEND=0,5,"3132333435"'),
    mod("OK", "SEND OK"), done(SendOk()),
    cmd(C.QISendData(0), "AT+QISEND=0", C.ctrl_z_payload(b"12345", hex=True)),
    mod(">"), host(b"3132333435\x1a"), mod("OK", "SEND OK"), done(SendOk()),
    cmd(C.QISendFixed(0, 5, hex=True), "AT+QISEND=0,5", C.fixed_payload(b"12345", 5, hex=True)),
    mod(">"), host(b"3132333435"), mod("OK", "SEND OK"), done(SendOk()),
]

# 4.1.2's tail and 4.1.3: showRA on, then recv URCs carry the sender's address
_SHOW_RA = [
    cmd(C.QICfgShowRA(True), 'AT+QICFG="showRA",1'),
    mod("OK"), done(Ok()),
    cmd(C.QICfgShowRA(), 'AT+QICFG="showRA"'),
    mod('+QICFG: "showRA",1', "OK"), done(Ok()),
    mod('+QIURC: "recv",0,5,"220.180.239.212",8062,"12345"'),
    urc(Recv(0, b"12345", 5, "220.180.239.212", 8062)),
    cmd(C.QISend(0, b"012345678901"), 'AT+QISEND=0,12,"012345678901"'),
    mod("OK", "SEND OK",
        '+QIURC: "recv",0,12, "220.180.239.212",8062,"012345678901"'),
    done(SendOk()),
    urc(Recv(0, b"012345678901", 12, "220.180.239.212", 8062)),
]

CLOSE_0 = [cmd(C.QIClose(0), "AT+QICLOSE=0"), mod("OK", "CLOSE OK"), done(CloseOk())]

EX_4_1 = EX_4_1_1 + _SEND_TEXT + _SEND_HEX + _SHOW_RA + CLOSE_0

UDP = ("220.180.239.212", 8196)
EX_4_2 = [
    cmd(C.QIOpen(0, 0, "UDP SERVICE", "127.0.0.1", 1, 1234, 1),
        'AT+QIOPEN=0,0,"UDP SERVICE","127.0.0.1",1,1234,1'),
    mod("OK", "+QIOPEN: 0,0"), done(OpenResult(0, 0)),
    cmd(C.QIState(1, 0), "AT+QISTATE=1,0"),
    mod('+QISTATE: 0,"UDP SERVICE","127.0.0.1",1,1234,2,0,1', "OK"), done(Ok()),
    cmd(C.QISend(0, b"1234567890", remote_ip=UDP[0], remote_port=UDP[1]),
        'AT+QISEND=0,"220.180.239.212",8196,10,"1234567890"'),
    mod("OK", "SEND OK"), done(SendOk()),
    cmd(C.QISendData(0, *UDP), 'AT+QISEND=0,"220.180.239.212",8196',
        C.ctrl_z_payload(b"1234567890")),
    mod(">"), host(b"1234567890\x1a"), mod("OK", "SEND OK"), done(SendOk()),
    cmd(C.QISendFixed(0, 10, *UDP), 'AT+QISEND=0,"220.180.239.212",8196,10',
        C.fixed_payload(b"1234567890", 10)),
    mod(">"), host(b"1234567890"), mod("OK", "SEND OK"), done(SendOk()),
    # 4.2.3: a UDP SERVICE recv carries the sender's address with showRA off
    mod('+QIURC: "recv",0,5,"220.180.239.212",8196,"12345"'),
    urc(Recv(0, b"12345", 5, *UDP)),
    # the note shows this line as 'AT+QISEND=0, "220...' (a space after the comma);
    # the builder writes the canonical form, which the module reads alike
    cmd(C.QISend(0, b"012345678901", remote_ip=UDP[0], remote_port=UDP[1]),
        'AT+QISEND=0,"220.180.239.212",8196,12,"012345678901"'),
    mod("OK", "SEND OK", '+QIURC: "recv",0,12, "220.180.239.212",8196,"012345678901"'),
    done(SendOk()), urc(Recv(0, b"012345678901", 12, *UDP)),
] + CLOSE_0

EX_4_3 = [
    cmd(C.QIOpen(0, 0, "TCP LISTENER", "192.168.4.26", 0, 5000, 1),
        'AT+QIOPEN=0,0,"TCP LISTENER","192.168.4.26",0,5000,1'),
    mod("OK", "+QIOPEN: 0,0"), done(OpenResult(0, 0)),
    cmd(C.QIState(0, 0), "AT+QISTATE=0,0"),
    mod('+QISTATE: 0,"TCP LISTENER","192.168.4.26",0,5000,2,0,1', "OK"), done(Ok()),
    mod('+QIURC: "incoming",1,0,"192.168.4.30",34835'),
    urc(Incoming(1, 0, "192.168.4.30", 34835)),
    cmd(C.QIStateAll(), "AT+QISTATE?"),
    mod('+QISTATE: 0,"TCP LISTENER","192.168.4.26",0,5000,2,0,1',
        '+QISTATE: 1,"TCP INCOMING","192.168.4.30",34835,5000,2,0,1', "OK"), done(Ok()),
    cmd(C.QISend(1, b"1234567890"), 'AT+QISEND=1,10,"1234567890"'),
    mod("OK", "SEND OK"), done(SendOk()),
    cmd(C.QISendData(1), "AT+QISEND=1", C.ctrl_z_payload(b"1234567890")),
    mod(">"), host(b"1234567890\x1a"), mod("OK", "SEND OK"), done(SendOk()),
    cmd(C.QISendFixed(1, 10), "AT+QISEND=1,10", C.fixed_payload(b"1234567890", 10)),
    mod(">"), host(b"1234567890"), mod("OK", "SEND OK"), done(SendOk()),
    mod('+QIURC: "recv",1,10,"1234567890"'), urc(Recv(1, b"1234567890", 10)),
    *CLOSE_0,
    cmd(C.QIStateAll(), "AT+QISTATE?"), mod("OK"), done(Ok()),
]

DNS_CFG = [
    cmd(C.QIDnsCfg(0, "218.2.2.2", "8.8.8.8"), 'AT+QIDNSCFG=0,"218.2.2.2","8.8.8.8"'),
    mod("OK"), done(Ok()),
    cmd(C.QIDnsCfgQuery(0), "AT+QIDNSCFG=0"),
    mod('+QIDNSCFG: 0,"218.2.2.2","8.8.8.8"', "OK"), done(Ok()),
]

EX_4_4 = DNS_CFG + [
    cmd(C.QPing(0, "iot.quectel.com"), 'AT+QPING=0,"iot.quectel.com"'),
    mod("OK", '+QPING: 0,"47.100.63.174",32,560,88', '+QPING: 0,"47.100.63.174",32,220,88',
        '+QPING: 0,"47.100.63.174",32,230,88', '+QPING: 0,"47.100.63.174",32,280,88',
        "+QPING: 0,4,4,0,220,560,322"),
    done(PingSummary(0, 4, 4, 0, 220, 560, 322)),
]

NTP_TIME = dt.datetime(2019, 6, 11, 11, 8, 20, tzinfo=dt.timezone.utc)
EX_4_5 = DNS_CFG + [
    cmd(C.QNtp(0, "ntp5.aliyun.com"), 'AT+QNTP=0,"ntp5.aliyun.com"'),
    mod("OK", '+QNTP: 0,"2019/06/11,11:08:20"'), done(NtpResult(0, NTP_TIME)),
]

EX_4_6 = DNS_CFG

EX_4_7 = DNS_CFG + [
    cmd(C.QIDnsGip(0, "www.baidu.com"), 'AT+QIDNSGIP=0,"www.baidu.com"'),
    mod("OK", "+QIDNSGIP: 0,1,0", "+QIDNSGIP: 14.215.177.39"), done(DnsResult(0, 1, 0)),
]

EXAMPLES = {"4.1": EX_4_1, "4.2": EX_4_2, "4.3": EX_4_3, "4.4": EX_4_4, "4.5": EX_4_5,
            "4.6": EX_4_6, "4.7": EX_4_7}


@pytest.mark.parametrize("chunking", CHUNKINGS)
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_chapter_4_example(name, chunking):
    play(EXAMPLES[name], chunking)


def test_4_1_sockets_and_settings_follow_the_dialogue():
    s = play(EX_4_1_1 + _SEND_HEX + _SHOW_RA, "joined")
    assert (s.send_format, s.recv_format, s.show_ra) == ("hex", "text", True)
    assert s.sockets[0].state == "open"
    play(CLOSE_0, "joined", s)
    assert s.sockets[0].state == "closed"


def test_4_3_listener_and_incoming_socket():
    s = play(EX_4_3[:8], "joined")
    assert s.sockets[1].service_type == "TCP INCOMING" and s.sockets[1].server_id == 0
    assert s.sockets[0].service_type == "TCP LISTENER"


def test_4_3_close_then_empty_state_query_closes_every_socket():
    s = play(EX_4_3, "joined")
    assert {i: x.state for i, x in s.sockets.items()} == {0: "closed", 1: "closed"}


def test_settings_change_frames_a_recv_urc_in_the_same_chunk():
    """The OK of AT+QICFG and a recv URC framed by the new setting arrive in one read."""
    script = [
        cmd(C.QICfgDataFormat(False, True), 'AT+QICFG="dataformat",0,1'),
        mod("OK", '+QIURC: "recv",0,5,"3132330D0A"'),
        done(Ok()), urc(Recv(0, b"123\r\n", 5)),
        cmd(C.QICfgShowRA(True), 'AT+QICFG="showRA",1'),
        mod("OK", '+QIURC: "recv",0,2,"1.2.3.4",5,"4F4B"'),
        done(Ok()), urc(Recv(0, b"OK", 2, "1.2.3.4", 5)),
    ]
    play(script, "joined")


def test_udp_service_open_frames_recv_that_follows_in_the_same_chunk():
    script = [
        cmd(C.QIOpen(0, 3, "UDP SERVICE", "127.0.0.1", 1, 1234, 1),
            'AT+QIOPEN=0,3,"UDP SERVICE","127.0.0.1",1,1234,1'),
        mod("OK", "+QIOPEN: 3,0", '+QIURC: "recv",3,2,"10.0.0.9",7,"hi"'),
        done(OpenResult(3, 0)), urc(Recv(3, b"hi", 2, "10.0.0.9", 7)),
    ]
    play(script, "joined")
