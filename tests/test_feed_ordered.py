"""``Decoder.feed_demux(..., until_event=True)``: payloads and events in stream order.

Each call stops at its first event, with exactly the payloads that came before it
appended to their buffers; the caller may then change the buffers (a socket
closed, another opened on the same connect id) and the payloads after the event
follow the change. Both backends (the C Feeder of ``csrc/events_c.c`` and the
Python TokenFeeder) give, however the stream is cut, the order :meth:`feed` gives
(the differential test), and keep it across an interruption.
"""
from __future__ import annotations

import importlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyqio.errors import InvalidArgument
from pyqio.testing.strategies import hex_urc_lines as hex_urcs
from pyqio.testing.strategies import other_lines
from pyqio.testing.strategies import recv_urc_lines as recv_urcs
from pyqio.wire import _feed, events

Decoder = importlib.import_module("pyqio.wire._decoder").Decoder
H = b'\r\n+QIURC: "recv",'


@pytest.fixture(params=["c", "python"])
def backend(request, monkeypatch):
    """Each backend; "c" through the extension's Feeder (a missing one FAILS)."""
    if request.param == "c":
        mod = request.getfixturevalue("ext")  # conftest's: a missing extension fails
        monkeypatch.delenv("PYQIO_NO_EVENTS_C", raising=False)
        monkeypatch.setattr(_feed, "events_c", mod)
    return request.param


def _c_feeder(dec) -> bool:
    return type(dec._core).__module__ == "pyqio._events_c"


def _ordered(dec, pieces: list[bytes], bufs: list) -> list:
    """Feed *pieces* in order mode; the stream as ("data", {id: bytes}) between events."""
    seq: list = []
    seen = [len(b) if b is not None else 0 for b in bufs]

    def note() -> None:
        grown = {}
        for i, b in enumerate(bufs):
            if b is not None and len(b) > seen[i]:
                grown[i] = bytes(b[seen[i]:])
                seen[i] = len(b)
        if grown:
            if seq and seq[-1][0] == "data":    # no event between: one run
                for i, d in grown.items():
                    seq[-1][1][i] = seq[-1][1].get(i, b"") + d
            else:
                seq.append(("data", grown))

    for piece in pieces:
        evs = dec.feed_demux(piece, bufs, until_event=True)
        while True:
            note()
            if not evs:
                break
            assert len(evs) == 1, evs   # one event per call
            seq.append(("event", evs[0]))
            evs = dec.feed_demux(b"", bufs, until_event=True)
    for ev in dec.finish():
        seq.append(("event", ev))
    return seq


def _reference(dec, data: bytes, mask: list[bool]) -> list:
    """The same stream from feed(): a Recv of a masked id is data in its run."""
    seq: list = []
    for ev in dec.feed(data) + dec.finish():
        if type(ev) is events.Recv and ev.connect_id < len(mask) and mask[ev.connect_id]:
            if seq and seq[-1][0] == "data":
                seq[-1][1][ev.connect_id] = seq[-1][1].get(ev.connect_id, b"") + ev.data
            else:
                seq.append(("data", {ev.connect_id: ev.data}))
        elif not (type(ev) is events.Recv and not ev.data and ev.connect_id < len(mask)
                  and mask[ev.connect_id]):
            seq.append(("event", ev))
    return seq


def _normal(seq: list) -> list:
    """Empty payloads left out, and with them runs that hold nothing."""
    out: list = []
    for kind, x in seq:
        if kind == "data":
            x = {i: d for i, d in x.items() if d}
            if not x:
                continue
        out.append((kind, x))
    return out


def _pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    out, prev = [], 0
    for cut in sorted({c % (len(data) + 1) for c in cuts}) + [len(data)]:
        out.append(data[prev:cut])
        prev = cut
    return out


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # backend: read only
@given(parts=st.lists(st.one_of(recv_urcs(7, 60), hex_urcs(7, 30), other_lines), max_size=16),
       cuts=st.lists(st.integers(0, 3000), max_size=8),
       mask=st.lists(st.booleans(), min_size=5, max_size=9),
       show_ra=st.booleans(), hex_mode=st.booleans(),
       udp=st.frozensets(st.integers(0, 7), max_size=3))
def test_order_mode_keeps_payloads_between_the_events_they_came_between(
        backend, parts, cuts, mask, show_ra, hex_mode, udp) -> None:
    data = b"".join(b"\r\n" + p + b"\r\n" for p in parts)
    kw = {"show_ra": show_ra, "udp_service": udp, "recv_format": "hex" if hex_mode else "text",
          "backend": backend}
    dec = Decoder(**kw)
    assert _c_feeder(dec) == (backend == "c")
    bufs = [bytearray() if m else None for m in mask]
    got = _ordered(dec, _pieces(data, cuts), bufs)
    want = _reference(Decoder(**kw), data, mask)
    assert _normal(got) == _normal(want)


