"""Every module-output example of chapter 4 of the note, byte for byte, decoded.

Each example is the module's side of the note's transcript: ``<CR><LF>`` framing
(2.1.2), the ``>`` prompt of data mode, and, in the echo variant, the module's echo
of each command line ending in CR (ATE1, the default). The decoder's settings
change between steps as the session changes them after ``AT+QICFG`` succeeds or a
UDP SERVICE opens. Each stream is fed whole and one byte at a time, on both
tokenizer backends.

Where the note's text and its examples disagree, every form is accepted and the
test's name says so.

Needs: pytest (pip).
"""
from __future__ import annotations

import datetime as dt
import importlib

import pytest

from pyqio.events import (
    Closed,
    CloseOk,
    DataFormat,
    DnsAddress,
    DnsResult,
    DnsServers,
    Incoming,
    IpAddress,
    NtpResult,
    Ok,
    OpenResult,
    PingReply,
    PingSummary,
    Prompt,
    Recv,
    SendOk,
    ShowRA,
    SocketStatus,
    Text,
)

# the decoder's module (pyqio.decode is the function)
decode_mod = importlib.import_module("pyqio.wire._decoder")



@pytest.fixture
def backend(Tokenizer, monkeypatch):  # noqa: N803 - conftest's fixture is a class
    """Run the test with ``pyqio.decode`` on one real tokenizer backend (conftest's
    ``Tokenizer`` fixture: every test runs on both)."""
    monkeypatch.setattr(decode_mod, "Tokenizer", Tokenizer)
    return Tokenizer


def r(*lines: bytes) -> bytes:
    """Responses as the module frames them: <CR><LF><response><CR><LF> (2.1.2)."""
    return b"".join(b"\r\n" + line + b"\r\n" for line in lines)


PROMPT = b"\r\n> "
SENT = r(b"OK") + r(b"SEND OK")  # the AT+QISEND answer after data mode
SEND_EVENTS = [Ok(), SendOk()]

# Step: (command line or None for a URC, settings to apply before, module bytes, events)
TCP = "220.180.239.212"
STATE0 = SocketStatus(0, "TCP", TCP, 8062, 0, 2, 0, 1)

