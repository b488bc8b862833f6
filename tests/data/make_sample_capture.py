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


def _cmd(line: str, *answers: E.Event, fmt: str = "text") -> bytes:
    """The module's echo of a command line (ending in CR) then its answers."""
    return line.encode() + b"\r" + b"".join(a.to_bytes(recv_format=fmt) for a in answers)


def build() -> bytes:
    ok, send = E.Ok(), [E.Ok(), E.SendOk()]
    parts = [
        b"\x00\x00\r\n",  # NULs of a waking module
        E.IpAddress("10.0.0.2").to_bytes(),
        _cmd("ATE1", ok),
        # 4.1: TCP client
        _cmd('AT+QIOPEN=0,0,"TCP","127.0.0.1",8062,0,1', ok, E.OpenResult(0, 0)),
        _cmd("AT+QISTATE=1,0", E.SocketStatus(0, "TCP", "127.0.0.1", 8062, 0, 2, 0, 1), ok),
        _cmd('AT+QICFG="dataformat"', E.DataFormat(False, False), ok),
        _cmd('AT+QISEND=0,5,"hello"', *send),
        _cmd("AT+QISEND=0", E.Prompt()) + b"\r\n" + b"".join(a.to_bytes() for a in send),
        E.Recv(0, HTTP, len(HTTP)).to_bytes(),
        E.Recv(0, FAKE, len(FAKE)).to_bytes(),
        _cmd("AT+QISEND=0,0", E.SendStats(10, 10, 0), ok),
        # 4.1.3: showRA
        _cmd('AT+QICFG="showRA",1', ok),
        _cmd('AT+QICFG="showRA"', E.ShowRA(True), ok),
        E.Recv(0, b"12345", 5, "127.0.0.1", 8062).to_bytes(),
        _cmd('AT+QICFG="showRA",0', ok),
        _cmd('AT+QICFG="showRA"', E.ShowRA(False), ok),
        # hex recv format
        _cmd('AT+QICFG="dataformat",0,1', ok),
        _cmd('AT+QICFG="dataformat"', E.DataFormat(False, True), ok),
        E.Recv(0, b"\x00\x01\xfe\xff\r\n", 6).to_bytes(recv_format="hex"),
        _cmd('AT+QICFG="dataformat",0,0', ok),
        _cmd('AT+QICFG="dataformat"', E.DataFormat(False, False), ok),
        E.Closed(0).to_bytes(),
        _cmd("AT+QICLOSE=0", ok, E.CloseOk()),
        # 4.2: UDP SERVICE
        _cmd('AT+QIOPEN=0,1,"UDP SERVICE","127.0.0.1",1,5683,1', ok, E.OpenResult(1, 0)),
        _cmd("AT+QISTATE=1,1",
             E.SocketStatus(1, "UDP SERVICE", "127.0.0.1", 1, 5683, 2, 0, 1), ok),
        _cmd('AT+QISEND=1,"127.0.0.1",40001,4,"ping"', *send),
        E.Recv(1, b"pong\r\n", 6, "127.0.0.1", 40001).to_bytes(),
        _cmd("AT+QICLOSE=1", ok, E.CloseOk()),
        # 4.3: TCP server
        _cmd('AT+QIOPEN=0,2,"TCP LISTENER","127.0.0.1",0,5000,1', ok, E.OpenResult(2, 0)),
        E.Incoming(3, 2, "127.0.0.1", 34835).to_bytes(),
        _cmd("AT+QISTATE?", E.SocketStatus(2, "TCP LISTENER", "127.0.0.1", 0, 5000, 2, 0, 1),
             E.SocketStatus(3, "TCP INCOMING", "127.0.0.1", 34835, 5000, 2, 0, 1), ok),
        E.Recv(3, b"hi\r\n", 4).to_bytes(),
        _cmd('AT+QISEND=3,2,"ok"', E.Ok()) + E.Recv(3, b"bye", 3).to_bytes()
        + E.SendOk().to_bytes(),  # a URC between OK and SEND OK
        _cmd("AT+QICLOSE=3", ok, E.CloseOk()),
        _cmd("AT+QICLOSE=2", ok, E.CloseOk()),
        # 4.4-4.7: DNS, ping, NTP
        _cmd('AT+QIDNSCFG=0,"127.0.0.53"', ok),
        _cmd("AT+QIDNSCFG=0", E.DnsServers(0, ("127.0.0.53", "")), ok),
        _cmd('AT+QIDNSGIP=0,"localhost"', ok, E.DnsResult(0, 1, 600), E.DnsAddress("127.0.0.1")),
        _cmd('AT+QPING=0,"127.0.0.1",4,2', ok, E.PingReply(0, "127.0.0.1", 32, 12, 64),
             E.PingReply(0, "127.0.0.1", 32, 9, 64), E.PingSummary(0, 2, 2, 0, 9, 12, 10)),
        _cmd('AT+QNTP=0,"127.0.0.1"', ok,
             E.NtpResult(0, dt.datetime(2019, 6, 11, 11, 8, 20, tzinfo=dt.timezone.utc))),
        # refusals
        _cmd('AT+QIOPEN=0,7,"TCP","127.0.0.1",1', E.Error()),
        _cmd("AT+QICLOSE=4", E.CmeError(3)),
        _cmd("AT+QICLOSE=?", E.TestResponse("QICLOSE", (range(0, 5),)), ok),
    ]
    return b"".join(parts)


if __name__ == "__main__":
    TARGET.write_bytes(build())
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes)")
