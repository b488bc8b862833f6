"""Replay: the module of a capture answers a new host, keeps the recorded order and
delays, and says where the host diverged (hand-made captures, a raw host).

Needs: pytest.
"""
from __future__ import annotations

import asyncio

import pytest

from pyqio.capture import HOST, MODULE, CaptureWriter, Divergence, read_capture, replay
from pyqio.errors import InvalidArgument, ReplayDivergence
from pyqio.transports import open_transport

MS = 1_000_000


def make_capture(path, steps):
    """steps: (t_ms, "host"|"module", bytes)."""
    with CaptureWriter(path) as w:
        for t_ms, who, data in steps:
            w.write(HOST if who == "host" else MODULE, data, t_ns=t_ms * MS)
    return read_capture(path)


CONVERSATION = [
    (0, "module", b"\r\n+IP: 10.0.0.7\r\n"),
    (10, "host", b"AT\r"),
    (12, "module", b"\r\nOK\r\n"),
    (20, "host", b'AT+QIOPEN=0,0,"TCP","Example.org",80,0,1\r'),
    (22, "module", b"\r\nOK\r\n"),
    (322, "module", b"\r\n+QIOPEN: 0,0\r\n"),
    (330, "host", b"AT+QISEND=0,5\r"),
    (331, "module", b"\r\n> "),
    (340, "host", b"hello"),
    (342, "module", b"\r\nSEND OK\r\n"),
    (400, "host", b"AT+QICLOSE=0\r"),
    (402, "module", b"\r\nCLOSE OK\r\n"),
]


class Host(asyncio.Protocol):
    """A raw host: writes what it is told, keeps what arrives with its arrival time."""

    def __init__(self):
        self.got = []  # (loop time, bytes)
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.got.append((asyncio.get_running_loop().time(), data))

    def connection_lost(self, exc):
        if not self.lost.done():
            self.lost.set_result(exc)

    def text(self):
        return b"".join(d for _, d in self.got)

    async def until(self, needle, timeout=5.0):
        async def wait():
            while needle not in self.text():
                await asyncio.sleep(0.002)
        await asyncio.wait_for(wait(), timeout)


async def connect(rep):
    _, host = await open_transport(rep.url, Host)
    return host


def test_replay_answers_as_recorded_with_the_recorded_delays(tmp_path):
    rep = replay(make_capture(tmp_path / "c.cap", CONVERSATION))

    async def main():
        host = await connect(rep)
        await host.until(b"+IP:")
        loop = asyncio.get_running_loop()
        host.transport.write(b"at\r\n")  # lower case, CR LF: the module does not care
        await host.until(b"OK")
        sent = loop.time()
        host.transport.write(b'AT+QIOPEN = 0, 0,"TCP","Example.org",80,0,1\r')
        await host.until(b"+QIOPEN: 0,0")
        opened = [t for t, d in host.got if b"+QIOPEN" in d][0]
        host.transport.write(b"AT+QISEND=0,5\r")
        await host.until(b"> ")
        host.transport.write(b"hello")
        await host.until(b"SEND OK")
        host.transport.write(b"AT+QICLOSE=0\r")
        await host.until(b"CLOSE OK")
        host.transport.close()
        return host, opened - sent

    host, delay = asyncio.run(main())
    assert host.text() == b"".join(d for _, w, d in CONVERSATION if w == "module")
    assert [d for _, d in host.got] == [d for _, w, d in CONVERSATION if w == "module"]  # same reads
    assert delay >= 0.3 - 0.01  # +QIOPEN came 300 ms after the command, as recorded
    assert rep.divergences == [] and rep.remaining == 0
    rep.check(complete=True)


def test_speed_none_answers_without_delays(tmp_path):
    rep = replay(make_capture(tmp_path / "c.cap", CONVERSATION), speed=None)

    async def main():
        host = await connect(rep)
        host.transport.write(b"AT\r")
        await host.until(b"OK")
        t0 = asyncio.get_running_loop().time()
        host.transport.write(b'AT+QIOPEN=0,0,"TCP","Example.org",80,0,1\r')
        await host.until(b"+QIOPEN")
        return asyncio.get_running_loop().time() - t0

    assert asyncio.run(main()) < 0.2


def test_output_still_waiting_goes_out_before_the_next_answer(tmp_path):
    steps = [(0, "host", b"AT\r"), (1, "module", b"\r\nOK\r\n"),
             (2000, "module", b'\r\n+QIURC: "closed",1\r\n'),  # 2 s later in the field
             (2100, "host", b"ATE0\r"), (2101, "module", b"\r\nOK\r\n")]
    rep = replay(make_capture(tmp_path / "c.cap", steps))

    async def main():
        host = await connect(rep)
        host.transport.write(b"AT\r")
        await host.until(b"OK")
        host.transport.write(b"ATE0\r")  # at once: the URC must still come before its OK
        await host.until(b"OK\r\n\r\n+QIURC", timeout=1.0)
        await host.until(b'"closed",1\r\n\r\nOK\r\n', timeout=1.0)
        return host.text()

    assert asyncio.run(main()) == b'\r\nOK\r\n\r\n+QIURC: "closed",1\r\n\r\nOK\r\n'
    assert rep.divergences == []


