"""Faults on the link and in the module, seen from ``Modem``: the transport vanishing
mid-command, mid-data-mode and mid-URC; a restart with sockets open (NULs and the
boot banner on the line); a line cut by a wake from sleep.

Each scenario drives a real :class:`pyqio.Modem` against a real simulator
(in process, over the in-memory pair) with real loopback echo servers behind it;
the fault is made by a small Simulator subclass that misbehaves at one chosen byte.
What must hold: the operation in flight ends with a typed error within its
deadline, nothing received before the fault is lost, nothing after it is framed
wrongly, and the modem works again after the fault (reconnect / re-init).

The helpers here (``FaultSim``, ``modem_on``) are shared by ``test_faults_*.py``.
"""
from __future__ import annotations

import asyncio
import errno
from collections.abc import Callable
from typing import Any

import pytest

from pyqio import events as E
from pyqio.cli import _demo_servers as servers
from pyqio.errors import LinkError
from pyqio.modem import CommandTimeout, Modem, ReconnectPolicy, Timeouts
from pyqio.sim import SimConfig, Simulator
from pyqio.transports import open_pipe, register_scheme

DEADLINE = 20.0  # every scenario as a whole; the waits inside are far shorter
FAST = Timeouts(response=1.0, open_result=2.0, sync=0.2)

_NEXT: list[Simulator] = []


async def _open_next(url: str, protocol_factory: Callable[[], Any], *, loop: Any = None) -> Any:
    """``faultsim://``: join the modem to the next simulator the test queued."""
    if not _NEXT:
        raise ConnectionRefusedError(errno.ECONNREFUSED, "no simulator queued")
    return await open_pipe(protocol_factory, _NEXT.pop(0))


register_scheme("faultsim", _open_next)


class FaultSim(Simulator):
    """The simulator with hooks where a test makes it misbehave.

    ``on_line(sim, line) -> bool``: called with each command line before it is
    carried out; True means the hook handled it (the simulator then does nothing).
    ``on_prompt(sim)``: called after the ``>`` prompt went out.
    ``seen`` records every command line the host sent.
    """

    def __init__(self, config: SimConfig | None = None, *,
                 on_line: Callable[[Any, bytes], bool] | None = None,
                 on_prompt: Callable[[Any], None] | None = None) -> None:
        super().__init__(config or SimConfig(echo=False))
        self.on_line = on_line
        self.on_prompt = on_prompt
        self.seen: list[bytes] = []
        self.received = bytearray()  # every byte the host wrote, data mode included

    def data_received(self, data: bytes) -> None:
        self.received += data
        super().data_received(data)

    def command_line(self, line: bytes) -> None:
        self.seen.append(line)
        if self.on_line is not None and self.on_line(self, line):
            return
        super().command_line(line)

    def enter_datamode(self, mode: Any) -> None:
        super().enter_datamode(mode)
        if self.on_prompt is not None:
            self.on_prompt(self)

    def vanish(self) -> None:
        """The port goes away (a USB adapter pulled): both ends see the link fail now."""
        self.transport.fail(OSError(errno.EIO, "the serial adapter went away"))


async def modem_on(*sims: Simulator, **kwargs: Any) -> Modem:
    """A started Modem over the first of *sims*; the others serve its reconnects."""
    _NEXT[:] = list(sims)
    kwargs.setdefault("timeouts", FAST)
    kwargs.setdefault("wait_ip", 1.0)
    return await Modem.open("faultsim://", **kwargs)


def run(body: Callable[[], Any]) -> Any:
    return asyncio.run(asyncio.wait_for(body(), DEADLINE))


async def read_exactly(sock: Any, n: int, timeout: float = 5.0) -> bytes:
    got = b""
    while len(got) < n:
        chunk = await asyncio.wait_for(sock.recv(), timeout)
        if not chunk:
            break
        got += chunk
    return got


async def echo_ok(m: Modem, msg: bytes) -> bool:
    """The modem is healthy: a fresh socket echoes *msg* through a loopback server."""
    server, (host, port) = await servers.start_tcp_echo()
    try:
        async with await m.connect(host, port) as sock:
            await sock.send(msg)
            return await read_exactly(sock, len(msg)) == msg
    finally:
        server.close()


