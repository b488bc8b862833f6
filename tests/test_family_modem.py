"""Modem sockets over every simulator personality (bc660k, bc66, bg96) in every access
mode (direct push, buffer access): 1 MiB each way with a sha256 checksum, in process
and over a PTY to a simulator in another process; buffer access reads driven by
notices and flow-controlled; pdpdeact; resolve answered by dnsgip URCs.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
from typing import Any

import pytest

from pyqio import Modem, PdpDeactivatedError
from pyqio.cli import _demo_servers as servers
from pyqio.errors import InvalidArgument
from pyqio.sim import SimConfig, Simulator
from pyqio.transports import open_pipe, register_scheme
from tests.servers import dns_server, tcp_echo_server, udp_echo_server

MiB = 1 << 20

PERSONALITIES = [("bc660k", None), ("bc66", None), ("bg96", 1), ("bg96", 0)]


def _ids(p: tuple[str, int | None]) -> str:
    return f"{p[0]}-{ {None: 'push', 1: 'push', 0: 'buffer'}[p[1]]}"


class Tx:
    """A modem trace collecting the command lines sent."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []

    def __call__(self, kind: str, data: Any) -> None:
        if kind == "tx":
            self.lines.append(bytes(data))

    def count(self, head: bytes) -> int:
        return sum(line.startswith(head) for line in self.lines)


async def _round_trip(m: Modem, port: int, size: int = MiB, **kw: Any) -> tuple[bool, Any]:
    sock = await m.connect("127.0.0.1", port, **kw)
    data = os.urandom(size)

    async def reader() -> str:
        h, n = hashlib.sha256(), 0
        while n < size:
            chunk = await sock.recv()
            assert chunk, "closed early"
            n += len(chunk)
            h.update(chunk)
        return h.hexdigest()

    task = asyncio.create_task(reader())
    await sock.send(data)
    same = await asyncio.wait_for(task, 240) == hashlib.sha256(data).hexdigest()
    await sock.close()
    return same, sock


@pytest.mark.parametrize("module,mode", PERSONALITIES, ids=map(_ids, PERSONALITIES))
def test_a_mebibyte_each_way_over_every_personality_and_access_mode(module, mode):
    async def main() -> tuple[bool, Any, Tx, Any]:
        server, port = await tcp_echo_server()
        tx = Tx()
        try:
            async with Modem(f"sim://?module={module}", module=module, trace=tx) as m:
                same, sock = await _round_trip(m, port, access_mode=mode)
                left = m.sockets
        finally:
            server.close()
        return same, sock, tx, left

    same, sock, tx, left = asyncio.run(main())
    assert same and sock.dropped_bytes == 0 and sock.bytes_received == MiB
    assert left == {}
    opened = [line for line in tx.lines if line.startswith(b"AT+QIOPEN=")]
    assert opened and tx.count(b"AT+QICLOSE=") == 1
    if module == "bg96":
        assert opened[0].startswith(b'AT+QIOPEN=1,0,"TCP"')  # context 1, activated
        assert tx.count(b"AT+QIACT=1") == 1 and opened[0].rstrip().endswith(b",%d" % mode)
    if mode == 0:  # every byte came by AT+QIRD, at most 1500 a read
        assert tx.count(b"AT+QIRD=0,1500") >= MiB // 1500
    else:
        assert tx.count(b"AT+QIRD") == 0


@pytest.mark.parametrize("module,mode", PERSONALITIES, ids=map(_ids, PERSONALITIES))
def test_udp_datagrams_keep_their_bounds_in_every_mode(module, mode):
    async def main() -> list[bytes]:
        transport, port = await udp_echo_server()
        try:
            async with Modem(f"sim://?module={module}", module=module) as m:
                sock = await m.connect("127.0.0.1", port, "udp", access_mode=mode)
                grams = [b"a\r\nOK\r\n", b'+QIURC: "recv",0,5\r\n', b"\x00" * 1000]
                got = []
                for g in grams:
                    await sock.send(g)
                    got.append(await asyncio.wait_for(sock.recv(), 10))
                await sock.close()
                return got
        finally:
            transport.close()

    assert asyncio.run(main()) == [b"a\r\nOK\r\n", b'+QIURC: "recv",0,5\r\n', b"\x00" * 1000]


