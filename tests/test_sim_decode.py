"""pyqio's own decoder reads everything the simulator writes, event for event.

The simulator shares no code path with the client but the serializers; this checks
that a whole session's output (results, deferred results, URCs, prompts, test
answers) decodes to the expected events with no ProtocolError.
"""
from __future__ import annotations

import pyqio
from pyqio import events as ev
from pyqio.wire._result import ResultCode as RC
from tests.servers import dns_server, free_udp_port, tcp_echo_server
from tests.servers.link import Link, async_test


@async_test
async def test_a_whole_session_decodes_to_the_expected_events() -> None:
    server, port = await tcp_echo_server()
    uport = free_udp_port()
    with dns_server("echo.example.test. 42 IN A 127.0.0.1\n") as dport:
        link = await Link.memory(dns_port=dport)
        out = b""
        for line, until in [
            (b'AT+QIDNSCFG=0,"127.0.0.1"', b"OK\r\n"),
            (b'AT+QIDNSGIP=0,"echo.example.test"', b"+QIDNSGIP: 127.0.0.1\r\n"),
            (b'AT+QIOPEN=0,0,"TCP","echo.example.test",%d,0,1' % port, b"+QIOPEN: 0,0\r\n"),
            (b'AT+QIOPEN=0,1,"UDP SERVICE","127.0.0.1",1,%d,1' % uport, b"+QIOPEN: 1,0\r\n"),
            (b"AT+QISTATE?", b"OK\r\n"),
            (b'AT+QISEND=0,9,"OK__SEND "', b"SEND OK\r\n"),
            (b"", b'"OK__SEND "\r\n'),
            (b'AT+QISEND=1,"127.0.0.1",%d,3,"udp"' % uport, b"SEND OK\r\n"),
            (b"", b'"udp"\r\n'),
            (b"AT+QISEND=0,0", b"OK\r\n"),
            (b'AT+QPING=0,"127.0.0.1",4,1', b"+QPING: 0,1,1,0,"),
            (b"", b"\r\n"),
            (b"AT+QISEND=0", b">"),
        ]:
            if line:
                link.send(line + b"\r")
            out += await link.until(until)
        link.send(b"\x1b")
        out += await link.until(b"OK\r\n")
        link.send(b"AT+QICLOSE=0\r")
        out += await link.until(b"CLOSE OK\r\n")
    events = pyqio.decode(out, udp_service=[1]) if _takes_udp_service() else pyqio.Decoder(
        udp_service=[1]).feed(out)
    assert not [e for e in events if isinstance(e, ev.ProtocolError)], events
    pings = [e for e in events if isinstance(e, (ev.PingReply, ev.PingSummary))]
    assert [type(p) for p in pings] == [ev.PingReply, ev.PingSummary]
    assert pings[0].result == RC.OK and pings[0].ip == "127.0.0.1" and pings[0].size == 32
    assert (pings[1].sent, pings[1].received, pings[1].lost) == (1, 1, 0)
    lean = [e for e in events if e not in pings]
    Ok = ev.Ok()
    assert lean == [
        Ok,
        Ok, ev.DnsResult(RC.OK, 1, 42), ev.DnsAddress("127.0.0.1"),
        Ok, ev.OpenResult(0, RC.OK),
        Ok, ev.OpenResult(1, RC.OK),
        ev.SocketStatus(0, "TCP", "echo.example.test", port, 0, 2, 0, 1),
        ev.SocketStatus(1, "UDP SERVICE", "127.0.0.1", 1, uport, 2, 0, 1), Ok,
        Ok, ev.SendOk(), ev.Recv(0, b"OK__SEND ", 9),
        Ok, ev.SendOk(), ev.Recv(1, b"udp", 3, "127.0.0.1", uport),
        ev.SendStats(9, 9, 0), Ok,
        Ok,
        ev.Prompt(), Ok,
        Ok, ev.CloseOk(),
    ]
    server.close()


def _takes_udp_service() -> bool:
    import inspect

    return "udp_service" in inspect.signature(pyqio.decode).parameters
