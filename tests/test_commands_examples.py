"""Every host command line of chapter 4 of the note: parsed, typed, and written back.

No extra packages needed (pytest only).
"""
from __future__ import annotations

import pytest

from pyqio.commands import (
    CTRL_Z,
    ESC,
    At,
    Echo,
    Identify,
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
    QIStateAll,
    QNtp,
    QPing,
    TestCommand,
    ctrl_z_payload,
    fixed_payload,
    parse,
)

# (section, line as printed in the note, send data format in force, expected command)
CHAPTER_4 = [
    ("4.1.1", b'AT+QIOPEN=0,0,"TCP","220.180.239.212",8062,0,1', "text",
     QIOpen(0, 0, "TCP", "220.180.239.212", 8062, 0, 1)),
    ("4.1.1", b"AT+QISTATE=1,0", "text", QIState(1, 0)),
    ("4.1.2", b'AT+QICFG="dataformat",0,0', "text", QICfgDataFormat(False, False)),
    ("4.1.2", b'AT+QICFG="dataformat"', "text", QICfgDataFormat()),
    ("4.1.2", b'AT+QISEND=0,5,"12345"', "text", QISend(0, b"12345")),
    ("4.1.2", b"AT+QISEND=0", "text", QISendData(0)),
    ("4.1.2", b"AT+QISEND=0,5", "text", QISendFixed(0, 5)),
    ("4.1.2", b'AT+QICFG="dataformat",1,0', "text", QICfgDataFormat(True, False)),
    ("4.1.2", b'AT+QISEND=0,5,"3132333435"', "hex", QISend(0, b"12345", hex=True)),
    ("4.1.2", b"AT+QISEND=0", "hex", QISendData(0)),
    ("4.1.2", b"AT+QISEND=0,5", "hex", QISendFixed(0, 5, hex=True)),
    ("4.1.3", b'AT+QICFG="showRA",1', "text", QICfgShowRA(True)),
    ("4.1.3", b'AT+QICFG="showRA"', "text", QICfgShowRA()),
    ("4.1.3", b'AT+QISEND=0,12,"012345678901"', "text", QISend(0, b"012345678901")),
    ("4.1.4", b"AT+QICLOSE=0", "text", QIClose(0)),
    ("4.2.1", b'AT+QIOPEN=0,0,"UDP SERVICE","127.0.0.1",1,1234,1', "text",
     QIOpen(0, 0, "UDP SERVICE", "127.0.0.1", 1, 1234, 1)),
    ("4.2.2", b'AT+QISEND=0,"220.180.239.212",8196,10,"1234567890"', "text",
     QISend(0, b"1234567890", remote_ip="220.180.239.212", remote_port=8196)),
    ("4.2.2", b'AT+QISEND=0,"220.180.239.212",8196', "text",
     QISendData(0, "220.180.239.212", 8196)),
    ("4.2.2", b'AT+QISEND=0,"220.180.239.212",8196,10', "text",
     QISendFixed(0, 10, "220.180.239.212", 8196)),
    ("4.3.1", b'AT+QIOPEN=0,0,"TCP LISTENER","192.168.4.26",0,5000,1', "text",
     QIOpen(0, 0, "TCP LISTENER", "192.168.4.26", 0, 5000, 1)),
    ("4.3.1", b"AT+QISTATE=0,0", "text", QIState(0, 0)),
    ("4.3.1", b"AT+QISTATE?", "text", QIStateAll()),
    ("4.3.2", b'AT+QISEND=1,10,"1234567890"', "text", QISend(1, b"1234567890")),
    ("4.3.2", b"AT+QISEND=1", "text", QISendData(1)),
    ("4.3.2", b"AT+QISEND=1,10", "text", QISendFixed(1, 10)),
    ("4.4", b'AT+QIDNSCFG=0,"218.2.2.2","8.8.8.8"', "text",
     QIDnsCfg(0, "218.2.2.2", "8.8.8.8")),
    ("4.4", b"AT+QIDNSCFG=0", "text", QIDnsCfgQuery(0)),
    ("4.4", b'AT+QPING=0,"iot.quectel.com"', "text", QPing(0, "iot.quectel.com")),
    ("4.5", b'AT+QNTP=0,"ntp5.aliyun.com"', "text", QNtp(0, "ntp5.aliyun.com")),
    ("4.7", b'AT+QIDNSGIP=0,"www.baidu.com"', "text", QIDnsGip(0, "www.baidu.com")),
]

# 4.2.3 writes a space after a comma; the builders' spelling has none.
SPACED = b'AT+QISEND=0, "220.180.239.212",8196,12,"012345678901"'
SPACED_CANONICAL = b'AT+QISEND=0,"220.180.239.212",8196,12,"012345678901"'


