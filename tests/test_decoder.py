"""The decoder: every response form of every command in the note -> its typed event.

Line classification is tested on lines directly (``classify_line``); the streaming
``Decoder`` (tokens -> events, settings changed between feeds, the demux path)
runs on both tokenizer backends through the ``decoder_backend`` fixture.

Needs: pytest, hypothesis (pip).
"""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyqio import ResultCode
from pyqio.errors import InvalidArgument
from pyqio.events import (
    Closed,
    CloseOk,
    CmeError,
    DataFormat,
    DnsAddress,
    DnsResult,
    DnsServers,
    Error,
    Event,
    Incoming,
    Info,
    IpAddress,
    NtpResult,
    Ok,
    OpenResult,
    PingReply,
    PingSummary,
    Prompt,
    ProtocolError,
    Recv,
    SendFail,
    SendOk,
    SendStats,
    ShowRA,
    SocketStatus,
    TestResponse,
    Text,
)
from pyqio.wire._lines import classify_line

UTC = dt.timezone.utc

# (line as the module writes it, without CR LF) -> event; the note's section in the id
LINES = [
    ("2.1.2 OK", b"OK", Ok()),
    ("2.1.2 ERROR", b"ERROR", Error()),
    ("2.3.4 SEND OK", b"SEND OK", SendOk()),
    ("2.3.4 SEND FAIL", b"SEND FAIL", SendFail()),
    ("2.3.2 CLOSE OK", b"CLOSE OK", CloseOk()),
    ("CME numeric", b"+CME ERROR: 3", CmeError(3)),
    ("CME verbose", b"+CME ERROR: operation not allowed", CmeError("operation not allowed")),
    ("2.3.1 QIOPEN ok", b"+QIOPEN: 0,0", OpenResult(0, ResultCode.OK)),
    ("2.3.1 QIOPEN failed", b"+QIOPEN: 2,566",
     OpenResult(2, ResultCode.SOCKET_CONNECTION_FAILED)),
    ("2.3.1 QIOPEN unknown code stays int", b"+QIOPEN: 1,999", OpenResult(1, 999)),
    ("2.3.3 QISTATE", b'+QISTATE: 0,"TCP","220.180.239.212",8062,0,2,0,1',
     SocketStatus(0, "TCP", "220.180.239.212", 8062, 0, 2, 0, 1)),
    ("2.3.3 QISTATE incoming", b'+QISTATE: 1,"TCP INCOMING","192.168.4.30",34835,5000,2,0,1',
     SocketStatus(1, "TCP INCOMING", "192.168.4.30", 34835, 5000, 2, 0, 1)),
    ("2.3.3 QISTATE bare host", b"+QISTATE: 0,\"UDP\",example.org,53,0,2,0,1",
     SocketStatus(0, "UDP", "example.org", 53, 0, 2, 0, 1)),
    ("2.3.4 QISEND stats", b"+QISEND: 10,8,2", SendStats(10, 8, 2)),
    ("2.3.5 QPING reply", b'+QPING: 0,"47.100.63.174",32,560,88',
     PingReply(ResultCode.OK, "47.100.63.174", 32, 560, 88)),
    ("2.3.5 QPING summary", b"+QPING: 0,4,4,0,220,560,322",
     PingSummary(ResultCode.OK, 4, 4, 0, 220, 560, 322)),
    ("2.3.5 QPING lone result", b"+QPING: 569", PingReply(ResultCode.OPERATION_TIMEOUT)),
    ("2.3.6 QNTP shown YYYY", b'+QNTP: 0,"2019/06/11,11:08:20"',
     NtpResult(ResultCode.OK, dt.datetime(2019, 6, 11, 11, 8, 20, tzinfo=UTC))),
    ("2.3.6 QNTP documented YY", b'+QNTP: 0,"19/06/11,11:08:20"',
     NtpResult(ResultCode.OK, dt.datetime(2019, 6, 11, 11, 8, 20, tzinfo=UTC))),
    # the EC200U reading: the printed time is UTC, the suffix the local zone
    ("QNTP zone +32: printed time is UTC, zone UTC+8", b'+QNTP: 0,"19/06/11,11:08:20+32"',
     NtpResult(ResultCode.OK, dt.datetime(2019, 6, 11, 11, 8, 20, tzinfo=UTC), 32)),
    ("QNTP zone -08: printed time is UTC, zone UTC-2", b'+QNTP: 0,"2019/06/11,23:08:20-08"',
     NtpResult(ResultCode.OK, dt.datetime(2019, 6, 11, 23, 8, 20, tzinfo=UTC), -8)),
    ("2.3.6 QNTP time unquoted", b"+QNTP: 0,2019/06/11,11:08:20",
     NtpResult(ResultCode.OK, dt.datetime(2019, 6, 11, 11, 8, 20, tzinfo=UTC))),
    ("2.3.6 QNTP failure", b"+QNTP: 569", NtpResult(ResultCode.OPERATION_TIMEOUT)),
    ("2.3.7 QIDNSGIP header", b"+QIDNSGIP: 0,1,0", DnsResult(ResultCode.OK, 1, 0)),
    ("2.3.7 QIDNSGIP bare address (4.7)", b"+QIDNSGIP: 14.215.177.39",
     DnsAddress("14.215.177.39")),
    ("2.3.7 QIDNSGIP quoted address (2.3.7 string type)", b'+QIDNSGIP: "14.215.177.39"',
     DnsAddress("14.215.177.39")),
    ("2.3.7 QIDNSGIP IPv6 address", b'+QIDNSGIP: "2001:db8::1"', DnsAddress("2001:db8::1")),
    ("2.3.7 QIDNSGIP lone failing result", b"+QIDNSGIP: 565",
     DnsResult(ResultCode.DNS_PARSE_FAILED, 0, 0)),
    ("2.3.8 QIDNSCFG two addresses (4.6)", b'+QIDNSCFG: 0,"218.2.2.2","8.8.8.8"',
     DnsServers(0, ("218.2.2.2", "8.8.8.8"))),
    ("2.3.8 QIDNSCFG four addresses (2.3.8)",
     b'+QIDNSCFG: 0,"218.2.2.2","8.8.8.8","2001:4860:4860::8888",""',
     DnsServers(0, ("218.2.2.2", "8.8.8.8", "2001:4860:4860::8888", ""))),
    ("2.3.8 QIDNSCFG bare and empty", b"+QIDNSCFG: 0,218.2.2.2,",
     DnsServers(0, ("218.2.2.2", ""))),
    ("2.3.9 QICFG dataformat", b'+QICFG: "dataformat",1,0', DataFormat(True, False)),
    ("2.3.9 QICFG showRA", b'+QICFG: "showRA",1', ShowRA(True)),
    ("2.3.9 QICFG other kind is Info", b'+QICFG: "future",3', Info("QICFG", ("future", 3))),
    ("+IP bare", b"+IP: 10.18.237.42", IpAddress("10.18.237.42")),
    ("+IP quoted", b'+IP: "10.18.237.42"', IpAddress("10.18.237.42")),
    ("2.4.1 closed", b'+QIURC: "closed",0', Closed(0)),
    ("2.4.3 incoming", b'+QIURC: "incoming",1,0,"192.168.4.30",34835',
     Incoming(1, 0, "192.168.4.30", 34835)),
    ("QIURC other kind is Info", b'+QIURC: "pdp",1', Info("QIURC", ("pdp", 1))),
    ("other +NAME is Info", b'+QENG: 0,1,"2A3B",-5', Info("QENG", (0, 1, "2A3B", -5))),
    ("Info without parameters", b"+QSCLK:", Info("QSCLK", ())),
    ("echo is Text", b'AT+QIOPEN=0,0,"TCP","127.0.0.1",8062,0,1',
     Text(b'AT+QIOPEN=0,0,"TCP","127.0.0.1",8062,0,1')),
    ("banner is Text", b"Quectel BC660K-GL", Text(b"Quectel BC660K-GL")),
    ("unsplittable unknown +NAME is Text", b'+XYZ: "open', Text(b'+XYZ: "open')),
    ("trailing blank after OK", b"OK  ", Ok()),
]

