"""Trying to crash ``pyqio._events_c`` from Python: every attempt must raise, never crash.

The extension (``csrc/events_c.c``) takes no address from Python: a Feeder links
the tokenizer and owns its parser and buffers, so no parser can be freed or
closed under it. Here: wrong argument types and counts, out-of-range and huge
sizes, refused classes and descriptors, subclassing, a callback feeding the
Feeder it was called from, two threads feeding one Feeder at once, buffers
changed or broken during a feed, a Feeder dropped with input pending, and a
second module object (multi-phase init). Allocation failures at every step are
tests/test_events_c_nomem.py's. tests/test_sanitizers.py runs this file under ASan+UBSan;
tests/test_events_c_coverage.py runs it, with the other events_c suites, on a
build with ``--coverage`` and holds csrc/events_c.c at 100% of lines and branches.
"""
from __future__ import annotations

import abc
import gc
import importlib
import importlib.util
import sys
import threading

import pytest

from pyqio.errors import InvalidArgument
from pyqio.wire import _feed, events

H = b'\r\n+QIURC: "recv",'
ROOM = 2 * 4096 + 8
SIZES = (4096, 256, 16384 + ROOM, 65536 + ROOM)


def feeder(ext, line=None, slow=None, sizes=SIZES, cls=events.Recv, names=_feed.RECV_FIELDS):
    return ext.Feeder(cls, names, line or _feed.classify_line, slow or _feed.slow,
                      InvalidArgument, *sizes)


def test_the_feeder_refuses_wrong_argument_counts_and_types(ext) -> None:
    good = (events.Recv, _feed.RECV_FIELDS, _feed.classify_line, _feed.slow, InvalidArgument,
            *SIZES)
    for args in [(), good[:-1], (*good, 1, 1), (*good, "bg96"), (12345678, *good[1:]),
                 (*good[:5], "4096", *SIZES[1:])]:
        with pytest.raises(TypeError):
            ext.Feeder(*args)
    with pytest.raises(TypeError, match="keyword"):
        ext.Feeder(*good, extra=1)
    with pytest.raises(TypeError, match="callable"):
        ext.Feeder(*good[:2], None, *good[3:])
    with pytest.raises(TypeError, match="callable"):
        ext.Feeder(*good[:3], 5, *good[4:])
    for error in (int, "x", BaseException):
        with pytest.raises(TypeError, match="exception"):
            ext.Feeder(*good[:4], error, *SIZES)
    with pytest.raises(TypeError, match="6 fields"):
        ext.Feeder(events.Closed, ("connect_id",), *good[2:])


def test_the_feeder_refuses_a_read_class_it_cannot_fill(ext) -> None:
    good = (events.Recv, _feed.RECV_FIELDS, _feed.classify_line, _feed.slow, InvalidArgument,
            *SIZES, 2)
    with pytest.raises(TypeError, match="read class and its 3 field names"):
        ext.Feeder(*good, events.ReadData)
    with pytest.raises(TypeError, match="read class and its 3 field names"):
        ext.Feeder(*good, events.ReadData, ("data", "remote_ip"))
    with pytest.raises(TypeError, match="a class and a tuple"):
        ext.Feeder(*good, 5, _feed.READ_FIELDS)
    # without one, +QIRD data goes through slow(), with the same events
    qird = b'\r\n+QIRD: 3,"1.2.3.4",5\r\nabc\r\n\r\nOK\r\n\r\n+QIRD: 0\r\n'
    want = [events.ReadData(b"abc", "1.2.3.4", 5), events.Ok(), events.ReadData(b"")]
    assert ext.Feeder(*good).feed(qird) == want
    assert ext.Feeder(*good, events.ReadData, _feed.READ_FIELDS).feed(qird) == want


@pytest.mark.parametrize("sizes", [(255, 1, 1, 1), (1 << 20 + 1, 1, 1, 1), (4096, -1, 1, 1),
                                   (4096, (1 << 20) + 1, 1, 1), (4096, 1, -1, 1),
                                   (4096, 1, (1 << 30) + 1, 1), (4096, 1, 1, -1),
                                   (4096, 1, 1, (1 << 30) + 1)])
def test_the_feeder_refuses_sizes_out_of_range(ext, sizes) -> None:
    with pytest.raises(ValueError, match="max_line is 256 to 2"):
        feeder(ext, sizes=sizes)


