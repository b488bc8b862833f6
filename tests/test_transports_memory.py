"""The in-memory transport pair (``pyqio.transports.memory``): order, closing, flow control.

Needs: hypothesis (pip, in the test extra).
"""
from __future__ import annotations

import asyncio
import errno

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyqio.transports import MemoryTransport, Transport, connect_protocols


class Recorder:
    """A duck-typed protocol (no asyncio base): records every call in order."""

    def __init__(self, flow: bool = True) -> None:
        self.calls: list[tuple] = []
        self.transport = None
        if flow:
            self.pause_writing = lambda: self.calls.append(("pause_writing",))
            self.resume_writing = lambda: self.calls.append(("resume_writing",))

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.calls.append(("made",))

    def data_received(self, data: bytes) -> None:
        self.calls.append(("data", data))

    def connection_lost(self, exc) -> None:
        self.calls.append(("lost", exc))

    @property
    def data(self) -> bytes:
        return b"".join(c[1] for c in self.calls if c[0] == "data")

    @property
    def lost(self) -> list:
        return [c[1] for c in self.calls if c[0] == "lost"]


async def turns(n: int = 3) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def pair(**kw):
    a, b = Recorder(**kw), Recorder(**kw)
    ta, tb = connect_protocols(a, b)
    await turns(1)
    return a, b, ta, tb


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_connection_made_module_side_first_then_host_side():
    async def main():
        order: list[str] = []
        a, b = Recorder(), Recorder()
        a.connection_made = lambda t: order.append("a")
        b.connection_made = lambda t: order.append("b")
        ta, _tb = connect_protocols(a, b)
        assert order == []  # not inside the call
        await turns(1)
        assert order == ["b", "a"]
        assert isinstance(ta, MemoryTransport) and isinstance(ta, Transport)
    run(main())


def test_writes_arrive_later_in_order_one_call_each_both_ways():
    async def main():
        a, b, ta, tb = await pair()
        chunks = [bytes([i % 256]) * (i % 7 + 1) for i in range(300)]
        for c in chunks:
            ta.write(c)
            tb.write(c[::-1])
        assert b.data == b"" and a.data == b""  # never delivered inside write()
        await turns()
        assert [c[1] for c in b.calls if c[0] == "data"] == chunks
        assert [c[1] for c in a.calls if c[0] == "data"] == [c[::-1] for c in chunks]
    run(main())


def test_a_reused_bytearray_does_not_change_what_was_sent():
    async def main():
        _a, b, ta, _tb = await pair()
        buf = bytearray(b"AT\r")
        ta.write(buf)
        buf[:] = b"XX\r"
        await turns()
        assert b.data == b"AT\r"
    run(main())


def test_close_delivers_what_was_written_then_ends_both_sides():
    async def main():
        a, b, ta, tb = await pair()
        ta.write(b"AT+QICLOSE=0\r")
        ta.close()
        assert ta.is_closing() and tb.is_closing()
        ta.write(b"dropped")  # after close: dropped, as asyncio does
        tb.write(b"dropped too")
        await turns()
        assert b.calls[-2:] == [("data", b"AT+QICLOSE=0\r"), b.calls[-1]]
        assert a.lost == [None]
        (exc,) = b.lost
        assert isinstance(exc, ConnectionResetError) and exc.errno == errno.ECONNRESET
        assert a.data == b""
        ta.close()
        tb.close()
        await turns()
        assert len(a.lost) == 1 and len(b.lost) == 1
    run(main())


def test_fail_ends_both_sides_with_the_given_error_dropping_data_in_flight():
    async def main():
        a, b, ta, _tb = await pair()
        ta.write(b"lost in flight")
        gone = OSError(errno.EIO, "unplugged")
        ta.fail(gone)
        await turns()
        assert a.lost == [gone] and b.lost == [gone]
        assert b.data == b""
    run(main())


def test_bytes_not_yet_taken_drive_pause_and_resume_writing():
    async def main():
        a, _b, ta, _tb = await pair()
        ta.set_write_buffer_limits(high=10, low=0)
        ta.write(b"12345")
        assert a.calls == [("made",)]
        ta.write(b"678901")
        assert ta.get_write_buffer_size() == 11
        assert a.calls[-1] == ("pause_writing",)
        await turns()
        assert ta.get_write_buffer_size() == 0
        assert a.calls[-1] == ("resume_writing",)
    run(main())


