"""The bg96 profile's framing (TOKENS.md "The bg96 profile"), on both tokenizer backends.

The BG95/BG96/BG77/BG600L and EG9x/EC2x/EC200/EC600 modules print pushed data after
the recv URC's line end, buffer access notices, and ``+QIRD`` answers whose data
follows their line end (BG96 TCP/IP Application Note 2.2.8, 2.3.2; BG95&BG77&BG600L
2.3.8, 2.4.2). Each form is checked whole, byte by byte and at random cuts
(``tokens_every_way``), with payloads holding what would break a line parser.
Needs: pytest.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from conftest import feed_all, tokens_every_way

from pyqio.protocol import T_ERROR, T_LINE, T_READ, T_RECV

Q = b'+QIURC: "recv",'
# what a payload may hold in every framing: line ends, quotes, result codes, whole
# fake URCs (the recv one included), NULs, a lone CR and a prompt
HOSTILE = [
    b"\r\n", b'"', b"OK", b"\r\nOK\r\n", b'\r\n+QIURC: "closed",0\r\n', Q + b"0,3\r\nabc\r\n",
    b"+QIRD: 5\r\n", b"\x00\x00", b"\r", b"\n>", b'"\r\n', b"ERROR\r\n\r\n",
]


def bg96(tok_cls: type, ids: Iterable[int] = ()) -> Callable[..., Any]:
    """A factory of bg96-profile tokenizers with *ids* in buffer access mode."""
    def make(**settings: Any) -> Any:
        tok = tok_cls(module="bg96", **settings)
        tok.buffer_access = ids
        return tok
    return make


def push(cid: int, data: bytes, addr: bytes = b"", eol: bytes = b"\r\n") -> bytes:
    return b"\r\n" + Q + b"%d,%d%s\r\n" % (cid, len(data), addr) + data + eol


def read(data: bytes, addr: bytes = b"", eol: bytes = b"\r\n") -> bytes:
    if not data:
        return b"\r\n+QIRD: 0\r\n\r\nOK\r\n"
    return b"\r\n+QIRD: %d%s\r\n" % (len(data), addr) + data + eol + b"\r\nOK\r\n"


@pytest.mark.parametrize("payload", HOSTILE + [b"".join(HOSTILE)])
def test_direct_push_frames_exactly_len_bytes_whatever_they_hold(Tokenizer, payload):
    data = push(1, payload) + b"\r\nOK\r\n"
    assert tokens_every_way(bg96(Tokenizer), data) == [
        (T_RECV, 1, len(payload), None, -1, payload, True), (T_LINE, b"OK")]


@pytest.mark.parametrize("payload", HOSTILE)
@pytest.mark.parametrize("addr, ip, port", [
    (b',"220.180.239.212",8062', "220.180.239.212", 8062),
    (b", 10.0.0.1, 53", "10.0.0.1", 53),       # bare, with spaces
    (b',"::1",65535', "::1", 65535),
])
def test_udp_service_push_carries_the_sender_and_frames_by_length(Tokenizer, payload, addr, ip,
                                                                    port):
    assert tokens_every_way(bg96(Tokenizer), push(11, payload, addr)) == [
        (T_RECV, 11, len(payload), ip, port, payload, True)]


@pytest.mark.parametrize("payload", HOSTILE)
def test_qird_data_is_framed_by_length_then_ok(Tokenizer, payload):
    assert tokens_every_way(bg96(Tokenizer), read(payload)) == [
        (T_READ, len(payload), None, -1, payload), (T_LINE, b"OK")]
    assert tokens_every_way(bg96(Tokenizer), read(payload, b',"1.2.3.4",5683')) == [
        (T_READ, len(payload), "1.2.3.4", 5683, payload), (T_LINE, b"OK")]


def test_qird_zero_is_the_empty_read_with_or_without_a_blank_line(Tokenizer):
    for data in (b"\r\n+QIRD: 0\r\n\r\nOK\r\n", b"\r\n+QIRD: 0\r\nOK\r\n", b"+QIRD: 0\n\nOK\n"):
        assert tokens_every_way(bg96(Tokenizer), data) == [
            (T_READ, 0, None, -1, b""), (T_LINE, b"OK")]


def test_qird_three_fields_is_a_line_for_the_classifier(Tokenizer):
    # AT+QIRD=<id>,0: no quotes after the first comma, so it cannot be the address form
    assert tokens_every_way(bg96(Tokenizer), b"\r\n+QIRD: 5,5,0\r\n\r\nOK\r\n") == [
        (T_LINE, b"+QIRD: 5,5,0"), (T_LINE, b"OK")]
    assert tokens_every_way(bg96(Tokenizer), b"+QIRD: 100000,70000,30000\r\n") == [
        (T_LINE, b"+QIRD: 100000,70000,30000")]


def test_buffer_access_notice_without_length_is_a_line(Tokenizer):
    data = b'\r\n+QIURC: "recv",0\r\n\r\n+QIURC: "recv",11\r\n'
    assert tokens_every_way(bg96(Tokenizer), data) == [
        (T_LINE, b'+QIURC: "recv",0'), (T_LINE, b'+QIURC: "recv",11')]


def test_notice_with_length_is_a_notice_only_for_buffer_access_ids(Tokenizer):
    # BG95: +QIURC: "recv",<id>,<data_len>. Byte for byte a direct-push header, so the
    # connect ids in buffer access mode decide; the next id's bytes are pushed data
    data = b'\r\n+QIURC: "recv",2,1500\r\n' + push(3, b"xyz")
    assert tokens_every_way(bg96(Tokenizer, {2}), data) == [
        (T_LINE, b'+QIURC: "recv",2,1500'), (T_RECV, 3, 3, None, -1, b"xyz", True)]
    # without the setting, the same bytes are a header: the next 1500 bytes would be
    # its data (the stream ends first), which is why the setting must be right
    out = feed_all(bg96(Tokenizer), data)
    assert [t[:2] for t in out] == [(T_ERROR, "truncated recv")]
    # a length-form URC with an address is pushed data whatever the setting
    assert tokens_every_way(bg96(Tokenizer, {2}), push(2, b"ab", b',"::1",1')) == [
        (T_RECV, 2, 2, "::1", 1, b"ab", True)]


def test_buffer_access_can_change_between_feeds(Tokenizer):
    tok = bg96(Tokenizer)()
    assert tok.feed(push(0, b"hi")) == [(T_RECV, 0, 2, None, -1, b"hi", True)]
    tok.buffer_access = {0}
    assert tok.feed(b'+QIURC: "recv",0,2\r\n') == [(T_LINE, b'+QIURC: "recv",0,2')]
    assert tok.buffer_access == {0}


@pytest.mark.parametrize("eol", [b"\r\n", b"\r", b"\n", b"\r\x00\n"])
def test_data_line_may_end_with_cr_only_lf_only_or_crlf(Tokenizer, eol):
    # some hosts see the data line end with CR only; a NUL there is dropped
    data = push(0, b"a\r\nb", eol=eol) + b"OK\r\n"
    assert tokens_every_way(bg96(Tokenizer), data) == [
        (T_RECV, 0, 4, None, -1, b"a\r\nb", True), (T_LINE, b"OK")]


@pytest.mark.parametrize("head_end", [b"\r\n", b"\n", b"\r"])
def test_header_ends_with_crlf_lf_or_cr_alone(Tokenizer, head_end):
    data = Q + b"0,3" + head_end + b"abc\r\n"
    assert tokens_every_way(bg96(Tokenizer), data) == [(T_RECV, 0, 3, None, -1, b"abc", True)]


def test_header_cr_then_data_starting_with_lf_takes_the_lf_as_the_terminator_half(Tokenizer):
    # CR LF after a header is its line end: a payload that starts with LF after a
    # CR-only header cannot be told from it, and the documented form (CR LF) wins
    data = Q + b"0,2\r\nab\r\n"
    assert feed_all(bg96(Tokenizer), data) == [(T_RECV, 0, 2, None, -1, b"ab", True)]


def test_missing_line_end_after_the_data_is_a_lying_length(Tokenizer):
    # the decision: a byte other than CR/LF where the data must end means the length
    # lied, and the stream resynchronises at the next line end (nothing after is lost)
    data = Q + b"0,3\r\nabcOK\r\n\r\n+QIURC: \"closed\",0\r\n"
    assert tokens_every_way(bg96(Tokenizer), data) == [
        (T_ERROR, "recv data not terminated", Q + b"0,3abcO"),
        (T_LINE, b'+QIURC: "closed",0')]


@pytest.mark.parametrize("line", [
    b"x", b"", b"1x", b"123456", b"70000", b"0,", b"0,1,", b"0,1,\"", b'0,1,""',
    b'0,1,"1.2"x,5', b"0,1,1.2", b"0,1,1.2,x", b"0,1,1.2,70000", b'0,1,"' + b"1" * 46 + b'",5',
    b'0,1,"1.2",5,6', b"0 ", b'0,5,"hello"', b"0,1,\"1.2\",5 ", b'"1.2.3.4",5',
])
def test_recv_line_off_the_grammar_is_a_bad_header_and_the_next_line_decodes(Tokenizer, line):
    data = Q + line + b"\r\nOK\r\n"
    assert tokens_every_way(bg96(Tokenizer), data) == [
        (T_ERROR, "bad recv header", Q + line), (T_LINE, b"OK")]


@pytest.mark.parametrize("line", [b"+QIRD: ", b"+QIRD:", b"+QIRD: 1,2", b'+QIRD: 1,"x",5',
                                  b"+QIRD: 1,1.2.3.4,5", b"+QIRD: 70000", b'+QIRD: 1,"1.2"'])
def test_qird_line_off_the_data_grammar_is_a_line(Tokenizer, line):
    assert tokens_every_way(bg96(Tokenizer), line + b"\r\nOK\r\n") == [
        (T_LINE, line), (T_LINE, b"OK")]


@pytest.mark.parametrize("hex_, max_line, header, big", [
    (False, 256, Q + b"0,257", True), (False, 256, Q + b"0,256", False),
    (True, 256, Q + b"0,129", True), (True, 256, Q + b"0,128", False),
    (False, 4096, b"+QIRD: 65535", True), (False, 4096, Q + b"31,65535,\"::1\",1", True),
])
def test_hostile_lengths_above_the_cap_are_errors_and_resync(Tokenizer, hex_, max_line, header,
                                                             big):
    data = header + b"\r\n" + b"4" * 200 + b"\r\nOK\r\n"
    out = feed_all(bg96(Tokenizer), data, hex=hex_, max_line=max_line)
    if big:
        # the cap holds: the data is never buffered, it decodes as lines
        assert out[0] == (T_ERROR, "recv length too large", header)
        assert out[1:] == [(T_LINE, b"4" * 200), (T_LINE, b"OK")]
    else:
        assert out[0][0] in (T_RECV, T_ERROR) and out[0][1:2] != ("recv length too large",)


def test_hex_mode_data_is_hex_digits_decoded(Tokenizer):
    # the length counts bytes, the data is twice as many hex digits
    data = Q + b"0,3\r\n4a4B00\r\n" + b"+QIRD: 3\r\n0d0A22\r\n\r\nOK\r\n"
    assert tokens_every_way(bg96(Tokenizer), data, hex=True) == [
        (T_RECV, 0, 3, None, -1, b"JK\x00", True), (T_READ, 3, None, -1, b'\r\n"'),
        (T_LINE, b"OK")]


@pytest.mark.parametrize("data, reason", [(b"4g41", "bad hex digit"), (b"414", "odd hex length")])
def test_bad_hex_data_is_an_error_with_the_whole_urc(Tokenizer, data, reason):
    # 4g41 is two bytes of hex; 414 is a length of 1 (2 digits) followed by a 4
    head = Q + b"0,%d" % (len(data) // 2)
    out = feed_all(bg96(Tokenizer), head + b"\r\n" + data + b"\r\nOK\r\n", hex=True)
    if reason == "bad hex digit":
        assert out == [(T_ERROR, reason, head + data), (T_LINE, b"OK")]
    else:
        assert out[0] == (T_ERROR, "recv data not terminated", head + b"414")


def test_truncated_data_at_end_of_stream(Tokenizer):
    for data, raw in ((Q + b"0,5\r\nab", Q + b"0,5ab"), (Q + b"0,5\r", Q + b"0,5"),
                      (b"+QIRD: 4\r\n", b"+QIRD: 4")):
        assert tokens_every_way(bg96(Tokenizer), data) == [(T_ERROR, "truncated recv", raw)]
    # a partial framing line is only a line so far
    assert feed_all(bg96(Tokenizer), Q + b"0,5") == [(T_LINE, Q + b"0,5")]


def test_nuls_outside_data_are_dropped_and_inside_kept(Tokenizer):
    # NULs in the header line are dropped; after a CR-only header end the NUL is the
    # data's first byte; NULs after the data, before its line end, are dropped
    data = b'\x00+QIURC: "re\x00cv",0\x00,2\r\x00\n\x00\x00\x00\r\n'
    assert tokens_every_way(bg96(Tokenizer), data) == [(T_RECV, 0, 2, None, -1, b"\x00\n", True)]
    data = b'+QIURC: "re\x00cv",0\x00,2\r\n\x00\x00\r\n'
    assert tokens_every_way(bg96(Tokenizer), data) == [
        (T_RECV, 0, 2, None, -1, b"\x00\x00", True)]


def test_bc660k_inline_form_is_a_bad_header_in_bg96_and_bg96_form_is_bad_in_bc660k(Tokenizer):
    inline = Q + b'0,5,"hello"\r\n'
    assert feed_all(bg96(Tokenizer), inline) == [
        (T_ERROR, "bad recv header", Q + b'0,5,"hello"')]
    assert feed_all(Tokenizer, Q + b"0,5\r\nhello\r\n")[0] == (
        T_ERROR, "bad recv header", Q + b"0,5")


@pytest.mark.parametrize("module", ["bc660k", "bc66"])
def test_bc66_frames_exactly_as_bc660k(Tokenizer, module):
    # the BC66 prints the BC660K's one-line forms: the profile exists, the framing is one
    data = (Q + b'0,5,"12345"\r\n' + Q + b'1,"1.2.3.4",5,"ab"\r\n' + Q + b"0,5\r\nhello\r\n"
            + b"+QIRD: 1\r\nx\r\n")
    assert tokens_every_way(Tokenizer, data, module=module) == tokens_every_way(Tokenizer, data)


def test_module_and_buffer_access_are_checked(Tokenizer):
    from pyqio.errors import InvalidArgument
    with pytest.raises(InvalidArgument, match="module='BG96'"):
        Tokenizer(module="BG96")
    tok = Tokenizer(module="bg96")
    assert tok.module == "bg96" and Tokenizer().module == "bc660k"
    with pytest.raises(InvalidArgument, match="buffer_access"):
        tok.buffer_access = {-1}


def test_memory_stays_bounded_by_max_line_on_endless_data(Tokenizer):
    # a header with the cap's length, then more bytes than that and no end: the
    # tokenizer stops at the cap with an error, then discards
    tok = bg96(Tokenizer)(max_line=256)
    out = tok.feed(Q + b"0,256\r\n" + b"z" * 256 + b"z" * 10000)
    assert out[0] == (T_ERROR, "recv data not terminated", Q + b"0,256" + b"z" * 257)
    assert tok.feed(b"\r\nOK\r\n") == [(T_LINE, b"OK")]
    if hasattr(tok, "_buffered"):
        assert tok._buffered() <= 2 * 256 + 8