def test_huge_sizes_raise_instead_of_crashing(ext) -> None:
    with pytest.raises(OverflowError):
        feeder(ext, sizes=(4096, 1 << 70, 1, 1))
    # the largest sizes allowed: 2 GiB of address space, never touched until used
    try:
        f = feeder(ext, sizes=(1 << 20, 1 << 20, 1 << 30, 1 << 30))
    except MemoryError:
        pass    # refused by the allocator: as good as made
    else:
        assert f.feed(b"OK\r\n" * 1000) == [events.Ok()] * 1000
    big = b"".join(H + b'%d,%d,"%s"\r\n' % (i % 5, 1000, b"x" * 1000) for i in range(8000))
    assert len(feeder(ext).feed(big)) == 8000


class Abstract(abc.ABC):
    __slots__ = ("x",)

    @abc.abstractmethod
    def f(self) -> None: ...


class OwnNew:
    __slots__ = ("x",)

    def __new__(cls, *args):
        return super().__new__(cls)


class Plain:
    __slots__ = ("x",)
    y = 5


def test_the_maker_refuses_classes_it_cannot_fill_safely(ext) -> None:
    with pytest.raises(TypeError, match="keyword"):
        ext.Maker(Plain, ("x",), z=1)
    for cls, names in [(int, ()), (bytearray, ()), (Abstract, ("x",)), (OwnNew, ("x",)),
                       (5, ()), (Plain, ["x"]), (Plain, ("x",) * 17), (Plain, ("y",))]:
        with pytest.raises(TypeError):
            ext.Maker(cls, names)
    with pytest.raises(AttributeError):
        ext.Maker(Plain, ("nope",))
    with pytest.raises(TypeError):
        ext.Maker(Plain, (5,))
    with pytest.raises(TypeError):
        ext.Maker()


def test_the_maker_checks_its_calls_and_stores_through_the_descriptors(ext) -> None:
    make = ext.Maker(Plain, ("x",))
    for args, kw in [((), {}), ((1, 2), {}), ((1,), {"x": 1})]:
        with pytest.raises(TypeError, match="exactly 1"):
            make(*args, **kw)
    assert make([1]).x == [1] and type(make(1)) is Plain

    class Guarded:
        __slots__ = ("_v",)

        def _set(self, v):
            if v is None:
                raise ValueError("no None")
            object.__setattr__(self, "_v", v)

        v = property(lambda self: self._v, _set)

    make = ext.Maker(Guarded, ("v",))
    assert make(3).v == 3
    with pytest.raises(ValueError, match="no None"):
        make(None)
    assert ext.Maker(Plain, ())() is not None   # no field: object.__new__ alone


@pytest.mark.parametrize("name", ["Feeder", "Maker"])
def test_the_types_cannot_be_subclassed_or_made_around_their_constructor(ext, name) -> None:
    tp = getattr(ext, name)
    with pytest.raises(TypeError):
        type("Sub", (tp,), {})
    with pytest.raises(TypeError):
        object.__new__(tp)
    other = ext.Maker if name == "Feeder" else ext.Feeder
    with pytest.raises(TypeError):
        tp.__new__(other)


def test_feeder_methods_refuse_wrong_arguments(ext) -> None:
    f = feeder(ext)
    for call in [lambda: f.feed(), lambda: f.feed(1), lambda: f.feed("OK\r\n"),
                 lambda: f.feed(None), lambda: f.feed_demux(b""), lambda: f.feed_demux(b"", 5),
                 lambda: f.feed_demux(b"", {0: None}), lambda: f.feed_demux(b"", [None] * 5, 1),
                 lambda: f.feed_demux(b"", [None] * 5, until=1),
                 lambda: f.finish(1), lambda: f.reset(1), lambda: f.configure(),
                 lambda: f.configure(1, 1, "x"), lambda: ext.Feeder.set_simd("2")]:
        with pytest.raises(TypeError):
            call()
    for mask in (-1, 1 << 32):
        with pytest.raises(ValueError, match="32 bits"):
            f.configure(False, False, mask)
    with pytest.raises(OverflowError):
        ext.Feeder.set_simd(1 << 80)
    with pytest.raises(ValueError):
        f.feed([256])       # a sequence of ints is taken as bytes(...) takes it
    assert f.feed([79, 75, 13, 10]) == [events.Ok()]
    with pytest.raises(InvalidArgument, match="buffers has 4 entries"):
        f.feed_demux(b"", [None] * 4)
    # nothing was taken by the refused calls
    assert f.feed(b"OK\r\n") == [events.Ok()]


