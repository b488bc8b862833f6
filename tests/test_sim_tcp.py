"""The simulator as a TCP client and TCP server, driven with chapter 4's bytes (4.1, 4.3).

Real loopback peers: an asyncio TCP echo server, and a real TCP client connecting to
the simulated listener. Needs: pip install dnspython pyserial (package deps).
"""
from __future__ import annotations

import asyncio
import socket

from tests.servers import tcp_echo_server
from tests.servers.link import Link, async_test

OK = b"\r\nOK\r\n"


async def open_tcp(link: Link, port: int, cid: int = 0) -> None:
    assert await link.command(b'AT+QIOPEN=0,%d,"TCP","127.0.0.1",%d,0,1' % (cid, port),
                              b"\r\n+QIOPEN: %d,0\r\n" % cid) == OK + b"\r\n+QIOPEN: %d,0\r\n" % cid


@async_test
async def test_example_4_1_tcp_client_open_state_send_receive_close() -> None:
    server, port = await tcp_echo_server()
    link = await Link.memory()  # it waits for "+IP: 10.18.237.42"
    await open_tcp(link, port)
    assert await link.command(b"AT+QISTATE=1,0") == (
        b'\r\n+QISTATE: 0,"TCP","127.0.0.1",%d,0,2,0,1\r\n' % port + OK)
    assert await link.command(b'AT+QICFG="dataformat",0,0') == OK
    assert await link.command(b'AT+QICFG="dataformat"') == b'\r\n+QICFG: "dataformat",0,0\r\n' + OK
    # inline, then Ctrl-Z data mode, then fixed-length data mode (4.1.2)
    assert await link.command(b'AT+QISEND=0,5,"12345"', b"SEND OK\r\n") == OK + b"\r\nSEND OK\r\n"
    assert await link.until(b'"\r\n') == b'\r\n+QIURC: "recv",0,5,"12345"\r\n'
    assert await link.command(b"AT+QISEND=0", b">") == b"\r\n>"
    link.send(b"abcde\x1a")
    assert (await link.until(b"SEND OK\r\n")).lstrip(b" ") == OK + b"\r\nSEND OK\r\n"
    assert await link.until(b'"\r\n') == b'\r\n+QIURC: "recv",0,5,"abcde"\r\n'
    link.send(b"AT+QISEND=0,5\r")
    await link.until(b">")
    link.send(b"\x00\x1a\x1b\r")  # fixed length carries any byte, Ctrl-Z and Esc too
    link.send(b"z")
    assert (await link.until(b"SEND OK\r\n")).lstrip(b" ") == OK + b"\r\nSEND OK\r\n"
    assert await link.until(b'"\r\n', ) == b'\r\n+QIURC: "recv",0,5,"\x00\x1a\x1b\rz"\r\n'
    assert await link.command(b"AT+QICLOSE=0", b"CLOSE OK\r\n") == OK + b"\r\nCLOSE OK\r\n"
    assert await link.command(b"AT+QISTATE?") == OK
    server.close()


@async_test
async def test_hex_send_format_decodes_inline_and_data_mode_hex() -> None:
    server, port = await tcp_echo_server()
    link = await Link.memory()
    await open_tcp(link, port)
    assert await link.command(b'AT+QICFG="dataformat",1,0') == OK
    assert await link.command(b'AT+QICFG="dataformat"') == b'\r\n+QICFG: "dataformat",1,0\r\n' + OK
    await link.command(b'AT+QISEND=0,5,"3132333435"', b"SEND OK\r\n")
    assert await link.until(b'"\r\n') == b'\r\n+QIURC: "recv",0,5,"12345"\r\n'
    link.send(b"AT+QISEND=0\r")
    await link.until(b">")
    link.send(b"3132333435\x1a")
    assert (await link.until(b"SEND OK\r\n")).lstrip(b" ") == OK + b"\r\nSEND OK\r\n"
    assert await link.until(b'"\r\n') == b'\r\n+QIURC: "recv",0,5,"12345"\r\n'
    link.send(b"AT+QISEND=0,5\r")
    await link.until(b">")
    link.send(b"3132333435")  # fixed length in hex: twice <send_length> digits
    assert (await link.until(b"SEND OK\r\n")).lstrip(b" ") == OK + b"\r\nSEND OK\r\n"
    await link.until(b'"\r\n')
    link.send(b"AT+QISEND=0\r")
    await link.until(b">")
    link.send(b"31G\x1a")  # not hex: refused, nothing sent
    assert (await link.until(b"ERROR\r\n")).lstrip(b" ") == b"\r\nERROR\r\n"
    server.close()