# -- the transport vanishing ---------------------------------------------------------

def test_link_vanishing_mid_command_fails_it_with_link_error_and_reconnect_recovers():
    seen = []

    def vanish_on_state(sim: Any, line: bytes) -> bool:
        # the first AT+QISTATE? is bring-up's look for stale sockets; the second is m.state()
        if line.startswith(b"AT+QISTATE") and seen.append(line) is None and len(seen) == 2:
            sim.write(b"\r\n+QISTATE: 0,\"TC")  # half a row, then the port is gone
            sim.vanish()
            return True
        return False

    async def main():
        first = FaultSim(on_line=vanish_on_state)
        m = await modem_on(first, FaultSim(),
                           reconnect=ReconnectPolicy(initial_delay=0.05, max_delay=0.1))
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        with pytest.raises(LinkError) as err:  # not CommandTimeout: the loss ends it
            await m.state()
        with pytest.raises(LinkError):  # the socket died with the link: its peer saw it go
            await sock.send(b"x")
        rows = await asyncio.wait_for(m.state(), 5)  # waits for the reconnect, then works
        healthy = await echo_ok(m, b"after the port came back")
        await m.close()
        server.close()
        return err.value, rows, healthy

    err, rows, healthy = run(main)
    assert isinstance(err.__cause__, OSError) and err.__cause__.errno == errno.EIO
    assert rows == [] and healthy


def test_link_vanishing_in_data_mode_fails_the_send_and_nothing_half_sent_is_retried():
    def vanish_after_prompt(sim: Any) -> None:
        sim.loop.call_soon(sim.vanish)  # the prompt reached the host, the payload never will

    async def main():
        first = FaultSim(on_prompt=vanish_after_prompt)
        second = FaultSim()
        m = await modem_on(first, second,
                           reconnect=ReconnectPolicy(initial_delay=0.05, max_delay=0.1))
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        with pytest.raises(LinkError):
            await sock.send(b"payload that meets a dead port")
        await asyncio.wait_for(m.wait_ready(), 5)
        healthy = await echo_ok(m, b"fresh")
        await m.close()
        server.close()
        return second.received, healthy

    received, healthy = run(main)
    assert healthy
    # the new link never sees the old payload, nor a data-mode tail of it
    assert b"payload that meets" not in received


def test_link_vanishing_mid_urc_keeps_what_came_before_and_frames_the_next_link_afresh():
    async def main():
        first = FaultSim()
        second = FaultSim()
        m = await modem_on(first, second,
                           reconnect=ReconnectPolicy(initial_delay=0.05, max_delay=0.1))
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        await sock.send(b"whole")
        assert await read_exactly(sock, 5) == b"whole"
        cid = sock.connect_id
        first.write(b'\r\n+QIURC: "recv",%d,5,"early"\r\n' % cid)
        # a URC cut after 4 of its 20 payload bytes, then the port is gone
        first.write(b'\r\n+QIURC: "recv",%d,20,"cut' % cid)
        first.loop.call_soon(first.vanish)
        got = await sock.recv()  # what arrived whole before the loss is still read
        with pytest.raises(LinkError):
            await asyncio.wait_for(sock.recv(), 5)
        await asyncio.wait_for(m.wait_ready(), 5)
        # the new link starts at a line start: an URC on it decodes whole
        healthy = await echo_ok(m, b'fresh "recv" bytes\r\nOK\r\n')
        errors = m.protocol_errors
        await m.close()
        server.close()
        return got, healthy, errors

    got, healthy, errors = run(main)
    assert got == b"early"
    assert healthy and errors == 0  # the cut URC is dropped with its link, not misread


# -- module restart ------------------------------------------------------------------