EXAMPLES = {
    "4.1.1 TCP client open and state": [
        (b'AT+QIOPEN=0,0,"TCP","220.180.239.212",8062,0,1', {}, r(b"OK", b"+QIOPEN: 0,0"),
         [Ok(), OpenResult(0, 0)]),
        (b"AT+QISTATE=1,0", {}, r(b'+QISTATE: 0,"TCP","220.180.239.212",8062,0,2,0,1', b"OK"),
         [STATE0, Ok()]),
    ],
    "4.1.2 TCP client send in text and hex": [
        (b'AT+QICFG="dataformat",0,0', {}, r(b"OK"), [Ok()]),
        (b'AT+QICFG="dataformat"', {}, r(b'+QICFG: "dataformat",0,0', b"OK"),
         [DataFormat(False, False), Ok()]),
        (b'AT+QISEND=0,5,"12345"', {}, SENT, SEND_EVENTS),
        (b"AT+QISEND=0", {}, PROMPT + SENT, [Prompt(), *SEND_EVENTS]),
        (b"AT+QISEND=0,5", {}, PROMPT + SENT, [Prompt(), *SEND_EVENTS]),
        (b'AT+QICFG="dataformat",1,0', {}, r(b"OK"), [Ok()]),
        (b'AT+QICFG="dataformat"', {}, r(b'+QICFG: "dataformat",1,0', b"OK"),
         [DataFormat(True, False), Ok()]),
        (b'AT+QISEND=0,5,"3132333435"', {}, SENT, SEND_EVENTS),
        (b"AT+QISEND=0", {}, PROMPT + SENT, [Prompt(), *SEND_EVENTS]),
        (b"AT+QISEND=0,5", {}, PROMPT + SENT, [Prompt(), *SEND_EVENTS]),
    ],
    "4.1.3 TCP client receive with showRA, one URC with a space after a comma": [
        (b'AT+QICFG="showRA",1', {}, r(b"OK"), [Ok()]),
        (b'AT+QICFG="showRA"', {"show_ra": True}, r(b'+QICFG: "showRA",1', b"OK"),
         [ShowRA(True), Ok()]),
        (None, {}, r(b'+QIURC: "recv",0,5,"220.180.239.212",8062,"12345"'),
         [Recv(0, b"12345", 5, TCP, 8062)]),
        (b'AT+QISEND=0,12,"012345678901"', {}, SENT, SEND_EVENTS),
        (None, {}, r(b'+QIURC: "recv",0,12, "220.180.239.212",8062,"012345678901"'),
         [Recv(0, b"012345678901", 12, TCP, 8062)]),
    ],
    "4.1.4 close": [
        (b"AT+QICLOSE=0", {}, r(b"OK", b"CLOSE OK"), [Ok(), CloseOk()]),
    ],
    "4.2.1 UDP SERVICE open and state": [
        (b'AT+QIOPEN=0,0,"UDP SERVICE","127.0.0.1",1,1234,1', {},
         r(b"OK", b"+QIOPEN: 0,0"), [Ok(), OpenResult(0, 0)]),
        (b"AT+QISTATE=1,0", {"udp_service": {0}},
         r(b'+QISTATE: 0,"UDP SERVICE","127.0.0.1",1,1234,2,0,1', b"OK"),
         [SocketStatus(0, "UDP SERVICE", "127.0.0.1", 1, 1234, 2, 0, 1), Ok()]),
    ],
    "4.2.2 UDP SERVICE send": [
        (b'AT+QISEND=0,"220.180.239.212",8196,10,"1234567890"', {}, SENT, SEND_EVENTS),
        (b'AT+QISEND=0,"220.180.239.212",8196', {}, PROMPT + SENT, [Prompt(), *SEND_EVENTS]),
        (b'AT+QISEND=0,"220.180.239.212",8196,10', {}, PROMPT + SENT,
         [Prompt(), *SEND_EVENTS]),
    ],
    "4.2.3 UDP SERVICE receive (udp_service={0}), one URC with a space after a comma": [
        (None, {"udp_service": {0}}, r(b'+QIURC: "recv",0,5,"220.180.239.212",8196,"12345"'),
         [Recv(0, b"12345", 5, TCP, 8196)]),
        (b'AT+QISEND=0, "220.180.239.212",8196,12,"012345678901"', {}, SENT, SEND_EVENTS),
        (None, {}, r(b'+QIURC: "recv",0,12, "220.180.239.212",8196,"012345678901"'),
         [Recv(0, b"012345678901", 12, TCP, 8196)]),
    ],
    "4.2.4 close": [
        (b"AT+QICLOSE=0", {}, r(b"OK", b"CLOSE OK"), [Ok(), CloseOk()]),
    ],
    "4.3.1 TCP server open, incoming, state": [
        (b'AT+QIOPEN=0,0,"TCP LISTENER","192.168.4.26",0,5000,1', {},
         r(b"OK", b"+QIOPEN: 0,0"), [Ok(), OpenResult(0, 0)]),
        (b"AT+QISTATE=0,0", {}, r(b'+QISTATE: 0,"TCP LISTENER","192.168.4.26",0,5000,2,0,1',
                                   b"OK"),
         [SocketStatus(0, "TCP LISTENER", "192.168.4.26", 0, 5000, 2, 0, 1), Ok()]),
        (None, {}, r(b'+QIURC: "incoming",1,0,"192.168.4.30",34835'),
         [Incoming(1, 0, "192.168.4.30", 34835)]),
        (b"AT+QISTATE?", {}, r(b'+QISTATE: 0,"TCP LISTENER","192.168.4.26",0,5000,2,0,1',
                               b'+QISTATE: 1,"TCP INCOMING","192.168.4.30",34835,5000,2,0,1',
                               b"OK"),
         [SocketStatus(0, "TCP LISTENER", "192.168.4.26", 0, 5000, 2, 0, 1),
          SocketStatus(1, "TCP INCOMING", "192.168.4.30", 34835, 5000, 2, 0, 1), Ok()]),
    ],
    "4.3.2 TCP server send": [
        (b'AT+QISEND=1,10,"1234567890"', {}, SENT, SEND_EVENTS),
        (b"AT+QISEND=1", {}, PROMPT + SENT, [Prompt(), *SEND_EVENTS]),
        (b"AT+QISEND=1,10", {}, PROMPT + SENT, [Prompt(), *SEND_EVENTS]),
    ],
    "4.3.3 TCP server receive": [
        (None, {}, r(b'+QIURC: "recv",1,10,"1234567890"'), [Recv(1, b"1234567890", 10)]),
    ],
    "4.3.4 close TCP server, no rows left": [
        (b"AT+QICLOSE=0", {}, r(b"OK", b"CLOSE OK"), [Ok(), CloseOk()]),
        (b"AT+QISTATE?", {}, r(b"OK"), [Ok()]),
    ],
}

