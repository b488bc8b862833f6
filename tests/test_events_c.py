"""``pyqio._events_c``: events made in C must be the very events Python makes.

The optional extension (``csrc/events_c.c``) makes the commonest recv URCs into
:class:`pyqio.events.Recv` instances (object.__new__, then each field through the
class's own slot descriptor, from C) and hands lines to the classifier from C.
Here: the same events (==, hash, repr, type, frozenness) with and without it, on
every recv shape and on generated streams split anywhere; the
``PYQIO_NO_EVENTS_C=1`` switch (in a subprocess); no leaked references or memory;
this file and tests/test_feeder.py under ``python -X dev``. Its refusals and the
attempts to crash it are in tests/test_events_c_safety.py.

A missing extension FAILS these tests (as a missing C tokenizer does, conftest.py);
``PYQIO_ALLOW_NO_C=1`` skips them instead.

Needs: pytest, hypothesis (pip); the C tokenizer and ``_events_c`` built in place
(``python setup.py build_ext --inplace``).
"""
from __future__ import annotations

import dataclasses
import gc
import importlib
import os
import subprocess
import sys
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyqio.testing.strategies import hex_urc_lines as hex_urcs
from pyqio.testing.strategies import other_lines
from pyqio.testing.strategies import recv_urc_lines as recv_urcs
from pyqio.wire import _feed, events

decode_mod = importlib.import_module("pyqio.wire._decoder")
Decoder = decode_mod.Decoder
NAMES = tuple(f.name for f in dataclasses.fields(events.Recv))


def _ext():
    try:
        return importlib.import_module("pyqio._events_c")
    except ImportError as exc:
        if os.environ.get("PYQIO_ALLOW_NO_C") == "1":
            pytest.skip(f"pyqio._events_c not built ({exc}); PYQIO_ALLOW_NO_C=1 allows that")
        pytest.fail(f"pyqio._events_c cannot be imported: {exc} "
                    "(build it with `python setup.py build_ext --inplace`)")


@pytest.fixture
def ext(monkeypatch):
    """The extension, set up for Recv and used by Decoders made in the test."""
    mod = _ext()
    monkeypatch.delenv("PYQIO_NO_EVENTS_C", raising=False)
    monkeypatch.setattr(_feed, "events_c", mod)
    return mod


def _decoder(use_ext: bool, backend: str = "c", **kw):
    saved = _feed.events_c
    if not use_ext:
        _feed.events_c = None
    try:
        dec = Decoder(backend=backend, **kw)
    finally:
        _feed.events_c = saved
    assert _uses_ext(dec) is (use_ext and backend == "c")
    return dec


def _uses_ext(dec) -> bool:
    return type(dec._core).__module__ == "pyqio._events_c"


def _run(data: bytes, step: int | None, *, use_ext: bool, backend: str = "c", **kw) -> list:
    dec = _decoder(use_ext, backend, **kw)
    if step is None:
        return dec.feed(data) + dec.finish()
    out: list = []
    for i in range(0, len(data), step):
        out += dec.feed(data[i:i + step])
    return out + dec.finish()


def _same(got: list, want: list) -> None:
    """Identical event lists: type, ==, hash, repr, frozenness, no __dict__."""
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert type(g) is type(w)
        assert g == w and hash(g) == hash(w) and repr(g) == repr(w)
        assert not hasattr(g, "__dict__")
        if isinstance(g, events.Recv):
            assert [type(getattr(g, n)) for n in NAMES] == [type(getattr(w, n)) for n in NAMES]
            with pytest.raises(dataclasses.FrozenInstanceError):
                g.data = b"x"  # type: ignore[misc]


# every recv shape of note 2.4.2 (and TOKENS.md), with responses and faults around them
SHAPES = (
    b'\r\n+QIURC: "recv",0,5,"a\r\nb"\r\n'                       # length-framed, fake line end
    b'\r\n+QIURC: "recv",1,0,""\r\n'                            # empty payload
    b'\r\n+QIURC: "recv",2,12,"\r\nOK\r\n\x00\xff\",\r\n"\r\n'  # fake OK, NUL, quote, comma
    b'\r\nOK\r\n'
    b'\r\n+QIURC: "recv",1,3,"220.180.239.212",8062,"xyz"\r\n'  # UDP SERVICE form
    b'\r\n+QIURC: "recv",2,"10.0.0.1",53,"no length"\r\n'       # address, no length
    b'\r\n+QIURC: "recv",3,2, "::1",7,"hi"\r\n'                 # space after a comma
    b'\r\n+QIURC: "recv",4,99999,"x"\r\n'                       # bad header
    b'\r\n+QIURC: "closed",1\r\n>'
    b'\r\n+QIURC: "recv",65535,1,"z"\r\n'                       # the largest connect id
    b'\r\n+QIURC: "recv",0,2,"ab"X\r\n'                         # not terminated
    b'\r\n+QIOPEN: 1,0\r\n+QIURC: "recv",1,4,"'                 # truncated at the end
)
KWARGS = [{}, {"udp_service": {1, 3}}, {"show_ra": True}]


