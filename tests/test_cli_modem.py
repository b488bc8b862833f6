"""The demo, forward and at sub-commands, run as the user runs them (subprocesses)."""
from __future__ import annotations

import socket
import socketserver
import subprocess
import sys
import threading

import pytest

PYQIO = [sys.executable, "-m", "pyqio"]


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(65536):
            self.request.sendall(data)


class UdpEcho(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(data, self.client_address)


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_demo_runs_a_whole_session_and_exits_0():
    proc = subprocess.run(PYQIO + ["demo"], capture_output=True, text=True, timeout=120)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    for section in ("== local servers on 127.0.0.1 ==", "== TCP client, text ==",
                    "== TCP client, hex data format ==", "== UDP client ==",
                    "== TCP listener ==", "== UDP service ==", "== DNS ==", "== NTP ==", "== ping ==",
                    "== close everything ==", "all steps succeeded"):
        assert section in out
    # the AT transcript and the decoded events, with timings
    assert "-> AT+QIOPEN=0,0,\"TCP\",\"127.0.0.1\"" in out
    assert "<- +QIOPEN: 0,0" in out
    assert "* Recv(connect_id=0" in out
    assert "FAIL" not in out


@pytest.fixture
def echo_servers():
    tcp = serve(socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo))
    udp = serve(socketserver.ThreadingUDPServer(("127.0.0.1", 0), UdpEcho))
    yield tcp.server_address, udp.server_address
    for s in (tcp, udp):
        s.shutdown()
        s.server_close()


def start_forward(to, *extra):
    proc = subprocess.Popen(PYQIO + ["forward", "--device", "sim://", "--listen", "127.0.0.1:0",
                                     "--to", f"{to[0]}:{to[1]}", *extra],
                            stdout=subprocess.PIPE, text=True)
    first = proc.stdout.readline().strip()
    host, _, port = first.rpartition(":")
    assert host == "127.0.0.1" and port.isdigit(), f"first line {first!r}"
    return proc, (host, int(port))


def test_forward_tcp_prints_bound_address_then_carries_connections(echo_servers):
    proc, bound = start_forward(echo_servers[0])
    try:
        for _ in range(2):  # each local connection gets its own module socket
            with socket.create_connection(bound, timeout=10) as c:
                msg = bytes(range(256)) * 10
                c.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    got += c.recv(65536)
                assert got == msg
    finally:
        proc.terminate()
        proc.wait(10)


def test_forward_udp_carries_datagrams_both_ways(echo_servers):
    proc, bound = start_forward(echo_servers[1], "--udp")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
            c.settimeout(10)
            c.sendto(b"\x00udp through the module\x1a", bound)
            assert c.recv(100) == b"\x00udp through the module\x1a"
    finally:
        proc.terminate()
        proc.wait(10)


def test_at_one_shot_prints_raw_lines_and_decoded_events():
    proc = subprocess.run(PYQIO + ["at", "--device", "sim://", "--linger", "0.1", "AT",
                                   'AT+QICFG="dataformat"', "AT+QISTATE=9,9"],
                          capture_output=True, text=True, timeout=60)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert "-> AT" in out and "<- OK" in out and "Ok()" in out
    assert '<- +QICFG: "dataformat",0,0' in out
    assert "DataFormat(send_hex=False, recv_hex=False)" in out
    assert "<- ERROR" in out and "Error()" in out


def test_at_interactive_reads_commands_from_stdin():
    proc = subprocess.run(PYQIO + ["at", "--device", "sim://", "--linger", "0.2"],
                          input="ATE0\nAT+QIDNSCFG=0\n", capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "-> AT+QIDNSCFG=0" in proc.stdout and "DnsServers(" in proc.stdout


def test_forward_rejects_a_bad_address():
    proc = subprocess.run(PYQIO + ["forward", "--listen", "nowhere", "--to", "127.0.0.1:1"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "HOST:PORT" in proc.stderr