# test-command answers (AT+<cmd>=?), one per command of the note
TESTS = [
    ("2.3.1", b'+QIOPEN: (0-10),(0-4),"TCP/UDP/TCP LISTENER/UDP SERVICE",<host>,(1-65535),'
              b"(0-65535),(1)",
     TestResponse("QIOPEN", (range(0, 11), range(0, 5), "TCP/UDP/TCP LISTENER/UDP SERVICE",
                             "<host>", range(1, 65536), range(0, 65536), (1,)))),
    ("2.3.2", b"+QICLOSE: (0-4)", TestResponse("QICLOSE", (range(0, 5),))),
    ("2.3.3 context", b"+QISTATE: 0,(0-10)", TestResponse("QISTATE", (0, range(0, 11)))),
    ("2.3.3 connect", b"+QISTATE: 1,(0-4)", TestResponse("QISTATE", (1, range(0, 5)))),
    ("2.3.4 with spaces", b"+QISEND: (0-4),<remote_ip>,<remote_port>, (1-1024),<data>, (0-2)",
     TestResponse("QISEND", (range(0, 5), "<remote_ip>", "<remote_port>", range(1, 1025),
                             "<data>", range(0, 3)))),
    ("2.3.5", b"+QPING: (0-10),<host>,(1-255),(1-10),(32-1500),(0,1)",
     TestResponse("QPING", (range(0, 11), "<host>", range(1, 256), range(1, 11),
                            range(32, 1501), (0, 1)))),
    ("2.3.6", b"+QNTP: (0-10),<server>,(1-65535),(0,1)",
     TestResponse("QNTP", (range(0, 11), "<server>", range(1, 65536), (0, 1)))),
    ("2.3.7", b"+QIDNSGIP: (0-10),<hostname>",
     TestResponse("QIDNSGIP", (range(0, 11), "<hostname>"))),
    ("2.3.8", b"+QIDNSCFG: (0-10),<pridnsaddr>,<secdnsaddr>",
     TestResponse("QIDNSCFG", (range(0, 11), "<pridnsaddr>", "<secdnsaddr>"))),
    ("2.3.9 dataformat", b'+QICFG: "dataformat",(0,1),(0,1)',
     TestResponse("QICFG", ("dataformat", (0, 1), (0, 1)))),
    ("2.3.9 showRA", b'+QICFG: "showRA",(0,1)', TestResponse("QICFG", ("showRA", (0, 1)))),
    ("quoted list items", b'+QIOPEN: ("TCP","UDP")', TestResponse("QIOPEN", (("TCP", "UDP"),))),
]

