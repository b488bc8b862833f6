"""Captures: the file format (header, records, checksums), crash safety, recording
through a transport, and decoding both directions with the settings followed.

Needs: pytest (the simulator runs in process).
"""
from __future__ import annotations

import asyncio
import json
import struct
import zlib

import pytest

from pyqio import events as E
from pyqio.capture import (
    FORMAT_VERSION,
    HOST,
    MAGIC,
    MARK,
    MODULE,
    SETTINGS,
    CaptureSettings,
    CaptureWriter,
    ConversationDecoder,
    HostUnits,
    RecordingTransport,
    command_key,
    is_capture,
    read_capture,
)
from pyqio.errors import CaptureError, InvalidArgument, PyqioError


def write_sample(path, **kw):
    with CaptureWriter(path, settings={"recv_format": "hex", "show_ra": True},
                       meta={"site": "field 3"}, **kw) as w:
        w.host(b"AT\r")
        w.module(b"\r\nOK\r\n")
        w.change_settings(CaptureSettings(recv_format="text"))
        w.mark("step two", n=2)
        w.module(b'\r\n+QIURC: "recv",0,3,"a\r\n"\r\n')
    return path


def test_header_and_records_round_trip(tmp_path):
    cap = read_capture(write_sample(tmp_path / "a.cap"))
    assert cap.header.version == FORMAT_VERSION
    assert cap.header.pyqio_version == __import__("pyqio").__version__
    assert cap.header.meta == {"site": "field 3"}
    assert cap.settings == CaptureSettings(recv_format="hex", show_ra=True)
    assert [r.kind for r in cap] == [HOST, MODULE, SETTINGS, MARK, MODULE]
    assert [r.direction for r in cap] == ["host", "module", "settings", "mark", "module"]
    assert cap.records[2].info["recv_format"] == "text"
    assert cap.records[3].info == {"text": "step two", "n": 2}
    times = [r.t_ns for r in cap]
    assert times == sorted(times) and times[0] >= 0
    assert cap.host_bytes() == b"AT\r"
    assert cap.module_bytes() == b'\r\nOK\r\n\r\n+QIURC: "recv",0,3,"a\r\n"\r\n'
    assert cap.torn_bytes == 0 and cap.skipped == 0
    assert [r.index for r in cap] == list(range(5))


def test_the_file_starts_with_the_magic_and_is_detected_by_it(tmp_path):
    data = write_sample(tmp_path / "a.cap").read_bytes()
    assert data.startswith(MAGIC) and is_capture(data)
    assert not is_capture(b"\r\nOK\r\n") and not is_capture(b"")
    with pytest.raises(CaptureError, match="not a pyqio capture") as info:
        read_capture(b"\r\nOK\r\n")
    assert isinstance(info.value, (ValueError, PyqioError)) and info.value.offset == 0


def test_every_cut_inside_the_last_record_keeps_all_complete_records(tmp_path):
    data = write_sample(tmp_path / "a.cap").read_bytes()
    last = read_capture(data).records[-1]
    for cut in range(last.offset, len(data)):
        cap = read_capture(data[:cut])
        assert len(cap) == 4, cut
        assert cap.torn_bytes == cut - last.offset
        assert cap.records[-1].info == {"text": "step two", "n": 2}


def test_a_tail_of_zeros_after_a_crash_is_ignored(tmp_path):
    data = write_sample(tmp_path / "a.cap").read_bytes()
    cap = read_capture(data + b"\0" * 4096)
    assert len(cap) == 5 and cap.torn_bytes == 4096


def test_a_damaged_middle_record_is_an_error_naming_its_offset(tmp_path):
    data = bytearray(write_sample(tmp_path / "a.cap").read_bytes())
    second = read_capture(bytes(data)).records[1]
    data[second.offset + 14] ^= 0x20  # a bit flip inside its data
    with pytest.raises(CaptureError, match=rf"record 1 at offset {second.offset}: checksum") as info:
        read_capture(bytes(data))
    assert info.value.offset == second.offset


def test_a_damaged_header_and_a_newer_version_are_refused(tmp_path):
    data = bytearray(write_sample(tmp_path / "a.cap").read_bytes())
    flipped = bytearray(data)
    flipped[len(MAGIC) + 10] ^= 1
    with pytest.raises(CaptureError, match="header checksum"):
        read_capture(bytes(flipped))
    with pytest.raises(CaptureError, match="header is incomplete"):
        read_capture(bytes(data[:len(MAGIC) + 3]))
    body = struct.pack("<HI", FORMAT_VERSION + 1, 2) + b"{}"
    newer = MAGIC + body + struct.pack("<I", zlib.crc32(body))
    with pytest.raises(CaptureError, match="newer than this pyqio reads"):
        read_capture(newer)


def test_unknown_record_kinds_are_skipped_and_counted(tmp_path):
    path = tmp_path / "a.cap"
    with CaptureWriter(path) as w:
        w.host(b"AT\r")
        w.write(99, b"from a later pyqio")
        w.module(b"OK\r\n")
    cap = read_capture(path)
    assert [r.kind for r in cap] == [HOST, MODULE] and cap.skipped == 1
    assert [r.index for r in cap] == [0, 1]


def test_append_continues_after_a_torn_record(tmp_path):
    path = write_sample(tmp_path / "a.cap")
    whole = path.read_bytes()
    path.write_bytes(whole[:-3])  # the crash tore the last record
    with CaptureWriter(path, append=True, fsync=True) as w:
        assert w.records == 4 and w.settings.recv_format == "text"
        w.module(b"\r\nSEND OK\r\n")
    cap = read_capture(path)
    assert cap.torn_bytes == 0
    assert [r.data for r in cap][-1] == b"\r\nSEND OK\r\n" and len(cap) == 5
    assert cap.records[-1].t_ns >= cap.records[-2].t_ns


