"""Property tests of the tokenizer: chunk independence, and the C core against its twin.

(a) Any split of any input gives the tokens of the whole (each backend).
(b) Both backends give the same tokens on arbitrary bytes, and on generated
    valid module output (lines, prompts, recv URCs of every shape, text and hex),
    each cut at its own arbitrary points. This differential test is the guard
    that the C backend matches the twin.
Needs: pytest, hypothesis (pip); no Debian packages.
"""
from __future__ import annotations

from conftest import feed_all, load_backend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyqio.testing.strategies import arbitrary, cut_points, split, token_streams, tokenizer_settings

SETTINGS = {"max_examples": 300, "deadline": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

valid_streams = token_streams
tok_settings = tokenizer_settings
cuts = cut_points


# -- the properties -------------------------------------------------------------------------

@settings(**SETTINGS)
@given(data=st.data(), stream=arbitrary, conf=tok_settings)
def test_any_split_gives_the_tokens_of_the_whole(Tokenizer, data, stream, conf):
    whole = feed_all(Tokenizer, stream, None, **conf)
    assert feed_all(Tokenizer, stream, data.draw(cuts(stream)), **conf) == whole


@settings(**SETTINGS)
@given(data=st.data(), stream=arbitrary, conf=tok_settings)
def test_backends_agree_on_arbitrary_bytes(data, stream, conf):
    py, c = load_backend("python"), load_backend("c")
    assert (feed_all(c, stream, data.draw(cuts(stream)), **conf)
            == feed_all(py, stream, data.draw(cuts(stream)), **conf))


@settings(**SETTINGS)
@given(data=st.data(), case=valid_streams())
def test_valid_streams_give_the_generated_tokens(Tokenizer, data, case):
    conf, stream, expected = case
    assert feed_all(Tokenizer, stream, data.draw(cuts(stream)), **conf) == expected


@settings(**SETTINGS)
@given(data=st.data(), case=valid_streams())
def test_backends_agree_on_valid_streams_and_demux(data, case):
    conf, stream, expected = case
    py, c = load_backend("python"), load_backend("c")
    assert (feed_all(c, stream, data.draw(cuts(stream)), **conf)
            == feed_all(py, stream, data.draw(cuts(stream)), **conf) == expected)
    routed = data.draw(st.frozensets(st.integers(0, 6), max_size=4))
    results = []
    for cls in (py, c):
        buffers = [bytearray() if i in routed else None for i in range(7)]
        tok, got = cls(**conf), []
        for piece in split(stream, data.draw(cuts(stream))):
            got += tok.feed_demux(piece, buffers)
        results.append((got + tok.finish(), buffers))
    want_buffers = [bytearray(b"".join(t[5] for t in expected if t[0] == 2 and t[1] == i))
                    if i in routed else None for i in range(7)]
    want_tokens = [t for t in expected if not (t[0] == 2 and t[1] in routed)]
    assert results[0] == results[1] == (want_tokens, want_buffers)



@settings(**SETTINGS)
@given(steps=st.lists(st.tuples(st.one_of(arbitrary, valid_streams().map(lambda c: c[1])),
                                st.booleans(), st.booleans(),
                                st.frozensets(st.integers(0, 5), max_size=3)), max_size=6))
def test_backends_agree_when_settings_change_between_feeds(steps):
    # mid-URC changes too: the data format is latched at the prefix, "address
    # expected" read at the length comma (the twin's docstring)
    toks = [load_backend("python")(max_line=256), load_backend("c")(max_line=256)]
    outs: list = [[], []]
    for chunk, hex_, show_ra, udp in steps:
        for tok, out in zip(toks, outs, strict=True):
            tok.hex, tok.show_ra, tok.udp_service = hex_, show_ra, udp
            out += tok.feed(chunk)
    assert outs[0] + toks[0].finish() == outs[1] + toks[1].finish()
