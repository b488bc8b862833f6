"""Faults around data and deferred results, seen from ``Modem``: a ``closed`` URC
during a send, a deferred result that never comes (or comes too late), the
per-socket receive buffer overflowing, and garbage between the module's lines.

Same set-up as :mod:`tests.test_faults`: a real Modem, a real simulator with a
hook that misbehaves at one point, real loopback servers.
"""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from test_faults import FaultSim, echo_ok, modem_on, read_exactly, run

from pyqio import events as E
from pyqio.cli import _demo_servers as servers
from pyqio.modem import CommandTimeout, SendFailed, SocketClosedError
from pyqio.sim import SimConfig

# -- a closed URC during a send ----------------------------------------------------------


class ClosesDuringSend(FaultSim):
    """At the first send: ``OK``, then ``+QIURC: "closed"`` (the peer went away while
    the module was sending), then ``SEND FAIL``: the order the note allows (2.4.1)."""

    def send(self, conn: Any, data: bytes, addr: Any) -> None:
        self.reply(E.Ok())
        self.socket_closed(conn, force=True)
        self.urc(E.SendFail().to_bytes())


def test_closed_urc_between_ok_and_send_fail_ends_the_send_and_the_socket():
    async def main():
        sim = ClosesDuringSend()
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        with pytest.raises((SendFailed, SocketClosedError)):
            await sock.send(b"into a closing socket")
        eof = await asyncio.wait_for(sock.recv(), 5)  # the close is reported once, as EOF
        with pytest.raises(SocketClosedError):
            await sock.send(b"again")
        rows = await m.state()  # the next command is not confused by the close
        await sock.close()
        after = await m.state()
        await m.close()
        server.close()
        return eof, rows, after, sim.seen

    eof, rows, after, seen = run(main)
    assert eof == b""
    assert [r.socket_state for r in rows] == [4]  # closing: the host must still QICLOSE it
    assert after == [] and sum(s.startswith(b"AT+QICLOSE") for s in seen) == 1


def test_closed_urc_while_the_host_is_in_data_mode_reaches_the_socket_after_the_send():
    """The peer closes while the host writes its payload after ``>``: the module
    holds the URC until the data is in, then answers the send and reports the close."""
    def close_at_prompt(sim: Any) -> None:
        if not sim.seen_prompt:  # the first send only
            sim.seen_prompt = True
            sim.socket_closed(sim._datamode.conn, force=True)  # held behind data mode

    async def main():
        sim = FaultSim(on_prompt=close_at_prompt)
        sim.seen_prompt = False
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        try:
            await sock.send(b"x" * 300)
            outcome = "sent"
        except (SendFailed, SocketClosedError) as exc:
            outcome = type(exc).__name__
        eof = await asyncio.wait_for(sock.recv(), 5)
        healthy = await echo_ok(m, b"other sockets still work")
        await m.close()
        server.close()
        return outcome, eof, healthy

    outcome, eof, healthy = run(main)
    assert outcome in ("sent", "SendFailed", "SocketClosedError")  # the module's say
    assert eof == b"" and healthy


# -- a deferred result that never comes ----------------------------------------------------


def test_open_whose_result_never_comes_times_out_frees_the_id_and_the_next_command_is_clean():
    """``AT+QIOPEN`` answers ``OK`` but ``+QIOPEN: <id>,<result>`` never follows:
    the caller's timeout fires with CommandTimeout, the modem closes the id
    (note 2.3.1 NOTE 3), and the next commands get their own answers."""
    def swallow_first_open(sim: Any, line: bytes) -> bool:
        if line.startswith(b"AT+QIOPEN") and not sim.swallowed:
            sim.swallowed = True
            sim.reply(E.Ok())  # ... and nothing after it
            return True
        return False

    async def main():
        sim = FaultSim(on_line=swallow_first_open)
        sim.swallowed = False
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        with pytest.raises(CommandTimeout) as err:
            await m.connect(host, port, timeout=0.5)
        ids_after = dict(m.sockets)
        rows = await m.state()
        healthy = await echo_ok(m, b"next one works")
        await m.close()
        server.close()
        return err.value, ids_after, rows, healthy, sim.seen

    err, ids_after, rows, healthy, seen = run(main)
    assert b"AT+QIOPEN" in err.command and "within 0.5 s" in str(err)  # the caller's timeout
    assert ids_after == {} and rows == [] and healthy
    assert seen[seen.index(next(s for s in seen if s.startswith(b"AT+QIOPEN"))) + 1] \
        == b"AT+QICLOSE=0"


