"""Trying to crash ``pyqio._events_c.Lines`` (csrc/lines.c) from Python: every attempt
must raise, or give the reference's event, never crash.

Here: tables refused at construction (wrong types, out-of-range forms and args),
makers that are plain callables (the generic call path) or that raise, a fallback
raising, a result-code table whose keys raise, a datetime class that raises,
splats that do not fit. Allocation failures at every step of building a table and
of classifying each line kind are swept in tests/test_events_c_nomem.py
(``lines_build``, ``lines_read``, ``lines_feed``: in child processes, as for the
Feeder). tools/coverage_events_c.sh runs this file with tests/test_lines_c.py on a
``--coverage`` build and holds csrc/lines.c at 100% of lines and branches;
tests/test_sanitizers.py runs both under ASan+UBSan.
"""
from __future__ import annotations

import datetime as dt

import pytest

from pyqio.cli._bench_lines import LINES
from pyqio.wire import _feed, _lines_c, events
from pyqio.wire._lines import _EXACT, classify_line
from pyqio.wire._result import _BY_VALUE
from tests.test_lines_c import EDGES, deep


def lines(ext, entries=(), *, fallback=classify_line, text=events.Text, info=events.Info,
          cme=events.CmeError, test=events.TestResponse, codes=None, datetime=dt.datetime,
          exact=()):
    """A Lines table; by default plain classes as makers (the generic call path)."""
    return ext.Lines(fallback, text, info, cme, test, dict(_BY_VALUE) if codes is None else codes,
                     datetime, dt.timezone.utc, tuple(exact), tuple(entries))


def form(codes=b"i", make=None, args=((0, 0),), n=(1, 1), kind=b"", quoted=False):
    return (kind, quoted, n[0], n[1], codes, make if make is not None else events.Closed, args)


def test_the_table_refuses_wrong_arguments(ext) -> None:
    good = lines(ext)   # no entries: a +NAME: line is Info (the real table names them all)
    assert deep(good(b"+QIOPEN: 1,0"), events.Info("QIOPEN", (1, 0)))
    with pytest.raises(TypeError, match="keyword"):
        ext.Lines(classify_line, *[None] * 9, x=1)
    with pytest.raises(TypeError):
        ext.Lines(classify_line)
    for i in range(6):   # fallback, text, info, cme, test, datetime must be callable
        args = [classify_line, events.Text, events.Info, events.CmeError, events.TestResponse,
                {}, dt.datetime, dt.timezone.utc, (), ()]
        args[i if i < 5 else 6] = 3
        with pytest.raises(TypeError, match="callable"):
            ext.Lines(*args)


@pytest.mark.parametrize("entry, words", [
    ((b"A", False, [form()]), "entry"),                           # forms not a tuple
    ((b"A", False), "entry"),                                     # no forms
    (("A", False, (form(),)), "bytes"),                           # name not bytes
    ((b"A", False, (form(n=(2, 1)),)), "amin"),
    ((b"A", False, (form(n=(-1, 1)),)), "amin"),
    ((b"A", False, (form(n=(0, 33)),)), "amin"),
    ((b"A", False, (form(codes=b""),)), "codes"),
    ((b"A", False, (form(args=((0, 0),) * 17),)), "16 args"),
    ((b"A", False, ((b"", False, 1, 1, b"i", events.Closed),)), "form"),
    ((b"A", False, (form(args=((0,),)),)), "arg"),
    ((b"A", False, (form(args=((5, 0),)),)), "0-4"),
    ((b"A", False, (form(args=((-1, 0),)),)), "0-4"),
    ((b"A", False, (form(args=((0, -1),)),)), "0-4"),
    ((b"A", False, (form(args=((0, "x"),)),)), "integer"),
    ((b"A", False, (form(args=((0, 2**70),)),)), "int"),
    ((b"A", False, (form(make=3),)), "callable"),
])
def test_the_table_refuses_bad_forms(ext, entry, words) -> None:
    with pytest.raises((TypeError, OverflowError), match=words):
        lines(ext, [entry])


def test_a_constant_form_needs_exactly_one_constant(ext) -> None:
    for args in ((), ((1, 1), (1, 2)), ((0, 0),)):
        bad = (b"", False, 1, 1, b"i", None, args)
        with pytest.raises(TypeError, match="None with one constant"):
            lines(ext, [(b"A", False, (bad,))])
    ok = lines(ext, [(b"A", False, ((b"", False, 1, 1, b"i", None, ((1, "k"),)),))])
    assert ok.peek(b"+A: 5") == "k"


def test_exact_lines_are_pairs_of_bytes_and_event(ext) -> None:
    with pytest.raises(TypeError):
        lines(ext, exact=[("OK", events.Ok())])
    with pytest.raises(TypeError):
        lines(ext, exact=[(b"OK",)])
    table = lines(ext, exact=list(_EXACT.items()))
    assert table.peek(b"OK") == events.Ok() and table.peek(b"ERROR  ") == events.Error()


