"""``pyqio._events_c.Feeder``: Decoder.feed and feed_demux run in C end to end.

Where the optional extension is built, a C-backed Decoder feeds through a Feeder
(``csrc/events_c.c``), chosen when the Decoder is made, which owns its C tokenizer
and appends demuxed payloads straight to the caller's bytearrays. Here: the same
events and the same buffer contents as the pure-Python twin, however the stream is
cut, in text and hex, with any buffer mask; the buffer checks and their messages;
a subclass's own ``feed``; the buffers' growth (bounded spare room, right after a
front deletion); errors from callbacks, an exported buffer and a list changed
during a feed, each keeping what was not delivered for the next call; no leaked
references or memory. ``tests/test_sanitizers.py`` runs this file under ASan+UBSan;
tests/test_events_c_safety.py tries to crash the Feeder.

A missing extension FAILS these tests (``PYQIO_ALLOW_NO_C=1`` skips them).
"""
from __future__ import annotations

import gc
import importlib
import sys
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyqio.errors import InvalidArgument
from pyqio.testing.strategies import hex_urc_lines as hex_urcs
from pyqio.testing.strategies import other_lines
from pyqio.testing.strategies import recv_urc_lines as recv_urcs
from pyqio.wire import _feed, events

decode_mod = importlib.import_module("pyqio.wire._decoder")
Decoder = decode_mod.Decoder
H = b'\r\n+QIURC: "recv",'


@pytest.fixture
def ext(ext, monkeypatch):
    """The extension (conftest's), set up for Recv and used by the Decoders made in the test."""
    monkeypatch.delenv("PYQIO_NO_EVENTS_C", raising=False)
    mod = ext
    monkeypatch.setattr(_feed, "events_c", mod)
    return mod


def _feeder_of(dec):
    core = dec._core
    return core if type(core).__module__ == "pyqio._events_c" else None


def test_a_c_decoder_feeds_through_the_feeder(ext) -> None:
    dec = Decoder(backend="c")
    assert type(_feeder_of(dec)) is ext.Feeder
    # chosen once, per decoder, with its feeder: its own bound methods, no Python frame
    # between the caller and the C feed; changing the settings replaces nothing
    core = _feeder_of(dec)
    feed, feed_demux = vars(dec)["feed"], vars(dec)["feed_demux"]
    assert feed == core.feed and feed_demux == core.feed_demux
    dec.recv_format, dec.show_ra, dec.udp_service = "hex", True, {1}
    assert vars(dec)["feed"] is feed and vars(dec)["feed_demux"] is feed_demux
    dec.recv_format, dec.show_ra, dec.udp_service = "text", False, ()
    assert type(Decoder(backend="python")._core) is _feed.TokenFeeder
    assert type(Decoder(backend="python")._core.tok).__module__ == "pyqio.wire._pytokenizer"
    assert dec.feed(b"OK\r\n") == [events.Ok()]


def test_without_the_extension_a_c_decoder_feeds_the_cffi_tokens(monkeypatch) -> None:
    monkeypatch.setattr(_feed, "events_c", None)
    core = Decoder(backend="c")._core
    assert type(core) is _feed.TokenFeeder
    assert type(core.tok).__module__ == "pyqio.wire._ctokenizer"


def test_a_subclass_overriding_feed_keeps_its_own(ext) -> None:
    class Counting(Decoder):
        calls = 0

        def feed(self, chunk):
            Counting.calls += 1
            return super().feed(chunk)

    dec = Counting(backend="c")
    assert dec.feed(b"OK\r\n") == [events.Ok()] and Counting.calls == 1
    # its own feed stays the class's; the feeder is still the C one
    assert type(_feeder_of(dec)) is ext.Feeder
    assert "feed" not in vars(dec)
    assert dec.feed_demux(b"SEND OK\r\n", [None] * 5) == [events.SendOk()]


