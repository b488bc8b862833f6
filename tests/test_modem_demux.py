"""The modem's TCP sockets receive on the demux path, in stream order.

A TCP socket in direct push mode has its stream buffer attached to the session
(``Session.attach``): the decoder appends the payloads of a read to it, and one
``Appended`` per read wakes the socket. Here: a close after data still comes after
the data (``recv`` and asyncio streams alike); a connection that a listener puts on
the same connect id within the same read never gets the old connection's data, nor
the old one the new one's; a full buffer still pauses the link within one read of
its bound; and the session alone keeps the same order with buffers attached.
"""
from __future__ import annotations

import asyncio
import os

from test_faults import FaultSim, modem_on, read_exactly, run

from pyqio import events as E
from pyqio.cli import _demo_servers as servers
from pyqio.session import Appended, Session
from pyqio.sim import _wire

LIMIT = 64 * 1024


def _urcs(connect_id: int, data: bytes) -> bytes:
    """*data* as the module pushes it: recv URCs of at most 1024 bytes (2.4, NOTE 5)."""
    return b"".join(
        _wire.encode_recv(E.Recv(connect_id, data[i:i + 1024], len(data[i:i + 1024]),
                                 None, None), recv_hex=False)
        for i in range(0, len(data), 1024))


def _closed(connect_id: int) -> bytes:
    return b'\r\n+QIURC: "closed",%d\r\n' % connect_id


def _incoming(connect_id: int, server_id: int) -> bytes:
    return b'\r\n+QIURC: "incoming",%d,%d,"10.0.0.9",40000\r\n' % (connect_id, server_id)


def test_a_tcp_socket_receives_through_its_attached_buffer_once_per_read(monkeypatch) -> None:
    from pyqio.modem._socket import ModemSocket

    calls = {"_on_data": 0, "_on_appended": 0}
    for name in calls:
        real = getattr(ModemSocket, name)

        def counted(self, *a, _real=real, _name=name):
            calls[_name] += 1
            return _real(self, *a)

        monkeypatch.setattr(ModemSocket, name, counted)

    async def main() -> tuple[bytes, bytes, bool]:
        sim = FaultSim()
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        attached = m._link.session.attached.get(sock.connect_id) is sock._stream
        data = os.urandom(64 * 1024)
        sim.write(_urcs(sock.connect_id, data))     # 64 URCs in one read
        got = await read_exactly(sock, len(data))
        await m.close()
        server.close()
        return got, data, attached

    got, data, attached = run(main)
    assert attached and got == data
    assert calls == {"_on_data": 0, "_on_appended": 1}


def test_closed_after_data_in_one_read_comes_after_the_data() -> None:
    async def main() -> tuple[bytes, bytes, bytes, bytes]:
        sim = FaultSim()
        m = await modem_on(sim)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        data = os.urandom(5000)
        sim.write(_urcs(sock.connect_id, data) + _closed(sock.connect_id))
        got = await read_exactly(sock, len(data) + 1)    # stops at b""
        end = await sock.recv()
        # asyncio streams over the same path: data, then EOF
        reader, writer = await m.open_connection(host, port)
        cid = writer.get_extra_info("pyqio_socket").connect_id
        sim.write(_urcs(cid, data[:3000]) + _closed(cid))
        streamed = await asyncio.wait_for(reader.read(), 5)     # to EOF
        writer.close()
        await m.close()
        server.close()
        return got, end, streamed, data

    got, end, streamed, data = run(main)
    assert got == data and end == b""
    assert streamed == data[:3000]


def test_a_connection_reopened_on_the_same_id_in_one_read_keeps_its_own_data() -> None:
    """old data, closed, incoming on the same connect id, new data: all in one read."""
    async def main() -> tuple[bytes, bytes, bytes, int]:
        sim = FaultSim()
        m = await modem_on(sim)
        listener = await m.listen(5555)
        cid = 3
        sim.write(_incoming(cid, listener.connect_id))
        old, _ = await asyncio.wait_for(listener.accept(), 5)
        assert m._link.session.attached.get(cid) is old._stream
        sim.write(_urcs(cid, b"old connection's last bytes") + _closed(cid)
                  + _incoming(cid, listener.connect_id) + _urcs(cid, b"the new one's first"))
        new, _ = await asyncio.wait_for(listener.accept(), 5)
        got_old = await read_exactly(old, 1000)     # to b""
        end_old = await old.recv()
        got_new = await asyncio.wait_for(new.recv(), 5)
        attached = m._link.session.attached.get(cid) is new._stream
        await m.close()
        return got_old, end_old, got_new, attached

    got_old, end_old, got_new, attached = run(main)
    assert got_old == b"old connection's last bytes" and end_old == b""
    assert got_new == b"the new one's first" and attached


