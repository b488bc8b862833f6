"""How ``pyqio._events_c``'s feed_demux appends a batch's payloads.

The Feeder groups a C call's demuxed payloads by bytearray: one resize per
bytearray per batch, then each payload copied to its place in stream order
(``spill_grouped`` in csrc/events_c.c). What it may assume: nothing runs Python
code from reading the buffers list to the last copy. What it must keep: every
bytearray gets its bytes in stream order (also when two ids share one), the list's
entry *now* is the one appended to (a callback may have swapped or resized it, or
cut it at the front), an append happens whole or not at all, and a bytearray that
cannot grow keeps its payloads for the next call while the others get theirs.
Batches it does not group (a sequence other than a list, ids from 64 up, more
than eight bytearrays, an entry gone or not a bytearray) take the one-append-per-id
path, with the same bytes. Each test compares with the bytes written out by hand.
"""
from __future__ import annotations

import pytest

from pyqio.errors import InvalidArgument
from pyqio.wire import _feed, events

H = b'\r\n+QIURC: "recv",'
SIZES = (4096, 256, 16384 + 2 * 4096 + 8, 65536 + 2 * 4096 + 8)


def feeder(ext, line=None):
    return ext.Feeder(events.Recv, _feed.RECV_FIELDS, line or _feed.classify_line, _feed.slow,
                      InvalidArgument, *SIZES)


def urc(cid: int, data: bytes) -> bytes:
    return H + b'%d,%d,"%s"\r\n' % (cid, len(data), data)


def interleaved(ids, rounds: int) -> tuple[bytes, dict[int, bytes]]:
    """URCs of ids taking turns, and each id's bytes."""
    stream, want = [], {i: b"" for i in ids}
    for r in range(rounds):
        for i in ids:
            data = b"%d.%d;" % (i, r)
            stream.append(urc(i, data))
            want[i] += data
    return b"".join(stream), want


def test_interleaved_ids_each_get_their_bytes_in_order(ext) -> None:
    data, want = interleaved(range(5), 200)
    bufs = [bytearray() for _ in range(5)]
    f = feeder(ext)
    for i in range(0, len(data), 4096):
        assert f.feed_demux(data[i:i + 4096], bufs) == []
    assert [bytes(b) for b in bufs] == [want[i] for i in range(5)]


def test_ids_sharing_a_bytearray_keep_stream_order_among_others(ext) -> None:
    shared, own = bytearray(b">"), bytearray()
    data, _ = interleaved([0, 1, 2, 3], 50)
    f = feeder(ext)
    assert f.feed_demux(data, [shared, own, shared, own, None]) == []
    assert shared == b">" + b"".join(b"0.%d;2.%d;" % (r, r) for r in range(50))
    assert own == b"".join(b"1.%d;3.%d;" % (r, r) for r in range(50))


def test_a_bytearray_cut_at_the_front_gets_its_bytes_after_what_is_left(ext) -> None:
    """``del b[:n]`` of a large bytearray leaves it a logical offset (its bytes start
    inside its storage): the payloads go after its last byte, wherever that is."""
    cut = bytearray(b"x" * 1000 + b"keep")
    del cut[:1000]
    bufs = [cut, bytearray(b"a"), None, None, None]
    data, want = interleaved([0, 1], 300)
    assert feeder(ext).feed_demux(data, bufs) == []
    assert bufs[0] == b"keep" + want[0] and bufs[1] == b"a" + want[1]


def test_a_callback_swapping_or_resizing_buffers_mid_feed(ext) -> None:
    """A line's callback runs before its batch's payloads are appended: they go to
    the list's entry as the callback left it, after any bytes it added or cut."""
    bufs = [bytearray(b"old0"), bytearray(b"one"), bytearray(b"0123456789" * 20), None, None]
    swapped = bytearray(b"new0:")

    def line(text):
        bufs[0] = swapped          # swapped for another bytearray
        bufs[1] += b"+grown" * 50  # grown, so its storage moved
        del bufs[2][:150]          # cut at the front: a logical offset
        return _feed.classify_line(text)

    data, want = interleaved([0, 1, 2], 40)
    f = feeder(ext, line=line)
    assert f.feed_demux(b"OK\r\n" + data, bufs) == [events.Ok()]
    assert bufs[0] is swapped and swapped == b"new0:" + want[0]
    assert bufs[1] == b"one" + b"+grown" * 50 + want[1]
    assert bufs[2] == (b"0123456789" * 20)[150:] + want[2]


def test_a_bytearray_subclass_is_appended_to_as_a_bytearray(ext) -> None:
    class Mine(bytearray):
        pass

    bufs = [Mine(), bytearray(), None, None, None]
    data, want = interleaved([0, 1], 100)
    assert feeder(ext).feed_demux(data, bufs) == []
    assert type(bufs[0]) is Mine and bufs[0] == want[0] and bufs[1] == want[1]