def test_buffer_access_holds_reads_while_the_owner_does_not_read_and_loses_nothing():
    async def main() -> tuple[int, int, int, str, str]:
        payload = os.urandom(512 * 1024)
        done = asyncio.Event()

        async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            w.write(payload)
            await w.drain()
            done.set()
            await r.read()
            w.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        tx = Tx()
        async with Modem("sim://?module=bg96", module="bg96", buffer_limit=16 * 1024,
                         trace=tx) as m:
            sock = await m.connect("127.0.0.1", port)
            await asyncio.sleep(1.0)  # the owner reads nothing for a while
            held = sock.buffered()
            reads_while_full = tx.count(b"AT+QIRD=")
            got = bytearray()
            while len(got) < len(payload):
                got += await asyncio.wait_for(sock.recv(), 30)
            await sock.close()
        server.close()
        return (held, reads_while_full, sock.dropped_bytes,
                hashlib.sha256(got).hexdigest(), hashlib.sha256(payload).hexdigest())

    held, reads, dropped, got, want = asyncio.run(main())
    assert held <= 16 * 1024  # the socket buffer never overflowed ...
    assert reads < 30  # ... because the modem stopped reading the module
    assert dropped == 0 and got == want


def test_reads_interleave_with_other_commands_and_urcs():
    async def main() -> tuple[bool, int, int]:
        server, port = await tcp_echo_server()
        udp, uport = await udp_echo_server()
        tx = Tx()
        async with Modem("sim://?module=bg96", module="bg96", trace=tx) as m:
            pushed = await m.connect("127.0.0.1", uport, "udp", access_mode=1)
            states = 0

            async def chatter() -> None:
                nonlocal states
                for i in range(40):
                    rows = await m.state()  # commands queued between the reads
                    states += len(rows)
                    await pushed.send(b"%d" % i)  # pushed URCs arrive between read answers
                    assert await asyncio.wait_for(pushed.recv(), 10) == b"%d" % i

            side = asyncio.create_task(chatter())
            same, _ = await _round_trip(m, port, 256 * 1024, access_mode=0)
            await side
            await pushed.close()
        server.close()
        udp.close()
        return same, states, tx.count(b"AT+QIRD=")

    same, states, reads = asyncio.run(main())
    assert same and states >= 40 and reads > 100


_SIMS: list[Simulator] = []


async def _open_kept(url: str, factory: Any, **_: Any) -> Any:
    sim = Simulator(SimConfig.from_url("sim://?" + url.partition("?")[2]))
    _SIMS.append(sim)
    return await open_pipe(factory, sim)


register_scheme("simkept", _open_kept)


def test_pdpdeact_fails_the_sockets_of_that_context_and_the_modem_reactivates():
    async def main() -> tuple[Any, Any, bytes, str | None, bool]:
        server, port = await tcp_echo_server()
        tx = Tx()
        async with Modem("simkept://?module=bg96", module="bg96", trace=tx) as m:
            sim = _SIMS[-1]
            a = await m.connect("127.0.0.1", port)
            b = await m.connect("127.0.0.1", port, access_mode=1)
            await a.send(b"kept")
            assert await asyncio.wait_for(a.recv(), 10) == b"kept"
            sim.attached = True  # the network stays: only the context goes
            sim.deactivate_all()
            errors = []
            for sock in (a, b):
                with pytest.raises(PdpDeactivatedError) as info:
                    await asyncio.wait_for(sock.recv(), 10)
                errors.append(info.value)
            for _ in range(100):  # reactivated in the background
                if m.ip is not None:
                    break
                await asyncio.sleep(0.05)
            c = await m.connect("127.0.0.1", port)
            await c.send(b"again")
            echoed = await asyncio.wait_for(c.recv(), 10)
            await c.close()
            return errors, m.sockets, echoed, m.ip, sim.contexts[1].active
        server.close()

    errors, left, echoed, ip, active = asyncio.run(main())
    assert [e.context_id for e in errors] == [1, 1]
    assert all(isinstance(e, ConnectionError) for e in errors)
    assert left == {} and echoed == b"again" and ip is not None and active


