"""Recording wherever bytes flow, and replaying what was recorded: a session of the
simulator recorded with ``Modem(url, record=...)`` and replayed to a fresh Modem
gives the same events and results (in process, through ``sim://?replay=``, and
through ``pyqio sim --replay`` in a separate process); the command line records
(``--record``), decodes captures and benchmarks them.

Needs: pytest (loopback echo peers, the simulator, subprocesses of ``pyqio``).
"""
from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys

import pytest

import pyqio
import pyqio.blocking
from pyqio import events as E
from pyqio.capture import HOST, MARK, MODULE, SETTINGS, CaptureWriter, read_capture, replay
from pyqio.modem import ReconnectPolicy
from pyqio.testing import EchoServer

PAYLOAD = b'hello\r\nOK\r\n+QIURC: "closed",0\r\n"quoted"'


async def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        data += await sock.recv()
    return data


async def session(modem, tcp, udp):
    """A session touching each decoding path: text and hex data, TCP and UDP, a query."""
    out = []
    sock = await modem.connect(*tcp)
    await sock.send(PAYLOAD)
    out.append(await recv_exactly(sock, len(PAYLOAD)))
    await modem.set_data_format(True, True)
    await sock.send(bytes(range(256)))
    out.append(await recv_exactly(sock, 256))
    await sock.close()
    dgram = await modem.connect(*udp, "udp")
    await dgram.send(b"datagram")
    out.append(await dgram.recv())
    await dgram.close()
    out.append(await modem.state())
    await modem.set_data_format(False, False)
    return out


def traced():
    seen = []

    def trace(kind, data):
        if kind != "event":
            return
        if hasattr(data, "final"):  # a command's response: compare what the module said
            seen.append(("response", data.request.command.to_bytes(), data.final, tuple(data.events)))
        else:
            seen.append(data)
    return seen, trace


def run_session(url, tcp, udp, **kwargs):
    seen, trace = traced()

    async def main():
        async with pyqio.Modem(url, trace=trace, **kwargs) as modem:
            return await session(modem, tcp, udp)
    return asyncio.run(main()), seen


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "session.cap"
    with EchoServer() as echo:
        results, seen = run_session("sim://", echo.tcp, echo.udp, record=str(path))
        return path, echo.tcp, echo.udp, results, seen


def test_the_recording_holds_both_directions_times_and_settings(recorded):
    path, *_ = recorded
    cap = read_capture(path)
    assert cap.torn_bytes == 0 and cap.header.meta == {"url": "sim://"}
    assert cap.settings.recv_format == "text"
    kinds = {r.kind for r in cap}
    assert {HOST, MODULE, SETTINGS} <= kinds
    assert cap.host_bytes().startswith(b"AT\r")
    assert b'AT+QICFG="dataformat",1,1\r' in cap.host_bytes()
    hex_on = [r.info for r in cap if r.kind == SETTINGS]
    assert {"recv_format": "hex", "send_format": "hex"}.items() <= hex_on[0].items()
    assert hex_on[-1]["recv_format"] == "text"
    assert PAYLOAD in cap.host_bytes()  # text-mode data as written
    times = [r.t_ns for r in cap]
    assert times == sorted(times)


def test_replaying_the_recording_to_a_fresh_modem_gives_the_same_events(recorded):
    path, tcp, udp, results, seen = recorded
    assert results[0] == PAYLOAD and results[1] == bytes(range(256)) and results[2] == b"datagram"
    rep = replay(path)
    seen_again, trace = traced()

    async def main():
        async with pyqio.Modem(rep.url, trace=trace) as modem:
            return await session(modem, tcp, udp)

    assert asyncio.run(main()) == results
    assert seen_again == seen
    assert any(isinstance(ev, E.Recv) for ev in seen)
    rep.check(complete=True)


def test_replay_through_a_sim_url_and_a_faster_speed(recorded):
    path, tcp, udp, results, seen = recorded
    again, seen_again = run_session(f"sim://?replay={path}&replay_speed=4", tcp, udp)
    assert again == results and seen_again == seen


def test_a_diverging_host_is_reported_at_the_record_it_left(recorded):
    path, tcp, udp, results, seen = recorded
    rep = replay(path, speed=None)
    cap = read_capture(path)

    async def main():
        async with pyqio.Modem(rep.url) as modem:
            with pytest.raises(pyqio.CommandError):
                await modem.connect(tcp[0], tcp[1] + 1)  # another port than recorded

    asyncio.run(main())
    first = rep.divergences[0]
    open_rec = next(r for r in cap if r.kind == HOST and r.data.startswith(b"AT+QIOPEN"))
    assert (first.index, first.offset) == (open_rec.index, open_rec.offset)
    assert first.expected == open_rec.data and first.got != first.expected
    with pytest.raises(pyqio.ReplayDivergence, match=f"record {open_rec.index}"):
        rep.check()


