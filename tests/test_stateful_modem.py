"""A hypothesis state machine drives ``Modem`` against the simulator with faults on.

Each run picks a fault profile and a seed for the simulator's knobs (``SimConfig``):

- ``lossless``: latency, garbage lines between the module's lines, SEND FAIL at a
  rate. Nothing the peer sends may be lost: every socket's bytes are, at every
  step, a prefix of what was sent through it (the loopback echo peer sends back
  exactly that), and at the end equal to it.
- ``lossy``: dropped and held-back (reordered) URCs, peers closing mid-send, PDP
  breakdowns, module restarts (timed and on demand), garbage. The module itself
  loses data here, which the host cannot see; what the host *can* be held to is
  checked against what the module actually wrote (decoded from its output).

Invariants, checked after every step (and fully after a final drain):

1. every operation (TCP and UDP sockets, sends, reads, closes, AT+QISTATE, a
   loopback ping with its deferred +QPING lines) completes, or fails with a typed
   ``PyqioError``, within its deadline;
2. every command completes exactly once (no request gets two responses);
3. each URC the module wrote (``recv``, ``closed``, ``+IP:``) is decoded exactly once,
   in order (garbage between lines notwithstanding);
4. every byte of every ``recv`` URC reaches the socket that owned the connect id,
   once and in order, or is counted (``dropped_bytes``/``dropped_packets``, or the
   modem's ``orphan_bytes`` for an id with no socket);
5. memory stays bounded: socket buffers under their limit (plus what one read of the
   link held when it paused: a TCP socket past it pauses the link), the unattached-event
   list, the decoder's partial input and the simulator's queue under their caps.
"""
from __future__ import annotations

import asyncio
import os
import random
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from test_faults import FaultSim, modem_on

from pyqio import Decoder
from pyqio import events as E
from pyqio.cli import _demo_servers as servers
from pyqio.errors import InvalidArgument, PyqioError
from pyqio.modem import Timeouts
from pyqio.sim import SimConfig

OP_DEADLINE = 8.0    # no single operation may take longer (timeouts below are far shorter)
TIMEOUTS = Timeouts(response=1.5, open_result=2.0, sync=0.2)
BUFFER_LIMIT = 3000  # small, so that not reading fills it and the overflow policy is exercised
LINK_READ = 4 * 1024  # what one read of the in-memory link may still hold when it pauses
URC_TYPES = (E.Recv, E.Closed, E.IpAddress)


class WitnessSim(FaultSim):
    """The simulator, keeping the URCs it really wrote (decoded from its own output,
    before any garbage the faults add): the ground truth invariant 3 compares with."""

    def __init__(self, config: SimConfig) -> None:
        super().__init__(config)
        self.emitted: list[Any] = []
        self._witness = Decoder()

    def write(self, data: bytes) -> None:
        if self.transport is not None:
            self.emitted += [ev for ev in self._witness.feed(data) if isinstance(ev, URC_TYPES)]
        super().write(data)


def lossless_config(seed: int) -> SimConfig:
    rng = random.Random(seed)
    return SimConfig(seed=seed, latency=rng.choice([0.0, 0.002]),
                     garbage_rate=rng.choice([0.0, 0.2]),
                     send_fail_rate=rng.choice([0.0, 0.3]))


def lossy_config(seed: int) -> SimConfig:
    rng = random.Random(seed)
    return SimConfig(seed=seed, latency=rng.choice([0.0, 0.002]),
                     garbage_rate=rng.choice([0.0, 0.2]), send_fail_rate=0.1,
                     urc_drop_rate=rng.choice([0.0, 0.2]), urc_delay_rate=0.2, urc_delay=0.05,
                     peer_close_rate=0.1,
                     restart_after=rng.choice([None, 0.4]),
                     pdp_breakdown_after=rng.choice([None, 0.6]), reattach_after=0.1)


class Tracked:
    """One socket object and what the test knows of it."""

    def __init__(self, sock: Any) -> None:
        self.sock = sock
        self.sent = bytearray()      # payloads whose send succeeded (the echo peer returns them)
        self.pending = b""           # the payload of the send in flight
        self.received = bytearray()  # what recv() handed out
        self.certain = True          # False once a send ended in a way that leaves it unknown


class ModemMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.modem: Any = None
        self.socks: list[Tracked] = []
        self.decoded: list[Any] = []           # URC events the host decoded, in order
        self.expected: dict[int, list[bytes]] = {}  # id(socket object) -> recv chunks routed to it
        self.objects: dict[int, Any] = {}
        self.orphans = 0
        self.responses: set[int] = set()
        self.requests: list[Any] = []
        self.violations: list[str] = []

    # -- plumbing ------------------------------------------------------------------
    def trace(self, kind: str, data: Any) -> None:
        if kind != "event":
            return
        if hasattr(data, "request") and hasattr(data, "final"):
            # an assert here would be swallowed by the event loop: note it, check it below
            if id(data.request) in self.responses:
                self.violations.append(f"a second response for {data.request}")
            self.responses.add(id(data.request))
            self.requests.append(data.request)  # kept alive, so that ids stay unique
            return
        if isinstance(data, URC_TYPES):
            self.decoded.append(data)
        if isinstance(data, E.Recv):
            owner = self.modem._sockets.get(data.connect_id) if self.modem else None
            if owner is None:
                self.orphans += len(data.data)
            else:
                self.objects[id(owner)] = owner
                self.expected.setdefault(id(owner), []).append(data.data)

    def run(self, coro: Any) -> Any:
        """Run one operation: its result, or its typed error; never a hang (invariant 1)."""
        task = self.loop.create_task(coro)
        done, _ = self.loop.run_until_complete(asyncio.wait({task}, timeout=OP_DEADLINE))
        assert done, f"an operation did not complete within {OP_DEADLINE} s"
        exc = task.exception()
        if exc is not None:
            assert isinstance(exc, PyqioError) and not isinstance(exc, InvalidArgument), \
                f"untyped failure: {exc!r}"
        return exc

    def settle(self, seconds: float = 0.01) -> None:
        self.loop.run_until_complete(asyncio.sleep(seconds))

    @initialize(profile=st.sampled_from(["lossless", "lossy"]),
                seed=st.integers(0, 2 ** 16))
    def start(self, profile: str, seed: int) -> None:
        self.profile = profile
        config = (lossless_config if profile == "lossless" else lossy_config)(seed)
        self.sim = WitnessSim(config)
        self.rng = random.Random(seed)

        async def up() -> None:
            self.echo, self.echo_addr = await servers.start_tcp_echo()
            self.udp_echo, self.udp_echo_addr = await servers.start_udp_echo()
            self.modem = await modem_on(self.sim, timeouts=TIMEOUTS, wait_ip=1.0,
                                        buffer_limit=BUFFER_LIMIT, trace=self.trace)

        self.loop.run_until_complete(asyncio.wait_for(up(), OP_DEADLINE))
        self.connect()  # every run starts with one socket (the restart knobs may still win)

    # -- operations --------------------------------------------------------------------
    def live(self) -> list[Tracked]:
        return [t for t in self.socks if not t.sock.closed and t.sock._error is None]

    # Preconditions read only what the drawn steps decide (the modem, the profile), never
    # live socket state: that depends on timing, and hypothesis must see the same enabled
    # rules when it replays a run (else FlakyStrategyDefinition). A step with nothing to
    # act on does nothing.
    @precondition(lambda self: self.modem is not None)
    @rule(proto=st.sampled_from(["tcp", "udp"]))
    def connect(self, proto: str = "tcp") -> None:
        if len(self.live()) >= 3:
            return
        result: list[Any] = []
        addr = self.echo_addr if proto == "tcp" else self.udp_echo_addr

        async def op() -> None:
            await self.modem.wait_ready()
            result.append(await self.modem.connect(*addr, proto, timeout=2.0))

        if self.run(op()) is None:
            self.socks.append(Tracked(result[0]))

    @precondition(lambda self: self.modem is not None)
    @rule(pick=st.integers(0, 2), size=st.integers(1, 1024))
    def send(self, pick: int, size: int) -> None:
        live = self.live()
        if not live:
            return
        t = live[pick % len(live)]
        data = self.rng.randbytes(size)  # random content: no accidental repeats
        t.pending = data
        exc = self.run(t.sock.send(data))
        t.pending = b""
        self.settle(0.003)  # most of the time the echo is back before the next step
        if exc is None:
            t.sent += data
        elif type(exc).__name__ != "SendFailed":  # SEND FAIL: the module sent nothing
            t.certain = False

    @precondition(lambda self: self.modem is not None)
    @rule(pick=st.integers(0, 5))
    def read(self, pick: int) -> None:
        if not self.socks:
            return
        t = self.socks[pick % len(self.socks)]

        async def op() -> None:
            t.sock.settimeout(0)
            while t.sock._readable():
                t.received += await t.sock.recv()

        self.run(op())

    def read_all(self) -> None:
        for t in self.socks:
            while t.sock._readable():
                t.received += t.sock._take(65536)

    @precondition(lambda self: self.modem is not None)
    @rule(pick=st.integers(0, 2))
    def close(self, pick: int) -> None:
        live = self.live()
        if not live:
            return
        t = live[pick % len(live)]
        self.run(t.sock.close())  # what was still on its way to it is discarded with it

    @precondition(lambda self: self.modem is not None)
    @rule()
    def state(self) -> None:
        self.run(self.modem.state())

    @precondition(lambda self: self.modem is not None)
    @rule()
    def ping_loopback(self) -> None:
        """A deferred result (+QPING lines) among the URCs; a failed ping is a result."""
        self.run(self.modem.ping("127.0.0.1", timeout=1, count=1))

    @precondition(lambda self: self.modem is not None)
    @rule(seconds=st.sampled_from([0.0, 0.02, 0.1]))
    def wait(self, seconds: float) -> None:
        self.settle(seconds)

    # -- faults on demand (lossy profile) ---------------------------------------------------
    @precondition(lambda self: self.modem is not None and self.profile == "lossy")
    @rule()
    def restart_module(self) -> None:
        self.sim.restart()
        self.settle()

    @precondition(lambda self: self.modem is not None and self.profile == "lossy")
    @rule()
    def pdp_breakdown(self) -> None:
        self.sim.break_pdp()
        self.loop.call_later(0.05, self.sim.reattach)
        self.settle()

    @precondition(lambda self: self.modem is not None and self.profile == "lossy")
    @rule(pick=st.integers(0, 4), size=st.integers(1, 4000))
    def peer_floods(self, pick: int, size: int) -> None:
        """The peer pushes more than the host may buffer (direct push, note 1.2)."""
        conns = list(self.sim.conns.values())
        if not conns:
            return
        conn = conns[pick % len(conns)]
        self.sim.socket_data(conn, self.rng.randbytes(size), (conn.host, conn.remote_port))
        self.settle()

    @precondition(lambda self: self.modem is not None and self.profile == "lossy")
    @rule(pick=st.integers(0, 4))
    def peer_closes(self, pick: int) -> None:
        conns = list(self.sim.conns.values())
        if not conns:
            return
        self.sim.socket_closed(conns[pick % len(conns)], force=True)
        self.settle()

    # -- invariants -------------------------------------------------------------------
    @invariant()
    def commands_complete_exactly_once(self) -> None:
        assert not self.violations, self.violations

    @invariant()
    def urcs_decoded_once_in_order(self) -> None:
        if self.modem is None:
            return
        n = len(self.decoded)
        assert self.decoded == self.sim.emitted[:n], "URCs lost, repeated or reordered"

    @invariant()
    def every_recv_byte_reaches_its_socket_or_is_counted(self) -> None:
        if self.modem is None:
            return
        assert self.modem.orphan_bytes == self.orphans
        for t in self.socks:
            chunks = self.expected.get(id(t.sock), [])
            have = bytes(t.received) + unread(t.sock)
            assert len(have) + t.sock.dropped_bytes == sum(map(len, chunks))
            assert is_subsequence_of_chunks(have, chunks, t.sock.dropped_packets)

    @invariant()
    def lossless_streams_are_prefixes_of_what_was_sent(self) -> None:
        if self.modem is None or self.profile != "lossless":
            return
        for t in self.socks:
            if t.certain and not t.sock.dropped_packets:
                have = bytes(t.received) + unread(t.sock)
                assert (bytes(t.sent) + t.pending).startswith(have), "lost or out of order"

    @invariant()
    def memory_is_bounded(self) -> None:
        if self.modem is None:
            return
        for t in self.socks:  # past the limit the link pauses; what it had read still lands
            assert t.sock.buffered() <= BUFFER_LIMIT + LINK_READ
        assert len(self.modem.unattached) <= 32
        link = self.modem._link
        if link is not None:
            assert len(link._futures) <= 1  # one operation at a time here
        assert self.sim._queued <= 1 << 20

    def teardown(self) -> None:
        try:
            if self.modem is not None:
                self.drain()
        finally:
            if self.modem is not None:  # closing, too, ends within its deadline
                self.loop.run_until_complete(asyncio.wait_for(self.modem.close(), OP_DEADLINE))
                self.echo.close()
                self.udp_echo.close()
            self.loop.run_until_complete(asyncio.sleep(0.01))
            self.loop.close()

    def note_coverage(self) -> None:
        """What this run exercised (``--hypothesis-show-statistics`` lists it)."""
        if not currently_in_test_context():  # a run driven by hand has no statistics
            return
        m = self.modem
        event(f"profile {self.profile}")
        event(f"restarts {_bucket(m.restarts)}")
        event(f"protocol errors {_bucket(m.protocol_errors)}")
        event(f"dropped packets {_bucket(sum(t.sock.dropped_packets for t in self.socks))}")
        event(f"recv URCs {_bucket(sum(isinstance(e, E.Recv) for e in self.decoded))}")
        event(f"closed URCs {_bucket(sum(isinstance(e, E.Closed) for e in self.decoded))}")
        event(f"uncertain sends {_bucket(sum(not t.certain for t in self.socks))}")

    def round_trip(self) -> None:
        """AT+QISTATE while every socket is read, as a user's reader task reads: the
        answer comes behind all the module wrote before it, which may be many times
        a socket's buffer; read only before and after, a full socket would pause the
        link again within a few reads and the answer would time out behind it."""
        async def op() -> None:
            task = asyncio.ensure_future(self.modem.state())
            try:
                while not task.done():
                    self.read_all()
                    await asyncio.wait({task}, timeout=0.005)
            finally:
                task.cancel()
            await task

        self.run(op())

    def drain(self) -> None:
        """Let everything in flight land, then check the end state in full."""
        for _ in range(100):
            self.settle(0.02)
            self.read_all()  # a full socket keeps the link paused: read them all
            waiting = [t for t in self.socks if self.profile == "lossless" and t.certain
                       and not t.sock.closed and not t.sock.dropped_packets
                       and len(t.received) + t.sock.buffered() < len(t.sent)]
            if not waiting and not self.sim._queue:
                break
        self.round_trip()  # all the module wrote before it is in
        self.read_all()
        self.round_trip()  # again, now that nothing can hold the link paused
        self.note_coverage()
        self.urcs_decoded_once_in_order()
        assert len(self.decoded) == len(self.sim.emitted), "URCs never decoded"
        self.every_recv_byte_reaches_its_socket_or_is_counted()
        if self.profile == "lossless":
            for t in self.socks:
                if t.certain and not t.sock.closed and not t.sock.dropped_packets:
                    for _ in range(3):
                        self.read(self.socks.index(t))
                    assert bytes(t.received) == bytes(t.sent), "peer bytes lost"


