"""Bounds: the session's command queue is capped and says so with a typed error.

Each bound of the library is listed in docs/bounds.md; this file checks the ones
that are the caller's to configure.
"""
from __future__ import annotations

import asyncio

import pytest

import pyqio
from pyqio import commands as C
from pyqio.errors import InvalidArgument, PyqioError, QueueFull
from pyqio.session import DEFAULT_MAX_QUEUED, Session


def test_queue_full_is_exported_from_pyqio_and_is_a_pyqio_error() -> None:
    assert pyqio.QueueFull is QueueFull and "QueueFull" in pyqio.__all__
    assert issubclass(QueueFull, PyqioError)


def test_session_queue_is_capped_at_1000_by_default() -> None:
    s = Session()
    assert DEFAULT_MAX_QUEUED == 1000 and s.max_queued == 1000
    s.send_command(C.At())  # in flight: not queued
    for _ in range(1000):
        s.send_command(C.At())
    with pytest.raises(QueueFull, match="1000 commands"):
        s.send_command(C.At())
    assert len(s.queued) == 1000  # the refused one left nothing behind


def test_session_queue_cap_is_configurable_and_frees_up_as_commands_complete() -> None:
    s = Session(max_queued=2)
    s.send_command(C.At())
    s.send_command(C.At())
    s.send_command(C.At())
    with pytest.raises(QueueFull):
        s.send_command(C.At())
    s.receive_data(b"\r\nOK\r\n")  # the first completes, the next goes out
    s.send_command(C.At())
    assert len(s.queued) == 2


@pytest.mark.parametrize("bad", [0, -1, 1.5, "10", None])
def test_session_queue_cap_must_be_a_positive_int(bad: object) -> None:
    with pytest.raises(InvalidArgument, match="max_queued"):
        Session(max_queued=bad)  # type: ignore[arg-type]


def test_modem_passes_its_cap_to_the_session_and_raises_at_the_call() -> None:
    async def main() -> None:
        async with pyqio.Modem("sim://", max_queued=3, wait_ip=0) as m:
            # one in flight and three queued: the fifth is refused at once
            tasks = [asyncio.ensure_future(m.request(C.At())) for _ in range(4)]
            await asyncio.sleep(0)
            extra = asyncio.ensure_future(m.request(C.At()))
            with pytest.raises(QueueFull):
                await extra
            await asyncio.gather(*tasks)

    asyncio.run(asyncio.wait_for(main(), 20))
