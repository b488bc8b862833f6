"""The decoder's fast path: events built straight from the C batch must be the very
events the slow path builds, and the cached demux mask must follow the buffers.

Needs: pytest, hypothesis (pip); the C tokenizer built in place.
"""
from __future__ import annotations

import dataclasses
import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyqio.errors import InvalidArgument
from pyqio.testing.strategies import other_lines, recv_urc_lines
from pyqio.wire import events  # the defining module: _maker is private

decode_mod = importlib.import_module("pyqio.wire._decoder")
Decoder = decode_mod.Decoder

# every recv shape of note 2.4.2 (and TOKENS.md), responses around them, and faults
SHAPES = (
    b'\r\n+QIURC: "recv",0,5,"a\r\nb"\r\n'                       # length-framed text
    b'\r\nOK\r\n'
    b'\r\n+QIURC: "recv",1,3,"220.180.239.212",8062,"xyz"\r\n'  # UDP SERVICE form
    b'\r\n+QIURC: "recv",2,"10.0.0.1",53,"no length"\r\n'       # address, no length
    b'\r\n+QIURC: "recv",3,2, "::1",7,"hi"\r\n'                 # space after a comma
    b'\r\n+QIURC: "recv",4,99999,"x"\r\n'                       # bad header
    b'\r\n+QIURC: "closed",1\r\n>'
    b'\r\n+QIURC: "recv",0,2,"ab"X\r\n'                         # not terminated
    b'\r\n+QIOPEN: 1,0\r\n+QIURC: "recv",1,4,"'
)


def _events(backend: str, data: bytes, step: int | None, **kw) -> list:
    dec = Decoder(backend=backend, **kw)
    if step is None:
        return dec.feed(data) + dec.finish()
    out: list = []
    for i in range(0, len(data), step):
        out += dec.feed(data[i:i + step])
    return out + dec.finish()


@pytest.mark.parametrize("kw", [{}, {"udp_service": {1, 3}}, {"show_ra": True}])
def test_c_fast_path_yields_the_python_twins_events_however_chunked(kw) -> None:
    expected = _events("python", SHAPES, None, **kw)
    assert any(isinstance(e, events.Recv) for e in expected)
    for step in (None, 1, 7, 64):
        assert _events("c", SHAPES, step, **kw) == expected


def test_hex_recv_through_the_fast_path_matches_the_twin() -> None:
    data = (b'\r\n+QIURC: "recv",0,4,"DEADbeef"\r\n\r\n+QIURC: "recv",1,2,"0G12"\r\n'
            b'\r\n+QIURC: "recv",2,"1.2.3.4",5,"ABC"\r\n')
    for step in (None, 1, 5):
        got = _events("c", data, step, recv_format="hex")
        assert got == _events("python", data, step, recv_format="hex")
    assert got[0] == events.Recv(0, b"\xde\xad\xbe\xef", 4)
    assert [type(e).__name__ for e in got] == ["Recv", "ProtocolError", "ProtocolError"]


def test_a_recv_from_the_fast_path_is_a_real_frozen_slotted_recv() -> None:
    urc = b'\r\n+QIURC: "recv",2,3,"1.2.3.4",80,"abc"\r\n'
    [ev] = Decoder(udp_service={2}, backend="c").feed(urc)
    ref = events.Recv(2, b"abc", 3, "1.2.3.4", 80)
    assert type(ev) is events.Recv and dataclasses.is_dataclass(ev)
    assert ev == ref and hash(ev) == hash(ref) and repr(ev) == repr(ref)
    assert not hasattr(ev, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.data = b"x"  # type: ignore[misc]


def _sample(f: dataclasses.Field) -> object:
    return {"data": b"\x00\r\n", "line": b"x", "raw": b"y", "params": (1, "a"),
            "addresses": ("1.1.1.1", "8.8.8.8")}.get(f.name, 7)


def _event_classes() -> list[type]:
    return [c for c in vars(events).values() if isinstance(c, type)
            and issubclass(c, events.Event) and dataclasses.is_dataclass(c)]


@pytest.mark.parametrize("cls", _event_classes(), ids=lambda c: c.__name__)
def test_fast_maker_builds_what_the_constructor_builds(cls: type) -> None:
    values = [_sample(f) for f in dataclasses.fields(cls)]
    made = events._maker(cls)(*values)
    assert type(made) is cls and made == cls(*values) and repr(made) == repr(cls(*values))
    if values:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, dataclasses.fields(cls)[0].name, 1)


def test_demux_mask_follows_buffers_changed_between_feeds() -> None:
    dec = Decoder(backend="c")
    urc = b'\r\n+QIURC: "recv",1,2,"ab"\r\n'
    bufs: list = [bytearray() for _ in range(5)]
    assert dec.feed_demux(urc, bufs) == [] and bufs[1] == b"ab"
    bufs[1] = None                      # same list, an entry dropped: the URC is returned
    assert dec.feed_demux(urc, bufs) == [events.Recv(1, b"ab", 2)]
    bufs[1] = bytearray(b"ab")          # a new bytearray, equal to the old: appended
    assert dec.feed_demux(urc, bufs) == [] and bufs[1] == b"abab"
    old = bufs[1]
    bufs[1] = bytes(old)                # equal content, not a bytearray: refused
    with pytest.raises(InvalidArgument, match=r"buffers\[1\] is a bytes"):
        dec.feed_demux(urc, bufs)
    bufs[1] = bytearray()               # and the decoder goes on afterwards
    assert dec.feed_demux(urc + b"\r\nOK\r\n", tuple(bufs)) == [events.Ok()]
    assert bufs[1] == b"ab"