def test_pyqio_sim_replay_serves_the_recording_in_another_process(recorded):
    path, tcp, udp, results, seen = recorded
    proc = subprocess.Popen([sys.executable, "-m", "pyqio", "sim", "--replay", str(path),
                             "--replay-speed", "none", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        where = proc.stdout.readline().strip()
        assert where.startswith("127.0.0.1:"), proc.stderr.read()
        again, seen_again = run_session(f"socket://{where}", tcp, udp)
        host, port = where.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as raw:  # a diverging host
            raw.sendall(b"AT+QISTATE=1,4\r")
            got = b""
            while b"ERROR" not in got:
                got += raw.recv(100)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert again == results and seen_again == seen
    assert "pyqio sim: replay: step 0 at record 0 (offset " in err
    assert "expected b'AT\\r', got b'AT+QISTATE=1,4\\r'" in err


def test_the_blocking_modem_records_and_a_reconnect_is_marked(tmp_path):
    path = tmp_path / "b.cap"
    with pyqio.blocking.Modem("sim://", record=str(path)) as modem:
        assert modem.state() == []
    cap = read_capture(path)
    assert b"AT+QISTATE?\r" in cap.host_bytes() and b"OK" in cap.module_bytes()

    async def reconnecting():
        writer = CaptureWriter(tmp_path / "r.cap")
        modem = pyqio.Modem("sim://", record=writer,
                            reconnect=ReconnectPolicy(initial_delay=0.01, max_attempts=3))
        await modem.start()
        modem._link.transport.fail(OSError("the port went away"))
        await asyncio.sleep(0.05)
        await modem.wait_ready()
        await modem.state()
        await modem.close()
        assert not writer.closed  # the caller's writer stays the caller's
        writer.close()

    asyncio.run(reconnecting())
    cap = read_capture(tmp_path / "r.cap")
    marks = [r.info for r in cap if r.kind == MARK]
    assert marks == [{"text": "link reopened", "url": "sim://"}]
    assert cap.host_bytes().count(b"AT\r") >= 2  # brought up twice


def pyqio_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "pyqio", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)


def test_demo_records_and_decode_prints_both_directions_with_times(tmp_path):
    demo = pyqio_cli("demo", "-q", "--record", "demo.cap", cwd=tmp_path)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    out = pyqio_cli("decode", "demo.cap", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    objs = [json.loads(line) for line in out.stdout.splitlines()]
    assert {o["direction"] for o in objs} == {"host", "module", "settings"}
    assert all(set(o) >= {"t", "direction", "record", "event"} for o in objs)
    assert [o["t"] for o in objs] == sorted(o["t"] for o in objs)
    commands = [o["command"] for o in objs if o["event"] == "Command"]
    assert commands[:2] == ["At", "Echo"] and "QICfgDataFormat" in commands
    assert not [o for o in objs if o["event"] == "ProtocolError"]  # every setting followed
    assert [o for o in objs if o["event"] == "Settings" and o["recv_format"] == "hex"]
    assert len([o for o in objs if o["event"] == "Recv"]) >= 4
    host = pyqio_cli("decode", "--direction", "host", "demo.cap", cwd=tmp_path)
    assert {json.loads(line)["direction"] for line in host.stdout.splitlines()} == {"host"}


def test_at_and_forward_take_record_too(tmp_path):
    at = pyqio_cli("at", "--record", "at.cap", "--linger", "0", "ATI", cwd=tmp_path)
    assert at.returncode == 0, at.stderr
    assert read_capture(tmp_path / "at.cap").host_bytes() == b"ATI\r"
    forward = pyqio_cli("forward", "--help", cwd=tmp_path)
    assert "--record FILE" in forward.stdout


def test_decode_reports_a_damaged_capture_and_a_torn_tail(tmp_path, recorded):
    path, *_ = recorded
    data = path.read_bytes()
    (tmp_path / "torn.cap").write_bytes(data[:-5])
    torn = pyqio_cli("decode", "torn.cap", cwd=tmp_path)
    assert torn.returncode == 0 and "the last record was cut short (" in torn.stderr
    cap = read_capture(path)
    bad = bytearray(data)
    bad[cap.records[3].offset + 13] ^= 0xFF
    (tmp_path / "bad.cap").write_bytes(bytes(bad))
    damaged = pyqio_cli("decode", "bad.cap", cwd=tmp_path)
    assert damaged.returncode == 2
    assert f"record 3 at offset {cap.records[3].offset}: checksum mismatch" in damaged.stderr


def test_bench_times_every_path_on_a_capture(tmp_path, recorded):
    path, *_ = recorded
    proc = pyqio_cli("bench", "--quick", "--repeat", "1", "--capture", str(path), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    streams = {r["stream"] for r in report["rows"]}
    paths = {r["path"] for r in report["rows"]}
    assert streams == {"capture", "capture-hex"}
    assert {"Python events", "naive re", "memcpy"} <= paths
    assert report["settings"]["capture"] == str(path) and report["goals"] == []
    table = pyqio_cli("bench", "--quick", "--repeat", "1", "--capture", str(path), cwd=tmp_path)
    assert table.returncode == 0 and "capture-hex" in table.stdout and "ns/event" in table.stdout
    (tmp_path / "raw.bin").write_bytes(b"\r\nOK\r\n")
    raw = pyqio_cli("bench", "--quick", "--capture", "raw.bin", cwd=tmp_path)
    assert raw.returncode == 2 and "not a pyqio capture" in raw.stderr
