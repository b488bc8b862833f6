"""Shared fixtures: every tokenizer test runs on both backends (msgpack / PEP 399 style).

The ``Tokenizer`` fixture yields the class of one backend: ``"python"``
(``pyqio.wire._pytokenizer``, the twin) and ``"c"`` (``pyqio.wire._ctokenizer``). A missing C
module FAILS the ``"c"`` case, so a silently unbuilt extension cannot pass CI;
set ``PYQIO_ALLOW_NO_C=1`` to skip it instead (with the reason shown).

Helpers for chunking (h11 / picohttpparser style): :func:`feed_all` feeds a byte
string cut at given offsets and returns every token, ``finish()`` included;
:func:`tokens_every_way` feeds it whole, byte by byte and at random cuts and
checks all agree.
"""
from __future__ import annotations

import importlib
import os
import random
from collections.abc import Iterable

import pytest

BACKENDS = {"python": "pyqio.wire._pytokenizer", "c": "pyqio.wire._ctokenizer"}


def pytest_configure(config: pytest.Config) -> None:
    """``PYQIO_TEST_LOOP=uvloop``: every ``asyncio.run`` of the suite gets a uvloop
    loop (``.ci/run`` runs the Modem's, the transports' and the simulator's test
    files so; tests/test_uvloop.py checks it took). A name it cannot use fails the run."""
    name = os.environ.get("PYQIO_TEST_LOOP")
    if not name or name == "asyncio":
        return
    import asyncio

    from pyqio.transports._loops import loop_policy

    asyncio.set_event_loop_policy(loop_policy(name))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI (``CI=true``) a skip is a failure: CI installs every tool the tests
    use (clang, mosquitto, ...), so a skip there means a missing install step or a
    missing feature, never something to pass over. The one exception is the second
    CI pass, which forces the Python backend on purpose (``PYQIO_BACKEND=python``)."""
    outcome = yield
    report = outcome.get_result()
    if (report.skipped and os.environ.get("CI") == "true"
            and os.environ.get("PYQIO_BACKEND") != "python"
            and not hasattr(report, "wasxfail")):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI, which must run everything: {reason}"


def load_backend(name: str) -> type:
    """The ``Tokenizer`` class of backend *name*; fails (or skips, if allowed) when missing."""
    try:
        return importlib.import_module(BACKENDS[name]).Tokenizer
    except ImportError as exc:
        if name == "c" and os.environ.get("PYQIO_ALLOW_NO_C") == "1":
            pytest.skip(f"C tokenizer not built ({exc}); PYQIO_ALLOW_NO_C=1 allows that")
        pytest.fail(f"the {name!r} tokenizer backend cannot be imported: {exc} "
                    "(build it with `python csrc/build_tokenizer.py`, or set PYQIO_ALLOW_NO_C=1)")


@pytest.fixture(scope="module")
def ext() -> object:
    """The ``pyqio._events_c`` extension; fails (or skips, if allowed) when it is not built."""
    try:
        return importlib.import_module("pyqio._events_c")
    except ImportError as exc:
        if os.environ.get("PYQIO_ALLOW_NO_C") == "1":
            pytest.skip(f"pyqio._events_c not built ({exc}); PYQIO_ALLOW_NO_C=1 allows that")
        pytest.fail(f"pyqio._events_c cannot be imported: {exc} "
                    "(build it with `python setup.py build_ext --inplace`)")


@pytest.fixture(params=sorted(BACKENDS), scope="session")
def Tokenizer(request: pytest.FixtureRequest) -> type:
    """The Tokenizer class of one backend; every test using it runs on both."""
    return load_backend(request.param)


def feed_all(tok_cls: type, data: bytes, splits: Iterable[int] | None = None,
             **settings) -> list:
    """Feed *data* to a new ``tok_cls(**settings)`` cut at the offsets *splits*
    (None: whole) and return every token, those of ``finish()`` included."""
    tok = tok_cls(**settings)
    out: list = []
    start = 0
    for cut in sorted(set(splits or ())):
        if 0 < cut < len(data):
            out += tok.feed(data[start:cut])
            start = cut
    out += tok.feed(data[start:])
    return out + tok.finish()


def random_cuts(n: int, rng: random.Random, count: int = 8) -> list[int]:
    """*count* random cut offsets into a string of length *n*."""
    return [rng.randrange(1, n) for _ in range(count)] if n > 1 else []


def tokens_every_way(tok_cls: type, data: bytes, *, seed: int = 0, **settings) -> list:
    """The tokens of *data*, checked to be the same fed whole, byte by byte and at
    random cuts (also as bytearray and memoryview chunks)."""
    whole = feed_all(tok_cls, data, None, **settings)
    assert feed_all(tok_cls, data, range(1, len(data)), **settings) == whole, "byte by byte"
    rng = random.Random(seed)
    for _ in range(5):
        cuts = random_cuts(len(data), rng)
        assert feed_all(tok_cls, data, cuts, **settings) == whole, f"cut at {sorted(cuts)}"
    tok = tok_cls(**settings)
    mixed = tok.feed(bytearray(data[: len(data) // 2])) + tok.feed(memoryview(data)[len(data) // 2:])
    assert mixed + tok.finish() == whole, "bytearray/memoryview input"
    return whole