def test_writer_refuses_bad_kinds_and_settings(tmp_path):
    with CaptureWriter(tmp_path / "a.cap") as w:
        with pytest.raises(InvalidArgument, match="record kind 0"):
            w.write(0, b"x")
    with pytest.raises(InvalidArgument, match="recv_format='bin'"):
        CaptureSettings(recv_format="bin")
    w.module(b"after close")  # dropped, not an error: a transport may close late
    assert len(read_capture(tmp_path / "a.cap")) == 0


def test_each_record_is_flushed_as_written(tmp_path):
    path = tmp_path / "a.cap"
    w = CaptureWriter(path)
    w.host(b"AT\r")
    assert read_capture(path.read_bytes()).host_bytes() == b"AT\r"  # before close
    w.close()


def test_open_transport_records_both_directions_through_the_simulator(tmp_path):
    import pyqio.sim  # noqa: F401 - registers sim://
    from pyqio.capture import open_transport

    path = tmp_path / "t.cap"

    class Host(asyncio.Protocol):
        def __init__(self):
            self.got = bytearray()
            self.done = asyncio.get_running_loop().create_future()

        def connection_made(self, transport):
            transport.write(b"ATE0\r")

        def data_received(self, data):
            self.got += data
            if self.got.endswith(b"OK\r\n") and not self.done.done():
                self.done.set_result(None)

        def connection_lost(self, exc):
            pass

    async def main():
        transport, host = await open_transport("sim://?attach_delay=5", Host, record=str(path))
        assert isinstance(transport, RecordingTransport)
        assert transport.get_extra_info("capture").records >= 1
        await asyncio.wait_for(host.done, 5)
        transport.close()
        await asyncio.sleep(0.05)
        return bytes(host.got)

    got = asyncio.run(main())
    cap = read_capture(path)
    assert cap.host_bytes() == b"ATE0\r"
    assert cap.module_bytes() == got == b"ATE0\r\r\nOK\r\n"


def test_decoding_follows_a_dataformat_write_at_its_ok():
    hexurc = b'\r\n+QIURC: "recv",1,2,"4F4B"\r\n'
    with_settings = CaptureSettings()
    dec = ConversationDecoder(with_settings)
    from pyqio.capture._format import Record
    recs = [Record(0, 0, HOST, 0, b'AT+QICFG="dataformat",0,1\r'),
            Record(1, 0, MODULE, 1, b"\r\nOK\r\n" + hexurc),
            Record(2, 0, HOST, 2, b'AT+QICFG="showRA",1\r'),
            Record(3, 0, MODULE, 3, b'\r\nERROR\r\n\r\n+QIURC: "recv",1,2,"4F4B"\r\n')]
    out = [dec.feed(r) for r in recs]
    assert out[0][0]["command"] == "QICfgDataFormat"
    assert out[1] == [E.Ok().to_dict(), E.Recv(1, b"OK", 2).to_dict()]
    assert dec.settings.recv_format == "hex" and dec.settings.send_format == "text"
    assert out[3][1] == E.Recv(1, b"OK", 2).to_dict()  # showRA refused: no address expected
    assert dec.settings.show_ra is False


def test_decoding_counts_a_udp_service_socket_once_it_opened():
    from pyqio.capture._format import Record
    dec = ConversationDecoder(CaptureSettings())
    dec.feed(Record(0, 0, HOST, 0, b'AT+QIOPEN=0,2,"UDP SERVICE","127.0.0.1",1,3030,1\r'))
    dec.feed(Record(1, 0, MODULE, 1, b"\r\nOK\r\n\r\n+QIOPEN: 2,0\r\n"))
    assert dec.settings.udp_service == (2,)
    out = dec.feed(Record(2, 0, MODULE, 2, b'\r\n+QIURC: "recv",2,2,"10.0.0.9",7,"hi"\r\n'))
    assert out == [E.Recv(2, b"hi", 2, "10.0.0.9", 7).to_dict()]
    dec.feed(Record(3, 0, MODULE, 3, b'\r\n+QIURC: "closed",2\r\n'))
    assert dec.settings.udp_service == ()


def test_host_units_cut_lines_and_data_mode_payloads():
    units = HostUnits()
    got = units.feed(b"at+qisend=0,5\rab\r\ncAT+QISEND=1\rhi\x1aAT\r\nATE0\r")
    assert [u[0] for u in got] == [b"at+qisend=0,5\r", b"ab\r\nc", b"AT+QISEND=1\r", b"hi\x1a",
                                   b"AT\r", b"ATE0\r"]
    assert got[0][2] is not None and got[1][2] is None
    hexed = HostUnits()
    hexed.feed(b'AT+QICFG="dataformat",1,0\r')
    assert [u[0] for u in hexed.feed(b"AT+QISEND=0,2\r4F4BAT\r")] == [
        b"AT+QISEND=0,2\r", b"4F4B", b"AT\r"]


def test_command_key_ignores_case_and_blanks_outside_quotes_only():
    assert command_key(b'at+qiopen = 1, 0,"TCP","Ab c",7\r') == b'AT+QIOPEN=1,0,"TCP","Ab c",7'
    assert command_key(b'AT+QIDNSGIP=1,"Ab c"\r\n') != command_key(b'AT+QIDNSGIP=1,"AB C"\r\n')


def test_settings_records_are_json_with_every_field(tmp_path):
    cap = read_capture(write_sample(tmp_path / "a.cap"))
    assert json.loads(cap.records[2].data) == CaptureSettings(recv_format="text").to_dict()
