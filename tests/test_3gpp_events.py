"""3GPP TS 27.007 answers and the ``+CEREG`` URC as typed events, on both backends.

Lines as real modules print them (empty optional fields, bare or quoted strings) decode
to their events; every generated event decodes back from its own bytes; the timer
strings read as seconds; a malformed line is a ``ProtocolError`` naming the form.
``gpp_events`` is also part of test_events' stream strategies.  Needs: pytest, hypothesis.
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyqio import events as E
from pyqio.events import (
    AttachState,
    Clock,
    EdrxSetting,
    Functionality,
    PdpAddress,
    PdpContext,
    ProtocolError,
    PsmSettings,
    Registration,
    SerialNumber,
    SignalQuality,
)

decode_mod = importlib.import_module("pyqio.wire._decoder")
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def backend(Tokenizer, monkeypatch):  # noqa: N803 - conftest's fixture is a class
    monkeypatch.setattr(decode_mod, "Tokenizer", Tokenizer)
    return Tokenizer


def one(line: bytes) -> E.Event:
    (ev,) = decode_mod.decode(b"\r\n" + line + b"\r\n")
    return ev


# ---- the forms real modules print ----

@pytest.mark.parametrize("line, event", [
    (b"+CFUN: 1", Functionality(1)),
    (b"+CEREG: 1", Registration(1)),
    (b"+CEREG: 0,1", Registration(1, n=0)),
    (b'+CEREG: 2,1,"1A2B",,9', Registration(1, "1A2B", None, 9, n=2)),
    (b'+CEREG: 5,"1A2B","0000C001",9', Registration(5, "1A2B", "0000C001", 9)),
    (b'+CEREG: 2,5,"1A2B","0000C001",9', Registration(5, "1A2B", "0000C001", 9, n=2)),
    (b'+CEREG: 3,"1A2B","0000C001",9,0,15', Registration(3, "1A2B", "0000C001", 9, 0, 15)),
    (b'+CEREG: 1,"1A2B","0000C001",9,,,"00000101","00100001"',
     Registration(1, "1A2B", "0000C001", 9, None, None, "00000101", "00100001")),
    (b'+CEREG: 4,1,"1A2B","0000C001",9,,,"00000101","00100001"',
     Registration(1, "1A2B", "0000C001", 9, None, None, "00000101", "00100001", n=4)),
    (b"+CEREG: 2, 1, 1A2B, , 9", Registration(1, "1A2B", None, 9, n=2)),  # bare, spaced
    (b"+CGATT: 1", AttachState(True)),
    (b'+CGPADDR: 0,"10.165.40.7"', PdpAddress(0, "10.165.40.7")),
    (b"+CGPADDR: 0,10.165.40.7", PdpAddress(0, "10.165.40.7")),
    (b"+CGPADDR: 1", PdpAddress(1)),
    (b'+CGPADDR: 0,"10.1.1.1","2001:db8::1"', PdpAddress(0, "10.1.1.1", "2001:db8::1")),
    (b'+CGDCONT: 0,"IP","iot.nb","10.1.1.1",0,0,0,,,,,,0,,0',
     PdpContext(0, "IP", "iot.nb", ("10.1.1.1", 0, 0, 0, None, None, None, None, None, 0,
                                    None, 0))),
    (b'+CGDCONT: 1,"IP",""', PdpContext(1, "IP", "")),
    (b"+CSQ: 20,99", SignalQuality(20, 99)),
    (b"+CPSMS: 0", PsmSettings(0)),
    (b'+CPSMS: 1,,,"00100001","00000101"', PsmSettings(1, None, None, "00100001", "00000101")),
    (b'+CEDRXS: 5,"0101"', EdrxSetting(5, "0101")),
    (b"+CEDRXS: 5", EdrxSetting(5)),
    (b'+CCLK: "24/05/01,12:00:00+32"', Clock("24/05/01,12:00:00+32")),
    (b"+CCLK: 24/05/01,12:00:00+32", Clock("24/05/01,12:00:00+32")),
    (b'+CCLK: "2024/05/01,12:00:00-04"', Clock("2024/05/01,12:00:00-04")),
    (b"+CGSN: 866818039921444", SerialNumber("866818039921444")),
    (b'+CGSN: "866818039921444"', SerialNumber("866818039921444")),
    (b"+CFUN: (0,1,4),(0,1)", E.TestResponse("CFUN", ((0, 1, 4), (0, 1)))),
    (b"+CEREG: (0-5)", E.TestResponse("CEREG", (range(0, 6),))),
])
def test_module_lines_decode_to_typed_events(backend, line, event):
    assert one(line) == event


@pytest.mark.parametrize("line, why", [
    (b"+CEREG: 1,2,3", "with <n> first in the read answer, got 3 field(s)"),
    (b"+CEREG:", "got 0 field(s)"),
    (b'+CEREG: 1,"1A2B","0000C001",x', "<AcT> is not an integer"),
    (b'+CEREG: 1,"1A2B","0000C001",9,,,"0101","00100001"', "<Active-Time> is not a string of 8"),
    (b"+CSQ: 20", "expected <rssi>,<ber>"),
    (b"+CGATT: 2", "<state> must be 0 or 1"),
    (b'+CCLK: "24/13/01,12:00:00+32"', "<time>"),
    (b'+CCLK: "yesterday"', "<time>"),
    (b'+CEDRXS: 5,"01010"', "not a string of 4 bits"),
    (b'+CGDCONT: 1,"IP"', "<cid>,<PDP_type>,<APN>"),
])
def test_malformed_lines_are_protocol_errors_naming_the_form(backend, line, why):
    ev = one(line)
    assert isinstance(ev, ProtocolError) and why in ev.reason and ev.raw == line


def test_helpers_read_timers_signal_and_clock():
    reg = Registration(1, "1A2B", "0000C001", 9, None, None, "00000101", "00100001")
    assert reg.registered and reg.is_urc
    assert (reg.active_time_s, reg.periodic_tau_s) == (10, 3600)
    assert not Registration(2).registered and Registration(5, n=2).registered
    assert Registration(1, active_time="11100000").active_time_s is None  # deactivated
    psm = PsmSettings(1, None, None, "00100001", "00000101")
    assert (psm.periodic_tau_s, psm.active_time_s) == (3600, 10)
    assert EdrxSetting(5, "0101").cycle_s == 81.92
    assert [SignalQuality(r, 99).rssi_dbm for r in (0, 1, 20, 31, 99)] == \
        [-113, -111, -73, -51, None]
    t = Clock("24/05/01,12:00:00+32").time
    assert t == dt.datetime(2024, 5, 1, 4, 0, tzinfo=dt.timezone.utc)
    assert t.utcoffset() == dt.timedelta(hours=8)


# ---- strategies: every 3GPP event, in forms that decode back ----

bits8 = st.from_regex(r"[01]{8}", fullmatch=True)
hexes = st.from_regex(r"[0-9A-F]{4,8}", fullmatch=True)
apns = st.from_regex(r"[a-z0-9.-]{0,30}", fullmatch=True)
small = st.integers(0, 255)
opt = st.none().__or__
clock_texts = st.builds(
    lambda t, sign, q: t.strftime("%y/%m/%d,%H:%M:%S") + f"{sign}{q:02d}",
    st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2099, 12, 31)),
    st.sampled_from("+-"), st.integers(0, 48))


@st.composite
def registrations(draw) -> Registration:
    """Groups fill left to right, as 27.007 nests them; values inside a group may be empty."""
    groups = draw(st.integers(0, 3))
    loc = [draw(opt(hexes)), draw(opt(hexes)), draw(opt(small))] if groups >= 1 else [None] * 3
    cause = [draw(opt(small)), draw(opt(small))] if groups >= 2 else [None] * 2
    psm = [draw(opt(bits8)), draw(opt(bits8))] if groups >= 3 else [None] * 2
    n = draw(opt(st.integers(0, 5)))
    return Registration(draw(st.sampled_from([0, 1, 2, 3, 4, 5, 80])), *loc, *cause, *psm, n=n)


params = st.one_of(st.none(), st.integers(0, 99), apns.filter(bool))
gpp_events = st.one_of(
    st.builds(Functionality, st.integers(0, 127)),
    registrations(),
    st.builds(AttachState, st.booleans()),
    st.builds(PdpAddress, st.integers(0, 10)),
    st.builds(PdpAddress, st.integers(0, 10), st.ip_addresses().map(str)),
    st.builds(PdpAddress, st.integers(0, 10), st.ip_addresses(v=4).map(str),
              st.ip_addresses(v=6).map(str)),
    st.builds(PdpContext, st.integers(0, 10), st.sampled_from(["IP", "IPV6", "Non-IP"]), apns,
              st.lists(params, max_size=12).map(tuple)),
    st.builds(SignalQuality, st.integers(0, 99), st.integers(0, 99)),
    st.builds(PsmSettings, st.integers(0, 2), opt(bits8), opt(bits8), opt(bits8), opt(bits8)),
    st.builds(EdrxSetting, st.integers(0, 5), opt(st.from_regex(r"[01]{4}", fullmatch=True))),
    st.builds(Clock, clock_texts),
    st.builds(SerialNumber, st.from_regex(r"[0-9]{15,16}", fullmatch=True)),
)


@SETTINGS
@given(event=gpp_events)
def test_every_3gpp_event_decodes_back_from_its_bytes(backend, event):
    assert decode_mod.decode(event.to_bytes()) == [event]


@SETTINGS
@given(evs=st.lists(gpp_events, min_size=1, max_size=8))
def test_3gpp_streams_decode_back_fed_byte_by_byte(backend, evs):
    dec = decode_mod.Decoder()
    out = []
    for b in b"".join(e.to_bytes() for e in evs):
        out += dec.feed(bytes([b]))
    assert out + dec.finish() == evs


@pytest.mark.parametrize("event, wire", [
    (Registration(1, "1A2B", None, 9, n=2), b'\r\n+CEREG: 2,1,"1A2B",,9\r\n'),
    (Registration(1), b"\r\n+CEREG: 1\r\n"),
    (Registration(1, active_time="00000101"), b'\r\n+CEREG: 1,,,,,,"00000101",\r\n'),
    (PsmSettings(1, None, None, "00100001", "00000101"),
     b'\r\n+CPSMS: 1,,,"00100001","00000101"\r\n'),
    (SignalQuality(20, 99), b"\r\n+CSQ: 20,99\r\n"),
    (PdpAddress(0, "10.1.1.1"), b'\r\n+CGPADDR: 0,"10.1.1.1"\r\n'),
    (Clock("24/05/01,12:00:00+32"), b'\r\n+CCLK: "24/05/01,12:00:00+32"\r\n'),
])
def test_to_bytes_writes_the_27007_forms(event, wire):
    assert event.to_bytes() == wire


def test_to_dict_and_the_decode_cli_show_them(tmp_path):
    ev = Registration(1, "1A2B", "0000C001", 9, None, None, "00000101", "00100001")
    assert ev.to_dict() == {"event": "Registration", "stat": 1, "tac": "1A2B",
                            "ci": "0000C001", "act": 9, "cause_type": None,
                            "reject_cause": None, "active_time": "00000101",
                            "periodic_tau": "00100001", "n": None}
    capture = tmp_path / "module.bin"
    capture.write_bytes(b'\r\n+CSQ: 20,99\r\n\r\nOK\r\n' + ev.to_bytes())
    out = subprocess.run([sys.executable, "-m", "pyqio", "decode", str(capture)],
                         capture_output=True, text=True, check=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0] == {"event": "SignalQuality", "rssi": 20, "ber": 99}
    assert rows[2] == ev.to_dict()