def test_late_deferred_result_after_the_timeout_is_not_taken_for_the_next_command():
    """The ``+QIOPEN`` that timed out arrives while the next command waits: it is a
    stray event, never the answer of the command now pending."""
    def late_open(sim: Any, line: bytes) -> bool:
        if line.startswith(b"AT+QIOPEN") and not sim.swallowed:
            sim.swallowed = True
            sim.reply(E.Ok())
            sim.loop.call_later(0.6, sim.write, b"\r\n+QIOPEN: 0,566\r\n")
            return True
        if line == b"AT+QISTATE?" and sim.swallowed:
            # answer only after the stale +QIOPEN went out
            sim.loop.call_later(0.6, sim.reply, E.Ok())
            return True
        return False

    async def main():
        sim = FaultSim(on_line=late_open)
        sim.swallowed = False
        m = await modem_on(sim)
        with pytest.raises(CommandTimeout):
            await m.connect("127.0.0.1", 9, timeout=0.3)
        rows = await m.state()  # waits across the stale +QIOPEN
        unattached = list(m.unattached)
        await m.close()
        return rows, unattached

    rows, unattached = run(main)
    assert rows == []
    assert E.OpenResult(0, 566) in unattached


# -- the receive buffer overflowing ---------------------------------------------------------


def test_full_tcp_receive_buffer_pauses_the_link_and_every_packet_arrives_in_order():
    """The modem's per-socket policy (pyqio.modem._socket): a TCP stream never has a gap. Its
    buffer passing the limit pauses the link; the owner reads, the link resumes, and
    every packet arrives whole and in order, none dropped."""
    packets = [b"<%04d:" % i + bytes([65 + i % 26]) * 90 + b">" for i in range(60)]

    async def main():
        sim = FaultSim()
        m = await modem_on(sim, buffer_limit=1000)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        cid = sock.connect_id
        for p in packets:  # straight from the module: one URC per packet, no reads between
            sim.write(E.Recv(cid, p, len(p)).to_bytes())
        await asyncio.sleep(0.05)
        paused = bool(m._link.held_by)
        got = await read_exactly(sock, sum(map(len, packets)))
        await sock.send(b"!")  # the link reads again: the send's answers come through
        got += await read_exactly(sock, 1)
        counters = (sock.bytes_received, sock.dropped_bytes, sock.dropped_packets)
        await m.close()
        server.close()
        return paused, got, counters

    paused, got, (received, dropped, dropped_packets) = run(main)
    assert paused
    assert got == b"".join(packets) + b"!" and dropped == dropped_packets == 0
    assert received == sum(map(len, packets)) + 1


def test_full_udp_receive_buffer_drops_whole_datagrams_keeps_order_and_counts_every_byte():
    """A datagram socket may drop: a datagram that does not fit is dropped whole and
    counted; nothing already buffered is lost; what is read is whole datagrams, in order."""
    packets = [b"<%04d:" % i + bytes([65 + i % 26]) * 90 + b">" for i in range(60)]

    async def main():
        sim = FaultSim()
        m = await modem_on(sim, buffer_limit=1000)
        transport, (host, port) = await servers.start_udp_echo()
        sock = await m.connect(host, port, "udp")
        for p in packets:
            sim.write(E.Recv(sock.connect_id, p, len(p)).to_bytes())
        await sock.send(b"!")  # a round trip: every URC before it has been handled
        got = []
        while True:
            got.append(await asyncio.wait_for(sock.recv(), 5))
            if got[-1] == b"!":
                break
        counters = (sock.bytes_received, sock.dropped_bytes, sock.dropped_packets)
        await m.close()
        transport.close()
        return got[:-1], counters

    kept, (received, dropped, dropped_packets) = run(main)
    assert kept == packets[:len(kept)]  # the buffer's head was never wiped, order kept
    assert sum(map(len, kept)) + dropped == sum(map(len, packets))  # every byte read or counted
    assert dropped_packets == len(packets) - len(kept) > 0
    assert received == sum(map(len, packets)) + 1