@pytest.mark.parametrize("ids", [range(12), [0, 1, 64, 2], [0, 65535, 1]])
def test_batches_not_grouped_get_the_same_bytes(ext, ids) -> None:
    """More than eight bytearrays in a batch, or ids from 64 up: one append per id."""
    bufs: list = [None] * 65536
    for i in ids:
        bufs[i] = bytearray()
    data, want = interleaved(ids, 30)
    assert feeder(ext).feed_demux(data, bufs) == []
    assert {i: bytes(bufs[i]) for i in ids} == want


def test_a_tuple_of_buffers_gets_the_same_bytes(ext) -> None:
    bufs = tuple(bytearray() for _ in range(5))
    data, want = interleaved(range(5), 20)
    runs = urc(0, b"r") + urc(0, b"u") + urc(1, b"n") + urc(1, b"s") + urc(0, b"!")
    assert feeder(ext).feed_demux(data + runs, bufs) == []
    assert [bytes(b) for b in bufs] == [want[0] + b"ru!", want[1] + b"ns",
                                        *(want[i] for i in range(2, 5))]


def test_an_entry_made_none_by_a_callback_stops_at_its_payload(ext) -> None:
    """Not a bytearray when its payloads are appended: InvalidArgument, the bytes
    before its first payload appended, that one and all after it waiting."""
    bufs = [bytearray() for _ in range(5)]

    def line(text):
        bufs[1] = None
        return _feed.classify_line(text)

    f = feeder(ext, line=line)
    with pytest.raises(InvalidArgument, match=r"buffers\[1\] is a NoneType"):
        f.feed_demux(b"OK\r\n" + urc(0, b"a") + urc(1, b"b") + urc(0, b"c"), bufs)
    assert bufs[0] == b"a"
    bufs[1] = bytearray()
    assert f.feed_demux(b"", bufs) == [events.Ok()]
    assert bufs[0] == b"ac" and bufs[1] == b"b"


@pytest.mark.parametrize("held", [0, 1, 2])
def test_a_bytearray_that_cannot_grow_keeps_its_payloads(ext, held) -> None:
    """A memoryview holds one of three interleaved bytearrays: BufferError. The
    bytearrays grouped before it get all their payloads of the batch; it and those
    after it (in order of first payload) keep theirs, whole, for the next call."""
    bufs = [bytearray() for _ in range(5)]
    data, want = interleaved([0, 1, 2], 8)     # 24 URCs: one C call's batch
    f = feeder(ext)
    assert f.capacity()[0] >= 24
    view = memoryview(bufs[held])
    with pytest.raises(BufferError):
        f.feed_demux(data, bufs)
    assert [bytes(b) for b in bufs[:3]] == [want[i] if i < held else b"" for i in range(3)]
    with pytest.raises(BufferError):    # still held: nothing more, nothing lost
        f.feed_demux(b"", bufs)
    view.release()
    assert f.feed_demux(urc(2, b"!"), bufs) == []
    assert [bytes(b) for b in bufs[:3]] == [want[0], want[1], want[2] + b"!"]


def test_payloads_kept_twice_then_delivered_in_order(ext) -> None:
    """Payloads kept by a failed append are grouped again by the next call, and
    again if it fails too (another bytearray held this time)."""
    bufs = [bytearray() for _ in range(5)]
    data, want = interleaved([0, 1, 2, 3], 7)  # 28 URCs: one C call's batch
    f = feeder(ext)
    assert f.capacity()[0] >= 28
    v1 = memoryview(bufs[1])
    with pytest.raises(BufferError):
        f.feed_demux(data, bufs)
    v3 = memoryview(bufs[3])
    v1.release()
    with pytest.raises(BufferError):
        f.feed_demux(b"", bufs)
    assert [bytes(b) for b in bufs[:4]] == [want[0], want[1], want[2], b""]
    v3.release()
    assert f.feed_demux(b"", bufs) == []
    assert [bytes(b) for b in bufs[:4]] == [want[i] for i in range(4)]


def test_an_ordered_feed_appends_grouped_too(ext) -> None:
    """until_event: the payloads before each event, grouped, then the event."""
    bufs = [bytearray() for _ in range(5)]
    part1, want1 = interleaved([0, 1, 2], 5)
    part2, want2 = interleaved([2, 0], 5)
    f = feeder(ext)
    assert f.feed_demux(part1 + b"OK\r\n" + part2, bufs, until_event=True) == [events.Ok()]
    assert [bytes(b) for b in bufs[:3]] == [want1[0], want1[1], want1[2]]
    assert f.feed_demux(b"", bufs, until_event=True) == []
    assert [bytes(b) for b in bufs[:3]] == [want1[0] + want2[0], want1[1], want1[2] + want2[2]]


def test_payloads_of_every_small_size_are_copied_whole(ext) -> None:
    """Sizes around the 8-16 byte moves (0 to 40 bytes), three ids taking turns."""
    stream, want = [], {0: b"", 1: b"", 2: b""}
    for n in range(41):
        for i in range(3):
            data = bytes((n * 7 + i + k) % 251 for k in range(n)).replace(b'"', b"'")
            stream.append(urc(i, data))
            want[i] += data
    bufs = [bytearray() for _ in range(5)]
    assert feeder(ext).feed_demux(b"".join(stream), bufs) == []
    assert {i: bytes(bufs[i]) for i in range(3)} == want