def test_calls_refuse_keywords_and_non_bytes(ext) -> None:
    table = lines(ext)
    with pytest.raises(TypeError, match="keyword"):
        table(line=b"OK")
    with pytest.raises(TypeError):
        table(bytearray(b"OK"))
    with pytest.raises(TypeError):
        table(b"OK", b"OK")
    with pytest.raises(TypeError, match="bytes"):
        table.peek("OK")


def test_plain_callables_make_the_same_events_as_makers(ext) -> None:
    """Classes and functions as makers (not events_c.Maker): the generic call path."""
    plain = _lines_c.events_c.Lines(
        classify_line, events.Text, events.Info, events.CmeError, events.TestResponse,
        dict(_BY_VALUE), dt.datetime, dt.timezone.utc, tuple(_EXACT.items()),
        tuple((name, info, tuple(f[:5] + (plain_of(f[5]),) + f[6:] for f in forms))
              for name, info, forms in _lines_c.entries()))
    for _, line, _ in LINES:
        assert deep(plain.peek(line), classify_line(line)), line
    for line, _ in EDGES:
        assert deep(plain(line), classify_line(line)), line


def plain_of(make):
    """*make* behind a plain function (never an events_c.Maker)."""
    return None if make is None else (lambda *a: make(*a))


def test_a_maker_of_another_arity_is_called_as_a_function(ext) -> None:
    """A Maker whose field count differs from the args is called, and refuses."""
    table = lines(ext, [(b"A", False, (form(make=events._maker(events.OpenResult)),))])
    with pytest.raises(TypeError):
        table(b"+A: 1")


@pytest.mark.parametrize("what", ["fallback", "text", "info", "cme", "test", "make"])
def test_a_raising_callback_raises_through(ext, what) -> None:
    def boom(*_):
        raise ZeroDivisionError(what)
    kw = {what: boom} if what != "make" else {}
    table = lines(ext, [(b"A", False, (form(make=boom if what == "make" else None),))], **kw)
    line = {"fallback": b"+A: x", "text": b"hi", "info": b"+B: 1", "cme": b"+CME ERROR: 3",
            "test": b"+B: (1)", "make": b"+A: 1"}[what]
    with pytest.raises(ZeroDivisionError):
        table(line)
    if what != "fallback":  # made in C: peek() raises too
        with pytest.raises(ZeroDivisionError):
            table.peek(line)


def test_a_raising_callback_in_the_feeder_loses_no_line(ext) -> None:
    """The feeder keeps what it has not delivered when the table's maker raises."""
    state = {"n": 0}

    def flaky(*a):
        state["n"] += 1
        if state["n"] == 2:
            raise ZeroDivisionError
        return events.Closed(*a)
    table = lines(ext, [(b"A", False, (form(make=flaky),))])
    f = _feed.c_feeder(False, False, 0, 4096, line=table)
    with pytest.raises(ZeroDivisionError):
        f.feed(b"+A: 1\r\n+A: 2\r\n+A: 3\r\n")
    assert f.feed(b"") == [events.Closed(1), events.Closed(2), events.Closed(3)]


def test_result_codes_whose_keys_raise_raise_through(ext) -> None:
    class Bad:
        def __hash__(self):
            return hash(0)

        def __eq__(self, other):
            raise ZeroDivisionError
    table = lines(ext, [(b"A", False, (form(codes=b"r"),))], codes={Bad(): 1})
    with pytest.raises(ZeroDivisionError):
        table(b"+A: 0")


def test_a_datetime_class_that_raises_raises_through(ext) -> None:
    """The table checks dates itself (an impossible one goes to Python, tests/test_lines_c.py);
    the datetime class is then called with its pickled state, and its errors are not hidden."""
    def broken(*a):
        raise KeyError(a)
    ntp = (b"A", False, (form(codes=b"rT", make=events.NtpResult, args=((0, 0), (4, 1)),
                              n=(2, 2)),))
    with pytest.raises(KeyError):
        lines(ext, [ntp], datetime=broken)(b'+A: 0,"26/12/02,03:52:47"')
    assert lines(ext, [ntp], datetime=broken).peek(b'+A: 0,"26/02/30,03:52:47"') is None


@pytest.mark.parametrize("args, n", [
    (((0, 0), (4, 0)), (2, 2)),          # the items of a field that is no tuple
    (((0, 0), (4, 5)), (2, 2)),          # of a field past the last
    (((0, 0),) * 15 + ((4, 1),), (2, 2)),    # more args than a form may have
])
def test_splats_that_do_not_fit_send_the_line_to_python(ext, args, n) -> None:
    table = lines(ext, [(b"A", False, (form(codes=b"rT", make=lambda *a: a, args=args, n=n),))])
    assert table.peek(b'+A: 0,"26/12/02,03:52:47"') is None


def test_an_unknown_code_and_joins_of_field_text(ext) -> None:
    """A code the table does not know declines; a join takes each field's text as
    printed (quotes off), whatever its code, and past the last field is ""."""
    join = form(codes=b"i", make=lambda *a: a, args=((3, 0), (3, 1), (3, 5)), n=(1, 3))
    table = lines(ext, [(b"A", False, (form(codes=b"?"),)), (b"B", False, (join,))])
    assert table.peek(b"+A: 1") is None
    assert table.peek(b"+B: 1, 02 ,3") == ("1,02,3", "02,3", "")