def _twin_run(data: bytes, cuts: list[int], mask: list[bool], kw: dict) -> tuple:
    """Events and buffers of the Python twin's Decoder, fed in the same pieces."""
    dec = Decoder(backend="python", **kw)
    return _feed_pieces(dec, data, cuts, mask)


def _feed_pieces(dec, data: bytes, cuts: list[int], mask: list[bool]) -> tuple:
    bufs = [bytearray() if m else None for m in mask]
    out: list = []
    prev = 0
    for cut in sorted({c % (len(data) + 1) for c in cuts}) + [len(data)]:
        out += dec.feed_demux(data[prev:cut], bufs)
        prev = cut
    out += dec.finish()
    return out, bufs


recv = recv_urcs(7, 60)
hex_recv = hex_urcs(7, 30)
other = other_lines


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # ext: set once, read only
@given(parts=st.lists(st.one_of(recv, hex_recv, other), max_size=16),
       cuts=st.lists(st.integers(0, 3000), max_size=8),
       mask=st.lists(st.booleans(), min_size=5, max_size=9),
       show_ra=st.booleans(), hex_mode=st.booleans(),
       udp=st.frozensets(st.integers(0, 7), max_size=3))
def test_feed_demux_gives_the_twins_events_and_bytes_however_cut(
        ext, parts, cuts, mask, show_ra, hex_mode, udp) -> None:
    data = b"".join(b"\r\n" + p + b"\r\n" for p in parts)
    kw = {"show_ra": show_ra, "udp_service": udp, "recv_format": "hex" if hex_mode else "text"}
    dec = Decoder(backend="c", **kw)
    assert _feeder_of(dec) is not None
    got_events, got_bufs = _feed_pieces(dec, data, cuts, mask)
    want_events, want_bufs = _twin_run(data, cuts, mask, kw)
    assert got_events == want_events
    assert [type(e) for e in got_events] == [type(e) for e in want_events]
    assert got_bufs == want_bufs