def test_a_full_buffer_on_the_demux_path_pauses_within_one_read_of_its_bound() -> None:
    async def main() -> tuple[bytes, bytes, list[int], bool]:
        sim = FaultSim()
        m = await modem_on(sim, buffer_limit=LIMIT)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        assert m._link.session.attached.get(sock.connect_id) is sock._stream
        data = os.urandom(1_000_000)
        piece = 20 * 1024
        peaks = []
        for i in range(0, len(data), piece):   # one read each, the reader asleep
            sim.write(_urcs(sock.connect_id, data[i:i + piece]))
            await asyncio.sleep(0)
            peaks.append(sock.buffered())
        await asyncio.sleep(0.1)
        paused = not m._link.transport.is_reading()
        got = await read_exactly(sock, len(data))
        await m.close()
        server.close()
        return got, data, peaks, paused

    got, data, peaks, paused = run(main)
    assert paused and got == data
    # each read lands whole: past the bound by one read (URC headers aside) at most
    assert LIMIT < max(peaks) <= LIMIT + 20 * 1024 + 1024


def test_the_session_routes_each_payload_to_the_connection_it_came_on() -> None:
    """Sans-I/O: with a buffer attached, Appended comes where the data was, a close
    detaches it, and the data of the next connection on the id is a Recv event."""
    s = Session()
    old = bytearray()
    s.attach(1, old)
    s.receive_data(_urcs(1, b"abc") + b"\r\nOK\r\n" + _urcs(1, b"de") + _closed(1)
                   + _incoming(1, 0) + _urcs(1, b"xyz"))
    evs = s.events()
    assert evs == [Appended(1, 3), E.Ok(), Appended(1, 2), E.Closed(1),
                   E.Incoming(1, 0, "10.0.0.9", 40000), E.Recv(1, b"xyz", 3)]
    assert old == b"abcde" and s.attached == {}
    # without buffers, the same bytes give the Recv events
    plain = Session()
    plain.receive_data(_urcs(1, b"abc") + _closed(1))
    assert plain.events() == [E.Recv(1, b"abc", 3), E.Closed(1)]


def test_the_demux_path_makes_the_events_the_dataclass_would() -> None:
    """The session builds Appended through its slots (the hot path): the same class,
    fields, equality, hash and repr as ``Appended(...)``, and still frozen."""
    import dataclasses

    import pytest

    s = Session()
    s.attach(2, bytearray())
    s.receive_data(_urcs(2, b"hello"))
    (ev,) = s.events()
    ref = Appended(2, 5)
    assert type(ev) is Appended and ev == ref and hash(ev) == hash(ref)
    assert repr(ev) == repr(ref) == "Appended(connect_id=2, size=5)"
    assert dataclasses.astuple(ev) == (2, 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.size = 6  # type: ignore[misc]


def test_a_decoder_subclass_feed_demux_is_what_the_session_calls() -> None:
    """The session calls the feeder's feed_demux directly (Decoder._feed_until), but
    a Decoder subclass that overrides feed_demux is called through it."""
    from pyqio.wire import Decoder

    calls = []

    class Counting(Decoder):
        def feed_demux(self, chunk, buffers, *, until_event=False):  # type: ignore[no-untyped-def]
            calls.append(until_event)
            return super().feed_demux(chunk, buffers, until_event=until_event)

    dec = Counting()
    buf = bytearray()
    bufs: list[bytearray | None] = [None, buf, None, None, None, None]
    assert dec._feed_until(_urcs(1, b"abc") + _closed(1), bufs, until_event=True) == [E.Closed(1)]
    assert calls == [True] and buf == b"abc"
    plain = Decoder()
    assert plain._feed_until.__self__ is plain._core  # the feeder's own method, no wrapper