class Hostile(list):
    """A buffers sequence whose length or items fail."""

    def __init__(self, *args, fail_len=False, fail_item=None):
        super().__init__(*args)
        self.fail_len, self.fail_item = fail_len, fail_item

    def __len__(self):
        if self.fail_len:
            raise RuntimeError("len")
        return super().__len__()

    def __getitem__(self, i):
        if i == self.fail_item:
            raise RuntimeError("item")
        return super().__getitem__(i)


def test_buffers_that_fail_or_change_under_the_feeder(ext) -> None:
    f = feeder(ext)
    with pytest.raises(TypeError, match="sequence"):
        f.feed_demux(b"", Hostile([None] * 5, fail_len=True))
    with pytest.raises(RuntimeError, match="item"):
        f.feed_demux(b"", Hostile([None] * 5, fail_item=3))
    # an entry gone from a list a callback shortened: IndexError, the payload waits
    bufs: list = [bytearray() for _ in range(5)]

    def line(text):
        del bufs[1:]
        return _feed.classify_line(text)

    f = feeder(ext, line=line)
    with pytest.raises(IndexError):
        f.feed_demux(b"OK\r\n" + H + b'3,2,"ab"\r\n', bufs)
    bufs[:] = [bytearray() for _ in range(5)]
    assert f.feed_demux(b"", bufs) == [events.Ok()] and bufs[3] == b"ab"
    # more than 65536 entries: ids above 65535 do not exist
    many = [None] * 70000
    many[65535] = bytearray()
    assert f.feed_demux(H + b'65535,1,"z"\r\n', many) == [] and many[65535] == b"z"


def test_a_bytearray_subclass_cannot_fool_the_growth(ext) -> None:
    class Liar(bytearray):
        def __alloc__(self):
            return 1 << 60      # the feeder asks bytearray itself, not this

    f = feeder(ext)
    bufs = [Liar(), None, None, None, None]
    for _ in range(50):
        f.feed_demux(H + b'0,500,"%s"\r\n' % (b"q" * 500), bufs)
    assert bufs[0] == b"q" * 25000 and type(bufs[0]) is Liar


def test_hints_follow_changes_made_between_feeds(ext) -> None:
    """The storage remembered per connect id is only a hint: a bytearray replaced,
    appended to, or cut at the front between feeds gets the same bytes."""
    f = feeder(ext)
    bufs: list = [bytearray() for _ in range(70)]
    want = [bytearray() for _ in range(70)]

    def feed(cid, data):
        f.feed_demux(H + b'%d,%d,"%s"\r\n' % (cid, len(data), data), bufs)
        want[cid] += data

    for step in range(40):
        for cid in (0, 1, 2, 69):
            feed(cid, b"%03d" % step * 7)
        bufs[0].append(33)
        want[0].append(33)
        del bufs[1][:1]
        del want[1][:1]
        if step % 3 == 0:   # same size, its bytes now start one further
            del bufs[2][:1]
            bufs[2].append(35)
            del want[2][:1]
            want[2].append(35)
        if step % 10 == 0:
            bufs[2] = bytearray(bufs[2])
    assert bufs == want


def test_one_bytearray_for_several_ids_gets_their_payloads_in_order(ext) -> None:
    shared = bytearray()
    f = feeder(ext)
    data = b"".join(H + b'%d,3,"%03d"\r\n' % (i % 3, i) for i in range(300))
    assert f.feed_demux(data, [shared] * 3 + [None] * 2) == []
    assert shared == b"".join(b"%03d" % i for i in range(300))


def test_a_held_buffer_with_room_refuses_too(ext) -> None:
    """A bytearray with room to spare (so it is not asked to grow first) that a
    memoryview holds: the payload waits all the same."""
    f = feeder(ext)
    bufs = [bytearray(), None, None, None, None]
    for _ in range(20):
        f.feed_demux(H + b'0,100,"%s"\r\n' % (b"r" * 100), bufs)
    assert bufs[0].__alloc__() > len(bufs[0]) + 10
    view = memoryview(bufs[0])
    with pytest.raises(BufferError):
        f.feed_demux(H + b'0,1,"s"\r\n', bufs)
    view.release()
    assert f.feed_demux(b"", bufs) == [] and bufs[0] == b"r" * 2000 + b"s"


def test_reset_forgets_partial_input(ext) -> None:
    f = feeder(ext)
    assert f.feed(b"OK\r\nparti") == [events.Ok()]
    f.reset()
    assert f.feed(b"al\r\n") == [events.Text(b"al")]
    f.reset()
    assert f.finish() == []