def test_feed_demux_over_many_c_batches(ext) -> None:
    """More payload bytes (64 KiB) and tokens (256) than one C call holds, in one feed."""
    data = b"".join(H + b'%d,1000,"%s"\r\n\r\nOK\r\n' % (i % 6, bytes([65 + i % 26]) * 1000)
                    for i in range(400))
    mask = [True, False, True, True, True, True]
    got = _feed_pieces(Decoder(backend="c"), data, [], mask)
    assert got == _twin_run(data, [], mask, {})
    assert len(got[0]) == 400 + 400 // 6 + (400 % 6 > 1)    # the OKs and id 1's Recvs
    assert sum(map(len, filter(None, got[1]))) == 1000 * (400 - 400 // 6 - (400 % 6 > 1))


def test_feed_takes_any_buffer_and_refuses_other_objects(ext) -> None:
    dec = Decoder(backend="c")
    urc = H + b'0,2,"ab"\r\n'
    want = [events.Recv(0, b"ab", 2)]
    assert dec.feed(urc) == want
    assert dec.feed(bytearray(urc)) == want
    assert dec.feed(memoryview(b"xx" + urc)[2:]) == want
    with pytest.raises(TypeError):
        dec.feed("OK\r\n")   # type: ignore[arg-type]
    with pytest.raises(TypeError):
        dec.feed_demux(urc)  # type: ignore[call-arg]
    assert dec.feed(urc) == want


@pytest.mark.parametrize("buffers, match", [
    ([bytearray()] * 4, r"buffers has 4 entries: at least 5"),
    ([None, b"", None, None, None], r"buffers\[1\] is a bytes: a bytearray or None"),
    ([None, None, None, None, memoryview(bytearray())], r"buffers\[4\] is a memoryview"),
])
def test_feed_demux_refuses_bad_buffers_naming_them(ext, buffers, match) -> None:
    dec = Decoder(backend="c")
    with pytest.raises(InvalidArgument, match=match):
        dec.feed_demux(H + b'0,1,"a"\r\n', buffers)
    with pytest.raises(TypeError, match="sequence"):
        dec.feed_demux(b"", 5)
    # nothing was consumed by a refused call: the decoder goes on
    bufs = [bytearray() for _ in range(5)]
    assert dec.feed_demux(H + b'0,1,"a"\r\n', bufs) == [] and bufs[0] == b"a"


def test_feed_demux_takes_tuples_long_lists_and_bytearray_subclasses(ext) -> None:
    class Buf(bytearray):
        pass

    dec = Decoder(backend="c")
    data = H + b'0,2,"ab"\r\n' + H + b'7,1,"c"\r\n' + H + b'1,1,"d"\r\n'
    bufs = (Buf(), None, None, None, None, None, None, bytearray(b">"))
    assert dec.feed_demux(data, bufs) == [events.Recv(1, b"d", 1)]
    assert bufs[0] == b"ab" and type(bufs[0]) is Buf and bufs[7] == b">c"
    # ids beyond the buffers are returned as events
    assert dec.feed_demux(H + b'9,1,"e"\r\n', bufs) == [events.Recv(9, b"e", 1)]


def test_buffers_grow_with_bounded_spare_room(ext) -> None:
    """Payloads appended from C grow each bytearray geometrically (by half), never
    holding more than ~70% spare room over its content, and give the bytes `+=` would."""
    dec = Decoder(backend="c")
    bufs = [bytearray() for _ in range(5)]
    want = [bytearray() for _ in range(5)]
    growths = 0
    for i in range(3000):
        payload = bytes([i % 251]) * (1 + i % 700)
        b = bufs[i % 5]
        alloc = b.__alloc__()
        dec.feed_demux(H + b'%d,%d,"%s"\r\n' % (i % 5, len(payload), payload), bufs)
        want[i % 5] += payload
        assert b.__alloc__() <= 1.7 * len(b) + 64, (len(b), b.__alloc__())
        if b.__alloc__() != alloc:      # grown: by half of the new size, not an eighth
            growths += 1
            assert b.__alloc__() >= 1.45 * len(b), (len(b), b.__alloc__())
    assert bufs == want
    assert growths < 5 * 25     # ~1 MB in 5 buffers: a 1.5x growth needs ~20 steps each


def test_appends_after_a_front_deletion_and_into_a_drained_buffer(ext) -> None:
    dec = Decoder(backend="c")
    bufs = [bytearray(b"0123456789" * 100)] + [None] * 4
    del bufs[0][:995]                     # bytearray keeps the hole at the front
    dec.feed_demux(H + b'0,3,"abc"\r\n', bufs)
    assert bufs[0] == b"56789abc"
    bufs[0].clear()
    dec.feed_demux(H + b'0,2,"de"\r\n', bufs)
    assert bufs[0] == b"de"


def test_an_exported_buffer_raises_bufferError_and_the_next_call_delivers_all(ext) -> None:
    """The payload the bytearray could not take, and the events around it, wait in the
    decoder while the memoryview holds the buffer, and come with the next call."""
    dec = Decoder(backend="c")
    bufs = [bytearray(b"x")] + [None] * 4
    view = memoryview(bufs[0])
    with pytest.raises(BufferError):
        dec.feed_demux(b"OK\r\n" + H + b'0,3,"abc"\r\n+QIOPEN: 1,0\r\n', bufs)
    with pytest.raises(BufferError):    # still held: still waiting, nothing lost
        dec.feed_demux(H + b'0,2,"de"\r\n\r\nSEND OK\r\n', bufs)
    assert bufs[0] == b"x"
    view.release()
    assert dec.feed_demux(b"", bufs) == [events.Ok(), events.OpenResult(1, 0), events.SendOk()]
    assert bufs[0] == b"xabcde"


def _feeder(ext, line=None, slow=None, **kw):
    room = 2 * 4096 + 8
    sizes = {"max_line": 4096, "tok_cap": 256, "arena_cap": 16384 + room,
             "dmx_cap": 65536 + room, **kw}
    return ext.Feeder(events.Recv, _feed.RECV_FIELDS, line or decode_mod.classify_line,
                      slow or _feed.slow, InvalidArgument, *sizes.values())


def test_a_buffer_list_changed_by_a_callback_is_read_again(ext) -> None:
    """The line callback empties the list entry of id 1 between the URC and the append:
    the feeder reads the list again and refuses the entry rather than using a stale one."""
    bufs: list = [bytearray() for _ in range(5)]

    def line(text: bytes):
        bufs[1] = "gone"
        return decode_mod.classify_line(text)

    feed = _feeder(ext, line=line)
    with pytest.raises(InvalidArgument, match=r"buffers\[1\] is a str"):
        feed.feed_demux(H + b'1,2,"ab"\r\n\r\nOK\r\n', bufs)
    # the payload waits for a bytearray there; the OK was made and waits too
    bufs[1] = bytearray(b">")
    assert feed.feed_demux(b"", bufs) == [events.Ok()] and bufs[1] == b">ab"


def test_exceptions_from_callbacks_propagate_and_the_next_call_delivers(ext) -> None:
    fail = [True]

    def flaky_line(text: bytes):
        if fail[0]:
            raise RuntimeError("boom")
        return decode_mod.classify_line(text)

    def flaky_slow(out, *args):
        out.append("half made")      # taken back by the feeder when slow() raises
        if fail[0]:
            raise RuntimeError("boom")
        out.pop()
        _feed.slow(out, *args)

    feed = _feeder(ext, line=flaky_line)
    with pytest.raises(RuntimeError, match="boom"):
        feed.feed(H + b'0,1,"a"\r\nOK\r\n' + H + b'1,1,"b"\r\n')
    fail[0] = False
    assert feed.feed(b"") == [events.Recv(0, b"a", 1), events.Ok(), events.Recv(1, b"b", 1)]
    fail[0] = True
    feed = _feeder(ext, slow=flaky_slow)   # an error token goes to slow
    with pytest.raises(RuntimeError, match="boom"):
        feed.feed(b"OK\r\n" + H + b'1,99999,"x"\r\n')
    fail[0] = False
    assert feed.feed(b"") == [events.Ok(), events.ProtocolError(
        "bad recv header", b'+QIURC: "recv",1,99999')]


STREAM = b"".join(H + b'%d,16,"%s"\r\n' % (i % 5, b"%016d" % i) for i in range(1000)) + b"\r\nOK\r\n"


def test_no_reference_leaks_in_feed_demux(ext) -> None:
    dec = Decoder(backend="c")
    bufs = [bytearray() for _ in range(4)] + [None]
    for _ in range(3):
        dec.feed_demux(STREAM, bufs)
    gc.collect()
    watched = [*bufs[:4], dec, events.Recv, events.Ok]
    before = [sys.getrefcount(o) for o in watched]
    for _ in range(200):
        evs = dec.feed_demux(STREAM, bufs)
        for b in bufs[:4]:
            b.clear()
    assert len(evs) == 201 and type(evs[0]) is events.Recv
    del evs, b
    gc.collect()
    after = [sys.getrefcount(o) for o in watched]
    assert after == before


def test_memory_is_flat_over_drained_feeds(ext) -> None:
    dec = Decoder(backend="c")
    bufs = [bytearray() for _ in range(5)]
    for _ in range(5):
        dec.feed_demux(STREAM, bufs)
        for b in bufs:
            b.clear()
    tracemalloc.start()
    try:
        first, _ = tracemalloc.get_traced_memory()
        for _ in range(300):
            dec.feed_demux(STREAM, bufs)
            for b in bufs:
                b.clear()
        gc.collect()
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert second - first < 64 * 1024, (first, second)


def test_the_slow_paths_reason_table_is_the_c_tokenizers() -> None:
    """The C feeder's error tokens are named by pyqio.wire._feed.REASONS, indexed by
    qio_token.reason as the cffi binding's table is."""
    from pyqio.wire._ctokenizer import Tokenizer
    assert _feed.REASONS == Tokenizer.REASONS