DNS_CFG = [
    (b'AT+QIDNSCFG=0,"218.2.2.2","8.8.8.8"', {}, r(b"OK"), [Ok()]),
    (b"AT+QIDNSCFG=0", {}, r(b'+QIDNSCFG: 0,"218.2.2.2","8.8.8.8"', b"OK"),
     [DnsServers(0, ("218.2.2.2", "8.8.8.8")), Ok()]),
]
PING_IP = b'+QPING: 0,"47.100.63.174",32,'
EXAMPLES.update({
    "4.4 ping": DNS_CFG + [
        (b'AT+QPING=0,"iot.quectel.com"', {},
         r(b"OK", PING_IP + b"560,88", PING_IP + b"220,88", PING_IP + b"230,88",
           PING_IP + b"280,88", b"+QPING: 0,4,4,0,220,560,322"),
         [Ok()] + [PingReply(0, "47.100.63.174", 32, t, 88) for t in (560, 220, 230, 280)]
         + [PingSummary(0, 4, 4, 0, 220, 560, 322)]),
    ],
    "4.5 NTP, time shown as YYYY/MM/DD": DNS_CFG + [
        (b'AT+QNTP=0,"ntp5.aliyun.com"', {}, r(b"OK", b'+QNTP: 0,"2019/06/11,11:08:20"'),
         [Ok(), NtpResult(0, dt.datetime(2019, 6, 11, 11, 8, 20, tzinfo=dt.timezone.utc))]),
    ],
    "4.6 DNS server configuration shown with two addresses": DNS_CFG,
    "4.7 DNS lookup, address shown bare": DNS_CFG + [
        (b'AT+QIDNSGIP=0,"www.baidu.com"', {},
         r(b"OK", b"+QIDNSGIP: 0,1,0", b"+QIDNSGIP: 14.215.177.39"),
         [Ok(), DnsResult(0, 1, 0), DnsAddress("14.215.177.39")]),
    ],
})


def _run(steps: list, echo: bytes | None, byte_by_byte: bool) -> tuple[list, list]:
    dec = decode_mod.Decoder()
    got: list = []
    want: list = []
    for command, settings, module, events in steps:
        for name, value in settings.items():
            setattr(dec, name, value)
        data = module
        if command is not None and echo is not None:
            data = command + echo + module
            want.append(Text(command))
        want += events
        chunks = [data[i:i + 1] for i in range(len(data))] if byte_by_byte else [data]
        for chunk in chunks:
            got += dec.feed(chunk)
    return got + dec.finish(), want


@pytest.mark.parametrize("echo", [None, b"\r", b"\r\r\n"],
                         ids=["no echo", "echo ending CR", "echo ending CR CR LF"])
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_chapter_4_example_decodes_exactly(backend, name: str, echo: bytes | None) -> None:
    got, want = _run(EXAMPLES[name], echo, byte_by_byte=False)
    assert got == want


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_chapter_4_example_fed_byte_by_byte_decodes_the_same(backend, name: str) -> None:
    got, want = _run(EXAMPLES[name], b"\r", byte_by_byte=True)
    assert got == want


def test_whole_chapter_4_as_one_stream_decodes_in_order(backend) -> None:
    # the note's sections one after another, on one decoder, settings applied on the way;
    # the sections are independent examples, so each starts from the default settings
    fresh = (None, {"show_ra": False, "udp_service": ()}, b"", [])
    steps = [s for name in sorted(EXAMPLES) for s in [fresh, *EXAMPLES[name]]]
    got, want = _run(steps, b"\r", byte_by_byte=False)
    assert got == want


# ---- where the note's text and its examples disagree: every form ----

@pytest.mark.parametrize("line", [
    b'+QNTP: 0,"2019/06/11,11:08:20"',  # shown in 4.5
    b'+QNTP: 0,"19/06/11,11:08:20"',  # documented in 2.3.6
    b'+QNTP: 0,"19/06/11,11:08:20+00"',  # with AT+CCLK's zone suffix
])
def test_ntp_time_documented_yy_and_shown_yyyy_both_decode(backend, line: bytes) -> None:
    assert decode_mod.decode(r(line)) == [
        NtpResult(0, dt.datetime(2019, 6, 11, 11, 8, 20, tzinfo=dt.timezone.utc))]


