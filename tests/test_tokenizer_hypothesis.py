"""Property tests of the tokenizer: chunk independence, and the C core against its twin.

(a) Any split of any input gives the tokens of the whole (each backend).
(b) Both backends give the same tokens on arbitrary bytes, and on generated
    valid module output (lines, prompts, recv URCs of every shape, text and hex),
    each cut at its own arbitrary points. This differential test is the guard
    that the C backend matches the twin.
Needs: pytest, hypothesis (pip); no Debian packages.
"""
from __future__ import annotations

import itertools
import re

from conftest import feed_all, load_backend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

H = b'+QIURC: "recv",'
IPCH = "0123456789abcdefABCDEF.:"
PROMPTS = [b">", b"> ", b"\r\n>", b"\r\n> ", b"\r\n>\r\n"]
EOLS = [b"\r\n", b"\r", b"\n", b"\r\r\n"]

FRAGMENTS = [H, b'+QIURC: "re', b'cv",', b"0", b"1", b"3", b"12", b"99999", b"65536", b",",
             b" ", b'"', b"\r", b"\n", b"\r\n", b"\0", b">", b"> ", b"1.2.3.4", b"::1", b"a",
             b"4A", b"g", b"OK", b'"\r\n', b"x" * 120, b" " * 60]

SETTINGS = {"max_examples": 300, "deadline": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

arbitrary = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=6)), max_size=50)
    .map(b"".join))

tok_settings = st.fixed_dictionaries({
    "hex": st.booleans(), "show_ra": st.booleans(),
    "udp_service": st.frozensets(st.integers(0, 5), max_size=3),
    "max_line": st.sampled_from([256, 300, 4096])})


def cuts(data: bytes) -> st.SearchStrategy:
    return st.lists(st.integers(1, max(1, len(data) - 1)), max_size=12)


# -- a generator of valid module output, with the tokens it must give ----------------------

def num(draw, value: int) -> bytes:
    text = str(value)
    return text.rjust(draw(st.integers(len(text), 5)), "0").encode()   # 1-5 digits


def spaces(draw) -> bytes:
    return draw(st.sampled_from([b"", b"", b" ", b"  "]))


@st.composite
def recv_urc(draw, hex_: bool, show_ra: bool, udp: frozenset):
    cid = draw(st.integers(0, 4) | st.integers(0, 31))
    raw = draw(st.binary(max_size=100))
    body = raw.hex().encode() if hex_ else raw
    if hex_ and draw(st.booleans()):
        body = body.upper()
    framed = draw(st.booleans())
    head = H + spaces(draw) + num(draw, cid) + b"," + spaces(draw)
    ip = port = None
    if framed:
        head += num(draw, len(raw)) + b","
        if show_ra or cid in udp:
            ip = draw(st.text(IPCH, min_size=1, max_size=45))
            quoted_ip = draw(st.booleans())
            port = draw(st.integers(0, 65535))
            head += spaces(draw) + (f'"{ip}"' if quoted_ip else ip).encode() + b","
            head += spaces(draw) + num(draw, port) + b","
        quoted = body[:1] == b'"' or draw(st.booleans())
    else:
        ip = draw(st.text(IPCH, min_size=1, max_size=45))
        port = draw(st.integers(0, 65535))
        head += f'"{ip}",'.encode() + spaces(draw) + num(draw, port) + b","
        quoted = draw(st.booleans())
        if quoted:      # a '"' then a line end would close it early
            body = re.sub(rb'"(?=[\r\n])', b"'", body)
            raw = bytes.fromhex(body.decode()) if hex_ else body
        else:
            body = re.sub(rb"[\r\n]", b"", body)
            if body[:1] == b'"':
                body = b"z" + body
            raw = bytes.fromhex(body.decode()) if hex_ else body
    data = b'"' + body + b'"' if quoted else body
    eol = draw(st.sampled_from(EOLS))
    token = (2, cid, len(raw) if framed else -1, ip, -1 if port is None else port, raw, framed)
    return draw(st.sampled_from([b"", b"\r\n"])) + head + data + eol, token


@st.composite
def valid_streams(draw):
    """(settings, bytes, expected tokens) of a plausible module output stream."""
    conf = {"hex": draw(st.booleans()), "show_ra": draw(st.booleans()),
            "udp_service": draw(st.frozensets(st.integers(0, 31), max_size=4)),
            "max_line": draw(st.sampled_from([256, 4096]))}
    parts, expected = [], []
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(["line", "prompt", "recv", "recv", "nul", "eol"]))
        if kind == "line":
            text = bytes(c for c in draw(st.binary(min_size=1, max_size=40)) if c not in b"\0\r\n")
            text = text.lstrip(b" >") or b"x"
            if text.startswith(H):
                text = b"x" + text
            parts.append(text + draw(st.sampled_from(EOLS)))
            expected.append((0, text))
        elif kind == "prompt":
            parts.append(draw(st.sampled_from(PROMPTS)))
            expected.append((1,))
        elif kind == "recv":
            data, token = draw(recv_urc(conf["hex"], conf["show_ra"], conf["udp_service"]))
            parts.append(data)
            expected.append(token)
        elif kind == "nul":
            parts.append(b"\0" * draw(st.integers(1, 4)))
        else:
            parts.append(draw(st.sampled_from(EOLS)))
    return conf, b"".join(parts), expected


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


def split(data: bytes, offsets: list) -> list:
    edges = [0] + sorted({o for o in offsets if 0 < o < len(data)}) + [len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


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