@pytest.mark.parametrize("section,line,fmt,expected", CHAPTER_4,
                         ids=[f"{c[0]}:{c[1].decode()}" for c in CHAPTER_4])
def test_chapter_4_line_parses_to_its_command(section, line, fmt, expected):
    assert parse(line + b"\r", send_format=fmt) == expected
    assert parse(line, send_format=fmt) == expected  # the CR is optional


@pytest.mark.parametrize("section,line,fmt,expected", CHAPTER_4,
                         ids=[f"{c[0]}:{c[1].decode()}" for c in CHAPTER_4])
def test_chapter_4_command_writes_the_line_back_byte_for_byte(section, line, fmt, expected):
    assert expected.to_bytes() == line + b"\r"
    assert parse(line, send_format=fmt).to_bytes() == line + b"\r"
    assert str(expected) == line.decode()


def test_space_after_comma_of_4_2_3_is_accepted_and_written_without_it():
    cmd = parse(SPACED + b"\r")
    assert cmd == QISend(0, b"012345678901", remote_ip="220.180.239.212", remote_port=8196)
    assert cmd.to_bytes() == SPACED_CANONICAL + b"\r"


def test_data_mode_payloads_of_4_1_2():
    # Variable length: the data then Ctrl-Z; fixed length: exactly the data.
    assert ctrl_z_payload(b"12345") == b"12345" + CTRL_Z == b"12345\x1a"
    assert fixed_payload(b"12345", 5) == b"12345"
    assert ctrl_z_payload(b"12345", hex=True) == b"3132333435\x1a"
    assert fixed_payload(b"12345", 5, hex=True) == b"3132333435"
    assert ESC == b"\x1b"


def test_data_mode_payloads_of_4_2_2_and_4_3_2():
    assert ctrl_z_payload(b"1234567890") == b"1234567890\x1a"
    assert fixed_payload(b"1234567890", 10) == b"1234567890"


@pytest.mark.parametrize("cmd,line", [
    (At(), b"AT\r"), (Echo(False), b"ATE0\r"), (Echo(True), b"ATE1\r"),
    (Identify(), b"ATI\r"), (QISendStats(0), b"AT+QISEND=0,0\r"),
])
def test_basic_and_stats_lines(cmd, line):
    assert cmd.to_bytes() == line
    assert parse(line) == cmd


@pytest.mark.parametrize("name", ["QIOPEN", "QICLOSE", "QISTATE", "QISEND", "QPING", "QNTP",
                                  "QIDNSGIP", "QIDNSCFG", "QICFG"])
def test_test_form_of_every_command(name):
    line = f"AT+{name}=?\r".encode()
    assert TestCommand(name).to_bytes() == line
    assert parse(line) == TestCommand(name)
    assert TestCommand(name).info_prefix == "+" + name


def test_optional_parameters_written_in_order():
    assert QPing(0, "h", 4, 4, 32, 1).to_bytes() == b'AT+QPING=0,"h",4,4,32,1\r'
    assert QPing(0, "h", 10).to_bytes() == b'AT+QPING=0,"h",10\r'
    assert QNtp(0, "ntp", 123, 1).to_bytes() == b'AT+QNTP=0,"ntp",123,1\r'
    assert QIOpen(0, 1, "UDP", "h", 7).to_bytes() == b'AT+QIOPEN=0,1,"UDP","h",7\r'
    assert QIDnsCfg(0, "::1").to_bytes() == b'AT+QIDNSCFG=0,"::1"\r'
    assert QISend(2, b"ab", rai_mode=1).to_bytes() == b'AT+QISEND=2,2,"ab",1\r'


def test_hex_send_carries_the_hex_string_and_half_its_length():
    cmd = QISend(0, b"\x00\x1a\x1b\"\r\n", hex=True)
    assert cmd.length == 6
    assert cmd.to_bytes() == b'AT+QISEND=0,6,"001A1B220D0A"\r'
    assert QISend(0, "001a1b220d0a", hex=True) == cmd  # hex digits given as text


def test_metadata_for_the_session():
    assert QIOpen.deferred == "+QIOPEN" and QIClose.deferred == "CLOSE OK"
    assert QISend.deferred == QISendData.deferred == QISendFixed.deferred == "SEND OK"
    assert QPing.deferred == "+QPING" and QNtp.deferred == "+QNTP"
    assert QIDnsGip.deferred == "+QIDNSGIP" and QIStateAll.deferred is None
    assert QISendData.data_mode and QISendFixed.data_mode and not QISend.data_mode
    assert QISendStats.info_prefix == "+QISEND" and QIState.info_prefix == "+QISTATE"
    assert QICfgShowRA().is_query and not QICfgDataFormat(0, 1).is_query
    assert [c.name for c in (At(), Echo(True), Identify(), QIOpen(0, 0, "TCP", "h", 1))] == \
        ["AT", "ATE", "ATI", "QIOPEN"]
