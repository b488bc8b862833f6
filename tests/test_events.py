"""Event serializers: ``to_bytes()`` writes what the module sends, ``to_dict()`` JSON.

The property: for every generated event, ``decode(event.to_bytes(fmt)) == [event]``,
alone, in a stream of many, and fed one byte at a time; on both tokenizer backends.

Needs: pytest, hypothesis (pip).
"""
from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_3gpp_events import gpp_events

from pyqio import ResultCode, events
from pyqio.errors import InvalidArgument
from pyqio.wire._lines import _HANDLERS

# the decoder's module (pyqio.decode is the function)
decode_mod = importlib.import_module("pyqio.wire._decoder")
UTC = dt.timezone.utc
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def backend(Tokenizer, monkeypatch):  # noqa: N803 - conftest's fixture is a class
    """Run the test with ``pyqio.decode`` on one real tokenizer backend (conftest's
    ``Tokenizer`` fixture: every test runs on both)."""
    monkeypatch.setattr(decode_mod, "Tokenizer", Tokenizer)
    return Tokenizer


# ---- strategies: events the module can send, in forms that decode back ----

ids = st.integers(0, 4)
ports = st.integers(0, 65535)
counts = st.integers(0, 10**6)
results = st.one_of(st.sampled_from(list(ResultCode)), st.integers(0, 999))
ipv4 = st.ip_addresses(v=4).map(str)
ips = st.one_of(ipv4, st.ip_addresses(v=6).map(str))
words = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E,
                              exclude_characters='"(),<>'), min_size=1, max_size=20)
hosts = st.from_regex(r"[a-z0-9][a-z0-9.-]{0,30}", fullmatch=True) | ipv4
names = st.from_regex(r"[A-Z][A-Z0-9]{0,9}", fullmatch=True).filter(
    lambda n: n not in _HANDLERS)
times = st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2099, 12, 31)).map(
    lambda t: t.replace(microsecond=0, tzinfo=UTC))


def _recvs(hex_mode: bool) -> st.SearchStrategy:
    data = st.binary(max_size=300)
    # without a length the payload ends at '"' + line end, so it may not hold one
    unframed = st.binary(max_size=300).filter(lambda d: b'"\r' not in d and b'"\n' not in d)
    return st.one_of(
        st.builds(lambda c, d: events.Recv(c, d, len(d)), ids, data),
        st.builds(lambda c, d, ip, p: events.Recv(c + 5, d, len(d), ip, p),
                  ids, data, ips, ports),
        st.builds(lambda c, d, ip, p: events.Recv(c, d, None, ip, p, framed=False),
                  ids, data if hex_mode else unframed, ips, ports),
    )


def _params(with_paren: bool) -> st.SearchStrategy:
    simple = st.one_of(st.integers(-5, 70000), words,
                       words.map(lambda w: f"<{w}>"))
    paren = st.one_of(
        st.tuples(st.integers(0, 999), st.integers(0, 999)).map(
            lambda ab: range(min(ab), max(ab) + 1)),
        st.lists(st.one_of(st.integers(0, 99), words), min_size=1, max_size=4).map(tuple))
    if not with_paren:
        return st.lists(simple, max_size=6).map(tuple)
    return st.lists(st.one_of(simple, paren), min_size=1, max_size=6).filter(
        lambda ps: any(isinstance(p, (range, tuple)) for p in ps)).map(tuple)


_text_lines = st.binary(max_size=60).filter(
    lambda b: not set(b) & {0, 10, 13}).map(lambda b: events.Text(b"AT" + b))

