"""Faults on demand: seeded, so that the same seed and input give the same bytes again."""
from __future__ import annotations

import asyncio
import socket

from tests.servers import free_udp_port, tcp_echo_server
from tests.servers.link import Link, async_test

OK = b"\r\nOK\r\n"


async def open_echo(**knobs: object) -> tuple[Link, asyncio.Server]:
    server, port = await tcp_echo_server()
    link = await Link.memory(**knobs)
    await link.command(b'AT+QIOPEN=0,0,"TCP","127.0.0.1",%d' % port, b"+QIOPEN: 0,0\r\n")
    return link, server


async def send_outcomes(link: Link, n: int) -> list[bytes]:
    outcomes = []
    for _ in range(n):
        link.send(b'AT+QISEND=0,1,"x"\r')
        await link.until(OK)
        outcomes.append(await link.until(b"\r\n", ) + await link.until(b"\r\n"))
    return outcomes


@async_test
async def test_send_fail_rate_with_a_seed_replays_the_same_outcomes() -> None:
    runs = []
    for _ in range(2):
        link, server = await open_echo(seed=7, send_fail_rate=0.5, urc_drop_rate=1.0)
        runs.append(await send_outcomes(link, 24))
        server.close()
    assert runs[0] == runs[1]
    assert set(runs[0]) == {b"\r\nSEND OK\r\n", b"\r\nSEND FAIL\r\n"}


@async_test
async def test_send_fail_rate_one_fails_every_send() -> None:
    link, server = await open_echo(send_fail_rate=1.0)
    assert await send_outcomes(link, 3) == [b"\r\nSEND FAIL\r\n"] * 3
    assert await link.command(b"AT+QISEND=0,0") == b"\r\n+QISEND: 0,0,0\r\n" + OK
    server.close()


@async_test
async def test_dropped_urcs_never_arrive_but_responses_do() -> None:
    link, server = await open_echo(urc_drop_rate=1.0)
    assert await link.command(b'AT+QISEND=0,5,"12345"', b"SEND OK\r\n") == OK + b"\r\nSEND OK\r\n"
    await asyncio.sleep(0.1)
    assert await link.command(b"AT") == OK  # no "recv" URC before it
    server.close()


@async_test
async def test_latency_delays_urcs_but_keeps_their_order() -> None:
    link, server = await open_echo(latency=0.02)
    out = b""
    for i in range(5):
        out += await link.command(b'AT+QISEND=0,1,"%d"' % i, b"SEND OK\r\n")
    out += await link.until(b'"4"\r\n')
    urcs = [u for u in out.split(b"\r\n") if u.startswith(b"+QIURC")]
    assert urcs == [b'+QIURC: "recv",0,1,"%d"' % i for i in range(5)]
    server.close()


@async_test
async def test_held_back_urc_comes_after_later_output() -> None:
    link, server = await open_echo(urc_delay_rate=1.0, urc_delay=1.0)
    await link.command(b'AT+QISEND=0,5,"12345"', b"SEND OK\r\n")
    await asyncio.sleep(0.05)
    assert await link.command(b"AT") == OK
    assert await link.until(b'"\r\n') == b'\r\n+QIURC: "recv",0,5,"12345"\r\n'
    server.close()


@async_test
async def test_garbage_lines_are_seeded_and_leave_responses_intact() -> None:
    outputs = []
    for _ in range(2):
        link = await Link.memory(seed=3, garbage_rate=0.5)
        out = b""
        for _ in range(10):
            out += await link.command(b"AT")
        outputs.append(out)
    assert outputs[0] == outputs[1]
    assert outputs[0].count(OK) == 10 and len(outputs[0]) > 10 * len(OK)


@async_test
async def test_peer_closing_mid_send_fails_the_send_and_reports_closed() -> None:
    link, server = await open_echo(peer_close_rate=1.0)
    got = await link.command(b'AT+QISEND=0,5,"12345"', b'"closed",0\r\n')
    assert got == OK + b'\r\nSEND FAIL\r\n\r\n+QIURC: "closed",0\r\n'
    assert await link.command(b"AT+QISTATE=1,0", b"OK\r\n") == (
        b'\r\n+QISTATE: 0,"TCP","127.0.0.1",%d,0,4,0,1\r\n' % server.sockets[0].getsockname()[1]
        + OK)
    server.close()


@async_test
async def test_pdp_breakdown_on_demand_closes_sockets_and_fails_new_work_with_570() -> None:
    link, server = await open_echo()
    assert link.sim is not None
    link.sim.break_pdp()
    assert await link.until(b'"closed",0\r\n') == b'\r\n+QIURC: "closed",0\r\n'
    assert await link.command(b'AT+QIOPEN=0,1,"TCP","127.0.0.1",9', b"+QIOPEN: 1,570\r\n") == (
        OK + b"\r\n+QIOPEN: 1,570\r\n")
    assert await link.command(b'AT+QISEND=0,1,"x"', b"SEND FAIL\r\n") == OK + b"\r\nSEND FAIL\r\n"
    link.sim.reattach()
    assert await link.until(b"\r\n+IP: 10.18.237.42\r\n") == b"\r\n+IP: 10.18.237.42\r\n"
    server.close()


@async_test
async def test_pdp_breakdown_ends_pending_work_with_570() -> None:
    link = await Link.memory(service_timeout=30.0)
    assert link.sim is not None
    await link.command(b'AT+QNTP=0,"127.0.0.1",%d' % free_udp_port())  # no answer coming
    link.sim.break_pdp()
    assert await link.until(b"\r\n") == b"\r\n"
    assert await link.until(b"\r\n") == b"+QNTP: 570\r\n"


@async_test
async def test_pdp_breakdown_after_and_reattach_after_from_config() -> None:
    link = await Link.memory(pdp_breakdown_after=0.05, reattach_after=0.05)  # +IP: seen
    # +IP: comes only on a new attach, so a second one shows the breakdown happened
    assert await link.until(b"+IP: 10.18.237.42\r\n") == b"\r\n+IP: 10.18.237.42\r\n"
    assert link.sim is not None and link.sim.detach_code == 570


@async_test
async def test_pdp_breakdown_while_connecting_reports_570_and_keeps_the_id() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # a DNS server that never answers
        silent.bind(("127.0.0.1", 0))
        link = await Link.memory(dns_servers=("127.0.0.1",), dns_port=silent.getsockname()[1],
                                 service_timeout=30.0)
        assert link.sim is not None
        assert await link.command(b'AT+QIOPEN=0,1,"TCP","peer.example.test",9') == OK
        assert link.sim.conns[1].state == 1  # connecting: still resolving
        link.sim.break_pdp()
        assert await link.until(b"570\r\n") == b"\r\n+QIOPEN: 1,570\r\n"
        assert await link.command(b"AT+QISTATE=1,1") == (
            b'\r\n+QISTATE: 1,"TCP","peer.example.test",9,0,0,0,1\r\n' + OK)