@pytest.mark.parametrize("kw", KWARGS)
@pytest.mark.parametrize("step", [None, 1, 3, 7, 64])
def test_every_recv_shape_gives_identical_events_with_and_without_the_extension(ext, kw, step) -> None:
    want = _run(SHAPES, None, use_ext=False, backend="python", **kw)
    assert sum(isinstance(e, events.Recv) for e in want) >= 3
    _same(_run(SHAPES, step, use_ext=True, **kw), want)
    _same(_run(SHAPES, step, use_ext=False, **kw), want)


@pytest.mark.parametrize("step", [None, 1, 5])
def test_hex_recv_gives_identical_events_with_and_without_the_extension(ext, step) -> None:
    data = (b'\r\n+QIURC: "recv",0,4,"DEADbeef"\r\n\r\n+QIURC: "recv",1,2,"0G12"\r\n'
            b'\r\n+QIURC: "recv",2,"1.2.3.4",5,"ABC"\r\n\r\n+QIURC: "recv",3,1,"0D"\r\n')
    want = _run(data, None, use_ext=False, backend="python", recv_format="hex")
    _same(_run(data, step, use_ext=True, recv_format="hex"), want)
    assert want[0] == events.Recv(0, b"\xde\xad\xbe\xef", 4)


# the bg96 profile: pushes and +QIRD answers (ReadData built in C without an address)
BG96_SHAPES = (
    b'\r\n+QIURC: "recv",0,5\r\na\r\nb"\r\n'
    b'\r\n+QIRD: 4\r\n\x00\r\nO\r\n\r\nOK\r\n'
    b'\r\n+QIRD: 0\r\n\r\nOK\r\n'
    b'\r\n+QIRD: 2,"10.0.0.1",53\r\nhi\r\n\r\nOK\r\n'
    b'\r\n+QIURC: "recv",1\r\n\r\n+QIRD: 5,5,0\r\n'
    b'\r\n+QIRD: 3\r\nab'
)


@pytest.mark.parametrize("step", [None, 1, 3, 64])
def test_bg96_reads_give_identical_events_with_and_without_the_extension(ext, step) -> None:
    want = _run(BG96_SHAPES, None, use_ext=False, backend="python", module="bg96")
    assert sum(isinstance(e, events.ReadData) for e in want) == 3
    got = _run(BG96_SHAPES, step, use_ext=True, module="bg96")
    _same(got, want)
    for g in got:
        if isinstance(g, events.ReadData):
            with pytest.raises(dataclasses.FrozenInstanceError):
                g.data = b"x"  # type: ignore[misc]


def test_the_c_feeder_takes_buffer_access_ids_and_refuses_an_unknown_module(ext) -> None:
    # +QIURC: "recv",1,5 is a notice on a buffer access socket, a data header otherwise
    data = b'\r\n+QIURC: "recv",1,5\r\n\r\n+QIRD: 2\r\nhi\r\n\r\nOK\r\n'
    for ids in ((), (1,)):
        want = _run(data, None, use_ext=False, backend="python", module="bg96", buffer_access=ids)
        _same(_run(data, 1, use_ext=True, module="bg96", buffer_access=ids), want)
    assert _run(data, None, use_ext=True, module="bg96", buffer_access=(1,))[0] == \
        events.RecvNotice(1, 5)
    dec = Decoder(backend="c", module="bg96")
    assert _uses_ext(dec)
    dec.buffer_access = {1}   # settable between feeds, like udp_service
    assert dec.feed(data)[0] == events.RecvNotice(1, 5)
    for module in (-1, 3):
        with pytest.raises(ValueError, match="module is 0"):
            ext.Feeder(events.Recv, _feed.RECV_FIELDS, decode_mod.classify_line, _feed.slow,
                       ValueError, 4096, 16, 4096, 4096, module)
    with pytest.raises(ValueError, match="buffer_mask have 32 bits"):
        dec._core.configure(False, False, 0, 1 << 32)