def test_order_mode_over_many_batches_in_one_feed(backend) -> None:
    """More payload bytes (64 KiB) than one C call holds, with events between them."""
    data = b"".join(H + b'%d,1000,"%s"\r\n\r\nOK\r\n' % (i % 6, bytes([65 + i % 26]) * 1000)
                    for i in range(200))
    mask = [True, False, True, True, True, True]
    dec = Decoder(backend=backend)
    got = _ordered(dec, [data], [bytearray() if m else None for m in mask])
    assert _normal(got) == _normal(_reference(Decoder(backend=backend), data, mask))
    assert len(got) == 2 * 200     # each payload (a run, or id 1's Recv), then its OK


def test_a_buffer_changed_at_an_event_takes_only_what_follows_it(backend) -> None:
    """The caller swaps the bytearray of id 1 at the Closed: the data before it stays in
    the old one, the data after it (a new connection on id 1) goes to the new one."""
    dec = Decoder(backend=backend)
    old, new = bytearray(), bytearray()
    bufs: list = [None, old, None, None, None]
    chunk = (H + b'1,3,"abc"\r\n\r\n+QIURC: "closed",1\r\n'
             + b'\r\n+QIURC: "incoming",1,0,"10.0.0.9",4000\r\n' + H + b'1,3,"xyz"\r\n')
    evs = dec.feed_demux(chunk, bufs, until_event=True)
    assert evs == [events.Closed(1)] and old == b"abc" and new == b""
    bufs[1] = None      # the connection ended: its id's payloads are events again
    evs = dec.feed_demux(b"", bufs, until_event=True)
    assert evs == [events.Incoming(1, 0, "10.0.0.9", 4000)]
    bufs[1] = new
    assert dec.feed_demux(b"", bufs, until_event=True) == []
    assert old == b"abc" and new == b"xyz"


def test_order_mode_stops_at_an_event_fed_before_without_buffers(backend) -> None:
    """Input queued by an interrupted plain feed is delivered before the new input."""
    dec = Decoder(backend=backend)
    bufs = [bytearray()] + [None] * 4
    assert dec.feed(b"OK\r\n") == [events.Ok()]
    evs = dec.feed_demux(H + b'0,2,"ab"\r\nSEND OK\r\n' + H + b'0,1,"c"\r\n', bufs,
                         until_event=True)
    assert evs == [events.SendOk()] and bufs[0] == b"ab"
    assert dec.feed_demux(b"", bufs, until_event=True) == [] and bufs[0] == b"abc"
    # a plain feed_demux afterwards delivers everything at once again
    assert dec.feed_demux(b"OK\r\n" + H + b'0,1,"d"\r\nOK\r\n', bufs) == [events.Ok()] * 2
    assert bufs[0] == b"abcd"


def test_order_mode_keeps_order_across_an_exported_buffer(backend) -> None:
    """A bytearray a memoryview holds interrupts the call; the next call goes on in order."""
    dec = Decoder(backend=backend)
    bufs = [bytearray(b"x")] + [None] * 4
    view = memoryview(bufs[0])
    with pytest.raises(BufferError):
        dec.feed_demux(H + b'0,3,"abc"\r\nOK\r\n' + H + b'0,2,"de"\r\n', bufs, until_event=True)
    view.release()
    assert dec.feed_demux(b"", bufs, until_event=True) == [events.Ok()]
    assert bufs[0] == b"xabc"
    assert dec.feed_demux(b"", bufs, until_event=True) == [] and bufs[0] == b"xabcde"


def test_order_mode_then_finish_makes_every_pending_token(backend) -> None:
    """finish() after an ordered feed has its whole token space (the C Feeder's
    parser runs with room for one token in order mode)."""
    dec = Decoder(backend=backend)
    bufs = [bytearray()] + [None] * 4
    assert dec.feed_demux(b"OK\r\nERR", bufs, until_event=True) == [events.Ok()]
    assert dec.feed_demux(b"", bufs, until_event=True) == []
    assert dec.finish() == [events.Text(b"ERR")]


def test_feed_demux_takes_until_event_by_keyword_only(backend) -> None:
    # the feeder's own feed_demux is the Decoder's (bound in __init__): its signature
    dec = Decoder(backend=backend)
    with pytest.raises(TypeError, match="positional argument"):
        dec.feed_demux(b"")
    with pytest.raises(TypeError, match="positional argument"):
        dec.feed_demux(b"OK\r\n", [None] * 5, True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'until'"):
        dec.feed_demux(b"OK\r\n", [None] * 5, until=True)
    assert dec.feed(b"") == []      # nothing was taken
    bufs = [bytearray()] + [None] * 4
    assert dec.feed_demux(b"OK\r\nOK\r\n", bufs, until_event=1) == [events.Ok()]
    assert dec.feed_demux(b"", bufs, until_event=0) == [events.Ok()]


@pytest.mark.parametrize("backend", ["c"], indirect=True)
def test_the_c_feeder_refuses_an_until_event_without_truth(backend) -> None:
    dec = Decoder(backend=backend)
    assert _c_feeder(dec)

    class Bad:
        def __bool__(self):
            raise ValueError("no truth")

    with pytest.raises(ValueError, match="no truth"):
        dec.feed_demux(b"OK\r\n", [None] * 5, until_event=Bad())
    assert dec.feed(b"") == []      # nothing was taken
    with pytest.raises(InvalidArgument):
        dec.feed_demux(b"OK\r\n", [b"x"] * 5, until_event=True)