# a known prefix with the wrong shape: ProtocolError, never an exception
BAD = [
    (b"+QIOPEN: x", "<connectID>,<result>"),
    (b"+QIOPEN: 0", "<connectID>,<result>"),
    (b"+QIOPEN: 0,abc", "<result> is not an integer"),
    (b'+QISTATE: 0,"TCP","h",1,2,3', "8 fields"),
    (b'+QISTATE: 0,"TCP","h",x,2,3,0,1', "<remote_port> is not an integer"),
    (b"+QISEND: 1,2", "<sent>,<acked>,<nAcked>"),
    (b"+QPING: 0,1,2", "1, 5 or 7 fields"),
    (b'+QPING: 0,"not an ip!",32,5,6', "<IP_address> is not an IP address"),
    (b'+QNTP: 0,"yesterday"', "time is not"),
    (b'+QNTP: 0,"2019/13/11,11:08:20"', "not a valid date"),
    (b'+QNTP: 0,"2019/02/30,11:08:20"', "not a valid date"),
    (b"+QIDNSGIP: 0,1", "<result>,<IP_count>,<DNS_ttl>"),
    (b"+QIDNSGIP: www.example.com", "<hostIPaddr> is not an IP address"),
    (b'+QIDNSCFG: 0,"1.1.1.1"', "two or four addresses"),
    (b'+QICFG: "dataformat",2,0', "<send_data_format> must be 0 or 1"),
    (b'+QICFG: "showRA"', '"showRA",<showRA_mode>'),
    (b"+IP: ", "<ip>"),
    (b'+QIURC: "closed"', '"closed",<connectID>'),
    (b'+QIURC: "incoming",1,0,"1.2.3.4"', "<remote_port>"),
    (b'+QIURC: "recv",0,1,2', '"recv",<connectID>[,<data_len>]'),
    (b'+QIOPEN: "0,0', "unbalanced quote"),
    (b"+CME ERROR: ", "+CME ERROR"),
]


@pytest.mark.parametrize("line, event", [c[1:] for c in LINES], ids=[c[0] for c in LINES])
def test_line_decodes_to_its_event(line: bytes, event: object) -> None:
    assert classify_line(line) == event


@pytest.mark.parametrize("line, event", [c[1:] for c in TESTS], ids=[c[0] for c in TESTS])
def test_test_command_answer_decodes_to_test_response(line: bytes, event: object) -> None:
    assert classify_line(line) == event


