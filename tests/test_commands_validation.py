"""Builders refuse what the note does not allow, naming parameter, value and range.

No extra packages needed (pytest only).
"""
from __future__ import annotations

import pytest

from pyqio.commands import (
    Echo,
    QICfgDataFormat,
    QICfgShowRA,
    QIClose,
    QIDnsCfg,
    QIDnsCfgQuery,
    QIDnsGip,
    QIOpen,
    QISend,
    QISendData,
    QISendFixed,
    QISendStats,
    QIState,
    QNtp,
    QPing,
    TestCommand,
    ctrl_z_payload,
    fixed_payload,
)
from pyqio.errors import InvalidArgument, PyqioError

IP = "220.180.239.212"

# (rule, thunk, fragments the message must hold)
RULES = [
    ("context_id above 10", lambda: QIDnsCfgQuery(11), ["context_id=11", "0–10"]),
    ("context_id below 0", lambda: QPing(-1, "h"), ["context_id=-1", "0–10"]),
    ("connect_id above 4", lambda: QIClose(7), ["connect_id=7 is out of range 0–4"]),
    ("connect_id not an int", lambda: QIClose("1"), ["connect_id='1'", "0–4"]),
    ("connect_id a bool", lambda: QISendStats(True), ["connect_id=True", "0–4"]),
    ("service_type unknown", lambda: QIOpen(0, 0, "TCP INCOMING", "h", 1),
     ["service_type='TCP INCOMING'", '"TCP LISTENER"']),
    ("remote_port 0 for TCP", lambda: QIOpen(0, 0, "TCP", "h", 0), ["remote_port=0", "1–65535"]),
    ("remote_port 0 for UDP SERVICE", lambda: QIOpen(0, 0, "UDP SERVICE", "h", 0, 5),
     ["remote_port=0", "1–65535"]),
    ("remote_port above 65535", lambda: QIOpen(0, 0, "UDP", "h", 65536),
     ["remote_port=65536", "1–65535"]),
    ("local_port above 65535", lambda: QIOpen(0, 0, "TCP", "h", 1, 65536),
     ["local_port=65536", "0–65535"]),
    ("local_port missing for TCP LISTENER", lambda: QIOpen(0, 0, "TCP LISTENER", "h", 0),
     ["local_port=None", "TCP LISTENER", "1–65535"]),
    ("local_port 0 for UDP SERVICE", lambda: QIOpen(0, 0, "UDP SERVICE", "h", 1, 0),
     ["local_port=0", "1–65535"]),
    ("access_mode other than 1", lambda: QIOpen(0, 0, "TCP", "h", 1, 0, 0),
     ["access_mode=0", "1 (direct push mode only"]),
    ("access_mode without local_port", lambda: QIOpen(0, 0, "TCP", "h", 1, None, 1),
     ["access_mode=1 needs local_port"]),
    ("host over 150 bytes", lambda: QIOpen(0, 0, "TCP", "h" * 151, 1),
     ["host", "151", "1–150"]),
    ("host empty", lambda: QPing(0, ""), ["host=''", "1–150"]),
    ("hostname over 150 bytes", lambda: QIDnsGip(0, "a" * 151), ["hostname", "151", "1–150"]),
    ("server over 150 bytes", lambda: QNtp(0, "a" * 151), ["server", "151", "1–150"]),
    ("DNS address over 64 bytes", lambda: QIDnsCfg(0, "1" * 65), ["primary", "65", "1–64"]),
    ("DNS address not an IP", lambda: QIDnsCfg(0, "8.8.8.8", "dns.example"),
     ["secondary='dns.example'", "IPv4 or IPv6"]),
    ("query_type above 1", lambda: QIState(2, 0), ["query_type=2", "0–1"]),
    ("contextID of query_type 0 above 10", lambda: QIState(0, 11), ["id=11", "0–10"]),
    ("connectID of query_type 1 above 4", lambda: QIState(1, 5), ["id=5", "0–4"]),
    ("send_length above 1024 in text", lambda: QISend(0, b"a" * 1025),
     ["send_length=1025", "1–1024 (text mode)"]),
    ("send_length above 512 in hex", lambda: QISend(0, b"a" * 513, hex=True),
     ["send_length=513", "1–512 (hex mode)"]),
    ("send_length 0 (empty data)", lambda: QISend(0, b""), ["send_length=0", "1–1024"]),
    ("fixed length above 1024", lambda: QISendFixed(0, 1025), ["length=1025", "1–1024"]),
    ("fixed length above 512 in hex", lambda: QISendFixed(0, 600, hex=True),
     ["length=600", "1–512 (hex mode)"]),
    ("fixed length 0 with remote", lambda: QISendFixed(0, 0, IP, 1), ["length=0", "1–1024"]),
    ("rai_mode above 2", lambda: QISend(0, b"a", rai_mode=3), ["rai_mode=3", "0–2"]),
    ("remote_ip without remote_port", lambda: QISendData(0, IP),
     [f"remote_ip={IP!r}", "needs remote_port"]),
    ("remote_port without remote_ip", lambda: QISend(0, b"a", remote_port=5),
     ["remote_port=5", "needs remote_ip"]),
    ("remote_port out of range", lambda: QISendData(0, IP, 0), ["remote_port=0", "1–65535"]),
    ("remote_ip not an IP", lambda: QISendFixed(0, 1, "example.com", 5),
     ["remote_ip='example.com'", "IPv4 or IPv6"]),
    ("ping timeout 0", lambda: QPing(0, "h", 0), ["timeout=0", "1–255"]),
    ("ping timeout 256", lambda: QPing(0, "h", 256), ["timeout=256", "1–255"]),
    ("ping count 11", lambda: QPing(0, "h", 4, 11), ["count=11", "1–10"]),
    ("ping size 31", lambda: QPing(0, "h", 4, 4, 31), ["size=31", "32–1500"]),
    ("ping size 1501", lambda: QPing(0, "h", 4, 4, 1501), ["size=1501", "32–1500"]),
    ("ping rai 2", lambda: QPing(0, "h", 4, 4, 32, 2), ["rai=2", "0–1"]),
    ("ping count without timeout", lambda: QPing(0, "h", count=3),
     ["count=3 needs timeout"]),
    ("ping rai without size", lambda: QPing(0, "h", 4, 4, rai=1), ["rai=1 needs size"]),
    ("NTP port 0", lambda: QNtp(0, "ntp", 0), ["port=0", "1–65535"]),
    ("NTP auto_set_time 2", lambda: QNtp(0, "ntp", 123, 2), ["auto_set_time=2", "0–1"]),
    ("NTP auto_set_time without port", lambda: QNtp(0, "ntp", auto_set_time=1),
     ["auto_set_time=1 needs port"]),
    ("dataformat value 2", lambda: QICfgDataFormat(2, 0), ["send_hex=2", "0–1"]),
    ("dataformat one format only", lambda: QICfgDataFormat(True), ["send_hex=True needs recv_hex"]),
    ("showRA value 2", lambda: QICfgShowRA(2), ["enabled=2", "0–1"]),
    ("echo value 5", lambda: Echo(5), ["enabled=5", "0–1"]),
    ("test command unknown", lambda: TestCommand("QBAND"), ["name='QBAND'", "QIOPEN"]),
]