def test_set_simd_takes_any_int(ext) -> None:
    best = ext.Feeder.set_simd(-1)
    for level, want in [(0, 0), (-5, best), (1000, best), (1 << 40, best), (best, best)]:
        assert ext.Feeder.set_simd(level) == want
    ext.Feeder.set_simd(-1)


def test_queued_input_keeps_its_own_buffers(ext) -> None:
    """Input an interrupted call had not tokenized yet is fed with that call's buffers:
    checked again when it is fed, so a list made invalid meanwhile is refused then."""
    fail = [True]

    def line(text):
        if fail[0]:
            fail[0] = False
            raise RuntimeError("boom")
        return _feed.classify_line(text)

    f = feeder(ext, line=line)
    first = [bytearray() for _ in range(5)]
    data = b"OK\r\n" * 300 + H + b'2,2,"zz"\r\n'    # more tokens than one C call holds
    with pytest.raises(RuntimeError):
        f.feed_demux(data, first)
    first[2] = "bad"
    with pytest.raises(InvalidArgument, match=r"buffers\[2\] is a str"):
        f.feed_demux(b"", [bytearray() for _ in range(5)])
    first[2] = bytearray()
    other = [bytearray() for _ in range(5)]
    assert f.feed_demux(H + b'2,1,"y"\r\n', other) == [events.Ok()] * 300
    assert first[2] == b"zz" and other[2] == b"y"


def test_a_callback_feeding_its_own_feeder_gets_an_error(ext) -> None:
    box: list = []
    seen: list = []

    def line(text):
        for call in (lambda: box[0].feed(b"OK\r\n"), lambda: box[0].finish(),
                     lambda: box[0].reset(), lambda: box[0].feed_demux(b"", [None] * 5)):
            with pytest.raises(RuntimeError, match="already decoding"):
                call()
        box[0].configure(False, False, 0)   # settings may change between C calls
        seen.append(text)
        return _feed.classify_line(text)

    box.append(feeder(ext, line=line))
    assert box[0].feed(b"OK\r\nERROR\r\n") == [events.Ok(), events.Error()]
    assert seen == [b"OK", b"ERROR"]


def test_two_threads_feeding_one_feeder_are_refused_or_served_never_crash(ext) -> None:
    """A callback lets the other thread run mid-feed: its call is refused (the chunk is
    not taken) and retried; every line fed comes out exactly once."""
    def line(text):
        threading.Event().wait(0.0001)   # release the GIL inside the feed
        return _feed.classify_line(text)

    f = feeder(ext, line=line)
    counts = {"ok": 0, "refused": 0}
    lock = threading.Lock()

    def work():
        for _ in range(40):
            while True:
                try:
                    got = f.feed(b"OK\r\n" * 5)
                    break
                except RuntimeError:
                    with lock:
                        counts["refused"] += 1
            with lock:
                counts["ok"] += len(got)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts["ok"] == 3 * 40 * 5
    assert counts["refused"] > 0     # they did collide


def test_a_feeder_dropped_with_everything_pending_frees_it(ext) -> None:
    def line(text):
        raise RuntimeError("boom")

    for _ in range(50):
        f = feeder(ext, line=line)
        with pytest.raises(RuntimeError):
            f.feed_demux(b"OK\r\n" + H + b'0,3,"abc"\r\n' * 300, [bytearray()] * 5)
        f.reset()
        del f
    gc.collect()


def test_a_second_module_object_has_its_own_types(ext) -> None:
    spec = importlib.util.find_spec("pyqio._events_c")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.Feeder is not ext.Feeder and mod.Maker is not ext.Maker
    f = mod.Feeder(events.Recv, _feed.RECV_FIELDS, _feed.classify_line, _feed.slow,
                   InvalidArgument, *SIZES)
    assert f.feed(H + b'1,1,"a"\r\n') == [events.Recv(1, b"a", 1)]
    del f, mod
    gc.collect()


def test_it_loads_in_a_subinterpreter() -> None:
    interp = importlib.import_module(
        "_interpreters" if sys.version_info >= (3, 13) else "_xxsubinterpreters")
    # 3.12's create() makes an interpreter with its own GIL, which a limited-API
    # module (it cannot declare Py_mod_multiple_interpreters there) is refused: ask
    # for one sharing the main GIL, as 3.11 and 3.13 give by default
    iid = interp.create(isolated=False) if sys.version_info[:2] == (3, 12) else interp.create()
    try:
        interp.run_string(iid, "import pyqio._events_c as m; "
                               "m.Maker(type('C', (), {'__slots__': ('x',)}), ('x',))(1)")
    finally:
        interp.destroy(iid)
