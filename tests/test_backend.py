"""Backend selection (pyqio.wire.tokenizer) and the C backend's agreement with its twin.

Needs: the C extension built in place (``pip install -e .`` or
``python csrc/build_tokenizer.py``), hypothesis. No other packages.
"""
from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyqio
import pyqio.wire.tokenizer as sel
from pyqio.errors import BackendUnavailable, InvalidArgument
from pyqio.wire import _pytokenizer as twin

ROOT = Path(__file__).resolve().parent.parent

try:
    from pyqio.wire import _ctokenizer as cbackend
except ImportError:     # not built: the C-only tests below say so
    cbackend = None
needs_c = pytest.mark.skipif(cbackend is None, reason="C tokenizer not built")

# A child process that reports which backend it got. HIDE_C blocks the compiled
# module, as on a machine where the build failed.
PROBE = r"""
import importlib.abc, json, sys, warnings
if {hide_c}:
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "pyqio._tokenizer_c":
                raise ImportError("blocked by the test")
    sys.meta_path.insert(0, Block())
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        import pyqio, pyqio.wire.tokenizer as t
        res = {{"backend": pyqio.backend(), "module": t.Tokenizer.__module__}}
    except Exception as e:
        res = {{"error": type(e).__name__, "message": str(e)}}
res["warnings"] = [(w.category.__name__, str(w.message)) for w in caught]
print(json.dumps(res))
"""