@pytest.mark.parametrize("rule,thunk,fragments", RULES, ids=[r[0] for r in RULES])
def test_builder_refuses_naming_parameter_value_and_range(rule, thunk, fragments):
    with pytest.raises(InvalidArgument) as info:
        thunk()
    for fragment in fragments:
        assert fragment in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, PyqioError)


@pytest.mark.parametrize("cmd", [
    QIOpen(0, 4, "TCP LISTENER", "0.0.0.0", 0, 1), QIOpen(10, 0, "UDP SERVICE", "h", 65535, 65535),
    QIOpen(0, 0, "TCP", "h" * 150, 1, 0), QISend(0, b"a" * 1024), QISend(0, b"\xff" * 512, hex=True),
    QISendFixed(0, 1024), QISendFixed(0, 512, hex=True), QPing(0, "h", 255, 10, 1500, 0),
    QPing(0, "h", 1, 1, 32), QNtp(0, "n", 65535, 0), QIDnsCfg(0, "a" * 0 + "1.2.3.4"),
    QIState(0, 10), QIState(1, 4), QISend(4, b"x", rai_mode=2, remote_ip="::1", remote_port=1),
])
def test_values_at_the_edges_of_the_ranges_are_accepted(cmd):
    assert cmd.to_bytes().endswith(b"\r")


# --- injection: nothing a caller passes can end the line or start a second command

INJECTIONS = ['a"', "a\r", "a\n", "a\x1a", "a\x1b", "a\x00", "a\x7f", "a\tb", "é",
              'x",1\rAT+QICLOSE=0']


@pytest.mark.parametrize("bad", INJECTIONS, ids=[repr(b) for b in INJECTIONS])
@pytest.mark.parametrize("build", [
    lambda s: QIOpen(0, 0, "TCP", s, 1), lambda s: QPing(0, s), lambda s: QNtp(0, s),
    lambda s: QIDnsGip(0, s), lambda s: QIDnsCfg(0, s), lambda s: QIDnsCfg(0, "8.8.8.8", s),
    lambda s: QISend(0, b"a", remote_ip=s, remote_port=1),
    lambda s: QISendData(0, s, 1), lambda s: QISendFixed(0, 1, s, 1),
], ids=["qiopen-host", "qping-host", "qntp-server", "qidnsgip-hostname", "dns-primary",
        "dns-secondary", "qisend-remote_ip", "qisenddata-remote_ip", "qisendfixed-remote_ip"])