def unread(sock: Any) -> bytes:
    """What a socket holds and has not handed out yet (stream or datagrams)."""
    return bytes(sock._stream) + b"".join(sock._datagrams)


def _bucket(n: int) -> str:
    return "0" if n == 0 else "1-9" if n < 10 else "10+"


def is_subsequence_of_chunks(have: bytes, chunks: list[bytes], dropped: int) -> bool:
    """*have* is *chunks* joined with exactly *dropped* of them left out, order kept."""
    reach = {(0, 0)}  # (position in have, chunks skipped)
    for chunk in chunks:
        nxt = set()
        for pos, skipped in reach:
            if skipped < dropped:
                nxt.add((pos, skipped + 1))
            if have.startswith(chunk, pos):
                nxt.add((pos + len(chunk), skipped))
        reach = nxt
    return (len(have), dropped) in reach


ModemMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("PYQIO_STATEFUL_EXAMPLES", "50")), stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_modem_under_faults = ModemMachine.TestCase


# -- the invariants are not vacuous: known driver bugs, planted, are caught -----------------


def drive(profile: str, steps: Any) -> AssertionError | None:
    """Run *steps* on a fresh machine by hand; the first invariant that fails, or None."""
    m = ModemMachine()
    try:
        m.start(profile=profile, seed=5)
        steps(m)
        m.settle(0.05)
        for check in (m.every_recv_byte_reaches_its_socket_or_is_counted,
                      m.lossless_streams_are_prefixes_of_what_was_sent,
                      m.urcs_decoded_once_in_order):
            try:
                check()
            except AssertionError as exc:
                return exc
        return None
    finally:
        m.loop.run_until_complete(m.modem.close())
        m.echo.close()
        m.udp_echo.close()
        m.loop.run_until_complete(asyncio.sleep(0.01))
        m.loop.close()


