"""Events of the module profiles: the BG96 family's forms decode to typed events and back.

Every new event (RecvNotice, ReadData, ReadStats, PdpDeactivated, IncomingFull, the
dnsgip URC forms of DnsResult/DnsAddress, the 10-field SocketStatus, NtpResult with
a zone) and Recv in the bg96 framing: ``decode(ev.to_bytes(module=m), module=m) ==
[ev]`` as a property, in streams and byte by byte, on both backends; ``to_dict``;
``pyqio decode --module`` shows each. Needs: pytest, hypothesis (pip).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import os
import pathlib
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyqio
from pyqio import events
from pyqio.capture import CaptureSettings
from pyqio.errors import InvalidArgument
from pyqio.protocol import MODULES
from pyqio.testing import strategies
from pyqio.wire._result import ResultCode

decode_mod = importlib.import_module("pyqio.wire._decoder")
ROOT = pathlib.Path(__file__).resolve().parents[1]
UTC = dt.timezone.utc
SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
BUFFER_IDS = range(6, 12)   # the ids the properties decode as buffer access sockets


@pytest.fixture
def backend(Tokenizer, monkeypatch):  # noqa: N803 - conftest's fixture is a class
    monkeypatch.setattr(decode_mod, "Tokenizer", Tokenizer)
    return Tokenizer


payloads = st.one_of(st.binary(max_size=200), st.lists(st.sampled_from(
    [b"\r\n", b'"', b"OK", b"\x00", b'+QIURC: "recv",0,3\r\n', b"+QIRD: 2\r\n", b"x"]),
    max_size=12).map(b"".join))

# events every profile decodes back (lines; a BC660K never prints them, the decoder
# reads them all the same): the users' strategy of the family's lines
family_lines = strategies.family_events()

# the bg96 framing's events: pushed data (with an address as a UDP SERVICE socket's,
# on any id), notices and +QIRD answers, as the users' strategies draw them
_BG96 = CaptureSettings(module="bg96")
bg96_data = st.one_of(
    strategies.recv_events(_BG96, payloads=payloads, buffer_access=tuple(BUFFER_IDS)),
    strategies.recv_events(dataclasses.replace(_BG96, show_ra=True), payloads=payloads),
    strategies.buffer_events(payloads=payloads, buffer_access=tuple(BUFFER_IDS)),
    st.just(events.Ok()),
)
formats = st.sampled_from(["text", "hex"])


def _decode(data: bytes, fmt: str, module: str) -> list:
    return decode_mod.decode(data, recv_format=fmt, module=module, buffer_access=BUFFER_IDS)


@SETTINGS
@given(st.data())
def test_every_family_event_decodes_back_from_its_bytes(backend, data) -> None:
    fmt, module = data.draw(formats), data.draw(st.sampled_from(MODULES))
    event = data.draw(family_lines | bg96_data if module == "bg96" else family_lines)
    assert _decode(event.to_bytes(recv_format=fmt, module=module), fmt, module) == [event]


@SETTINGS
@given(formats, st.lists(family_lines | bg96_data, min_size=1, max_size=10))
def test_a_bg96_stream_decodes_back_in_order_and_byte_by_byte(backend, fmt, evs) -> None:
    wire = b"".join(e.to_bytes(recv_format=fmt, module="bg96") for e in evs)
    assert _decode(wire, fmt, "bg96") == evs
    dec = decode_mod.Decoder(fmt, module="bg96", buffer_access=BUFFER_IDS)
    out = []
    for b in wire:
        out += dec.feed(bytes([b]))
    assert out + dec.finish() == evs


def test_recv_to_bytes_per_profile() -> None:
    ev = events.Recv(1, b'a"\r\nb', 5)
    assert ev.to_bytes() == b'\r\n+QIURC: "recv",1,5,"a"\r\nb"\r\n'
    assert ev.to_bytes(module="bc66") == ev.to_bytes()
    assert ev.to_bytes(module="bg96") == b'\r\n+QIURC: "recv",1,5\r\na"\r\nb\r\n'
    assert events.Recv(3, b"\x00\xff", 2, "::1", 9).to_bytes("hex", "bg96") == (
        b'\r\n+QIURC: "recv",3,2,"::1",9\r\n00FF\r\n')
    with pytest.raises(InvalidArgument, match="module='bg95'"):
        ev.to_bytes(module="bg95")


@pytest.mark.parametrize("line, event", [
    (b'+QIURC: "pdpdeact",1', events.PdpDeactivated(1)),
    (b'+QIURC: "incoming full"', events.IncomingFull()),
    (b'+QIURC: "dnsgip",0,2,600', events.DnsResult(ResultCode.OK, 2, 600, True)),
    (b'+QIURC: "dnsgip",565', events.DnsResult(565, 0, 0, True)),
    (b'+QIURC: "dnsgip","10.1.2.3"', events.DnsAddress("10.1.2.3", True)),
    (b'+QIURC: "dnsgip",10.1.2.3', events.DnsAddress("10.1.2.3", True)),
    (b'+QISTATE: 1,"TCP","1.2.3.4",80,4000,2,1,0,1,"usbat"',
     events.SocketStatus(1, "TCP", "1.2.3.4", 80, 4000, 2, 1, 1, 0, "usbat")),
    (b"+QIRD: 5,5,0", events.ReadStats(5, 5, 0)),
    (b'+QIURC: "recv",3', events.RecvNotice(3)),
])
def test_family_lines_decode_to_their_events_in_every_profile(backend, line, event) -> None:
    for module in MODULES:
        if module != "bg96" and isinstance(event, events.RecvNotice):
            continue    # a BC660K's recv URC always carries data: a bad header there
        assert decode_mod.decode(b"\r\n" + line + b"\r\n", module=module) == [event]


@pytest.mark.parametrize("line, reason", [
    (b'+QIURC: "pdpdeact"', '"pdpdeact",<contextID>'),
    (b'+QIURC: "dnsgip",1,2', '"dnsgip",<err>'),
    (b'+QIURC: "incoming full",1', '"incoming full"'),
    (b"+QIRD: 5,5", "<total_receive_length>"),
    (b'+QISTATE: 1,"TCP","1.2.3.4",80,4000,2,1,0,1', "or 10"),
])
def test_family_lines_of_the_wrong_shape_are_protocol_errors(line, reason) -> None:
    (ev,) = pyqio.decode(b"\r\n" + line + b"\r\n")
    assert isinstance(ev, events.ProtocolError) and reason in ev.reason and ev.raw == line


def test_dns_answer_as_urcs_uses_the_same_classes_as_qidnsgip() -> None:
    urc = pyqio.decode(b'\r\nOK\r\n\r\n+QIURC: "dnsgip",0,1,300\r\n\r\n+QIURC: "dnsgip","1.2.3.4"\r\n')
    plain = pyqio.decode(b"\r\nOK\r\n\r\n+QIDNSGIP: 0,1,300\r\n\r\n+QIDNSGIP: 1.2.3.4\r\n")
    assert [type(e) for e in urc] == [type(e) for e in plain]
    assert [e.urc for e in urc[1:]] == [True, True] and [e.urc for e in plain[1:]] == [False] * 2


def test_ntp_zone_suffix_printed_time_is_utc_and_suffix_the_local_zone() -> None:
    # the EC200U log: the host set its clock to the printed time plus 8 h for +32
    (ntp,) = pyqio.decode(b'\r\n+QNTP: 0,"2024/05/01,12:00:00+32"\r\n')
    assert ntp.time == dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert ntp.zone_quarters == 32
    assert ntp.tzinfo == dt.timezone(dt.timedelta(hours=8))
    assert ntp.local_time == dt.datetime(2024, 5, 1, 20, 0, tzinfo=ntp.tzinfo)
    assert ntp.local_time.replace(tzinfo=None) == dt.datetime(2024, 5, 1, 20, 0)
    assert ntp.to_bytes() == b'\r\n+QNTP: 0,"2024/05/01,12:00:00+32"\r\n'
    (west,) = pyqio.decode(b'\r\n+QNTP: 0,"24/05/01,12:00:00-08"\r\n')
    assert west.zone_quarters == -8 and west.local_time.hour == 10
    assert west.to_bytes() == b'\r\n+QNTP: 0,"2024/05/01,12:00:00-08"\r\n'
    (plain,) = pyqio.decode(b'\r\n+QNTP: 0,"2024/05/01,12:00:00"\r\n')
    assert plain.zone_quarters is None and plain.tzinfo is None and plain.local_time == plain.time
    # the zone is how the module shows the instant: equality compares the instant
    assert ntp == events.NtpResult(0, ntp.time) and ntp.zone_quarters != plain.zone_quarters
    (bad,) = pyqio.decode(b'\r\n+QNTP: 0,"2024/05/01,12:00:00+99"\r\n')
    assert isinstance(bad, events.ProtocolError) and "not a valid date" in bad.reason


def test_to_dict_of_every_new_event() -> None:
    assert events.RecvNotice(2, 10).to_dict() == {"event": "RecvNotice", "connect_id": 2,
                                                  "length": 10}
    assert events.ReadData(b"a\r\n", "::1", 5).to_dict() == {
        "event": "ReadData", "data": {"hex": "610d0a", "text": "a\r\n"}, "remote_ip": "::1",
        "remote_port": 5}
    assert events.ReadStats(1, 2, 3).to_dict() == {"event": "ReadStats", "total": 1, "read": 2,
                                                   "unread": 3}
    assert events.PdpDeactivated(1).to_dict() == {"event": "PdpDeactivated", "context_id": 1}
    assert events.IncomingFull().to_dict() == {"event": "IncomingFull"}
    assert events.DnsAddress("1.2.3.4", True).to_dict() == {"event": "DnsAddress",
                                                           "ip": "1.2.3.4", "urc": True}
    assert events.NtpResult(0, dt.datetime(2024, 5, 1, tzinfo=UTC), 32).to_dict()[
        "zone_quarters"] == 32
    json.dumps([e.to_dict() for e in (events.SocketStatus(0, "TCP", "h", 1, 2, 3, 1, 0, 2, "uart1"),)])


def test_decoder_module_is_fixed_and_checked_buffer_access_changes_between_feeds(backend) -> None:
    dec = pyqio.Decoder(module="bg96")
    assert dec.module == "bg96" and pyqio.Decoder().module == "bc660k"
    with pytest.raises(AttributeError):
        dec.module = "bc660k"  # type: ignore[misc]
    with pytest.raises(InvalidArgument, match="module='ec21'.*'bc660k', 'bc66', 'bg96'"):
        pyqio.Decoder(module="ec21")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="buffer_access contains 32"):
        dec.buffer_access = {32}
    assert dec.feed(b'\r\n+QIURC: "recv",0,2\r\nab\r\n') == [events.Recv(0, b"ab", 2)]
    dec.buffer_access = {0}
    assert dec.buffer_access == {0}
    assert dec.feed(b'\r\n+QIURC: "recv",0,2\r\n') == [events.RecvNotice(0, 2)]


def test_every_module_frames_the_bc660k_conformance_stream_alike_but_bg96() -> None:
    wire = b'\r\n+QIURC: "recv",0,5,"12345"\r\n\r\nOK\r\n'
    assert pyqio.decode(wire) == pyqio.decode(wire, module="bc66") == [
        events.Recv(0, b"12345", 5), events.Ok()]
    assert isinstance(pyqio.decode(wire, module="bg96")[0], events.ProtocolError)


def _cli(args: list[str], backend: str, stdin: bytes) -> list[dict]:
    env = dict(os.environ, PYQIO_BACKEND=backend, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "pyqio", "decode", *args], input=stdin,
                          capture_output=True, cwd=ROOT, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    return [json.loads(line) for line in proc.stdout.decode().splitlines()]


@pytest.mark.parametrize("cli_backend", ["python", "c"])
def test_pyqio_decode_module_shows_every_new_event(cli_backend: str) -> None:
    evs = [events.Recv(1, b"GET /\r\n", 7), events.Recv(2, b"x", 1, "10.0.0.1", 53),
           events.RecvNotice(0), events.RecvNotice(3, 99), events.ReadData(b"ab\r\n"),
           events.Ok(), events.ReadData(b""), events.ReadStats(4, 4, 0),
           events.PdpDeactivated(1), events.IncomingFull(),
           events.DnsResult(0, 1, 60, True), events.DnsAddress("1.2.3.4", True),
           events.SocketStatus(1, "TCP", "1.2.3.4", 80, 0, 2, 1, 1, 0, "usbat"),
           events.NtpResult(0, dt.datetime(2024, 5, 1, tzinfo=UTC), 32)]
    wire = b"".join(e.to_bytes(module="bg96") for e in evs)
    got = _cli(["--module", "bg96", "--buffer-access", "3"], cli_backend, wire)
    assert got == [e.to_dict() for e in evs]
    assert [g["event"] for g in got][:5] == ["Recv", "Recv", "RecvNotice", "RecvNotice",
                                             "ReadData"]
