"""``pyqio decode``: the real ``python -m pyqio decode`` on the sample capture, files and stdin.

Each run is a subprocess with ``PYQIO_BACKEND`` forced, so both tokenizer
backends are exercised through the command line too.

Needs: pytest (pip).
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from pyqio.data import SAMPLE_CAPTURE, data_path
from pyqio.errors import InvalidArgument

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data"))
import make_sample_capture  # noqa: E402


def pyqio_decode(args: list[str], backend: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = dict(os.environ, PYQIO_BACKEND=backend, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "pyqio", "decode", *args], input=stdin,
                          capture_output=True, cwd=ROOT, env=env, timeout=60)


def json_lines(proc: subprocess.CompletedProcess) -> list[dict]:
    assert proc.returncode == 0, proc.stderr.decode()
    return [json.loads(line) for line in proc.stdout.decode().splitlines()]


@pytest.fixture(params=["python", "c"])
def backend(request) -> str:
    return request.param


def test_shipped_sample_is_what_the_script_builds() -> None:
    assert SAMPLE_CAPTURE.read_bytes() == bytes(make_sample_capture.build().data)
    assert data_path("sample_capture.bin") == SAMPLE_CAPTURE


def test_data_path_of_an_unshipped_file_names_it() -> None:
    with pytest.raises(InvalidArgument, match="'nope.bin' is not shipped"):
        data_path("nope.bin")


def test_sample_capture_decodes_to_its_events_as_json_lines(backend: str) -> None:
    want = [ev.to_dict() for ev in make_sample_capture.build().events]
    got = json_lines(pyqio_decode(["--sample"], backend))
    assert got == json.loads(json.dumps(want))
    assert not [d for d in got if d["event"] == "ProtocolError"]


def test_file_argument_and_stdin_give_the_same_lines(backend: str) -> None:
    from_file = pyqio_decode([str(SAMPLE_CAPTURE)], backend)
    from_stdin = pyqio_decode(["-"], backend, stdin=SAMPLE_CAPTURE.read_bytes())
    assert from_file.stdout == from_stdin.stdout
    assert json_lines(from_file)[0] == {"event": "IpAddress", "ip": "10.0.0.2"}


def test_recv_urc_prints_payload_as_hex_and_text(backend: str) -> None:
    got = json_lines(pyqio_decode([], backend, stdin=b'\r\n+QIURC: "recv",1,4,"a\r\nb"\r\n'))
    assert got == [{"event": "Recv", "connect_id": 1, "data": {"hex": "610d0a62", "text": "a\r\nb"},
                    "length": 4, "remote_ip": None, "remote_port": None, "framed": True}]


@pytest.mark.parametrize("flags, wire, data", [
    (["--hex"], b'+QIURC: "recv",0,2,"00FF"\r\n', {"hex": "00ff"}),
    (["--show-ra"], b'+QIURC: "recv",0,2,"127.0.0.1",9,"hi"\r\n', {"hex": "6869", "text": "hi"}),
    (["--udp-service", "0,3"], b'+QIURC: "recv",3,2,"127.0.0.1",9,"hi"\r\n',
     {"hex": "6869", "text": "hi"}),
])
def test_flags_set_the_initial_settings(backend: str, flags: list, wire: bytes, data: dict) -> None:
    [event] = json_lines(pyqio_decode(flags, backend, stdin=wire))
    assert event["event"] == "Recv" and event["data"] == data


def test_no_follow_ignores_settings_the_capture_shows(backend: str) -> None:
    wire = b'\r\n+QICFG: "showRA",1\r\n\r\n+QIURC: "recv",0,2,"127.0.0.1",9,"hi"\r\n'
    followed = json_lines(pyqio_decode([], backend, stdin=wire))
    assert followed[1]["remote_ip"] == "127.0.0.1"
    fixed = json_lines(pyqio_decode(["--no-follow"], backend, stdin=wire))
    assert fixed[1]["event"] == "ProtocolError"


def test_unreadable_file_exits_2_naming_it(backend: str) -> None:
    proc = pyqio_decode(["/nonexistent/capture.bin"], backend)
    assert proc.returncode == 2
    assert b"/nonexistent/capture.bin" in proc.stderr


def test_bad_udp_service_ids_are_refused_naming_the_range(backend: str) -> None:
    proc = pyqio_decode(["--udp-service", "0,40"], backend)
    assert proc.returncode == 2
    assert b"connect id 40 is out of range 0-31" in proc.stderr


def test_host_direction_parses_commands_and_data_mode_payloads(backend: str) -> None:
    wire = (b'AT+QIOPEN=0,0,"TCP","127.0.0.1",8062,0,1\r'
            b"AT+QISEND=0,5\r1\r\n\x1a5"  # fixed length: any byte, Ctrl-Z included
            b"AT+QISEND=0\rhello\x1a"
            b"AT+QISEND=0\rnever\x1b"
            b'AT+QICFG="dataformat",1,0\r'
            b'AT+QISEND=0,2,"6869"\r'
            b"AT+BOGUS\r")
    got = json_lines(pyqio_decode(["--direction", "host"], backend, stdin=wire))
    kinds = [(d["event"], d.get("command") or d.get("ended_by")) for d in got]
    assert kinds == [("Command", "QIOpen"), ("Command", "QISendFixed"),
                     ("Payload", "fixed length"), ("Command", "QISendData"),
                     ("Payload", "ctrl-z"), ("Command", "QISendData"),
                     ("Payload", "esc (cancelled)"), ("Command", "QICfgDataFormat"),
                     ("Command", "QISend"), ("ProtocolError", None)]
    assert got[0]["host"] == "127.0.0.1" and got[0]["remote_port"] == 8062
    assert got[2]["data"] == {"hex": "310d0a1a35", "text": "1\r\n\x1a5"}
    assert got[4]["data"]["text"] == "hello"
    assert got[8]["data"] == {"hex": "6869", "text": "hi"}  # read as hex after dataformat 1
    assert "AT+BOGUS" in got[9]["reason"] and got[9]["raw"]["text"] == "AT+BOGUS"
