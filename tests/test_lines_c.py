"""The C line classifier (``csrc/lines.c``, ``pyqio._events_c.Lines``) against the
reference, :func:`pyqio.wire._lines.classify_line`, event for event.

Equal means: same class, same fields, and each field of the same type (``True`` is
not ``1``, a ``ResultCode`` is not its int, a datetime has the same zone), down into
tuples. Checked on every line kind the decoder reads (the bench's catalog: each one
made in C), on edge cases of every field code, and on random and mutated lines
(hypothesis): huge numbers, missing quotes, embedded NULs, non-ASCII bytes, overlong
fields, numbers past int64. ``peek()`` says whether C made the event; the decoder's
feed on the C backend gives the Python backend's events on streams of such lines.

Needs: pytest, hypothesis (pip); ``pyqio._events_c`` built in place.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pyqio.cli._bench_lines import LINES
from pyqio.wire import _feed, _lines_c
from pyqio.wire._decoder import Decoder
from pyqio.wire._lines import _HANDLERS, classify_line

pytestmark = pytest.mark.skipif(
    _feed.events_c is None and os.environ.get("PYQIO_ALLOW_NO_C") == "1",
    reason="pyqio._events_c not built; PYQIO_ALLOW_NO_C=1 allows that")


def deep(a: object, b: object) -> bool:
    """a == b, of the same types all the way down (dataclass fields, tuples, datetimes)."""
    if type(a) is not type(b):
        return False
    if dataclasses.is_dataclass(a):
        return all(deep(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, tuple):
        return len(a) == len(b) and all(deep(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    if isinstance(a, dt.datetime):
        return a == b and a.tzinfo == b.tzinfo  # type: ignore[union-attr]
    return a == b


@pytest.fixture(scope="module")
def lines():
    if _feed.events_c is None:
        pytest.fail("pyqio._events_c cannot be imported (python setup.py build_ext --inplace)")
    return _lines_c.classifier()


def check(lines, line: bytes, in_c: bool | None = None) -> None:
    try:
        want = classify_line(line)
    except Exception as exc:  # the reference raising: the C path must raise the same
        with pytest.raises(type(exc)):
            lines(line)
        return
    got = lines(line)
    assert deep(got, want), (line, got, want)
    made = lines.peek(line)
    if made is not None:
        assert deep(made, want), (line, made, want)
    if in_c is not None:
        assert (made is not None) == in_c, (line, made)


@pytest.mark.parametrize("label, line, module", LINES, ids=[x[0] for x in LINES])
def test_every_line_kind_is_made_in_c_and_equals_the_reference(lines, label, line, module):
    check(lines, line, in_c=True)


def test_the_table_names_every_handler_of_the_reference():
    """A NAME with a handler but no entry would be made Info in C: never."""
    assert {name.decode() for name, _, _ in _lines_c.entries()} == set(_HANDLERS)


# Edge cases of each code: (line, made in C?)
EDGES = [
    (b"", True), (b"OK ", True), (b"OK\t", True), (b" OK", True), (b"ok", True),
    (b"+", True), (b"+:", True), (b"+A", True), (b'+"A: 1', True), (b"+A:", True),
    (b"+A: ", True), (b"+A: \t ", True), (b"+A:1,,2", True), (b"+A: 1 , 2 ", True),
    (b'+A: "x" ,"y"', True), (b'+A: "x"y', False), (b'+A: "x', False), (b"+A: x)", False),
    (b'+A: x"y', False), (b"+A: -", True), (b"+A: -0", True), (b"+A: --1", True),
    (b"+A: 007", True), (b"+A: 999999999999999999", True), (b"+A: 1000000000000000000", False),
    (b"+A: -999999999999999999", True), (b"+A: 99999999999999999999999", False),
    (b"+A: 1" + b",1" * 31, True), (b"+A: 1" + b",1" * 32, False), (b"+A: \x00", False),
    (b"+A: \xc3\xa9", False), (b"\xc3\xa9", True), (b"+A: \x0b", False), (b"+A: 1\r", False),
    (b"+QIOPEN: 1,0", True), (b"+QIOPEN: 1, 0", True), (b"+QIOPEN:1,0", True),
    (b"+QIOPEN: 1", False), (b"+QIOPEN: 1,x", False), (b'+QIOPEN: 1,"0"', False),
    (b"+QIOPEN: -1,-566", True), (b"+QIOPEN: 1,12345678901234567890", False),
    (b'+QIURC: closed,1', True), (b'+QIURC: "closed"', False), (b'+QIURC: "closed",x', False),
    (b'+QIURC: "other",1', True), (b"+QIURC: ", True), (b'+QIURC: "recv",1,2', True),
    (b'+QIURC: "incoming full",1', False), (b'+QIURC:"incoming full"', True),
    (b'+QIURC: "dnsgip",1', True), (b'+QIURC: "dnsgip","1"', True),
    (b'+QIURC: "dnsgip",-1', False), (b'+QIURC: "dnsgip",1.2.3.4', True),
    (b'+QIDNSGIP: 12', True), (b'+QIDNSGIP: "12"', True), (b"+QIDNSGIP: 1.2.3.x", False),
    (b"+QIDNSGIP: " + b"1" * 46, False), (b"+QIDNSGIP: " + b"1" * 19, False),
    (b'+QICFG: "dataformat",1,1', True), (b"+QICFG: dataformat,0,2", False),
    (b'+QICFG: "showRA"', False), (b'+QICFG: "other",1', True), (b"+QICFG: ", True),
    (b"+QPING: 0,1.2.3.4,32,12,255", True), (b'+QPING: 0,"x",32,12,255', False),
    (b"+QISTATE: 0,TCP,1.2.3.4,1,2,3,4,5", True), (b'+QISTATE: 0,"TCP","h",1,2,3,4', False),
    (b'+QNTP: 0,"26/12/02,03:52:47"', True), (b'+QNTP: 0," 2026/1/2, 3:5:7-8 "', True),
    (b'+QNTP: 0,"26/12/02,03:52:47+96"', False), (b'+QNTP: 0,"26/12/02,03:52:47-95"', True),
    (b'+QNTP: 0,"26/02/30,03:52:47"', False), (b'+QNTP: 0,"026/12/02,03:52:47"', False),
    (b'+QNTP: 0,"26/12/02,03:52:477"', False), (b'+QNTP: 0,"26/12/02,03:52"', False),
    (b"+QNTP: 0,26/12/02,03:52:47", False), (b'+QNTP: 0,"26/12/02;03:52:47"', False),
    (b'+QNTP: 0,"0000/12/02,03:52:47"', False), (b'+QNTP: 0,"26/12/02,03:52:47+"', False),
    (b'+CCLK: "26/12/02,03:52:47+32"', True), (b'+CCLK: "26/12/02, 03:52:47"', False),
    (b'+CCLK: "26/1/02,03:52:47"', False), (b'+CCLK: "26/12/02,24:00:00"', False),
    (b"+CCLK: 26/12/02,03:52:47", False), (b'+CCLK: " 26/12/02,03:52:47"', False),
    (b'+CEREG: 2,1,"1A2B",,9', True), (b'+CEREG: 1,,,,,,,', True), (b"+CEREG: 1,2,3", False),
    (b'+CEREG: 1,"a","b",7,0,0,"0000000","00000000"', False),
    (b'+CPSMS: 1,,,"00000002",""', False), (b'+CEDRXS: 5,0101', True), (b"+CEDRXS: 5,", True),
    (b'+CGDCONT: 1,"IP","internet"', True), (b'+CGDCONT: 1,"IP","a",-1,--1', False),
    (b'+CGDCONT: 1,"IP","a",,-,"q",x', True),
    (b'+CGDCONT: 1,"IP","a",1' + b"0" * 19, False), (b'+CGPADDR: 1,,"::1"', True),
    (b"+CGATT: 2", False), (b"+CGATT: 01", True), (b"+CGATT: x", False), (b"+QIGETERROR: 1,a, b ,c", True),
    (b"+QIGETERROR: 1", False), (b"+QIDNSCFG: 1,a,b,c", False), (b"+QIRD: 1,2,3", True),
    (b"+CME ERROR: 1", True), (b"+CME ERROR:  x y ", True), (b"+CME ERROR: ", False),
    (b"+CME ERROR: -1", True), (b"+CME ERROR: " + b"9" * 19, False), (b"+CME ERROR: \xff", False),
    (b"+A: (1-5),(0,1),(\"a\",b),(),( ),(x-y),(-1--3),3,\"q\"", True),
    (b"+A: (1-" + b"9" * 19 + b")", False), (b"+A: (" + b"9" * 19 + b",1)", False),
    (b"+A: (1,)", True), (b"+A: (a(b)", True), (b'+A: ("a,b")', True), (b"+A: (1", False),
    (b"+QIOPEN: (0-11),(0,1)", True), (b'+A: "x)"', True), (b"+A: (1)x", False),
    (b"+A: (1000-99999),(70000,80000)", True), (b'+QNTP: 0,"26/12/02,"', False),
    (b'+QNTP: 0,"2100/02/29,03:52:47"', False), (b'+QNTP: 0,"2000/02/29,03:52:47"', True),
    (b'+QNTP: 0,"2024/02/29,03:52:47"', True), (b'+QNTP: 0,"2023/02/29,03:52:47"', False),
    (b'+QNTP: 0,"26/00/02,03:52:47"', False), (b'+QNTP: 0,"26/13/02,03:52:47"', False),
    (b'+QNTP: 0,"26/12/00,03:52:47"', False), (b'+QNTP: 0,"26/04/31,03:52:47"', False),
    (b'+QNTP: 0,"26/12/31,24:52:47"', False), (b'+QNTP: 0,"26/12/31,23:60:47"', False),
    (b'+QNTP: 0,"26/12/31,23:59:60"', False), (b'+QNTP: 0,"26/12/31,23:59:59-96"', False),
    (b'+QNTP: 0,"26/12/31,23:59:59x"', False), (b'+QNTP: 0,"26/12/31,23:59:59+7"', True),
    (b"+QIGETERROR: 566,,socket, connect failed,", True),
    # once raised ValueError out of classify_line (int() of "\u00b2" and of "0\x1e")
    (b"+CME ERROR: \xc2\xb2", False), (b"+QIDNSGIP: \xc2\xb2", False),
    (b'+QIURC: "dnsgip",\xc2\xb2', False), (b"+A: (0\x1e-11)", False),
    (b'+IP: ""', False), (b'+QIDNSGIP: ""', False), (b'+QPING: 0,"",1,2,3', False),
    (b'+IP: "' + b"1." * 23 + b'"', False), (b'+IP: "' + b"1." * 22 + b'1"', True),
    # tuples of more than 20 items: never from CPython's free lists (allocation failures
    # reach them in tests/test_lines_c_safety.py)
    (b'+CGDCONT: 1,"IP","a"' + b",7" * 22, True), (b"+A: (" + b",".join([b"1"] * 25) + b")", True),
    (b"+A: " + b",".join([b"1"] * 25), True),
    # a NAME of more than 8 bytes whose first 8 are an entry's (QIGETERROR, QIDNSGIP): Info
    (b"+QIGETERRXX: 1", True), (b"+QIGETERROR: 1,x", True), (b"+QIDNSGIPX: 1", True),
    # each branch of the reading, here and not only in the random lines below
    (b"+CME_ERROR: 1", True), (b"+A: x(1)", False), (b"+A: (1-x)", True),
    (b"+A: (" + b"9" * 19 + b"-1)", False), (b'+QNTP: 0,"02026/12/02,03:52:47"', False),
    # kept texts (csrc/lines.c kept_pair): too short, shortest, 7 and 8 bytes, longest, too
    # long; the same text as str and as a parenthesised field
    (b'+CGSN: "1"', True), (b'+CGSN: "12"', True), (b'+CGSN: "1234567"', True),
    (b'+CGSN: "12345678"', True), (b'+CGSN: "1234567890123456"', True),
    (b'+CGSN: "12345678901234567"', True), (b"+A: 1-5,(1-5),( 1-5 ),(1 - 5)", True),
    (b'+A: "0,1",(0,1),("0,1")', True),
]


@pytest.mark.parametrize("line, in_c", EDGES)
def test_edge_cases_of_every_field_code_equal_the_reference(lines, line, in_c):
    check(lines, line, in_c=in_c)


# random lines: a known NAME (or not), fields of every shape, hostile bytes
_NAMES = [name for name, _, _ in _lines_c.entries()] + [b"CME ERROR", b"QBAND", b"A B", b"X"]
_FIELD = st.one_of(
    st.integers(-10**25, 10**25).map(lambda n: str(n).encode()),
    st.integers(0, 700).map(lambda n: str(n).encode()),
    st.sampled_from([b"", b"0", b"1", b"-", b"007", b'""', b"()", b"(1-5)", b"(0,1)",
                     b'("a","b")', b"0101", b"00100100", b"10.0.0.1", b'"::1"', b"FF:0",
                     b'"closed"', b'"incoming"', b'"recv"', b'"pdpdeact"', b'"dnsgip"',
                     b'"incoming full"', b'"dataformat"', b'"showRA"', b"dataformat",
                     b'"26/12/02,03:52:47+32"', b'"2026/2/29,1:2:3"', b'"26/12/02,03:52:47"',
                     b'"a,b"', b'"a', b'a"', b"(a", b"a)", b"\x00", b"\xc3\xa9", b"\t", b" "]),
    st.text(alphabet="0123456789abcAF.:-/ \t", max_size=12).map(str.encode),
    st.text(alphabet="0123456789abc,.:-/()\" ", max_size=12).map(lambda s: b'"' + s.encode() + b'"'),
    st.binary(max_size=8),
)


@st.composite
def plus_lines(draw) -> bytes:
    name = draw(st.sampled_from(_NAMES))
    sep = draw(st.sampled_from([b": ", b":", b":  ", b": \t"]))
    fields = draw(st.lists(_FIELD, max_size=12))
    commas = [draw(st.sampled_from([b",", b", ", b" ,", b",\t"])) for _ in fields[1:]]
    body = b"".join(f + c for f, c in zip(fields, commas + [b""], strict=False))
    return b"+" + name + sep + body


_NUMBER = st.one_of(st.integers(0, 600), st.integers(-10**20, 10**20),
                    st.sampled_from([10**18 - 1, 10**18, -(10**18 - 1), 2**63, 95, 96, 99]))
_QUOTED = st.text(alphabet="0123456789abcdefABCDEF.:/,+- ()", max_size=20)


@st.composite
def respelled(draw) -> bytes:
    """A catalog line with its numbers and quoted strings redrawn: mostly lines the
    table accepts, with values up to and past its limits."""
    import re
    line = draw(st.sampled_from([x[1] for x in LINES]))

    def number(m: re.Match[bytes]) -> bytes:
        return str(draw(_NUMBER)).encode() if draw(st.booleans()) else m[0]

    def quoted(m: re.Match[bytes]) -> bytes:
        return b'"' + draw(_QUOTED).encode() + b'"' if draw(st.booleans()) else m[0]
    head, colon, rest = line.partition(b":")
    rest = re.sub(rb'"[^"]*"', quoted, rest)
    return head + colon + re.sub(rb"(?<![0-9A-Za-z/:.])[0-9]+(?![0-9A-Za-z/:.])", number, rest)


def mutate(line: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    for kind, at, byte in ops:
        at %= len(line) + 1
        if kind == 0:
            line = line[:at] + bytes([byte]) + line[at:]
        elif kind == 1:
            line = line[:at] + line[at + 1:]
        else:
            line = line[:at] + bytes([byte]) + line[at + 1:]
    return line


_MUTATIONS = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 200),
                                st.sampled_from(b'0123456789,"() -:+\x00\xff\tAz/')), max_size=4)


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(plus_lines())
@example(b"+QIURC: " + b'"closed",' * 40)
def test_random_lines_equal_the_reference(lines, line):
    check(lines, line)


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from([x[1] for x in LINES] + [e[0] for e in EDGES]), _MUTATIONS)
def test_mutated_lines_equal_the_reference(lines, line, ops):
    check(lines, mutate(line, ops))


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(respelled())
def test_respelled_catalog_lines_equal_the_reference(lines, line):
    check(lines, line)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=80))
def test_arbitrary_bytes_equal_the_reference(lines, line):
    check(lines, line.replace(b"\r\n", b""))


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(plus_lines(), st.sampled_from([x[1] for x in LINES])), max_size=30),
       st.sampled_from(["bc660k", "bg96"]))
def test_the_c_feeders_events_are_the_python_backends(line_list, module):
    """Through the decoder: the C feeder (table) and the pure-Python backend agree."""
    data = b"".join(b"\r\n" + x.replace(b"\r", b"").replace(b"\n", b"") + b"\r\n"
                    for x in line_list)
    got = Decoder(backend="c", module=module).feed(data)
    want = Decoder(backend="python", module=module).feed(data)
    assert len(got) == len(want) and all(deep(a, b) for a, b in zip(got, want, strict=True)), (got, want)


def test_the_c_feeder_uses_the_table(monkeypatch):
    """The decoder's C feeder reads lines with the table: the reference is not called
    for a line the table makes, and is for one it does not."""
    calls = []

    def counting(line):
        calls.append(line)
        return classify_line(line)
    monkeypatch.setattr(_lines_c, "_classifier", _lines_c.build(counting))
    got = Decoder(backend="c").feed(b"\r\n+QIOPEN: 1,0\r\n\r\n+QIOPEN: x\r\n")
    assert got == [classify_line(b"+QIOPEN: 1,0"), classify_line(b"+QIOPEN: x")]
    assert calls == [b"+QIOPEN: x"]


# Kept objects (csrc/lines.c kept_pair): the str of a short field text and the value of
# a parenthesised field are kept for reuse, a bounded number of them.
def _kept_lines() -> list[bytes]:
    """Lines whose texts fill every pair of slots many times over, each twice."""
    out = []
    for i in range(300):
        text = (b"%d" % (i * 7919))[: 2 + i % 16]
        out += [b'+CGSN: "%s"' % text, b"+QIOPEN: (%d-%d),(%d,%d)" % (i % 9, i, i, i % 5),
                b'+A: "%s",(%s)' % (text, text)]
    return out * 2


def test_kept_objects_never_change_an_event():
    """In any order, whatever was kept before (a table filled by other lines, texts that
    share a pair of slots, one text as str and as a field in parentheses)."""
    import random
    table = _lines_c.build(classify_line)
    lines = _kept_lines()
    random.Random(13).shuffle(lines)
    for line in lines:
        check(table, line, in_c=True)


def test_a_repeated_text_gives_one_object_and_the_kept_ones_are_bounded():
    """Twice the same line: the same str, range and tuple objects. Once enough other
    texts came, the table holds them no more (its memory is bounded: 64 objects)."""
    import sys
    table = _lines_c.build(classify_line)
    line = b'+QIOPEN: (1-5),("TCP","UDP"),"QIOPEN"'
    a, b = table(line), table(line)
    assert all(x is y for x, y in zip(a.params, b.params, strict=True))
    kept = a.params
    held = [sys.getrefcount(x) for x in kept]
    del a, b
    for other in _kept_lines():
        table(other)
    assert [sys.getrefcount(x) for x in kept] == [n - 2 for n in held]  # b's, the table's
