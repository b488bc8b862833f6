"""The simulator's UDP SERVICE (example 4.2) and UDP client, against real loopback peers."""
from __future__ import annotations

import asyncio
import socket

from tests.servers import free_udp_port, udp_echo_server
from tests.servers.link import Link, async_test

OK = b"\r\nOK\r\n"
SEND_OK = OK + b"\r\nSEND OK\r\n"


@async_test
async def test_example_4_2_udp_service_send_receive_with_sender_address() -> None:
    echo, eport = await udp_echo_server()
    lport = free_udp_port()
    link = await Link.memory()
    opened = await link.command(b'AT+QIOPEN=0,0,"UDP SERVICE","127.0.0.1",1,%d,1' % lport,
                                b"+QIOPEN: 0,0\r\n")
    assert opened == OK + b"\r\n+QIOPEN: 0,0\r\n"
    assert await link.command(b"AT+QISTATE=1,0") == (
        b'\r\n+QISTATE: 0,"UDP SERVICE","127.0.0.1",1,%d,2,0,1\r\n' % lport + OK)
    recv = b'\r\n+QIURC: "recv",0,10,"127.0.0.1",%d,"1234567890"\r\n' % eport
    # non-data mode, variable-length data mode, fixed-length data mode (4.2.2)
    assert await link.command(b'AT+QISEND=0,"127.0.0.1",%d,10,"1234567890"' % eport,
                              b"SEND OK\r\n") == SEND_OK
    assert await link.until(b'"\r\n') == recv
    link.send(b'AT+QISEND=0,"127.0.0.1",%d\r' % eport)
    await link.until(b">")
    link.send(b"1234567890\x1a")
    assert (await link.until(b"SEND OK\r\n")).lstrip(b" ") == SEND_OK
    assert await link.until(b'"\r\n') == recv
    link.send(b'AT+QISEND=0,"127.0.0.1",%d,10\r' % eport)
    await link.until(b">")
    link.send(b"1234567890")
    assert (await link.until(b"SEND OK\r\n")).lstrip(b" ") == SEND_OK
    assert await link.until(b'"\r\n') == recv
    # a datagram from a UDP client of ours (4.2.3)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.bind(("127.0.0.1", 0))
        client.sendto(b"12345", ("127.0.0.1", lport))
        cport = client.getsockname()[1]
        assert await link.until(b'"\r\n') == (
            b'\r\n+QIURC: "recv",0,5,"127.0.0.1",%d,"12345"\r\n' % cport)
    assert await link.command(b"AT+QICLOSE=0", b"CLOSE OK\r\n") == OK + b"\r\nCLOSE OK\r\n"
    echo.close()


@async_test
async def test_udp_service_send_needs_a_remote_address() -> None:
    lport = free_udp_port()
    link = await Link.memory()
    await link.command(b'AT+QIOPEN=0,0,"UDP SERVICE","127.0.0.1",1,%d,1' % lport, b"+QIOPEN: 0,0\r\n")
    assert await link.command(b'AT+QISEND=0,5,"12345"', b"ERROR\r\n") == b"\r\nERROR\r\n"


@async_test
async def test_udp_client_sends_and_receives_datagrams() -> None:
    echo, eport = await udp_echo_server()
    link = await Link.memory()
    assert await link.command(b'AT+QIOPEN=0,3,"UDP","127.0.0.1",%d' % eport,
                              b"+QIOPEN: 3,0\r\n") == OK + b"\r\n+QIOPEN: 3,0\r\n"
    assert await link.command(b'AT+QISEND=3,4,"ping"', b"SEND OK\r\n") == SEND_OK
    assert await link.until(b'"\r\n') == b'\r\n+QIURC: "recv",3,4,"ping"\r\n'
    # UDP: acked/nAcked only apply to TCP (2.3.4)
    assert await link.command(b"AT+QISEND=3,0") == b"\r\n+QISEND: 4,0,0\r\n" + OK
    assert await link.command(b'AT+QISEND=3,"127.0.0.1",%d,4,"ping"' % eport,
                              b"ERROR\r\n") == b"\r\nERROR\r\n"
    echo.close()


@async_test
async def test_udp_service_port_busy_gives_574() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        link = await Link.memory()
        got = await link.command(b'AT+QIOPEN=0,0,"UDP SERVICE","127.0.0.1",1,%d' % port,
                                 b"+QIOPEN: 0,574\r\n")
        assert got == OK + b"\r\n+QIOPEN: 0,574\r\n"


@async_test
async def test_hex_receive_of_a_1400_byte_datagram_is_split_into_512_byte_urcs() -> None:
    lport = free_udp_port()
    link = await Link.memory()
    await link.command(b'AT+QICFG="dataformat",0,1')
    await link.command(b'AT+QIOPEN=0,0,"UDP SERVICE","127.0.0.1",1,%d' % lport, b"+QIOPEN: 0,0\r\n")
    data = bytes(range(256)) * 5 + bytes(120)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.bind(("127.0.0.1", 0))
        cport = client.getsockname()[1]
        client.sendto(data, ("127.0.0.1", lport))
        pieces = [await link.until(b'"\r\n') for _ in range(3)]
    head = b'\r\n+QIURC: "recv",0,%d,"127.0.0.1",' + b"%d" % cport + b',"'
    assert pieces == [head % 512 + data[:512].hex().upper().encode() + b'"\r\n',
                      head % 512 + data[512:1024].hex().upper().encode() + b'"\r\n',
                      head % 376 + data[1024:].hex().upper().encode() + b'"\r\n']
    assert all(len(p) - 4 <= 1400 for p in pieces)  # the URC maximum (2.4, NOTE 4)
    await asyncio.sleep(0)


@async_test
async def test_udp_client_with_a_local_port_sends_from_it() -> None:
    seen: asyncio.Future = asyncio.get_running_loop().create_future()

    class Peer(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple) -> None:
            if not seen.done():
                seen.set_result((data, addr[1]))

    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        Peer, local_addr=("127.0.0.1", 0))
    pport = transport.get_extra_info("sockname")[1]
    lport = free_udp_port()
    link = await Link.memory()
    await link.command(b'AT+QIOPEN=0,0,"UDP","127.0.0.1",%d,%d,1' % (pport, lport), b"+QIOPEN: 0,0\r\n")
    assert await link.command(b"AT+QISTATE=1,0") == (
        b'\r\n+QISTATE: 0,"UDP","127.0.0.1",%d,%d,2,0,1\r\n' % (pport, lport) + OK)
    await link.command(b'AT+QISEND=0,2,"hi"', b"SEND OK\r\n")
    assert await seen == (b"hi", lport)
    transport.close()