def flood(m: ModemMachine) -> None:
    conn = next(iter(m.sim.conns.values()))
    for _ in range(3):
        m.sim.socket_data(conn, m.rng.randbytes(1500), (conn.host, conn.remote_port))
    m.settle(0.05)


def test_a_socket_that_wipes_its_buffer_on_overflow_is_caught(monkeypatch: Any) -> None:
    from pyqio.modem._socket import ModemSocket

    assert drive("lossy", flood) is None  # the real policy passes

    def wipe_on_overflow(self: Any, data: bytes) -> None:  # a bug found in other drivers
        if len(self._stream) + len(data) > self.buffer_limit:
            self._stream.clear()
        self._stream += data
        self.bytes_received += len(data)

    monkeypatch.setattr(ModemSocket, "_on_data", wipe_on_overflow)
    assert drive("lossy", flood) is not None


def test_data_routed_to_the_wrong_socket_is_caught(monkeypatch: Any) -> None:
    from pyqio.modem import Modem

    def two_sockets_both_send(m: ModemMachine) -> None:
        m.connect()
        m.send(0, 50)
        m.send(1, 60)

    assert drive("lossless", two_sockets_both_send) is None
    real = Modem._on_event

    def all_to_socket_0(self: Any, ev: Any) -> None:  # a bug found in other drivers
        if isinstance(ev, E.Recv):
            ev = E.Recv(0, ev.data, ev.length)
        real(self, ev)

    monkeypatch.setattr(Modem, "_on_event", all_to_socket_0)
    assert drive("lossless", two_sockets_both_send) is not None


def test_the_final_drain_reads_a_backlog_many_times_the_buffer_limit() -> None:
    # The case hypothesis found (lossy, 29 peer floods, nothing read): the module wrote
    # some 20 buffers' worth while the link was paused. The drain's AT+QISTATE sits
    # behind it all; reading only between round trips, each refills the socket within
    # a few reads and pauses the link again, and the round trip times out with the
    # URCs still unread (the head-of-line wait _socket.py documents). The drain must
    # keep reading while its round trip is in flight, as a user's reader task does.
    m = ModemMachine()
    m.start(profile="lossy", seed=6)  # a seed without timed restarts or PDP breakdowns
    try:
        for _ in range(12):
            m.peer_floods(pick=0, size=4000)
        assert m.modem._link.held_by == {0}  # the backlog is waiting behind a full socket
    finally:
        m.teardown()   # the drain: every URC the module wrote is decoded, none lost