def test_demux_path_with_the_extension(ext) -> None:
    urcs = b'\r\n+QIURC: "recv",1,2,"ab"\r\n\r\n+QIURC: "recv",2,2,"cd"\r\nOK\r\n'
    dec = Decoder(backend="c")
    assert _uses_ext(dec)
    bufs: list = [None, bytearray(), None, None, None]
    got = dec.feed_demux(urcs, bufs)
    _same(got, [events.Recv(2, b"cd", 2), events.Ok()])
    assert bufs[1] == b"ab"


def test_batches_larger_than_one_c_call(ext) -> None:
    """More tokens than one C batch holds (256): several collect calls per feed."""
    data = b"".join(b'\r\n+QIURC: "recv",%d,3,"%03d"\r\n\r\nOK\r\n' % (i % 5, i % 1000)
                    for i in range(3000))
    want = _run(data, None, use_ext=False)
    _same(_run(data, None, use_ext=True), want)
    assert len(want) == 6000


KIB_URCS = b"".join(b'\r\n+QIURC: "recv",%d,1000,"%s"\r\n' % (i % 5, b"%04d" % i * 250)
                    for i in range(200))
ROOM = 2 * 4096 + 8     # one token's room at max_line 4096 (qio_token_room)


def _demux_run(dec, data: bytes, step: int) -> tuple[list, list]:
    bufs: list = [bytearray() for _ in range(5)]
    out: list = []
    for i in range(0, len(data), step):
        out += dec.feed_demux(data[i:i + step], bufs)
    return out + dec.finish(), bufs


def test_the_output_space_starts_small_and_grows_only_as_the_feeds_need(ext) -> None:
    """A new decoder holds about 34 KiB (the line buffer, 32 tokens, one token's room
    plus 4 KiB of arena and of demux space: a 4 KiB read in one C call); fed 4 KiB
    reads of 1 KiB URCs it stays there, fed the stream at once it grows to the caps
    (64 KiB beyond the room of demux space), and the events and payloads are the same
    either way."""
    fresh = Decoder(backend="c")
    start = (32, ROOM + 4096, ROOM + 4096, ROOM + 26120)
    assert fresh._core.capacity() == start
    want = _demux_run(_decoder(False), KIB_URCS, 4096)
    small = Decoder(backend="c")
    assert _demux_run(small, KIB_URCS, 4096) == want
    assert small._core.capacity() == start
    whole = Decoder(backend="c")
    assert _demux_run(whole, KIB_URCS, len(KIB_URCS)) == want
    assert whole._core.capacity()[2] == _feed.DMX + ROOM    # the cap, no more
    # many short lines fill the tokens first: only they grow, up to their cap
    lines = Decoder(backend="c")
    ok = b"OK\r\n" * 3000
    assert sum((lines.feed(ok[i:i + 4096]) for i in range(0, len(ok), 4096)), []) == [
        events.Ok()] * 3000
    assert lines._core.capacity()[:3] == (_feed.TOK_CAP, ROOM + 4096, ROOM + 4096)
    # payloads at once with no demux: the arena grows, up to its cap
    arena = Decoder(backend="c")
    assert arena.feed(KIB_URCS) + arena.finish() == _decoder(False).feed(KIB_URCS)
    assert arena._core.capacity()[:3] == (32, _feed.ARENA + ROOM, ROOM + 4096)


def test_caps_below_the_start_sizes_are_kept(ext) -> None:
    f = ext.Feeder(events.Recv, _feed.RECV_FIELDS, _feed.classify_line, _feed.slow, ValueError,
                   4096, 4, ROOM + 100, ROOM + 100)
    assert f.capacity()[:3] == (4, ROOM + 100, ROOM + 100)
    bufs: list = [bytearray() for _ in range(5)]
    assert f.feed_demux(KIB_URCS, bufs) == [] and sum(map(len, bufs)) == 200 * 1000
    assert f.capacity()[:3] == (4, ROOM + 100, ROOM + 100)


urcs = recv_urcs(6, 40)
hex_lines = hex_urcs(6, 20)
lines = other_lines


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(urcs, hex_lines, lines), max_size=14),
       cuts=st.lists(st.integers(0, 2000), max_size=8), show_ra=st.booleans(),
       hex_mode=st.booleans(), udp=st.frozensets(st.integers(0, 6), max_size=3))
def test_generated_streams_split_at_random_give_identical_events(
        parts, cuts, show_ra, hex_mode, udp) -> None:
    data = b"".join(b"\r\n" + p + b"\r\n" for p in parts)
    kw = {"show_ra": show_ra, "udp_service": udp, "recv_format": "hex" if hex_mode else "text"}
    want = _run(data, None, use_ext=False, backend="python", **kw)
    for use_ext in (True, False):
        dec = _decoder(use_ext, **kw)
        got: list = []
        prev = 0
        for cut in sorted({c % (len(data) + 1) for c in cuts}) + [len(data)]:
            got += dec.feed(data[prev:cut])
            prev = cut
        _same(got + dec.finish(), want)