@pytest.mark.parametrize("line, reason", BAD, ids=[b[0].decode() for b in BAD])
def test_known_prefix_with_wrong_shape_is_protocol_error_naming_the_fault(
        line: bytes, reason: str) -> None:
    event = classify_line(line)
    assert isinstance(event, ProtocolError)
    assert reason in event.reason
    assert event.raw == line


def test_space_after_every_comma_is_tolerated() -> None:
    line = b'+QISTATE: 0, "TCP", "220.180.239.212", 8062, 0, 2, 0, 1'
    assert classify_line(line) == SocketStatus(0, "TCP", "220.180.239.212", 8062, 0, 2, 0, 1)
    assert classify_line(b"+QPING: 0, 4, 4, 0, 220, 560, 322") == PingSummary(
        0, 4, 4, 0, 220, 560, 322)


def test_result_fields_are_result_code_members_when_known() -> None:
    event = classify_line(b"+QIOPEN: 0,566")
    assert event.result is ResultCode.SOCKET_CONNECTION_FAILED
    assert type(classify_line(b"+QIOPEN: 0,12").result) is int


def test_ntp_time_is_utc_aware() -> None:
    event = classify_line(b'+QNTP: 0,"2019/06/11,11:08:20"')
    assert event.time.utcoffset() == dt.timedelta(0)


def test_urc_prefix_is_classified_before_command_answers() -> None:
    # "+QIURC:" shares no handler with the pending command's answers
    assert classify_line(b'+QIURC: "closed",3') == Closed(3)
    assert classify_line(b"+QIOPEN: 3,0") == OpenResult(3, 0)


def test_non_utf8_bytes_in_an_info_line_survive_to_bytes() -> None:
    line = b'+XYZ: "\xff\xfe",1'
    event = classify_line(line)
    assert isinstance(event, Info)
    assert event.to_bytes() == b"\r\n" + line + b"\r\n"


# ---- the streaming Decoder (tokenizer involved: both backends) ----

def test_recv_token_becomes_recv_event(decoder_factory) -> None:
    dec = decoder_factory()
    assert dec.feed(b'\r\n+QIURC: "recv",1,10,"1234567890"\r\n') == [
        Recv(1, b"1234567890", 10)]


def test_prompt_becomes_prompt_event(decoder_factory) -> None:
    for form in (b">", b"> ", b"\r\n>", b"\r\n> ", b"\r\n>\r\n"):
        assert decoder_factory().feed(form) == [Prompt()], form


def test_hex_format_set_between_feeds_decodes_payload(decoder_factory) -> None:
    dec = decoder_factory()
    assert dec.feed(b'\r\n+QIURC: "recv",0,2,"ab"\r\n') == [Recv(0, b"ab", 2)]
    dec.recv_format = "hex"
    assert dec.recv_format == "hex"
    assert dec.feed(b'\r\n+QIURC: "recv",0,2,"6162"\r\n') == [Recv(0, b"ab", 2)]


def test_show_ra_set_between_feeds_reads_the_address(decoder_factory) -> None:
    dec = decoder_factory()
    dec.show_ra = True
    assert dec.show_ra is True
    assert dec.feed(b'\r\n+QIURC: "recv",0,5,"127.0.0.1",8062,"12345"\r\n') == [
        Recv(0, b"12345", 5, "127.0.0.1", 8062)]


def test_udp_service_ids_read_the_address_only_for_those_ids(decoder_factory) -> None:
    dec = decoder_factory(udp_service={2})
    assert dec.udp_service == frozenset({2})
    stream = (b'\r\n+QIURC: "recv",2,3,"127.0.0.1",9,"abc"\r\n'
              b'\r\n+QIURC: "recv",0,3,"abc"\r\n')
    assert dec.feed(stream) == [Recv(2, b"abc", 3, "127.0.0.1", 9), Recv(0, b"abc", 3)]


def test_address_form_without_length_is_not_length_framed(decoder_factory) -> None:
    dec = decoder_factory()
    assert dec.feed(b'+QIURC: "recv",0,"::1",5683,"hi"\r\n') == [
        Recv(0, b"hi", None, "::1", 5683, framed=False)]


def test_feed_demux_appends_payload_and_returns_other_events(decoder_factory) -> None:
    dec = decoder_factory()
    buffers = [bytearray(), None, None, None, None]
    events = dec.feed_demux(b'\r\n+QIURC: "recv",0,3,"a\r\n"\r\n\r\nOK\r\n'
                            b'\r\n+QIURC: "recv",1,1,"z"\r\n'
                            b'\r\n+QIURC: "recv",0,2,"bc"\r\n', buffers)
    assert buffers[0] == b"a\r\nbc"
    assert events == [Ok(), Recv(1, b"z", 1)]