def probe(env_value: str | None, hide_c: bool = False) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYQIO_BACKEND"}
    if env_value is not None:
        env["PYQIO_BACKEND"] = env_value
    r = subprocess.run([sys.executable, "-c", PROBE.format(hide_c=hide_c)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@needs_c
def test_backend_is_c_when_built_and_the_class_really_is_the_compiled_one():
    if os.environ.get("PYQIO_BACKEND") == "python":
        pytest.skip("this run forces the Python backend")
    assert pyqio.backend() == "c" and sel.backend() == "c"
    assert sel.Tokenizer is cbackend.Tokenizer
    # the guard: its engine is a compiled extension module, not Python code
    lib_file = sys.modules["pyqio._tokenizer_c"].__file__
    assert lib_file.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    tok = sel.Tokenizer()
    assert type(tok._p).__module__ == "_cffi_backend"
    assert not hasattr(tok, "_handlers")    # the twin's per-state methods


def test_token_kinds_are_the_twins():
    assert (sel.T_LINE, sel.T_PROMPT, sel.T_RECV, sel.T_ERROR) == \
        (twin.T_LINE, twin.T_PROMPT, twin.T_RECV, twin.T_ERROR) == (0, 1, 2, 3)


@needs_c
def test_default_picks_c_without_warning():
    assert probe(None) == {"backend": "c", "module": "pyqio.wire._ctokenizer", "warnings": []}


def test_python_forced_uses_the_twin_without_warning():
    assert probe("python") == {"backend": "python", "module": "pyqio.wire._pytokenizer",
                               "warnings": []}


@needs_c
def test_c_forced_uses_c():
    assert probe("c")["backend"] == "c"


def test_c_forced_but_missing_fails_loudly():
    res = probe("c", hide_c=True)
    assert res["error"] == "BackendUnavailable"
    assert "PYQIO_BACKEND=c" in res["message"]


def test_missing_c_falls_back_to_the_twin_with_a_runtime_warning():
    res = probe(None, hide_c=True)
    assert res["backend"] == "python" and res["module"] == "pyqio.wire._pytokenizer"
    assert [w[0] for w in res["warnings"]] == ["RuntimeWarning"]
    assert "pure-Python" in res["warnings"][0][1]


def test_unknown_backend_name_is_refused():
    res = probe("rust")
    assert res["error"] == "BackendUnavailable" and "'rust'" in res["message"]


def test_backend_unavailable_is_an_import_error():
    assert issubclass(BackendUnavailable, ImportError)


# -- the C backend's own argument checks -----------------------------------------

@needs_c
@pytest.mark.parametrize("bad", [255, 0, -1, True, 4096.0, "4096", 1 << 21])
def test_c_max_line_out_of_range_is_refused_naming_it(bad):
    with pytest.raises(InvalidArgument, match="max_line"):
        cbackend.Tokenizer(max_line=bad)


@needs_c
@pytest.mark.parametrize("bad", [32, -1, True, "0"])
def test_c_udp_service_ids_out_of_range_are_refused(bad):
    with pytest.raises(InvalidArgument, match="udp_service"):
        cbackend.Tokenizer(udp_service={bad})


@needs_c
@pytest.mark.parametrize("kw", [{"max_line": 255}, {"max_line": (1 << 20) + 1},
                                {"max_line": True}, {"udp_service": {32}},
                                {"udp_service": {-1}}, {"udp_service": {True}},
                                {"udp_service": 5}, {"module": "bg95"}])
def test_c_twin_and_decoder_refuse_the_same_settings_with_the_same_message(kw):
    messages = set()
    for make in (cbackend.Tokenizer, twin.Tokenizer, lambda **k: pyqio.Decoder(**k)):
        with pytest.raises(InvalidArgument, match=next(iter(kw))) as err:
            make(**kw)
        messages.add(str(err.value))
    assert len(messages) == 1, messages


@needs_c
@pytest.mark.parametrize("buffers", [[bytearray()] * 4, [None, b"", None, None, None], 7])
def test_c_twin_and_decoder_refuse_the_same_demux_buffers_with_the_same_message(buffers):
    messages = set()
    for feed in (cbackend.Tokenizer().feed_demux, twin.Tokenizer().feed_demux,
                 pyqio.Decoder(backend="python").feed_demux):
        with pytest.raises((InvalidArgument, TypeError)) as err:
            feed(b'+QIURC: "recv",0,1,"a"\r\n', buffers)
        messages.add(f"{type(err.value).__name__}: {err.value}")
    assert len(messages) == 1, messages


@needs_c
@pytest.mark.parametrize("ids", [{32}, {-1}, 3])
def test_c_twin_and_decoder_refuse_the_same_buffer_access_with_the_same_message(ids):
    messages = set()
    for obj in (cbackend.Tokenizer(module="bg96"), twin.Tokenizer(module="bg96"),
                pyqio.Decoder(module="bg96")):
        with pytest.raises(InvalidArgument, match="buffer_access") as err:
            obj.buffer_access = ids
        messages.add(str(err.value))
    assert len(messages) == 1, messages


@needs_c
def test_c_and_twin_accept_the_largest_max_line():
    for T in (cbackend.Tokenizer, twin.Tokenizer):
        tok = T(max_line=1 << 20)
        assert tok.feed(b"x" * 100_000 + b"\r\n") == [(0, b"x" * 100_000)]


@needs_c
def test_c_feed_demux_refuses_short_or_wrong_buffers():
    tok = cbackend.Tokenizer()
    with pytest.raises(InvalidArgument, match="at least 5"):
        tok.feed_demux(b"", [bytearray()])
    with pytest.raises(InvalidArgument, match=r"buffers\[1\]"):
        tok.feed_demux(b"", [None, b"", None, None, None])


@needs_c
def test_c_feed_takes_bytes_bytearray_and_memoryview():
    data = b'OK\r\n+QIURC: "recv",0,2,"ab"\r\n'
    want = [(0, b"OK"), (2, 0, 2, None, -1, b"ab", True)]
    for form in (data, bytearray(data), memoryview(data)):
        assert cbackend.Tokenizer().feed(form) == want


@needs_c
def test_c_output_batches_that_fill_up_are_continued_in_the_same_feed():
    # 5000 tokens > the 1024 a C call returns: feed() must loop, in order
    data = b"".join(b'+QIURC: "recv",%d,3,"%03d"\r\n' % (i % 5, i % 1000) for i in range(5000))
    for form in (data, bytearray(data), memoryview(data)):
        toks = cbackend.Tokenizer().feed(form)
        assert [t[5] for t in toks] == [b"%03d" % (i % 1000) for i in range(5000)]


@needs_c
def test_c_demux_spans_many_batches_and_keeps_each_id_in_order():
    urcs = [(i % 3, bytes([65 + i % 26]) * (1 + i % 700)) for i in range(3000)]
    data = b"".join(b'+QIURC: "recv",%d,%d,"%s"\r\nOK\r\n' % (c, len(p), p) for c, p in urcs)
    bufs = [bytearray(), None, bytearray(), None, None]
    rest = cbackend.Tokenizer().feed_demux(data, bufs)
    assert bufs[0] == b"".join(p for c, p in urcs if c == 0)
    assert bufs[2] == b"".join(p for c, p in urcs if c == 2)
    assert [t for t in rest if t[0] == 2] == [(2, 1, len(p), None, -1, p, True)
                                              for c, p in urcs if c == 1]
    assert rest.count((0, b"OK")) == 3000


# -- C and twin agree (the fixture-level tests live in test_tokenizer.py) ----------

PIECES = [b'+QIURC: "recv",', b"\r\n", b"\r", b"\n", b'"', b",", b" ", b"\x00", b">", b"OK",
          b"0", b"5", b"12", b"65535", b"65536", b'"1.2.3.4",', b"::1,", b"4142", b"4g", b"x",
          b'"closed",0', b"y" * 130]
stream = st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=6)),
                  max_size=40).map(b"".join)


def cut(data: bytes, points: list[int]) -> list[bytes]:
    pts = sorted({p % (len(data) + 1) for p in points})
    return [data[a:b] for a, b in zip([0, *pts], [*pts, len(data)], strict=True)]


def run(tok, chunks: list[bytes], demux: bool) -> tuple:
    out, bufs = [], [bytearray(), None, bytearray(), None, None]
    for c in chunks:
        out += tok.feed_demux(c, bufs) if demux else tok.feed(c)
    return out + tok.finish(), bufs


@needs_c
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=stream, points=st.lists(st.integers(0, 10_000), max_size=8),
       hex=st.booleans(), show_ra=st.booleans(), udp=st.sampled_from([(), (0,), (1, 2)]),
       max_line=st.sampled_from([256, 300, 4096]), demux=st.booleans())
def test_c_and_twin_give_the_same_tokens_however_the_input_is_cut(
        data, points, hex, show_ra, udp, max_line, demux):
    kw = {"hex": hex, "show_ra": show_ra, "udp_service": udp, "max_line": max_line}
    want = run(twin.Tokenizer(**kw), [data], demux)
    assert run(cbackend.Tokenizer(**kw), cut(data, points), demux) == want