def test_decoders_of_this_process_use_the_extension_unless_switched_off() -> None:
    _ext()  # fails (or skips, if allowed) when it is not built
    off = os.environ.get("PYQIO_NO_EVENTS_C") == "1"
    assert (_feed.events_c is None) is off
    assert _uses_ext(Decoder(backend="c")) is not off
    assert not _uses_ext(Decoder(backend="python"))


# ---- the switch, in a fresh interpreter ----

_CHILD = r"""
import importlib, sys
from pyqio.wire import _feed
d = importlib.import_module("pyqio.wire._decoder")
ev = d.Decoder(backend="c").feed(sys.stdin.buffer.read())
print(_feed.events_c is not None, type(d.Decoder(backend="c")._core).__name__ == "Feeder")
print(repr(ev))
"""


def _child(env_value: str | None) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYQIO_NO_EVENTS_C"}
    if env_value is not None:
        env["PYQIO_NO_EVENTS_C"] = env_value
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run([sys.executable, "-c", _CHILD], input=SHAPES, env=env, cwd=root,
                         capture_output=True, check=True, timeout=60)
    flags, reprs = res.stdout.decode().splitlines()
    return flags, reprs


def test_pyqio_no_events_c_turns_the_extension_off_with_the_same_events() -> None:
    _ext()
    on_flags, on = _child(None)
    off_flags, off = _child("1")
    assert on_flags == "True True"
    assert off_flags == "False False"
    assert on == off
    want = Decoder(backend="python").feed(SHAPES)
    assert on == repr(want)


# ---- references and memory ----

STREAM = b"".join(b'\r\n+QIURC: "recv",%d,16,"%s"\r\n' % (i % 5, b"%016d" % i) for i in range(1000))


def test_no_reference_leaks_over_1e5_events(ext) -> None:
    dec = Decoder(backend="c")
    watched = [events.Recv, None, True, False]
    for _ in range(3):    # warm up (caches, free lists)
        dec.feed(STREAM)
    gc.collect()
    before = [sys.getrefcount(o) for o in watched]
    kept = []
    for _ in range(100):  # 1e5 events
        evs = dec.feed(STREAM)
        kept.append(evs[-1])
        del evs
    # each event kept holds one reference to its type, None (twice) and True
    mid = [sys.getrefcount(o) for o in watched]
    probe = kept[0]
    counts = (sys.getrefcount(probe.data), sys.getrefcount(probe))
    del kept, probe
    gc.collect()
    after = [sys.getrefcount(o) for o in watched]
    # asserted only now: pytest's rewritten asserts hold references (None among them)
    assert after == before
    assert mid[0] - before[0] == 100
    if sys.version_info < (3, 12):  # None and True are immortal from 3.12 on
        assert mid[1] - before[1] == 200 and mid[2] - before[2] == 100
    assert counts == (2, 3)     # data: the slot and the argument; probe: kept, local, argument


def test_memory_is_flat_over_1e5_events(ext) -> None:
    dec = Decoder(backend="c")
    for _ in range(5):
        dec.feed(STREAM)
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(20):
            dec.feed(STREAM)
        gc.collect()
        first, _ = tracemalloc.get_traced_memory()
        for _ in range(100):   # 1e5 events
            dec.feed(STREAM)
        gc.collect()
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert second - first < 64 * 1024, (first, second)


def test_the_suite_runs_clean_under_dev_mode() -> None:
    """``python -X dev`` (debug allocator hooks, warnings as errors where it matters):
    this file, tests/test_feeder.py, tests/test_events_c_safety.py, tests/test_no_loss.py."""
    _ext()
    if sys.flags.dev_mode:
        pytest.skip("already in dev mode")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {k: v for k, v in os.environ.items() if k != "PYQIO_NO_EVENTS_C"}
    res = subprocess.run(
        [sys.executable, "-X", "dev", "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-W", "error", os.path.abspath(__file__),
         *(os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
           for name in ("test_feeder.py", "test_events_c_safety.py", "test_no_loss.py")),
         "-k", "not dev_mode",
         "--hypothesis-seed=0"],
        cwd=root, env=env, capture_output=True, timeout=240)
    assert res.returncode == 0, res.stdout.decode()[-3000:] + res.stderr.decode()[-2000:]