def test_finish_reports_truncated_recv_and_flushes_partial_line(decoder_factory) -> None:
    dec = decoder_factory()
    assert dec.feed(b"\r\nOK") == []
    assert dec.finish() == [Ok()]
    dec.feed(b'\r\n+QIURC: "recv",0,10,"abc')
    [event] = dec.finish()
    assert isinstance(event, ProtocolError) and event.reason == "truncated recv"


def test_tokenizer_error_becomes_protocol_error_and_decoding_goes_on(decoder_factory) -> None:
    dec = decoder_factory()
    events = dec.feed(b'\r\n+QIURC: "recv",x\r\n\r\nOK\r\n')
    assert events[0] == ProtocolError("bad recv header", b'+QIURC: "recv",x')
    assert events[1:] == [Ok()]


def test_endless_line_is_capped_and_what_follows_decodes(decoder_factory) -> None:
    dec = decoder_factory(max_line=256)
    events = dec.feed(b"\r\n" + b"A" * 10_000 + b"\r\n+QIOPEN: 0,0\r\n")
    assert events[0] == ProtocolError("line too long", b"A" * 256)
    assert events[1:] == [OpenResult(0, 0)]


@pytest.mark.parametrize("kwargs, words", [
    ({"recv_format": "binary"}, ["recv_format", "'binary'", "'text'", "'hex'"]),
    ({"udp_service": {5, 40}}, ["udp_service", "40", "0-31"]),
    ({"udp_service": 3}, ["udp_service", "3"]),
    ({"show_ra": "yes"}, ["show_ra", "'yes'", "True and False"]),
    ({"max_line": 10}, ["max_line", "10", "256"]),
])
def test_bad_settings_raise_invalid_argument_naming_value_and_range(
        decoder_factory, kwargs: dict, words: list) -> None:
    with pytest.raises(InvalidArgument) as info:
        decoder_factory(**kwargs)
    assert isinstance(info.value, ValueError)
    for word in words:
        assert word in str(info.value)


def test_bad_setting_between_feeds_raises_and_keeps_the_old_value(decoder_factory) -> None:
    dec = decoder_factory()
    with pytest.raises(InvalidArgument):
        dec.recv_format = "HEX"
    assert dec.recv_format == "text"



# ---- backends ----

@pytest.fixture
def decoder_factory(Tokenizer, monkeypatch):  # noqa: N803 - conftest's fixture is a class
    """Build Decoders on one real tokenizer backend (conftest's ``Tokenizer``: both run)."""
    import importlib
    decode_mod = importlib.import_module("pyqio.wire._decoder")
    monkeypatch.setattr(decode_mod, "Tokenizer", Tokenizer)
    return decode_mod.Decoder


# ---- garbage never raises ----

_KNOWN = [b"+QIOPEN:", b"+QISTATE:", b"+QISEND:", b"+QPING:", b"+QNTP:", b"+QIDNSGIP:",
          b"+QIDNSCFG:", b'+QICFG: "dataformat",', b'+QICFG: "showRA",', b"+IP:",
          b'+QIURC: "closed",', b'+QIURC: "incoming",', b"+CME ERROR:", b"+X:"]
_GARBAGE = st.binary(max_size=80).filter(lambda b: b"\r" not in b and b"\n" not in b)
_PIECES = st.sampled_from([b'"', b",", b" ", b"(", b")", b"-", b"0", b"65535", b"1.2.3.4",
                           b"/", b":", b"+32", b"2019/06/11,11:08:20", b"\xff", b"x"])


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_KNOWN), st.lists(_PIECES | _GARBAGE, max_size=12))
def test_known_prefix_with_any_parameters_gives_an_event_never_an_exception(
        prefix: bytes, pieces: list) -> None:
    line = prefix + b"".join(pieces)
    event = classify_line(line)
    assert isinstance(event, Event)
    if isinstance(event, ProtocolError):
        assert event.raw == line and event.reason


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_decode_to_events_never_an_exception(decoder_factory, data) -> None:
    dec = decoder_factory(max_line=256, show_ra=True)
    events = dec.feed(data) + dec.finish()
    assert all(isinstance(e, Event) for e in events)
    assert all(len(e.raw) <= 256 for e in events if isinstance(e, ProtocolError))
