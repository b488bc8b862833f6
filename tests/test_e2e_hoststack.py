"""A host program against a module that is already there: ``pyqio sim`` runs in
another process, started before the host, over a PTY and over ``socket://``.

- bring-up asks the module (``AT+CFUN?``, ``AT+CEREG?``, ``AT+CGPADDR``) and needs
  no ``+IP:``, which such a module printed to nobody long ago;
- any AT command goes over the same port (``AT+CSQ``);
- registration lost and regained under an open socket: the loss is reported, the
  socket fails with ContextLost instead of hanging, a new one works afterwards;
- a host program killed with its sockets open on the module: the next one closes
  them, or adopts them, as it is told.
"""
from __future__ import annotations

import os
import signal
import socketserver
import subprocess
import sys
import threading
import time

import pytest

from pyqio import ContextLost
from pyqio import events as E
from pyqio.blocking import Modem
from tests.servers.simproc import sim_process

KINDS = ["pty", "tcp"]
IP = "10.18.237.42"


class Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture(scope="module")
def echo():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address
    server.shutdown()
    server.server_close()


def echo_ok(sock, data: bytes = b"ping \x00\x1a") -> bool:
    sock.settimeout(10)
    sock.send(data)
    got = b""
    while len(got) < len(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += chunk
    return got == data


@pytest.mark.parametrize("kind", KINDS)
def test_bring_up_needs_no_ip_urc_and_any_command_goes_through(kind, echo):
    rx = bytearray()

    def trace(what, data):
        if what == "rx":
            rx.extend(data)

    with sim_process(kind) as url:
        t0 = time.monotonic()
        with Modem(url, trace=trace) as m:
            took = time.monotonic() - t0
            # the address came from AT+CGPADDR: the module printed no +IP:
            assert m.ip == IP and b"+IP:" not in rx and b"+CGPADDR: 0,%s" % IP.encode() in rx
            assert m.registered and m.registration.stat == 1
            # no fixed wait: the old bring-up waited 5 s for +IP: here
            assert took < 3.0, took
            resp = m.command("AT+CSQ")
            assert [ev for ev in resp.events if isinstance(ev, E.SignalQuality)] == [
                E.SignalQuality(22, 99)]
            sock = m.connect(*echo)
            assert echo_ok(sock)
            sock.close()


@pytest.mark.parametrize("kind", KINDS)
def test_registration_lost_and_regained_under_an_open_socket(kind, echo):
    seen: list[E.Registration] = []
    # registration drops 4 s after the simulator starts (or the host connects),
    # and comes back 0.5 s later
    with sim_process(kind, "--detach-after", "4", "--reattach-after", "0.5") as url:
        with Modem(url, on_registration=seen.append) as m:
            sock = m.connect(*echo)
            assert echo_ok(sock)
            sock.settimeout(10)
            with pytest.raises(ContextLost, match="registration was lost"):
                while sock.recv(100):  # blocks until the network takes the socket
                    pass
            m.wait_registered(10)
            assert [r.stat for r in seen][:2] == [2, 1]
            assert m.registered and m.ip == IP
            sock.close()  # frees the id on the module
            fresh = m.connect(*echo)
            assert echo_ok(fresh, b"after the network came back")
            fresh.close()
            assert m.state() == []


HOST_PROGRAM = r"""
import socket, sys, time
from pyqio.blocking import Modem
m = Modem(sys.argv[1])
tcp = m.connect("127.0.0.1", int(sys.argv[2]))
udp = m.connect("127.0.0.1", 9, "udp")
print(tcp.connect_id, udp.connect_id, flush=True)
time.sleep(60)  # killed here, with both sockets open on the module
"""


def killed_host_program(url: str, echo_port: int) -> tuple[int, int]:
    """A host program opens two sockets and dies without closing anything."""
    proc = subprocess.Popen([sys.executable, "-c", HOST_PROGRAM, url, str(echo_port)],
                            stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=os.getcwd()))
    try:
        assert proc.stdout is not None
        tcp, udp = map(int, proc.stdout.readline().split())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    return tcp, udp


# over TCP the simulator must outlive the host's connection, as a module behind
# ser2net does: --shared
FLAGS = {"pty": (), "tcp": ("--shared",)}


@pytest.mark.parametrize("kind", KINDS)
def test_a_restarted_host_closes_the_sockets_left_open_by_default(kind, echo):
    with sim_process(kind, *FLAGS[kind]) as url:
        killed_host_program(url, echo[1])
        with Modem(url) as m:
            assert m.adopted == []
            assert m.state() == []  # closed with AT+QICLOSE at bring-up
            sock = m.connect(*echo)
            assert sock.connect_id == 0  # its id is free again
            assert echo_ok(sock)
            sock.close()


@pytest.mark.parametrize("kind", KINDS)
def test_a_restarted_host_can_adopt_the_sockets_left_open(kind, echo):
    with sim_process(kind, *FLAGS[kind]) as url:
        tcp_id, udp_id = killed_host_program(url, echo[1])
        with Modem(url, stale_sockets="adopt") as m:
            adopted = {s.connect_id: s for s in m.adopted}
            assert set(adopted) == {tcp_id, udp_id}
            assert (adopted[tcp_id].service_type, adopted[udp_id].service_type) == ("TCP", "UDP")
            assert adopted[tcp_id].peer == echo
            # the adopted TCP connection still reaches its peer
            assert echo_ok(adopted[tcp_id], b"still here")
            sock = m.connect(*echo)  # no adopted id is handed out again
            assert sock.connect_id not in adopted
            sock.close()
            for s in adopted.values():
                s.close()
            assert m.state() == []