@async_test
async def test_hex_receive_format_and_show_ra_address() -> None:
    server, port = await tcp_echo_server()
    link = await Link.memory()
    await open_tcp(link, port)
    assert await link.command(b'AT+QICFG="dataformat",0,1') == OK
    await link.command(b'AT+QISEND=0,3,"\x01AB"'.replace(b"\x01", b"x"), b"SEND OK\r\n")
    assert await link.until(b'"\r\n') == b'\r\n+QIURC: "recv",0,3,"784142"\r\n'
    assert await link.command(b'AT+QICFG="dataformat",0,0') == OK
    assert await link.command(b'AT+QICFG="showRA",1') == OK
    assert await link.command(b'AT+QICFG="showRA"') == b'\r\n+QICFG: "showRA",1\r\n' + OK
    await link.command(b'AT+QISEND=0,12,"012345678901"', b"SEND OK\r\n")
    assert await link.until(b'"\r\n') == (
        b'\r\n+QIURC: "recv",0,12,"127.0.0.1",%d,"012345678901"\r\n' % port)
    server.close()


@async_test
async def test_esc_cancels_data_mode_without_sending() -> None:
    server, port = await tcp_echo_server()
    link = await Link.memory()
    await open_tcp(link, port)
    link.send(b"AT+QISEND=0\r")
    await link.until(b">")
    link.send(b"lost\x1b")
    assert (await link.until(OK)).lstrip(b" ") == OK
    assert await link.command(b"AT+QISEND=0,0") == b"\r\n+QISEND: 0,0,0\r\n" + OK
    assert await link.settle() == b""  # no SEND OK, and the echo server got nothing
    server.close()


@async_test
async def test_ctrl_z_data_mode_sends_at_1024_bytes() -> None:
    server, port = await tcp_echo_server()
    link = await Link.memory()
    await open_tcp(link, port)
    link.send(b"AT+QISEND=0\r")
    await link.until(b">")
    link.send(b"a" * 1024 + b"AT\r")  # the 1025th byte is a command again
    assert (await link.until(b"SEND OK\r\n")).lstrip(b" ") == OK + b"\r\nSEND OK\r\n"
    got = await link.until(b"\r\nOK\r\n")  # the AT's OK, possibly after the first recv URC
    rest = got + await link.settle()
    assert rest.count(b"\r\nOK\r\n") == 1
    assert await link.command(b"AT+QISEND=0,0") == b"\r\n+QISEND: 1024,1024,0\r\n" + OK
    server.close()


@async_test
async def test_send_counters_count_bytes_sent_and_acknowledged() -> None:
    server, port = await tcp_echo_server()
    link = await Link.memory()
    await open_tcp(link, port)
    await link.command(b'AT+QISEND=0,5,"12345"', b"SEND OK\r\n")
    await link.command(b'AT+QISEND=0,4,"6789"', b"SEND OK\r\n")
    await link.until(b'9"\r\n')  # the whole echo is back, so the peer has ACKed it all
    stats = await link.command(b"AT+QISEND=0,0")
    # loopback ACKs at once: all 9 bytes acknowledged once the echo came back
    assert b"\r\n+QISEND: 9,9,0\r\n" + OK in stats
    server.close()


@async_test
async def test_peer_close_gives_closed_urc_and_remote_closing_state() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    link = await Link.memory()
    await open_tcp(link, port, cid=2)
    while not accepted:
        await asyncio.sleep(0.01)
    accepted[0].close()
    assert await link.until(b'"closed",2\r\n') == b'\r\n+QIURC: "closed",2\r\n'
    assert await link.command(b"AT+QISTATE=1,2") == (
        b'\r\n+QISTATE: 2,"TCP","127.0.0.1",%d,0,4,0,1\r\n' % port + OK)
    assert await link.command(b'AT+QISEND=2,1,"x"', b"SEND FAIL\r\n") == OK + b"\r\nSEND FAIL\r\n"
    assert await link.command(b"AT+QICLOSE=2", b"CLOSE OK\r\n") == OK + b"\r\nCLOSE OK\r\n"
    server.close()