line_events = st.one_of(
    st.sampled_from([events.Ok(), events.Error(), events.SendOk(), events.SendFail(),
                     events.CloseOk()]),
    st.builds(events.CmeError, st.integers(0, 999) | st.from_regex(
        r"[a-z][a-z ]{0,30}[a-z]", fullmatch=True)),
    st.builds(events.Closed, ids),
    st.builds(events.Incoming, ids, ids, ips, ports),
    st.builds(events.OpenResult, ids, results),
    st.builds(events.SocketStatus, ids, st.sampled_from(
        ["TCP", "UDP", "TCP LISTENER", "TCP INCOMING", "UDP SERVICE"]), hosts, ports, ports,
        st.integers(0, 4), st.integers(0, 10), st.just(1)),
    st.builds(events.SendStats, counts, counts, counts),
    st.builds(events.PingReply, results),
    st.builds(events.PingReply, results, ips, st.integers(32, 1500), counts,
              st.integers(0, 255)),
    st.builds(events.PingSummary, results, *[counts] * 6),
    st.builds(events.NtpResult, results, st.none() | times),
    st.builds(events.DnsResult, results, st.integers(0, 10), counts),
    st.builds(events.DnsAddress, ips),
    st.builds(events.DnsServers, st.integers(0, 10), st.one_of(
        st.tuples(ips | st.just(""), ips | st.just("")),
        st.tuples(ipv4, ipv4, st.just("") | ips, st.just("") | ips))),
    st.builds(events.DataFormat, st.booleans(), st.booleans()),
    st.builds(events.ShowRA, st.booleans()),
    st.builds(events.IpAddress, ips),
    st.builds(events.TestResponse, names, _params(True)),
    st.builds(events.Info, names, _params(False)),
    _text_lines,
    st.just(events.Prompt()),
    gpp_events,
)


formats = st.sampled_from(["text", "hex"])


@st.composite
def event_streams(draw) -> tuple:
    fmt = draw(formats)
    evs = draw(st.lists(st.one_of(line_events, _recvs(fmt == "hex")), min_size=1,
                        max_size=12))
    return fmt, evs


def _decode(data: bytes, fmt: str) -> list:
    # connect ids 5-9 stand for UDP SERVICE sockets: their recv URCs carry the address
    return decode_mod.decode(data, recv_format=fmt, udp_service=range(5, 10))


@SETTINGS
@given(st.data())
def test_every_event_decodes_back_from_its_bytes(backend, data) -> None:
    fmt = data.draw(formats)
    event = data.draw(st.one_of(line_events, _recvs(fmt == "hex")))
    assert _decode(event.to_bytes(recv_format=fmt), fmt) == [event]


@SETTINGS
@given(event_streams())
def test_a_stream_of_events_decodes_back_in_order(backend, stream) -> None:
    fmt, evs = stream
    assert _decode(b"".join(e.to_bytes(recv_format=fmt) for e in evs), fmt) == evs


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event_streams())
def test_a_stream_fed_byte_by_byte_decodes_as_whole(backend, stream) -> None:
    fmt, evs = stream
    dec = decode_mod.Decoder(fmt, udp_service=range(5, 10))
    out = []
    for b in b"".join(e.to_bytes(recv_format=fmt) for e in evs):
        out += dec.feed(bytes([b]))
    assert out + dec.finish() == evs


# ---- exact bytes, from the note's examples ----

