"""``pyqio sim`` as users run it: a subprocess serving over TCP or a PTY opened with pyserial.

Needs: pip install pyserial (a package dependency).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
import serial

from tests.servers import free_udp_port

OK = b"\r\nOK\r\n"


@pytest.fixture
def sim_process(request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    args = request.param
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.Popen([sys.executable, "-m", "pyqio", "sim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().decode().rstrip("\n")
        assert first, proc.stderr.read() if proc.stderr else b""
        yield proc, first
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Reader:
    """Reads from a blocking source until a marker; keeps what came after it."""

    def __init__(self, read: Callable[[], bytes]) -> None:
        self.read, self.buf = read, b""

    def until(self, marker: bytes, timeout: float = 10.0) -> bytes:
        deadline = time.monotonic() + timeout
        while marker not in self.buf:
            assert time.monotonic() < deadline, f"no {marker!r} in {self.buf!r}"
            self.buf += self.read()
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out


@pytest.mark.parametrize("sim_process", [["--listen", "127.0.0.1:0", "--no-echo", "--ip", "10.0.0.7",
                                          "--boot-on-connect"]], indirect=True)
def test_listen_prints_the_bound_address_alone_and_serves_each_connection(sim_process) -> None:
    _, first = sim_process
    host, _, port = first.rpartition(":")
    assert host == "127.0.0.1" and 0 < int(port) < 65536
    for _ in range(2):  # each TCP connection is one host link with its own module
        with socket.create_connection((host, int(port)), timeout=10) as link:
            r = Reader(lambda: link.recv(4096))
            assert r.until(b"+IP: 10.0.0.7\r\n") == b"\r\n+IP: 10.0.0.7\r\n"
            link.sendall(b"AT\r")
            assert r.until(OK) == OK
            # a UDP service over the real TCP link, sending to itself through loopback
            lport = free_udp_port()
            link.sendall(b'AT+QIOPEN=0,0,"UDP SERVICE","127.0.0.1",1,%d,1\r' % lport)
            assert r.until(b"+QIOPEN: 0,0\r\n") == (
                OK + b"\r\n+QIOPEN: 0,0\r\n")
            link.sendall(b'AT+QISEND=0,"127.0.0.1",%d,3,"abc"\r' % lport)
            got = r.until(b'"abc"\r\n')
            assert got == OK + b'\r\nSEND OK\r\n\r\n+QIURC: "recv",0,3,"127.0.0.1",%d,"abc"\r\n' % lport


@pytest.mark.parametrize("sim_process", [["--pty", "--seed", "1"]],
                         indirect=True)
def test_pty_prints_its_path_and_answers_through_pyserial(sim_process) -> None:
    _, path = sim_process
    assert path.startswith("/dev/")
    with serial.serial_for_url(path, baudrate=115200, timeout=0.2) as port:
        # opening flushes the port's input (pyserial), so +IP: sent before is gone
        r = Reader(lambda: port.read(4096))
        port.write(b"AT\r")
        assert r.until(OK) == b"AT\r" + OK  # echo on by default
        port.write(b"ATE0\rAT+QICFG=\"dataformat\"\r")
        assert r.until(b'OK\r\n\r\n+QICFG: "dataformat",0,0\r\n' + OK) == (
            b"ATE0\r" + OK + b'\r\n+QICFG: "dataformat",0,0\r\n' + OK)


def test_sim_flags_reach_the_config() -> None:
    import argparse

    from pyqio.sim import SimConfig
    from pyqio.sim._cli import configure

    parser = argparse.ArgumentParser()
    configure(parser)
    args = parser.parse_args(["--listen", "127.0.0.1:0", "--no-echo", "--seed", "5",
                              "--send-fail-rate", "0.25", "--dns-servers", "127.0.0.1,::1",
                              "--pdp-breakdown-after", "3", "--state-file", "/tmp/nv.json"])
    c = SimConfig.from_args(args)
    assert (c.echo, c.seed, c.send_fail_rate, c.dns_servers, c.pdp_breakdown_after,
            c.state_file) == (False, 5, 0.25, ("127.0.0.1", "::1"), 3.0, "/tmp/nv.json")


def test_listen_refuses_a_malformed_address() -> None:
    proc = subprocess.run([sys.executable, "-m", "pyqio", "sim", "--listen", "127.0.0.1:99999"],
                          capture_output=True, timeout=30, check=False, env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert proc.returncode != 0
    assert b"99999" in proc.stderr and b"0-65535" in proc.stderr


def _icmp_dgram_allowed_for_root() -> bool:
    with open("/proc/sys/net/ipv4/ping_group_range") as f:
        low, high = map(int, f.read().split())
    return low <= 0 <= high


def test_ping_on_a_host_without_icmp_rights_answers_554() -> None:
    """Run the simulator without CAP_NET_RAW (util-linux setpriv): no raw socket, and
    unless ping_group_range admits group 0, no unprivileged ICMP socket either."""
    import shutil

    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to drop CAP_NET_RAW"
    proc = subprocess.Popen(
        [setpriv, "--bounding-set=-net_raw", "--inh-caps=-net_raw", sys.executable, "-m", "pyqio",
         "sim", "--listen", "127.0.0.1:0", "--no-echo", "--boot-on-connect"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=os.getcwd()))
    try:
        assert proc.stdout is not None
        host, _, port = proc.stdout.readline().decode().strip().rpartition(":")
        with socket.create_connection((host, int(port)), timeout=10) as link:
            r = Reader(lambda: link.recv(4096))
            r.until(b"+IP: 10.18.237.42\r\n")
            link.sendall(b'AT+QPING=0,"127.0.0.1",1,1\r')
            if _icmp_dgram_allowed_for_root():
                assert r.until(b"+QPING: 0,1,1,0,").startswith(OK + b'\r\n+QPING: 0,"127.0.0.1"')
            else:
                assert r.until(b"+QPING: 554\r\n") == OK + b"\r\n+QPING: 554\r\n"
    finally:
        proc.terminate()
        proc.wait(10)