def test_dns_config_shown_with_two_and_documented_with_four_addresses_both_decode(
        backend) -> None:
    assert decode_mod.decode(r(b'+QIDNSCFG: 0,"218.2.2.2","8.8.8.8"',
                                 b'+QIDNSCFG: 0,"218.2.2.2","8.8.8.8","::1",""')) == [
        DnsServers(0, ("218.2.2.2", "8.8.8.8")),
        DnsServers(0, ("218.2.2.2", "8.8.8.8", "::1", ""))]


def test_dns_address_shown_bare_and_documented_as_string_both_decode(backend) -> None:
    assert decode_mod.decode(r(b"+QIDNSGIP: 14.215.177.39",
                                 b'+QIDNSGIP: "14.215.177.39"')) == [
        DnsAddress("14.215.177.39")] * 2


def test_recv_with_and_without_space_after_comma_both_decode(backend) -> None:
    assert decode_mod.decode(r(b'+QIURC: "recv",0,12, "220.180.239.212",8062,"012345678901"',
                                 b'+QIURC: "recv",0,12,"220.180.239.212",8062,"012345678901"'),
                               show_ra=True) == [Recv(0, b"012345678901", 12, TCP, 8062)] * 2


def test_udp_service_recv_decodes_with_show_ra_as_well_as_udp_service(backend) -> None:
    wire = r(b'+QIURC: "recv",0,5,"220.180.239.212",8196,"12345"')
    want = [Recv(0, b"12345", 5, TCP, 8196)]
    assert decode_mod.decode(wire, show_ra=True) == want
    assert decode_mod.decode(wire, udp_service={0}) == want


# ---- URCs between the lines of a response ----

URCS = [
    (r(b'+QIURC: "recv",2,8,"\r\nOK\r\n\"x"'), Recv(2, b'\r\nOK\r\n"x', 8)),
    (r(b'+QIURC: "closed",3'), Closed(3)),
    (r(b"+IP: 10.0.0.2"), IpAddress("10.0.0.2")),
    (r(b'+QIURC: "incoming",4,0,"127.0.0.1",40000'), Incoming(4, 0, "127.0.0.1", 40000)),
]

RESPONSES = [
    ("QISEND OK then SEND OK", [b"OK", b"SEND OK"], [Ok(), SendOk()]),
    ("QISTATE rows", [b'+QISTATE: 0,"TCP LISTENER","127.0.0.1",0,5000,2,0,1',
                      b'+QISTATE: 1,"TCP INCOMING","127.0.0.1",34835,5000,2,0,1', b"OK"],
     [SocketStatus(0, "TCP LISTENER", "127.0.0.1", 0, 5000, 2, 0, 1),
      SocketStatus(1, "TCP INCOMING", "127.0.0.1", 34835, 5000, 2, 0, 1), Ok()]),
    ("QPING replies", [b"OK", b'+QPING: 0,"127.0.0.1",32,5,64', b"+QPING: 0,1,1,0,5,5,5"],
     [Ok(), PingReply(0, "127.0.0.1", 32, 5, 64), PingSummary(0, 1, 1, 0, 5, 5, 5)]),
    ("QIDNSGIP", [b"OK", b"+QIDNSGIP: 0,1,0", b"+QIDNSGIP: 127.0.0.1"],
     [Ok(), DnsResult(0, 1, 0), DnsAddress("127.0.0.1")]),
    ("QICLOSE", [b"OK", b"CLOSE OK"], [Ok(), CloseOk()]),
]


@pytest.mark.parametrize("urc, urc_event", URCS, ids=["recv", "closed", "+IP", "incoming"])
@pytest.mark.parametrize("lines, events", [x[1:] for x in RESPONSES],
                         ids=[x[0] for x in RESPONSES])
def test_urc_between_any_two_lines_of_a_response_decodes_in_order(
        backend, lines: list, events: list, urc: bytes, urc_event) -> None:
    for at in range(len(lines) + 1):
        wire = r(*lines[:at]) + urc + r(*lines[at:])
        assert decode_mod.decode(wire) == events[:at] + [urc_event] + events[at:], at
