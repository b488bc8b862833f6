"""Build ``pyqio/data/sample_capture.bin``: what a BC660K-GL writes during a session.

The note's chapter 4 sequences (echo on, the module's default), with loopback
addresses, recv URCs whose payloads hold CR LF and fake result lines, the hex
recv format and the showRA/UDP SERVICE address forms. Run it from the repository
root to rewrite the file; ``tests/test_cli_decode.py`` checks the shipped file is
exactly what this script builds.
"""
from __future__ import annotations

import datetime as dt
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pyqio import events as E  # noqa: E402

TARGET = ROOT / "pyqio" / "data" / "sample_capture.bin"
FAKE = b'fake lines:\r\nOK\r\n+QIURC: "closed",0\r\n"'  # payload only, never responses
HTTP = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


class Capture:
    """Module output under construction, with the events it must decode to."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.events: list[E.Event] = []

    def cmd(self, line: str, *answers: E.Event) -> None:
        """The module's echo of a command line (ending in CR), then its answers."""
        self.data += line.encode() + b"\r"
        self.events.append(E.Text(line.encode()))
        self.out(*answers)

    def out(self, *events: E.Event, fmt: str = "text") -> None:
        """Events as the module writes them (URCs, answers)."""
        for event in events:
            self.data += event.to_bytes(recv_format=fmt)
            self.events.append(event)


def build() -> Capture:
    """The capture, and the events it decodes to (following its +QICFG/+QISTATE answers)."""
    ok, send = E.Ok(), (E.Ok(), E.SendOk())
    c = Capture()
    c.data += b"\x00\x00\r\n"  # NULs of a waking module: no event
    c.out(E.IpAddress("10.0.0.2"))
    c.cmd("ATE1", ok)
    # 4.1: TCP client
    c.cmd('AT+QIOPEN=0,0,"TCP","127.0.0.1",8062,0,1', ok, E.OpenResult(0, 0))
    c.cmd("AT+QISTATE=1,0", E.SocketStatus(0, "TCP", "127.0.0.1", 8062, 0, 2, 0, 1), ok)
    c.cmd('AT+QICFG="dataformat"', E.DataFormat(False, False), ok)
    c.cmd('AT+QISEND=0,5,"hello"', *send)
    c.cmd("AT+QISEND=0", E.Prompt(), *send)
    c.out(E.Recv(0, HTTP, len(HTTP)), E.Recv(0, FAKE, len(FAKE)))
    c.cmd("AT+QISEND=0,0", E.SendStats(10, 10, 0), ok)
    # 4.1.3: showRA
    c.cmd('AT+QICFG="showRA",1', ok)
    c.cmd('AT+QICFG="showRA"', E.ShowRA(True), ok)
    c.out(E.Recv(0, b"12345", 5, "127.0.0.1", 8062))
    c.cmd('AT+QICFG="showRA",0', ok)
    c.cmd('AT+QICFG="showRA"', E.ShowRA(False), ok)
    # hex recv format
    c.cmd('AT+QICFG="dataformat",0,1', ok)
    c.cmd('AT+QICFG="dataformat"', E.DataFormat(False, True), ok)
    c.out(E.Recv(0, b"\x00\x01\xfe\xff\r\n", 6), fmt="hex")
    c.cmd('AT+QICFG="dataformat",0,0', ok)
    c.cmd('AT+QICFG="dataformat"', E.DataFormat(False, False), ok)
    c.out(E.Closed(0))
    c.cmd("AT+QICLOSE=0", ok, E.CloseOk())
    # 4.2: UDP SERVICE
    c.cmd('AT+QIOPEN=0,1,"UDP SERVICE","127.0.0.1",1,5683,1', ok, E.OpenResult(1, 0))
    c.cmd("AT+QISTATE=1,1", E.SocketStatus(1, "UDP SERVICE", "127.0.0.1", 1, 5683, 2, 0, 1), ok)
    c.cmd('AT+QISEND=1,"127.0.0.1",40001,4,"ping"', *send)
    c.out(E.Recv(1, b"pong\r\n", 6, "127.0.0.1", 40001))
    c.cmd("AT+QICLOSE=1", ok, E.CloseOk())
    # 4.3: TCP server
    c.cmd('AT+QIOPEN=0,2,"TCP LISTENER","127.0.0.1",0,5000,1', ok, E.OpenResult(2, 0))
    c.out(E.Incoming(3, 2, "127.0.0.1", 34835))
    c.cmd("AT+QISTATE?", E.SocketStatus(2, "TCP LISTENER", "127.0.0.1", 0, 5000, 2, 0, 1),
          E.SocketStatus(3, "TCP INCOMING", "127.0.0.1", 34835, 5000, 2, 0, 1), ok)
    c.out(E.Recv(3, b"hi\r\n", 4))
    # a URC between OK and SEND OK
    c.cmd('AT+QISEND=3,2,"ok"', ok, E.Recv(3, b"bye", 3), E.SendOk())
    c.cmd("AT+QICLOSE=3", ok, E.CloseOk())
    c.cmd("AT+QICLOSE=2", ok, E.CloseOk())
    # 4.4-4.7: DNS, ping, NTP
    c.cmd('AT+QIDNSCFG=0,"127.0.0.53"', ok)
    c.cmd("AT+QIDNSCFG=0", E.DnsServers(0, ("127.0.0.53", "")), ok)
    c.cmd('AT+QIDNSGIP=0,"localhost"', ok, E.DnsResult(0, 1, 600), E.DnsAddress("127.0.0.1"))
    c.cmd('AT+QPING=0,"127.0.0.1",4,2', ok, E.PingReply(0, "127.0.0.1", 32, 12, 64),
          E.PingReply(0, "127.0.0.1", 32, 9, 64), E.PingSummary(0, 2, 2, 0, 9, 12, 10))
    c.cmd('AT+QNTP=0,"127.0.0.1"', ok,
          E.NtpResult(0, dt.datetime(2019, 6, 11, 11, 8, 20, tzinfo=dt.timezone.utc)))
    # refusals and a test command
    c.cmd('AT+QIOPEN=0,7,"TCP","127.0.0.1",1', E.Error())
    c.cmd("AT+QICLOSE=4", E.CmeError(3))
    c.cmd("AT+QICLOSE=?", E.TestResponse("QICLOSE", (range(0, 5),)), ok)
    return c


if __name__ == "__main__":
    TARGET.write_bytes(build().data)
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes)")