def test_reading_frees_room_and_the_paused_link_resumes():
    async def main():
        sim = FaultSim()
        m = await modem_on(sim, buffer_limit=250)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        for i in range(3):
            sim.write(E.Recv(sock.connect_id, b"%d" % i * 100, 100).to_bytes())
        await asyncio.sleep(0.05)
        held_full = m._link.held_by
        first = await read_exactly(sock, 300)
        sim.write(E.Recv(sock.connect_id, b"z" * 100, 100).to_bytes())
        second = await read_exactly(sock, 100)
        dropped, held = sock.dropped_packets, held_full and not m._link.held_by
        await m.close()
        server.close()
        return first, second, dropped, held

    first, second, dropped, held = run(main)
    assert first == b"0" * 100 + b"1" * 100 + b"2" * 100 and second == b"z" * 100
    assert dropped == 0 and held


# -- garbage between lines --------------------------------------------------------------------

JUNK = [
    b"\xff\xfe\x80garbled",
    b'+QIURC: "recv",7',                 # a URC header cut off
    b'+QIURC: "recv",0,99999,"x',        # a length that lies (over the cap)
    b'+QIURC: "recv",0,5,"ab"',          # too short: framing runs into the next line
    b"+QIOPEN: ,",
    b'+QIURC: "bogus",1',
    b"\x00\x00\x00",
    b"x" * 5000,                          # a line past the tokenizer's cap
    b"+CME ERR",
]


class Garbler(FaultSim):
    """Writes one junk line before each answer; which one cycles through JUNK."""

    n = 0

    def reply(self, *events: Any) -> None:
        junk = JUNK[Garbler.n % len(JUNK)]
        Garbler.n += 1
        self.write(b"\r\n" + junk + b"\r\n")
        super().reply(*events)


def test_garbage_lines_before_answers_never_break_commands_or_data():
    async def main():
        m = await modem_on(Garbler(SimConfig(echo=False)))
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        msgs = [bytes([i]) * (1 + 37 * i) for i in range(20)]
        got = b""
        for msg in msgs:
            await sock.send(msg)
            got += await read_exactly(sock, len(msg))
        rows = await m.state()
        await m.close()
        server.close()
        return got, msgs, rows, m.protocol_errors

    got, msgs, rows, errors = run(main)
    assert got == b"".join(msgs) and len(rows) == 1
    assert errors > 0  # the junk was seen as junk, and counted


# -- binary data ending in Esc (found by tests/test_stateful_modem.py) ----------------------


def test_send_fail_of_a_chunk_ending_in_esc_is_reported_and_pairing_stays_right():
    """A fixed-length payload is any byte; one that ends in 0x1B is data, not the Esc
    cancel of Ctrl-Z mode. It used to be taken for a cancel: the send ended at ``OK``
    as a success, its ``SEND FAIL`` was lost, and a stray ``SEND OK`` could end the
    next data-mode send before its own answer."""
    def fail_first_send(sim: Any, line: bytes) -> bool:
        sim.config.send_fail_rate = 1.0 if not sim.failed_once else 0.0
        sim.failed_once = sim.failed_once or line.startswith(b"AT+QISEND")
        return False

    async def main():
        sim = FaultSim(on_line=fail_first_send)
        sim.failed_once = False
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        sim.failed_once = False
        with pytest.raises(SendFailed):
            await sock.send(b"binary\x00\x1a\x1b")
        await sock.send(b"next\x1b")  # its own SEND OK, not a stray one
        got = await read_exactly(sock, 5)
        await m.close()
        server.close()
        return got

    assert run(main) == b"next\x1b"


def test_megabytes_of_junk_without_a_line_end_keep_memory_bounded():
    """A module spewing bytes with no line end (a baud-rate mismatch does that): the
    modem holds at most the tokenizer's cap of them, reports them, and goes on."""
    import tracemalloc

    async def main():
        sim = FaultSim()
        m = await modem_on(sim)
        junk = bytes(range(0x20, 0x7F)) * 700  # 66 KB, no CR or LF
        tracemalloc.start()
        for _ in range(30):  # 2 MB in all, read as it comes
            sim.write(junk)
            await asyncio.sleep(0)
        sim.write(b"\r\n")
        rows = await m.state()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        errors = m.protocol_errors
        await m.close()
        return rows, peak, errors

    rows, peak, errors = run(main)
    assert rows == [] and errors >= 1
    assert peak < 1_000_000  # a few chunks in flight, never the 2 MB
