"""Nothing is lost when an exception interrupts ``Decoder.feed``/``feed_demux``.

A failure is planted at any step of a run: the line classifier raising
(``RuntimeError``, or ``MemoryError`` as an allocation failing there would), or a
demux bytearray held by a memoryview (``BufferError`` when its payload comes).
After each failure the run goes on, by calling again with ``b""`` or with the
next piece; at the end ``finish()`` is called until it succeeds. The events and
buffer bytes must then be those of an uninterrupted run, under every feeder: the
C one (``pyqio._events_c``), the cffi tokenizer's tokens made into events in
Python, and the pure-Python twin; in text and hex, typed (``feed``) and demux.

Also: a feed that cannot make progress raises instead of looping; a session
whose event handling raises loses no later event.
"""
from __future__ import annotations

import importlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyqio.testing.strategies import hex_urc_lines as hex_urcs
from pyqio.testing.strategies import other_lines
from pyqio.testing.strategies import recv_urc_lines as recv_urcs
from pyqio.wire import _ctokenizer, _feed, events

decode_mod = importlib.import_module("pyqio.wire._decoder")
Decoder = decode_mod.Decoder
H = b'\r\n+QIURC: "recv",'
FEEDERS = ["c-ext", "c-tokens", "python"]


class Flaky:
    """A callback of the feeders (classify_line, or the C feeder's slow) failing on the
    planted calls (counted over the whole run)."""

    def __init__(self, plan: set[int], memory: bool, name: str = "classify_line") -> None:
        self.plan, self.memory, self.calls, self.failed = plan, memory, 0, 0
        self.real = getattr(_feed, name)

    def __call__(self, *args):
        self.calls += 1
        if self.calls in self.plan:
            self.failed += 1
            raise (MemoryError if self.memory else RuntimeError)("planted")
        return self.real(*args)


def make_decoder(kind: str, monkeypatch, **kw) -> Decoder:
    if kind == "c-tokens":
        monkeypatch.setattr(_feed, "events_c", None)
    dec = Decoder(backend="python" if kind == "python" else "c", **kw)
    want = "Feeder" if kind == "c-ext" else "TokenFeeder"
    assert type(dec._core).__name__ == want
    return dec


def pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted({c % (len(data) + 1) for c in cuts}), len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def run(dec: Decoder, parts: list[bytes], mask: list[bool] | None, held: set[int],
        retry_empty: bool) -> tuple[list, list | None]:
    bufs = None if mask is None else [bytearray() if m else None for m in mask]
    out: list = []
    failures = 0
    todo = list(parts)
    i = 0
    while todo:
        piece = todo.pop(0)
        view = None
        if bufs is not None and i in held:
            target = next((b for b in bufs if b is not None), None)
            view = None if target is None else memoryview(target)
        i += 1
        try:
            out += dec.feed(piece) if bufs is None else dec.feed_demux(piece, bufs)
        except (RuntimeError, MemoryError, BufferError):
            failures += 1
            assert failures < 200
            if retry_empty or not todo:
                todo.insert(0, b"")
        finally:
            if view is not None:
                view.release()
    for _ in range(200):
        try:
            out += dec.finish()
            break
        except (RuntimeError, MemoryError):
            pass
    else:
        raise AssertionError("finish() kept failing")
    return out, bufs


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(FEEDERS),
       parts=st.lists(st.one_of(recv_urcs(6, 40), hex_urcs(6, 20), other_lines), max_size=12),
       cuts=st.lists(st.integers(0, 2000), max_size=6),
       hex_mode=st.booleans(), show_ra=st.booleans(),
       demux=st.none() | st.lists(st.booleans(), min_size=5, max_size=7),
       plan=st.sets(st.integers(1, 40), max_size=6), memory=st.booleans(),
       held=st.sets(st.integers(0, 8), max_size=3), retry_empty=st.booleans())
def test_an_interrupted_run_gives_the_events_and_bytes_of_an_uninterrupted_one(
        monkeypatch, kind, parts, cuts, hex_mode, show_ra, demux, plan, memory, held,
        retry_empty) -> None:
    data = b"".join(b"\r\n" + p + b"\r\n" for p in parts)
    kw = {"recv_format": "hex" if hex_mode else "text", "show_ra": show_ra}
    split = pieces(data, cuts)
    with monkeypatch.context() as m:
        want = run(make_decoder("python", m, **kw), split, demux, set(), False)
    with monkeypatch.context() as m:
        flaky = Flaky(plan, memory)
        m.setattr(_feed, "classify_line", flaky)
        got = run(make_decoder(kind, m, **kw), split, demux, held, retry_empty)
    assert got == want
    assert [type(e) for e in got[0]] == [type(e) for e in want[0]]


STREAM = (b"OK\r\n" + H + b'0,3,"abc"\r\n+QIOPEN: 1,0\r\n' + H + b'1,2,"de"\r\n>'
          + H + b'2,"1.2.3.4",5,"xyz"\r\n' + H + b'3,99999,"x"\r\nSEND OK\r\n')


@pytest.mark.parametrize("kind, name", [(k, "classify_line") for k in FEEDERS]
                         + [("c-ext", "slow")])
