"""DNS, NTP and ping done for real by the simulator (examples 4.4-4.7), against loopback servers.

Needs: pip install dnslib (the DNS server), apt-get install -y chrony (the NTP
server), and ICMP sockets on the host: root (raw socket) or
net.ipv4.ping_group_range covering the test's group.
"""
from __future__ import annotations

import datetime as dt
import re

from tests.servers import dns_server, free_udp_port, ntp_server, tcp_echo_server
from tests.servers.link import Link, async_test

OK = b"\r\nOK\r\n"
ZONE = """
iot.example.test. 300 IN A 127.0.0.1
iot.example.test. 300 IN A 127.0.0.2
ntp.example.test. 60 IN A 127.0.0.1
"""


@async_test
async def test_example_4_6_dns_server_configuration_is_shown_back() -> None:
    link = await Link.memory()
    assert await link.command(b'AT+QIDNSCFG=0,"218.2.2.2","8.8.8.8"') == OK
    assert await link.command(b"AT+QIDNSCFG=0") == b'\r\n+QIDNSCFG: 0,"218.2.2.2","8.8.8.8"\r\n' + OK


@async_test
async def test_dns_servers_from_the_network_are_the_default() -> None:
    link = await Link.memory(dns_servers=("127.0.0.53",))
    assert await link.command(b"AT+QIDNSCFG=0") == b'\r\n+QIDNSCFG: 0,"127.0.0.53","0.0.0.0"\r\n' + OK


@async_test
async def test_example_4_7_dnsgip_asks_the_configured_server() -> None:
    with dns_server(ZONE) as port:
        link = await Link.memory(dns_port=port)
        assert await link.command(b'AT+QIDNSCFG=0,"127.0.0.1"') == OK
        got = await link.command(b'AT+QIDNSGIP=0,"iot.example.test"', b"+QIDNSGIP: 127.0.0.1\r\n")
        # two A records; only the first is displayed (2.3.7, NOTE 3)
        assert got == OK + b"\r\n+QIDNSGIP: 0,2,300\r\n\r\n+QIDNSGIP: 127.0.0.1\r\n"
        got = await link.command(b'AT+QIDNSGIP=0,"nowhere.example.test"', b"565,0,0\r\n")
        assert got == OK + b"\r\n+QIDNSGIP: 565,0,0\r\n"


@async_test
async def test_dnsgip_without_any_dns_server_fails_with_565() -> None:
    link = await Link.memory()
    got = await link.command(b'AT+QIDNSGIP=0,"iot.example.test"', b"565,0,0\r\n")
    assert got == OK + b"\r\n+QIDNSGIP: 565,0,0\r\n"


@async_test
async def test_dns_server_that_never_answers_gives_569() -> None:
    link = await Link.memory(dns_port=free_udp_port(), service_timeout=0.5)  # nobody there
    await link.command(b'AT+QIDNSCFG=0,"127.0.0.1"')
    got = await link.command(b'AT+QIDNSGIP=0,"iot.example.test"', b"+QIDNSGIP: 569,0,0\r\n")
    assert got == OK + b"\r\n+QIDNSGIP: 569,0,0\r\n"


@async_test
async def test_qiopen_resolves_a_host_name_through_dns() -> None:
    server, port = await tcp_echo_server()
    with dns_server(ZONE) as dport:
        link = await Link.memory(dns_port=dport, dns_servers=("127.0.0.1",))
        got = await link.command(b'AT+QIOPEN=0,0,"TCP","ntp.example.test",%d' % port,
                                 b"+QIOPEN: 0,0\r\n")
        assert got == OK + b"\r\n+QIOPEN: 0,0\r\n"
        got = await link.command(b'AT+QIOPEN=0,1,"TCP","nowhere.example.test",%d' % port,
                                 b"+QIOPEN: 1,565\r\n")
        assert got == OK + b"\r\n+QIOPEN: 1,565\r\n"
    server.close()


@async_test
async def test_example_4_5_ntp_time_from_a_real_ntp_server() -> None:
    with ntp_server() as port, dns_server(ZONE) as dport:
        link = await Link.memory(dns_port=dport)
        assert await link.command(b'AT+QIDNSCFG=0,"127.0.0.1"') == OK
        before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        got = await link.command(b'AT+QNTP=0,"ntp.example.test",%d' % port, b'"\r\n')
        after = dt.datetime.now(dt.timezone.utc)
        m = re.fullmatch(rb'\r\nOK\r\n\r\n\+QNTP: 0,"(\d{4}/\d\d/\d\d,\d\d:\d\d:\d\d)"\r\n', got)
        assert m, got
        when = dt.datetime.strptime(m.group(1).decode(), "%Y/%m/%d,%H:%M:%S").replace(
            tzinfo=dt.timezone.utc)
        assert before - dt.timedelta(seconds=2) <= when <= after + dt.timedelta(seconds=2)


@async_test
async def test_ntp_port_override_reaches_the_test_server() -> None:
    with ntp_server() as port:
        link = await Link.memory(ntp_port=port)
        got = await link.command(b'AT+QNTP=0,"127.0.0.1"', b'"\r\n')  # default 123 overridden
        assert re.fullmatch(rb'\r\nOK\r\n\r\n\+QNTP: 0,"[0-9/,:]{19}"\r\n', got), got


@async_test
async def test_ntp_without_an_answer_times_out_with_569() -> None:
    link = await Link.memory(service_timeout=0.5)
    got = await link.command(b'AT+QNTP=0,"127.0.0.1",%d' % free_udp_port(), b"\r\n+QNTP: 569\r\n")
    assert got == OK + b"\r\n+QNTP: 569\r\n"


@async_test
async def test_example_4_4_ping_loopback_with_real_icmp() -> None:
    link = await Link.memory()
    got = await link.command(b'AT+QPING=0,"127.0.0.1",4,3,32', b"+QPING: 0,3,")
    rows = got.split(b"\r\n\r\n")
    assert rows[0] == b"\r\nOK"
    for row in rows[1:4]:
        assert re.fullmatch(rb'\+QPING: 0,"127\.0\.0\.1",32,\d+,\d+', row), row
    tail = await link.until(b"\r\n")
    assert re.fullmatch(rb"3,0,\d+,\d+,\d+\r\n", tail), tail  # sent 3, received 3, lost 0


@async_test
async def test_ping_a_name_without_dns_fails_with_565() -> None:
    link = await Link.memory()
    assert await link.command(b'AT+QPING=0,"iot.quectel.com"', b"+QPING: 565\r\n") == (
        OK + b"\r\n+QPING: 565\r\n")


@async_test
async def test_deferred_commands_before_attach_fail_with_561() -> None:
    link = await Link.memory(attach_delay=30.0)
    assert await link.command(b'AT+QPING=0,"127.0.0.1"', b"561\r\n") == OK + b"\r\n+QPING: 561\r\n"
    assert await link.command(b'AT+QIOPEN=0,0,"TCP","127.0.0.1",9', b"561\r\n") == (
        OK + b"\r\n+QIOPEN: 0,561\r\n")