def test_quoted_parameter_refuses_quote_and_control_bytes(build, bad):
    with pytest.raises(InvalidArgument):
        build(bad)


@pytest.mark.parametrize("byte", [b'"', b"\r", b"\n", b"\x1a", b"\x1b", b"\x00", b"\x7f"])
def test_inline_text_data_refuses_what_it_cannot_carry_naming_the_form_that_can(byte):
    with pytest.raises(InvalidArgument, match=r"use fixed-length data mode \(QISendFixed\) or hex"):
        QISend(0, b"ab" + byte + b"cd")


@pytest.mark.parametrize("byte", [b'"', b"\r", b"\n", b"\x1a", b"\x1b", b"\x00"])
def test_hex_inline_data_carries_any_byte(byte):
    assert QISend(0, byte, hex=True).to_bytes() == b'AT+QISEND=0,1,"%s"\r' % byte.hex().upper().encode()


@pytest.mark.parametrize("byte", [b"\x1a", b"\x1b"])
def test_ctrl_z_payload_refuses_ctrl_z_and_esc_naming_the_form_that_can(byte):
    with pytest.raises(InvalidArgument, match=r"use fixed_payload \(QISendFixed\) or hex"):
        ctrl_z_payload(b"ab" + byte)


def test_ctrl_z_payload_in_hex_carries_ctrl_z_and_esc():
    assert ctrl_z_payload(b"\x1a\x1b", hex=True) == b"1A1B\x1a"


def test_ctrl_z_payload_stops_short_of_the_module_s_1024_byte_auto_send():
    assert ctrl_z_payload(b"a" * 1023).endswith(b"a\x1a")
    with pytest.raises(InvalidArgument, match=r"1024 bytes.*1–1023.*fixed_payload"):
        ctrl_z_payload(b"a" * 1024)
    with pytest.raises(InvalidArgument, match=r"1–511"):
        ctrl_z_payload(b"a" * 512, hex=True)
    with pytest.raises(InvalidArgument, match=r"0 bytes"):
        ctrl_z_payload(b"")


def test_fixed_payload_carries_every_byte_and_adds_no_ctrl_z():
    every = bytes(range(256)) * 4
    assert fixed_payload(every, 1024) == every
    assert fixed_payload(b"\x1a", 1) == b"\x1a"


def test_fixed_payload_refuses_a_length_that_does_not_match():
    with pytest.raises(InvalidArgument, match=r"length=5 does not match the data's length 4"):
        fixed_payload(b"abcd", 5)
    with pytest.raises(InvalidArgument, match=r"length=513 is out of range 1–512 \(hex mode\)"):
        fixed_payload(b"a" * 513, 513, hex=True)


@pytest.mark.parametrize("text,why", [("123", "odd number of digits"),
                                      ("12zz", "'z' at offset 2 is not a hex digit")])
def test_hex_data_given_as_text_must_be_even_length_hex_digits(text, why):
    with pytest.raises(InvalidArgument, match=why):
        QISend(0, text, hex=True)
    with pytest.raises(InvalidArgument, match=why):
        ctrl_z_payload(text, hex=True)
    with pytest.raises(InvalidArgument, match=why):
        fixed_payload(text, 2, hex=True)


def test_commands_are_frozen():
    cmd = QIClose(1)
    with pytest.raises(AttributeError):
        cmd.connect_id = 3  # type: ignore[misc]


@pytest.mark.parametrize("thunk", [
    lambda: QPing(0, "a" * 100_000 + '"'), lambda: QIClose("x" * 100_000),
    lambda: QIDnsCfg(0, "1" * 100_000), lambda: QISend(0, b"a" * 100_000),
    lambda: QIOpen(0, 0, "T" * 100_000, "h", 1), lambda: TestCommand("Q" * 100_000),
])
def test_error_messages_stay_small_whatever_is_passed(thunk):
    with pytest.raises(InvalidArgument) as info:
        thunk()
    assert len(str(info.value)) < 300


@pytest.mark.parametrize("text", ["1 2 ", "12\n3", "\u0661\u0662", "0x12"])
def test_hex_data_refuses_whitespace_and_non_ascii_digits(text):
    # bytes.fromhex alone would skip the whitespace; str.isdigit would take Arabic digits
    with pytest.raises(InvalidArgument, match="not a hex digit"):
        QISend(0, text, hex=True)