@pytest.mark.parametrize("memory", [False, True])
def test_a_failure_at_every_callback_loses_nothing(monkeypatch, kind, name, memory) -> None:
    """Each callback call in turn fails once; the next call with b"" delivers all."""
    mask = [True, False, True, False, None]
    with monkeypatch.context() as m:
        want = run(make_decoder("python", m), [STREAM], mask, set(), False)
        counting = Flaky(set(), memory, name)
        m.setattr(_feed, name, counting)
        assert run(make_decoder(kind, m), [STREAM], mask, set(), False) == want
    assert len(want[0]) == 6 and counting.calls >= 1
    for k in range(1, counting.calls + 1):
        with monkeypatch.context() as m:
            flaky = Flaky({k}, memory, name)
            m.setattr(_feed, name, flaky)
            got = run(make_decoder(kind, m), [STREAM], mask, set(), True)
        assert flaky.failed == 1
        assert got == want


@pytest.mark.parametrize("kind", FEEDERS)
def test_a_held_buffer_keeps_its_payload_and_everything_after_it(monkeypatch, kind) -> None:
    dec = make_decoder(kind, monkeypatch)
    bufs = [bytearray(b"<"), None, bytearray(), None, None]
    view = memoryview(bufs[0])
    with pytest.raises(BufferError):
        dec.feed_demux(STREAM, bufs)
    with pytest.raises(BufferError):
        dec.feed_demux(H + b'0,1,"f"\r\nERROR\r\n', bufs)
    view.release()
    got = dec.feed_demux(b"", bufs) + dec.finish()
    assert bufs[0] == b"<abcf" and bufs[2] == b"xyz"
    assert got == [events.Ok(), events.OpenResult(1, 0), events.Recv(1, b"de", 2),
                   events.Prompt(), events.ProtocolError("bad recv header", b'+QIURC: "recv",3,99999'),
                   events.SendOk(), events.Error()]


@pytest.mark.parametrize("kind", FEEDERS)
def test_reset_after_an_interrupted_feed_comes_after_its_input(monkeypatch, kind) -> None:
    """reset() forgets partial input, but the input an interrupted call had taken is
    delivered first, as if the call had not been interrupted."""
    with monkeypatch.context() as m:
        flaky = Flaky({1}, False)
        m.setattr(_feed, "classify_line", flaky)
        dec = make_decoder(kind, m)
        with pytest.raises(RuntimeError):
            dec.feed(b"OK\r\n" + H + b'0,1,"a"\r\nERROR\r\nparti')
        dec.reset()
        got = dec.feed(b"al\r\n")
    assert got == [events.Ok(), events.Recv(0, b"a", 1), events.Error(), events.Text(b"al")]


def test_the_cffi_tokenizer_raises_when_it_can_make_no_progress(monkeypatch) -> None:
    """Output space too small for one token: qio_feed takes nothing and makes nothing;
    the wrapper says so instead of calling it again forever."""
    from pyqio._tokenizer_c import lib
    monkeypatch.setattr(_ctokenizer, "_ARENA", -int(lib.qio_token_room(4096)))
    tok = _ctokenizer.Tokenizer()
    with pytest.raises(RuntimeError, match="no progress"):
        tok.feed(b"OK\r\n")


def test_the_c_feeder_raises_when_it_can_make_no_progress(monkeypatch) -> None:
    if _feed.events_c is None:
        pytest.fail("pyqio._events_c is not built")
    for sizes in [(0, 40000, 80000), (256, 100, 80000), (256, 40000, 100)]:
        monkeypatch.setattr(_feed, "TOK_CAP", sizes[0])
        monkeypatch.setattr(_feed, "ARENA", sizes[1] - 8200)
        monkeypatch.setattr(_feed, "DMX", sizes[2] - 8200)
        dec = Decoder(backend="c")
        with pytest.raises(RuntimeError, match="no progress"):
            dec.feed_demux(H + b'0,1,"a"\r\n', [bytearray()] * 5)
        # still no room: the input waits, and the next call says so again
        with pytest.raises(RuntimeError, match="no progress"):
            dec.feed(b"")


SESSION_STREAM = (b'\r\n+QIURC: "closed",1\r\n' + H + b'2,3,"abc"\r\n+IP: 10.0.0.2\r\n'
                  + b'\r\n+QIURC: "closed",3\r\nOK\r\n' + H + b'4,1,"z"\r\n')


def test_a_session_whose_decoder_raises_loses_no_event(monkeypatch) -> None:
    from pyqio.session import Session
    ref = Session()
    ref.receive_data(SESSION_STREAM)
    want = ref.events()
    assert len(want) == 6
    for k in range(1, 5):
        with monkeypatch.context() as m:
            m.setattr(_feed, "classify_line", Flaky({k}, False))
            s = Session()
            with pytest.raises(RuntimeError, match="planted"):
                s.receive_data(SESSION_STREAM[:-10])
            s.receive_data(SESSION_STREAM[-10:])
            assert s.events() == want


def test_a_session_whose_event_handling_raises_loses_no_later_event(monkeypatch) -> None:
    """The event whose handling raised is the one the exception is about; those decoded
    after it, and the bytes after them, are handled by the next call."""
    from pyqio.session import Session
    ref = Session()
    ref.receive_data(SESSION_STREAM)
    want = ref.events()
    s = Session()
    real, calls = s._handle_event, []

    def flaky(ev):
        calls.append(ev)
        if len(calls) == 2:
            raise RuntimeError("handler")
        real(ev)

    monkeypatch.setattr(s, "_handle_event", flaky)
    with pytest.raises(RuntimeError, match="handler"):
        s.receive_data(SESSION_STREAM)
    assert s.events() == want[:1]
    s.receive_data(b"")
    assert s.events() == want[2:] and calls[1] == want[1]