def test_restart_with_sockets_open_fails_them_and_brings_the_module_up_again():
    async def main():
        sim = FaultSim()
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        socks = [await m.connect(host, port) for _ in range(3)]
        await socks[0].send(b"before")
        assert await read_exactly(socks[0], 6) == b"before"
        # a URC cut between two lines by the reboot: NULs then RDY
        sim.write(b'\r\n+QIURC: "recv",%d,40' % socks[1].connect_id)
        sim.restart()
        for sock in socks:
            with pytest.raises(LinkError, match="restarted"):
                await asyncio.wait_for(sock.recv(), 5)
            with pytest.raises(LinkError):
                await sock.send(b"x")
        await asyncio.wait_for(m.wait_ready(), 5)
        rows = await m.state()
        healthy = await echo_ok(m, b"after the reboot")
        restarts = m.restarts
        await m.close()
        server.close()
        return rows, healthy, restarts, sim.seen

    rows, healthy, restarts, seen = run(main)
    assert restarts == 1 and rows == [] and healthy
    assert seen.count(b"ATE0") == 2  # echo turned off again after the reboot


def test_restart_inside_a_framed_payload_is_still_seen_as_a_restart():
    """The reboot cuts a length-framed URC: its NULs and ``RDY`` are taken as payload
    (the length says so) and only the broken framing after them shows. The modem
    must still see the restart: its sockets fail with LinkError and it comes up again
    (fixed in pyqio/modem/_modem.py: before, the sockets waited forever)."""
    async def main():
        sim = FaultSim()
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        sim.write(b'\r\n+QIURC: "recv",%d,20,"cut by' % sock.connect_id)
        sim.restart()  # 11 bytes of banner + the first bytes of +IP: fill the payload
        with pytest.raises(LinkError, match="restarted"):
            await asyncio.wait_for(sock.recv(), 5)
        await asyncio.wait_for(m.wait_ready(), 5)
        healthy = await echo_ok(m, b"up")
        restarts = m.restarts
        await m.close()
        server.close()
        return healthy, restarts

    healthy, restarts = run(main)
    assert healthy and restarts == 1


def test_nul_and_rdy_inside_a_well_framed_payload_are_data():
    """The same bytes inside a payload whose framing holds are a peer's data, not a reboot."""
    async def main():
        sim = FaultSim()
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        payload = b"\x00\x00\x00\x00\r\nRDY\r\n"
        await sock.send(payload)
        got = await read_exactly(sock, len(payload))
        restarts, errors = m.restarts, m.protocol_errors
        await m.close()
        server.close()
        return got, restarts, errors

    got, restarts, errors = run(main)
    assert got == b"\x00\x00\x00\x00\r\nRDY\r\n" and restarts == 0 and errors == 0


# -- a line cut by a wake from sleep ---------------------------------------------------

def test_line_cut_by_a_wake_does_not_shift_what_follows():
    """The module wakes mid-line: the cut line ends where the wake's CR LF begins.
    The deferred result that follows is still paired with its command."""
    def cut_open(sim: Any, line: bytes) -> bool:
        if line.startswith(b"AT+QIOPEN"):
            sim.write(b"\r\n+QIOPE")  # the start of a line, cut by the wake
            return False              # then the real answer: OK, +QIOPEN: <id>,0
        if line == b"AT+QISTATE?":
            sim.write(b'\r\n+QIURC: "clo')  # a URC cut by a wake before the rows
        return False

    async def main():
        sim = FaultSim(on_line=cut_open)
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        rows = await m.state()
        await sock.send(b"still framed")
        got = await read_exactly(sock, 12)
        unattached = list(m.unattached)
        await m.close()
        server.close()
        return rows, got, unattached

    rows, got, unattached = run(main)
    assert [r.socket_state for r in rows] == [2] and got == b"still framed"
    # the cut lines are kept as what they are, never as a result or a close
    assert not any(isinstance(ev, (E.OpenResult, E.Closed)) for ev in unattached)


def test_first_commands_after_a_silent_wake_time_out_then_the_next_is_answered():
    """A module asleep swallows what it is sent; the modem's timeout fires (typed
    CommandTimeout), and the command after the wake gets its own answer."""
    asleep = {"on": False}

    def maybe_swallow(sim: Any, line: bytes) -> bool:
        return asleep["on"]

    async def main():
        sim = FaultSim(on_line=maybe_swallow)
        m = await modem_on(sim)
        asleep["on"] = True
        with pytest.raises(CommandTimeout):
            await m.state()
        asleep["on"] = False
        rows = await m.state()
        healthy = await echo_ok(m, b"awake")
        await m.close()
        return rows, healthy

    rows, healthy = run(main)
    assert rows == [] and healthy