def test_a_protocol_without_flow_control_hooks_still_works():
    async def main():
        _a, b, ta, _tb = await pair(flow=False)
        ta.set_write_buffer_limits(high=1)
        ta.write(b"more than one byte")
        await turns()
        assert b.data == b"more than one byte"
    run(main())


def test_pause_reading_holds_data_and_the_end_until_resumed():
    async def main():
        _a, b, ta, tb = await pair()
        tb.pause_reading()
        assert not tb.is_reading()
        ta.write(b"one")
        ta.write(b"two")
        ta.close()
        await turns()
        assert b.data == b"" and b.lost == []
        assert ta.get_write_buffer_size() == 6  # held bytes still count for the writer
        tb.resume_reading()
        assert b.data == b""  # handed over by the loop, not inside resume_reading()
        await turns(1)
        assert b.calls[1:] == [("data", b"one"), ("data", b"two"), b.calls[-1]]
        assert isinstance(b.lost[0], ConnectionResetError)
    run(main())


def test_resume_reading_outside_the_loop_delivers_on_the_next_turn_in_order():
    # A synchronous call on the loop's thread outside any callback (a buffer read
    # down between run_until_complete calls) must not run the protocol on its
    # stack: the protocol may need a running loop (asyncio's transports behave so).
    loop = asyncio.new_event_loop()
    try:
        a, b = Recorder(), Recorder()
        running: list[bool] = []
        b.data_received = lambda data: (running.append(asyncio._get_running_loop() is loop),
                                        b.calls.append(("data", data)))
        ta, tb = connect_protocols(a, b, loop=loop)
        loop.run_until_complete(asyncio.sleep(0))
        tb.pause_reading()
        ta.write(b"held")
        loop.run_until_complete(asyncio.sleep(0))
        tb.resume_reading()  # no loop running here
        tb.pause_reading()
        tb.resume_reading()  # twice: still one hand-over, in order
        ta.write(b" then more")
        assert b.data == b""
        loop.run_until_complete(asyncio.sleep(0))
        loop.run_until_complete(asyncio.sleep(0))
        assert [c for c in b.calls if c[0] == "data"] == [("data", b"held"), ("data", b" then more")]
        assert running == [True, True]
        assert ta.get_write_buffer_size() == 0
    finally:
        loop.close()


def test_pause_reading_after_resume_keeps_holding():
    async def main():
        _a, b, ta, tb = await pair()
        tb.pause_reading()
        ta.write(b"x")
        await turns()
        tb.resume_reading()
        tb.pause_reading()  # before the loop hands it over: still held
        await turns()
        assert b.data == b""
        tb.resume_reading()
        await turns(1)
        assert b.data == b"x"
    run(main())


def test_write_buffer_limits_are_checked():
    async def main():
        _a, _b, ta, _tb = await pair()
        with pytest.raises(ValueError, match="high >= low"):
            ta.set_write_buffer_limits(high=1, low=2)
        assert ta.get_write_buffer_limits() == (16 * 1024, 64 * 1024)
    run(main())


# each step: ("write", side, bytes) | ("pause", side) | ("resume", side) | ("turn",)
_steps = st.lists(st.one_of(
    st.tuples(st.just("write"), st.sampled_from("ab"), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("pause"), st.sampled_from("ab")),
    st.tuples(st.just("resume"), st.sampled_from("ab")),
    st.tuples(st.just("turn")),
), max_size=40)


@settings(max_examples=200, deadline=None)
@given(_steps)
def test_any_mix_of_writes_pauses_and_turns_delivers_each_stream_whole_and_in_order(steps):
    async def main():
        a, b, ta, tb = await pair()
        side = {"a": ta, "b": tb}
        sent = {"a": b"", "b": b""}
        for step in steps:
            if step[0] == "write":
                side[step[1]].write(step[2])
                sent[step[1]] += step[2]
            elif step[0] == "pause":
                side[step[1]].pause_reading()
            elif step[0] == "resume":
                side[step[1]].resume_reading()
            else:
                await asyncio.sleep(0)
        ta.resume_reading()
        tb.resume_reading()
        await turns()
        assert b.data == sent["a"] and a.data == sent["b"]
        assert ta.get_write_buffer_size() == 0 and tb.get_write_buffer_size() == 0
    run(main())