def test_a_host_that_sends_another_command_is_reported_and_answered_error(tmp_path):
    cap = make_capture(tmp_path / "c.cap", CONVERSATION)
    rep = replay(cap, speed=None)

    async def main():
        host = await connect(rep)
        host.transport.write(b"AT\r")
        await host.until(b"OK")
        host.transport.write(b'AT+QIOPEN=0,0,"UDP","Example.org",80,0,1\r')
        await host.until(b"ERROR")
        return host

    asyncio.run(main())
    [d] = rep.divergences
    open_rec = next(r for r in cap if b"QIOPEN" in r.data and r.kind == HOST)
    assert isinstance(d, Divergence)
    assert (d.step, d.index, d.offset) == (1, open_rec.index, open_rec.offset)
    assert d.expected == b'AT+QIOPEN=0,0,"TCP","Example.org",80,0,1\r'
    assert d.got == b'AT+QIOPEN=0,0,"UDP","Example.org",80,0,1\r'
    assert d.reason == "the host sent another command"
    with pytest.raises(ReplayDivergence, match=rf"step 1 at record {open_rec.index} "
                                               rf"\(offset {open_rec.offset}\)") as info:
        rep.check()
    assert info.value.divergences == [d]


def test_case_inside_quotes_matters(tmp_path):
    rep = replay(make_capture(tmp_path / "c.cap", CONVERSATION), speed=None)

    async def main():
        host = await connect(rep)
        host.transport.write(b"AT\r")
        await host.until(b"OK")
        host.transport.write(b'AT+QIOPEN=0,0,"TCP","EXAMPLE.ORG",80,0,1\r')
        await host.until(b"ERROR")

    asyncio.run(main())
    assert [d.step for d in rep.divergences] == [1]


def test_a_skipped_command_is_reported_and_the_replay_goes_on(tmp_path):
    rep = replay(make_capture(tmp_path / "c.cap", CONVERSATION), speed=None)

    async def main():
        host = await connect(rep)
        host.transport.write(b'AT+QIOPEN=0,0,"TCP","Example.org",80,0,1\r')  # no AT first
        await host.until(b"+QIOPEN: 0,0")
        return host.text()

    assert asyncio.run(main()).endswith(b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n")
    [d] = rep.divergences
    assert d.step == 0 and d.expected == b"AT\r" and "skipped 1" in d.reason
    assert rep.position == 2


def test_other_payload_bytes_are_reported_but_answered(tmp_path):
    rep = replay(make_capture(tmp_path / "c.cap", CONVERSATION), speed=None)

    async def main():
        host = await connect(rep)
        for line, want in [(b"AT\r", b"OK"), (b'AT+QIOPEN=0,0,"TCP","Example.org",80,0,1\r', b"+QIOPEN"),
                           (b"AT+QISEND=0,5\r", b"> "), (b"HELLO", b"SEND OK")]:
            host.transport.write(line)
            await host.until(want)

    asyncio.run(main())
    [d] = rep.divergences
    assert (d.expected, d.got, d.reason) == (b"hello", b"HELLO", "the host sent other data-mode bytes")


def test_strict_ends_the_link_at_the_first_divergence(tmp_path):
    rep = replay(make_capture(tmp_path / "c.cap", CONVERSATION), speed=None, strict=True)

    async def main():
        host = await connect(rep)
        host.transport.write(b"ATI\r")
        return await asyncio.wait_for(host.lost, 5)

    exc = asyncio.run(main())
    assert isinstance(exc, ConnectionError)
    assert len(rep.divergences) == 1
    with pytest.raises(ReplayDivergence):
        rep.check()


def test_more_than_the_recording_and_stopping_early_are_both_reported(tmp_path):
    steps = [(0, "host", b"AT\r"), (1, "module", b"\r\nOK\r\n"), (5, "host", b"ATE0\r"),
             (6, "module", b"\r\nOK\r\n")]
    rep = replay(make_capture(tmp_path / "c.cap", steps), speed=None)

    async def early():
        host = await connect(rep)
        host.transport.write(b"AT\r")
        await host.until(b"OK")

    asyncio.run(early())
    rep.check()
    with pytest.raises(ReplayDivergence, match=r"stopped after step 1 of 2; next recorded: b'ATE0\\r'"):
        rep.check(complete=True)

    async def more():
        host = await connect(rep)  # a new link plays the capture from its start
        for line in (b"AT\r", b"ATE0\r", b"AT+QISTATE?\r"):
            host.transport.write(line)
            await host.until(b"OK" if line != b"AT+QISTATE?\r" else b"ERROR")

    asyncio.run(more())
    [d] = rep.divergences
    assert d.expected is None and d.index is None and d.reason == "the host sent more than the recording holds"
    assert "at the end" in str(d)


def test_bad_speeds_and_unknown_replay_urls_are_refused(tmp_path):
    cap = make_capture(tmp_path / "c.cap", CONVERSATION)
    with pytest.raises(InvalidArgument, match="speed=0"):
        replay(cap, speed=0)

    async def main():
        await open_transport("replay://999999", Host)

    with pytest.raises(InvalidArgument, match="no such replay in this process"):
        asyncio.run(main())
