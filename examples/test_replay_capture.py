"""Replay a capture in pytest: the module of the recording answers the application
again, without the simulator or the server, and the test fails where the
application does something else than it did when recorded.

With a capture from the field, point ``CAPTURE`` at the file instead of
recording one here. Run: ``pytest examples/`` (pyqio's pytest plugin gives
the ``pyqio_replay`` fixture).
"""
from __future__ import annotations

import asyncio

import pytest
from app import ask_time
from record_session import record

import pyqio
from pyqio.errors import CommandError
from pyqio.testing import ReplayDivergence, read_capture, replay


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    path = tmp_path_factory.mktemp("captures") / "session.cap"
    answer = asyncio.run(record(str(path)))
    return path, answer


def test_the_application_does_what_it_did_when_recorded(capture, pyqio_replay):
    path, recorded_answer = capture
    server = tuple(read_capture(path).header.meta["server"])
    rep = pyqio_replay(path, speed=None)  # checked for divergences after the test

    async def run():
        async with pyqio.Modem(rep.url) as modem:
            return await ask_time(modem, server)

    assert asyncio.run(run()) == recorded_answer


def test_a_changed_application_is_caught_where_it_diverges(capture):
    path, _ = capture
    rep = replay(path, speed=None)

    async def run():
        async with pyqio.Modem(rep.url) as modem:
            sock = await modem.connect("127.0.0.1", 1, "tcp")  # another server than recorded
            await sock.close()

    with pytest.raises(CommandError):  # the replayed module answered ERROR: the open fails
        asyncio.run(run())
    with pytest.raises(ReplayDivergence, match="the host sent another command"):
        rep.check()
    assert b"AT+QIOPEN" in rep.divergences[0].got