def _tokenizer_module(dec) -> str:
    """The backend a decoder's feeder runs: its tokenizer's module, or the extension's
    Feeder (which links the C tokenizer)."""
    core = dec._core
    return type(core.tok).__module__ if hasattr(core, "tok") else type(core).__module__


def test_decoder_backend_argument_is_checked() -> None:
    assert _tokenizer_module(Decoder(backend="python")) == "pyqio.wire._pytokenizer"
    assert _tokenizer_module(Decoder(backend="c")) in ("pyqio.wire._ctokenizer", "pyqio._events_c")
    with pytest.raises(InvalidArgument, match="backend='rust'"):
        Decoder(backend="rust")  # type: ignore[arg-type]


urcs = recv_urc_lines(6, 40)
lines = other_lines


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(urcs, lines), max_size=12), st.integers(1, 50),
       st.booleans())
def test_fast_path_agrees_with_the_twin_on_generated_streams(parts, step, show_ra) -> None:
    data = b"".join(b"\r\n" + p + b"\r\n" for p in parts)
    kw = {"show_ra": show_ra, "udp_service": {1}}
    assert _events("c", data, step, **kw) == _events("python", data, None, **kw)


# ---- the line classifier's precompiled forms give the general splitter's events ----

_lines = importlib.import_module("pyqio.wire._lines")
FAST_LINES = [
    b"+QIOPEN: 1,0", b"+QIOPEN: 0,566", b"+QIOPEN:1,0", b"+QIOPEN: 01,0", b"+QIOPEN: 1, 0",
    b"+QIOPEN: -1,0", b"+QIOPEN: 1,0,", b"+QIOPEN: 1", b"+QIOPEN: 12345678901,0",
    b"+QISEND: 4096,4096,0", b"+QISEND: 1,2", b"+QISEND:  1,2,3",
    b"+QIDNSGIP: 0,1,600", b"+QIDNSGIP: 565", b'+QIDNSGIP: "1.2.3.4"', b"+QIDNSGIP: 1.2.3.4",
    b'+QIURC: "closed",1', b'+QIURC: "closed",x', b'+QIURC: "closed"', b"+QIURC: closed,1",
    b'+QIURC: "incoming",1,0,"1.2.3.4",5', b"+IP: 10.18.237.42", b'+IP: "10.1.2.3"',
    b"+IP: fe80::1", b"+IP: 10.1.2.3 ", b"+IP: 1" + b"0" * 45, b"+IP: g",
    b'+QPING: 0,"127.0.0.1",32,12,255', b'+QPING: 0,127.0.0.1,32,12,255', b"+QPING: 569",
    b'+QPING: 0,"1.2.3.4",32,12', b'+QPING: 0,"x",32,12,255',
    b'+QISTATE: 0,"TCP","127.0.0.1",8080,39712,2,1,1',
    b'+QISTATE: 0,"TCP","h\xc3\xa9\xff",1,2,3,4,5',
    b'+QISTATE: 0,"TCP","a,b",1,2,3,4,5', b'+QISTATE: 0,"TCP","h",1,2,3,4', b"+QIOPEN: (0-4),(0,1)",
    b"+QIOPEN: \xd9\xa3,0", b"+QIOPEN", b"+QISEND 1,2,3",
]


@pytest.mark.parametrize("line", FAST_LINES)
def test_precompiled_line_forms_give_the_general_event(line: bytes) -> None:
    fast, general = _lines.classify_line(line), _lines._classify(line)
    assert fast == general and repr(fast) == repr(general)  # repr: ResultCode vs int


_pieces = st.sampled_from([b"0", b"1", b"566", b"65535", b"007", b"-1", b" ", b"\t", b",",
                           b'"', b"TCP", b"1.2.3.4", b"::1", b"closed", b"(", b"\xff", b"x"])


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(_lines._FAST)), st.lists(_pieces, max_size=16))
def test_precompiled_forms_agree_with_the_splitter_on_generated_lines(name, pieces) -> None:
    line = name + b": " + b"".join(pieces)
    fast, general = _lines.classify_line(line), _lines._classify(line)
    assert fast == general and repr(fast) == repr(general)


_fields = importlib.import_module("pyqio.wire._fields")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=' ,"()ab1\t\x0b', max_size=16))
def test_field_split_by_str_split_equals_the_field_by_field_walk(rest: str) -> None:
    def outcome(fn):
        try:
            return fn(rest)
        except _fields.Shape as exc:
            return ("Shape", str(exc))
    assert outcome(_fields.split) == outcome(_fields._split_slowly) or (
        '"' not in rest and "(" not in rest)  # the plain path never walks