@async_test
async def test_open_result_codes_busy_id_and_refused_connect() -> None:
    server, port = await tcp_echo_server()
    link = await Link.memory()
    await open_tcp(link, port)
    again = await link.command(b'AT+QIOPEN=0,0,"TCP","127.0.0.1",%d' % port, b"+QIOPEN: 0,563\r\n")
    assert again == OK + b"\r\n+QIOPEN: 0,563\r\n"
    # close() shuts the listening socket at once, so the next connect is refused.
    # Not wait_closed(): from 3.12.1 it also waits for every accepted connection to
    # drop, and the simulator's socket 0 to this server is still open (it hung here).
    server.close()
    assert not server.is_serving()
    refused = await link.command(b'AT+QIOPEN=0,1,"TCP","127.0.0.1",%d' % port, b"+QIOPEN: 1,566\r\n")
    assert refused == OK + b"\r\n+QIOPEN: 1,566\r\n"
    # a failed socket keeps its id in state 0 until AT+QICLOSE (2.3.1, NOTE 3)
    assert await link.command(b"AT+QISTATE=1,1") == (
        b'\r\n+QISTATE: 1,"TCP","127.0.0.1",%d,0,0,0,1\r\n' % port + OK)
    assert await link.command(b"AT+QICLOSE=1", b"CLOSE OK\r\n") == OK + b"\r\nCLOSE OK\r\n"
    assert await link.command(b"AT+QICLOSE=1", b"ERROR\r\n") == b"\r\nERROR\r\n"


@async_test
async def test_download_over_1024_bytes_comes_in_several_urcs() -> None:
    payload = bytes(range(65, 91)) * 100  # 2600 bytes

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(payload)
        await writer.drain()

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    link = await Link.memory()
    await open_tcp(link, port)
    got = b""
    while len(got) < len(payload):
        urc = await link.until(b'"\r\n')
        head, _, data = urc.partition(b',"')
        n = int(head.rsplit(b",", 1)[1])
        assert head.startswith(b'\r\n+QIURC: "recv",0,') and 0 < n <= 1024
        assert data == payload[len(got):len(got) + n] + b'"\r\n'
        got += data[:-3]
    assert got == payload
    server.close()


@async_test
async def test_example_4_3_tcp_listener_incoming_send_receive_close() -> None:
    link = await Link.memory()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        lport = probe.getsockname()[1]
    await link.command(b'AT+QIOPEN=0,0,"TCP LISTENER","127.0.0.1",0,%d,1' % lport, b"+QIOPEN: 0,0\r\n")
    reader, writer = await asyncio.open_connection("127.0.0.1", lport)
    cport = writer.get_extra_info("sockname")[1]
    assert await link.until(b"%d\r\n" % cport) == (
        b'\r\n+QIURC: "incoming",1,0,"127.0.0.1",%d\r\n' % cport)
    assert await link.command(b"AT+QISTATE?") == (
        b'\r\n+QISTATE: 0,"TCP LISTENER","127.0.0.1",0,%d,2,0,1\r\n' % lport
        + b'\r\n+QISTATE: 1,"TCP INCOMING","127.0.0.1",%d,%d,2,0,1\r\n' % (cport, lport) + OK)
    await link.command(b'AT+QISEND=1,10,"1234567890"', b"SEND OK\r\n")
    assert await reader.readexactly(10) == b"1234567890"
    writer.write(b"1234567890")
    assert await link.until(b'"\r\n') == b'\r\n+QIURC: "recv",1,10,"1234567890"\r\n'
    assert await link.command(b"AT+QICLOSE=0", b"CLOSE OK\r\n") == OK + b"\r\nCLOSE OK\r\n"
    assert await link.command(b"AT+QISTATE?") == OK  # the accepted connection went with it
    assert await reader.read() == b""
    writer.close()
