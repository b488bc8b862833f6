"""Property tests of the module profiles: the C tokenizer equals its twin in every profile.

(a) Any split of any input gives the tokens of the whole, in every profile.
(b) Both backends give the same tokens on arbitrary bytes built from the bg96 forms'
    pieces, under every profile and buffer access setting, each cut at its own points.
(c) Generated valid bg96 output (pushed data, UDP SERVICE pushes, notices, +QIRD
    answers, lines; text and hex) gives exactly the tokens it was made from.
Needs: pytest, hypothesis (pip).
"""
from __future__ import annotations

from conftest import feed_all, load_backend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyqio.protocol import MODULES, T_LINE, T_READ, T_RECV

Q = b'+QIURC: "recv",'
R = b"+QIRD: "
IPCH = "0123456789abcdefABCDEF.:"
EOLS = [b"\r\n", b"\r", b"\n"]

FRAGMENTS = [Q, R, b'+QIURC: "re', b"+QIR", b"0", b"2", b"12", b"1500", b"65536", b"99999",
             b",", b" ", b'"', b"\r", b"\n", b"\r\n", b"\0", b">", b"1.2.3.4", b'"::1"',
             b"4A", b"g", b"OK", b"x" * 120, b",5,0", b'+QIURC: "recv",0,3\r\n']

SETTINGS = {"max_examples": 300, "deadline": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

arbitrary = st.one_of(
    st.binary(max_size=300),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=6)), max_size=50)
    .map(b"".join))

conf_st = st.fixed_dictionaries({
    "hex": st.booleans(), "show_ra": st.booleans(),
    "udp_service": st.frozensets(st.integers(0, 3), max_size=2),
    "max_line": st.sampled_from([256, 300, 4096]),
    "module": st.sampled_from(MODULES)})
ids_st = st.frozensets(st.integers(0, 3), max_size=2)


def make(tok_cls, buffer_access):
    def build(**conf):
        tok = tok_cls(**conf)
        tok.buffer_access = buffer_access
        return tok
    return build


def cuts(data: bytes) -> st.SearchStrategy:
    return st.lists(st.integers(1, max(1, len(data) - 1)), max_size=12)


@settings(**SETTINGS)
@given(data=st.data(), stream=arbitrary, conf=conf_st, ids=ids_st)
def test_any_split_gives_the_tokens_of_the_whole_in_every_profile(Tokenizer, data, stream,
                                                                   conf, ids):
    whole = feed_all(make(Tokenizer, ids), stream, None, **conf)
    assert feed_all(make(Tokenizer, ids), stream, data.draw(cuts(stream)), **conf) == whole


@settings(**SETTINGS)
@given(data=st.data(), stream=arbitrary, conf=conf_st, ids=ids_st)
def test_backends_agree_on_arbitrary_bytes_in_every_profile(data, stream, conf, ids):
    py, c = load_backend("python"), load_backend("c")
    assert (feed_all(make(c, ids), stream, data.draw(cuts(stream)), **conf)
            == feed_all(make(py, ids), stream, data.draw(cuts(stream)), **conf))


def spaces(draw) -> bytes:
    return draw(st.sampled_from([b"", b"", b" "]))


@st.composite
def bg96_piece(draw, hex_: bool, ids: frozenset):
    """(bytes, tokens) of one valid bg96 form."""
    kind = draw(st.sampled_from(["push", "udp", "notice", "read", "read_addr", "stats", "line"]))
    raw = draw(st.binary(max_size=120))
    body = raw.hex().encode() if hex_ else raw
    if hex_ and draw(st.booleans()):
        body = body.upper()
    end = draw(st.sampled_from(EOLS))
    head_end = draw(st.sampled_from([b"\r\n", b"\n"]))
    cid = draw(st.integers(0, 11))
    if kind in ("push", "udp"):
        if kind == "push" and cid in ids:
            cid = min(set(range(12)) - ids)     # a buffer access id's header is a notice
        head = Q + spaces(draw) + b"%d," % cid + spaces(draw) + b"%d" % len(raw)
        ip, port = None, -1
        if kind == "udp":
            ip = draw(st.text(IPCH, min_size=1, max_size=45))
            port = draw(st.integers(0, 65535))
            quoted = draw(st.booleans())
            head += b"," + spaces(draw) + (f'"{ip}"' if quoted else ip).encode()
            head += b"," + spaces(draw) + b"%d" % port
        if not raw:
            return head + head_end, [(T_RECV, cid, 0, ip, port, b"", True)]
        return head + head_end + body + end, [(T_RECV, cid, len(raw), ip, port, raw, True)]
    if kind == "notice":
        line = Q + b"%d" % cid
        if cid in ids and draw(st.booleans()):
            line += b",%d" % draw(st.integers(0, 65535))
        return line + end, [(T_LINE, line)]
    if kind in ("read", "read_addr"):
        head = R + b"%d" % len(raw)
        ip, port = None, -1
        if kind == "read_addr":
            ip = draw(st.text(IPCH, min_size=1, max_size=45))
            port = draw(st.integers(0, 65535))
            head += f',"{ip}",{port}'.encode()
        if not raw:
            return head + head_end + b"\r\nOK\r\n", [(T_READ, 0, ip, port, b""), (T_LINE, b"OK")]
        return (head + head_end + body + end + b"\r\nOK\r\n",
                [(T_READ, len(raw), ip, port, raw), (T_LINE, b"OK")])
    if kind == "stats":
        line = b"+QIRD: %d,%d,%d" % tuple(draw(st.integers(0, 10**6)) for _ in range(3))
        return line + end, [(T_LINE, line)]
    text = bytes(c for c in draw(st.binary(min_size=1, max_size=40)) if c not in b"\0\r\n")
    text = b"L" + text
    return text + end, [(T_LINE, text)]


@st.composite
def bg96_streams(draw):
    hex_ = draw(st.booleans())
    ids = draw(st.frozensets(st.integers(0, 11), max_size=3))
    parts, expected = [], []
    for _ in range(draw(st.integers(0, 8))):
        data, toks = draw(bg96_piece(hex_, ids))
        parts.append(draw(st.sampled_from([b"", b"\r\n"])) + data)
        expected += toks
    return hex_, ids, b"".join(parts), expected


@settings(**SETTINGS)
@given(data=st.data(), gen=bg96_streams())
def test_generated_bg96_output_gives_its_tokens_on_both_backends(Tokenizer, data, gen):
    hex_, ids, stream, expected = gen
    conf = {"hex": hex_, "module": "bg96"}
    assert feed_all(make(Tokenizer, ids), stream, data.draw(cuts(stream)), **conf) == expected