def test_resolve_is_answered_by_dnsgip_urcs_with_every_address():
    zone = "box.pyqio.test. 60 IN A 127.0.0.7\nbox.pyqio.test. 60 IN A 127.0.0.8\n"

    async def main(dns_port: int) -> tuple[list[str], Tx]:
        tx = Tx()
        url = f"sim://?module=bg96&dns_port={dns_port}&dns_servers=127.0.0.1"
        async with Modem(url, module="bg96", trace=tx) as m:
            return await asyncio.wait_for(m.resolve("box.pyqio.test"), 20), tx

    with dns_server(zone) as port:
        addrs, tx = asyncio.run(main(port))
    assert sorted(addrs) == ["127.0.0.7", "127.0.0.8"]
    assert tx.count(b'AT+QIDNSGIP=1,"box.pyqio.test"') == 1


def test_the_bc660k_resolve_is_unchanged():
    async def main() -> list[str]:
        tr, (_, port) = await servers.start_dns({"box.pyqio.test": "127.0.0.7"})
        try:
            async with Modem(f"sim://?dns_port={port}&dns_servers=127.0.0.1") as m:
                return await m.resolve("box.pyqio.test")
        finally:
            tr.close()
    assert asyncio.run(main()) == ["127.0.0.7"]


def test_apn_is_configured_with_qicsgp_in_bring_up():
    async def main() -> tuple[Tx, str]:
        tx = Tx()
        async with Modem("simkept://?module=bg96", module="bg96", apn="internet.test",
                         trace=tx) as m:
            resp = await m.command("AT+QICSGP=1")
            return tx, resp.events[0].apn

    tx, apn = asyncio.run(main())
    assert tx.count(b'AT+QICSGP=1,1,"internet.test"') == 1 and apn == "internet.test"


@pytest.mark.parametrize("kwargs,fragment", [
    ({"module": "bg95"}, "module="),
    ({"module": "bc660k", "access_mode": 0}, "access_mode=0"),
    ({"module": "bg96", "access_mode": 2}, "access_mode=2"),
    ({"module": "bg96", "context_id": 0}, "context_id=0"),
    ({"module": "bg96", "apn": 'x"\rAT'}, "apn"),
])
def test_modem_refuses_options_its_profile_does_not_take(kwargs, fragment):
    with pytest.raises(InvalidArgument, match=fragment):
        Modem("sim://", **kwargs)


def test_sim_module_option_from_url_and_flag():
    assert SimConfig.from_url("sim://?module=bg96").module == "bg96"
    with pytest.raises(InvalidArgument, match="module"):
        SimConfig.from_url("sim://?module=ec21")


def test_a_mebibyte_over_a_pty_to_a_bg96_simulator_in_another_process():
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.Popen([sys.executable, "-m", "pyqio", "sim", "--pty", "--module", "bg96"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().decode().strip()
        assert path.startswith("/dev/"), proc.stderr.read() if proc.stderr else b""

        async def main() -> tuple[bool, Tx]:
            server, port = await tcp_echo_server()
            tx = Tx()
            try:
                async with Modem(path, module="bg96", trace=tx) as m:
                    same, _ = await _round_trip(m, port)
                    return same, tx
            finally:
                server.close()

        same, tx = asyncio.run(main())
        assert same and tx.count(b"AT+QIRD=0,1500") >= MiB // 1500
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("module,mode", PERSONALITIES, ids=map(_ids, PERSONALITIES))
def test_data_sent_just_before_the_peer_closes_is_read_before_eof(module, mode):
    payload = os.urandom(200_000)

    async def main() -> bytes:
        async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            w.write(payload)  # then close at once: "closed" follows the data's notice
            await w.drain()
            w.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        got = bytearray()
        async with Modem(f"sim://?module={module}", module=module) as m:
            sock = await m.connect("127.0.0.1", port, access_mode=mode)
            while chunk := await asyncio.wait_for(sock.recv(), 30):
                got += chunk
            await sock.close()
        server.close()
        return bytes(got)

    assert asyncio.run(main()) == payload