@pytest.mark.parametrize("event, wire", [
    (events.OpenResult(0, 0), b"\r\n+QIOPEN: 0,0\r\n"),
    (events.Ok(), b"\r\nOK\r\n"),
    (events.Prompt(), b"\r\n> "),
    (events.SocketStatus(0, "TCP", "220.180.239.212", 8062, 0, 2, 0, 1),
     b'\r\n+QISTATE: 0,"TCP","220.180.239.212",8062,0,2,0,1\r\n'),
    (events.PingReply(0, "47.100.63.174", 32, 560, 88),
     b'\r\n+QPING: 0,"47.100.63.174",32,560,88\r\n'),
    (events.PingSummary(0, 4, 4, 0, 220, 560, 322), b"\r\n+QPING: 0,4,4,0,220,560,322\r\n"),
    (events.NtpResult(0, dt.datetime(2019, 6, 11, 11, 8, 20, tzinfo=UTC)),
     b'\r\n+QNTP: 0,"2019/06/11,11:08:20"\r\n'),
    (events.DnsAddress("14.215.177.39"), b"\r\n+QIDNSGIP: 14.215.177.39\r\n"),
    (events.DnsResult(0, 1, 0), b"\r\n+QIDNSGIP: 0,1,0\r\n"),
    (events.DnsServers(0, ("218.2.2.2", "8.8.8.8")),
     b'\r\n+QIDNSCFG: 0,"218.2.2.2","8.8.8.8"\r\n'),
    (events.DataFormat(True, False), b'\r\n+QICFG: "dataformat",1,0\r\n'),
    (events.ShowRA(True), b'\r\n+QICFG: "showRA",1\r\n'),
    (events.IpAddress("10.18.237.42"), b"\r\n+IP: 10.18.237.42\r\n"),
    (events.Closed(0), b'\r\n+QIURC: "closed",0\r\n'),
    (events.Incoming(1, 0, "192.168.4.30", 34835),
     b'\r\n+QIURC: "incoming",1,0,"192.168.4.30",34835\r\n'),
    (events.Recv(1, b"1234567890", 10), b'\r\n+QIURC: "recv",1,10,"1234567890"\r\n'),
    (events.Recv(0, b"12345", 5, "220.180.239.212", 8062),
     b'\r\n+QIURC: "recv",0,5,"220.180.239.212",8062,"12345"\r\n'),
    (events.TestResponse("QICLOSE", (range(0, 5),)), b"\r\n+QICLOSE: (0-4)\r\n"),
    (events.SendOk(), b"\r\nSEND OK\r\n"),
    (events.CloseOk(), b"\r\nCLOSE OK\r\n"),
    (events.CmeError(3), b"\r\n+CME ERROR: 3\r\n"),
])
def test_to_bytes_writes_the_modules_exact_bytes(event, wire: bytes) -> None:
    assert event.to_bytes() == wire


def test_recv_to_bytes_in_hex_writes_hex_digits() -> None:
    assert events.Recv(0, b"12345", 5).to_bytes(recv_format="hex") == (
        b'\r\n+QIURC: "recv",0,5,"3132333435"\r\n')


def test_recv_to_bytes_rejects_unknown_format_naming_it() -> None:
    with pytest.raises(InvalidArgument, match="recv_format='bin'.*'text' and 'hex'"):
        events.Recv(0, b"x", 1).to_bytes(recv_format="bin")


def test_ntp_time_is_written_in_utc() -> None:
    local = dt.datetime(2019, 6, 11, 19, 8, 20, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert events.NtpResult(0, local).to_bytes() == b'\r\n+QNTP: 0,"2019/06/11,11:08:20"\r\n'


# ---- to_dict ----

def test_to_dict_is_json_ready_with_hex_bytes_iso_times_and_numeric_results() -> None:
    recv = events.Recv(0, b"\x00\xffhi", 4, "127.0.0.1", 9)
    assert recv.to_dict() == {"event": "Recv", "connect_id": 0, "data": {"hex": "00ff6869"},
                              "length": 4, "remote_ip": "127.0.0.1", "remote_port": 9,
                              "framed": True}
    ntp = events.NtpResult(ResultCode.OPERATION_TIMEOUT,
                           dt.datetime(2019, 6, 11, 11, 8, 20, tzinfo=UTC))
    assert ntp.to_dict() == {"event": "NtpResult", "result": 569,
                             "time": "2019-06-11T11:08:20+00:00", "zone_quarters": None}
    assert type(ntp.to_dict()["result"]) is int
    assert events.Text(b"AT").to_dict() == {"event": "Text",
                                            "line": {"hex": "4154", "text": "AT"}}
    test = events.TestResponse("QPING", (range(0, 11), "<host>", (0, 1)))
    assert test.to_dict()["params"] == [{"range": [0, 10]}, "<host>", [0, 1]]


@SETTINGS
@given(st.one_of(line_events, _recvs(False)))
def test_to_dict_of_every_event_dumps_to_json(event) -> None:
    dumped = json.loads(json.dumps(event.to_dict()))
    assert dumped["event"] == type(event).__name__

