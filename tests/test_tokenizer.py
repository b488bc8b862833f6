"""The token stream of csrc/TOKENS.md, on both backends, fed whole, byte by byte and cut.

The module's bytes on one side, the tokens on the other. Every case goes through
``tokens_every_way`` (conftest), so each also checks chunk independence.
Needs: pytest (and hypothesis for test_tokenizer_hypothesis.py); no Debian packages.
"""
from __future__ import annotations

import binascii
import tracemalloc

import pytest
from conftest import tokens_every_way

from pyqio.errors import InvalidArgument
from pyqio.wire import _pytokenizer as twin

P = (1,)
H = b'+QIURC: "recv",'
LINE_TOO_LONG = "line too long"
BAD_HEADER = "bad recv header"
TOO_LARGE = "recv length too large"
NOT_TERMINATED = "recv data not terminated"
BAD_HEX = "bad hex digit"
ODD_HEX = "odd hex length"
TRUNCATED = "truncated recv"


def L(line: bytes) -> tuple:
    return (0, line)


def R(cid: int, length: int, data: bytes, ip=None, port=-1, framed=True) -> tuple:
    return (2, cid, length, ip, port, data, framed)


def E(reason: str, raw: bytes) -> tuple:
    return (3, reason, raw)


def test_token_kinds_and_reasons_are_the_contract_values():
    assert (twin.T_LINE, twin.T_PROMPT, twin.T_RECV, twin.T_ERROR) == (0, 1, 2, 3)
    assert (twin.LINE_TOO_LONG, twin.BAD_RECV_HEADER, twin.RECV_LENGTH_TOO_LARGE,
            twin.RECV_DATA_NOT_TERMINATED, twin.BAD_HEX_DIGIT, twin.ODD_HEX_LENGTH,
            twin.TRUNCATED_RECV) == (LINE_TOO_LONG, BAD_HEADER, TOO_LARGE, NOT_TERMINATED,
                                     BAD_HEX, ODD_HEX, TRUNCATED)


def test_c_backend_is_really_c(Tokenizer):
    # a guard: the "c" case must not silently be the twin under another name
    assert (Tokenizer.__module__ == "pyqio.wire._pytokenizer") == (Tokenizer is twin.Tokenizer)


# -- chapter 4 of the note, module output at token level -------------------------------

CHAPTER4 = [
    ("4.1.3 showRA query", b'AT+QICFG="showRA"\r\r\n+QICFG: "showRA",1\r\n\r\nOK\r\n', {},
     [L(b'AT+QICFG="showRA"'), L(b'+QICFG: "showRA",1'), L(b"OK")]),
    ("4.1.3 recv with showRA", b'\r\n+QIURC: "recv",0,5,"220.180.239.212",8062,"12345"\r\n',
     {"show_ra": True}, [R(0, 5, b"12345", "220.180.239.212", 8062)]),
    ("4.1.3 send then recv with a space",
     (b'AT+QISEND=0,12,"012345678901"\r\r\nOK\r\n\r\nSEND OK\r\n'
     b'\r\n+QIURC: "recv",0,12, "220.180.239.212",8062,"012345678901"\r\n'),
     {"show_ra": True},
     [L(b'AT+QISEND=0,12,"012345678901"'), L(b"OK"), L(b"SEND OK"),
      R(0, 12, b"012345678901", "220.180.239.212", 8062)]),
    ("4.1.2 data mode prompt", b"AT+QISEND=0,5\r\r\n> 12345\r\nOK\r\n\r\nSEND OK\r\n", {},
     [L(b"AT+QISEND=0,5"), P, L(b"12345"), L(b"OK"), L(b"SEND OK")]),
    ("4.1.2 hex dataformat", b'\r\n+QICFG: "dataformat",1,0\r\n\r\nOK\r\n', {},
     [L(b'+QICFG: "dataformat",1,0'), L(b"OK")]),
    ("4.2.1 UDP SERVICE open", (b'\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n'
     b'\r\n+QISTATE: 0,"UDP SERVICE","127.0.0.1",1,1234,2,0,1\r\n\r\nOK\r\n'), {},
     [L(b"OK"), L(b"+QIOPEN: 0,0"), L(b'+QISTATE: 0,"UDP SERVICE","127.0.0.1",1,1234,2,0,1'),
      L(b"OK")]),
    ("4.2.3 UDP SERVICE recv", (b'\r\n+QIURC: "recv",0,5,"220.180.239.212",8196,"12345"\r\n'
     b'\r\n+QIURC: "recv",0,12, "220.180.239.212",8196,"012345678901"\r\n'), {"udp_service": {0}},
     [R(0, 5, b"12345", "220.180.239.212", 8196),
      R(0, 12, b"012345678901", "220.180.239.212", 8196)]),
    ("4.3.1 incoming", (b'\r\n+QIURC: "incoming",1,0,"192.168.4.30",34835\r\n'
     b'\r\n+QISTATE: 1,"TCP INCOMING","192.168.4.30",34835,5000,2,0,1\r\n'), {},
     [L(b'+QIURC: "incoming",1,0,"192.168.4.30",34835'),
      L(b'+QISTATE: 1,"TCP INCOMING","192.168.4.30",34835,5000,2,0,1')]),
    ("4.3.3 recv from a client", b'\r\n+QIURC: "recv",1,10,"1234567890"\r\n', {},
     [R(1, 10, b"1234567890")]),
    ("4.3.4 close", b"AT+QICLOSE=0\r\r\nOK\r\n\r\nCLOSE OK\r\n", {},
     [L(b"AT+QICLOSE=0"), L(b"OK"), L(b"CLOSE OK")]),
    ("4.4 ping", b'\r\n+QPING: 0,"47.100.63.174",32,560,88\r\n\r\n+QPING: 0,4,4,0,220,560,322\r\n',
     {}, [L(b'+QPING: 0,"47.100.63.174",32,560,88'), L(b"+QPING: 0,4,4,0,220,560,322")]),
    ("4.5 NTP", b'\r\nOK\r\n\r\n+QNTP: 0,"2019/06/11,11:08:20"\r\n', {},
     [L(b"OK"), L(b'+QNTP: 0,"2019/06/11,11:08:20"')]),
    ("4.7 DNS", (b'\r\n+QIDNSCFG: 0,"218.2.2.2","8.8.8.8"\r\n\r\nOK\r\n'
     b"\r\n+QIDNSGIP: 0,1,0\r\n\r\n+QIDNSGIP: 14.215.177.39\r\n"), {},
     [L(b'+QIDNSCFG: 0,"218.2.2.2","8.8.8.8"'), L(b"OK"), L(b"+QIDNSGIP: 0,1,0"),
      L(b"+QIDNSGIP: 14.215.177.39")]),
    ("2.4.2 address form without length", b'+QIURC: "recv",0,"220.180.239.212",8196,"12345"\r\n',
     {}, [R(0, -1, b"12345", "220.180.239.212", 8196, framed=False)]),
]


@pytest.mark.parametrize("data, settings, expected", [c[1:] for c in CHAPTER4],
                         ids=[c[0] for c in CHAPTER4])
def test_chapter4_examples(Tokenizer, data, settings, expected):
    assert tokens_every_way(Tokenizer, data, **settings) == expected


def test_address_shapes(Tokenizer):
    data = (H + b'3,4,2001:db8::1,5683,"abcd"\r\n'     # bare IP after a length
            + H + b' 3 , 4,"x"\r\n'                   # a space before a comma is not allowed
            + H + b'3, "::1", 7,"q"\r\n')             # spaces after commas are
    assert tokens_every_way(Tokenizer, data, show_ra=True) == [
        R(3, 4, b"abcd", "2001:db8::1", 5683),
        E(BAD_HEADER, H + b" 3 "),
        R(3, -1, b"q", "::1", 7, framed=False)]


def test_address_expected_per_connect_id(Tokenizer):
    data = (H + b'2,3,"1.2.3.4",9,"abc"\r\n' + H + b'1,3,"abc"\r\n')
    assert tokens_every_way(Tokenizer, data, udp_service={2}) == [
        R(2, 3, b"abc", "1.2.3.4", 9), R(1, 3, b"abc")]


# -- payloads are framed by length, never searched --------------------------------------

TRICKY = [b"\r\nOK\r\n", b'"', b'a"b', b"\0\0x\0", b'\r\n+QIURC: "closed",0\r\n',
          b'\r\n+QIURC: "recv",1,3,"abc"\r\n', b'"\r\n', b"", b">", b"\r"]


@pytest.mark.parametrize("payload", TRICKY)
def test_tricky_payloads_are_payload_only(Tokenizer, payload):
    n = str(len(payload)).encode()
    # unquoted DATA cannot begin with '"' (that opens the quoted form)
    bare = b"z" + payload
    data = (H + b"0," + n + b',"' + payload + b'"\r\n'
            + H + b"4," + str(len(bare)).encode() + b"," + bare + b"\r\nOK\r\n"
            + H + b"1," + n + b',"9.9.9.9",7,"' + payload + b'"\n')
    assert tokens_every_way(Tokenizer, data, udp_service={1}) == [
        R(0, len(payload), payload), R(4, len(bare), bare), L(b"OK"),
        R(1, len(payload), payload, "9.9.9.9", 7)]


def test_unframed_quoted_payload_ends_at_quote_before_line_end(Tokenizer):
    data = (H + b'0,"1.2.3.4",5,"x""\r'
            + H + b'0,"1.2.3.4",5,"a\r\nb""c"\r\n'
            + H + b'0,"1.2.3.4",5,bare "x\0"\r\n')
    assert tokens_every_way(Tokenizer, data) == [
        R(0, -1, b'x"', "1.2.3.4", 5, framed=False),
        R(0, -1, b'a\r\nb""c', "1.2.3.4", 5, framed=False),
        R(0, -1, b'bare "x\0"', "1.2.3.4", 5, framed=False)]


# -- hex mode ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_hex_payloads_decode(Tokenizer, case):
    raw = bytes(range(256))[::7] + b'\r\n"\0'
    digits = case(binascii.hexlify(raw).decode()).encode()
    n = str(len(raw)).encode()
    data = (H + b"2," + n + b',"' + digits + b'"\r\n' + H + b'2,"1.2.3.4",5,' + digits + b"\r\n")
    assert tokens_every_way(Tokenizer, data, hex=True) == [
        R(2, len(raw), raw), R(2, -1, raw, "1.2.3.4", 5, framed=False)]


def test_bad_hex_is_an_error_and_the_next_line_decodes(Tokenizer):
    data = (H + b'0,2,"12zz"\r\nOK\r\n'
            + H + b'0,"1.2.3.4",5,"123"\r\nOK\r\n'
            + H + b'0,"1.2.3.4",5," 1234 "\r\n'       # bytes.fromhex would skip the space
            + H + b'0,"1.2.3.4",5,12g\r\n'           # odd and bad: odd is reported
            + H + b'0,1,"4A"\r\n')
    assert tokens_every_way(Tokenizer, data, hex=True) == [
        E(BAD_HEX, H + b'0,2,"12zz"'), L(b"OK"),
        E(ODD_HEX, H + b'0,"1.2.3.4",5,"123"'), L(b"OK"),
        E(BAD_HEX, H + b'0,"1.2.3.4",5," 1234 "'),
        E(ODD_HEX, H + b'0,"1.2.3.4",5,12g'),
        R(0, 1, b"J")]


def test_hex_length_counts_twice_against_the_cap(Tokenizer):
    ok = H + b'0,128,"' + b"ab" * 128 + b'"\r\n'
    big = H + b'0,129,"' + b"ab" * 129 + b'"\r\nOK\r\n'
    assert tokens_every_way(Tokenizer, ok + big, hex=True, max_line=256) == [
        R(0, 128, b"\xab" * 128), E(TOO_LARGE, H + b"0,129,"), L(b"OK")]


# -- prompts, echo, empty lines, NULs -----------------------------------------------------

@pytest.mark.parametrize("prompt", [b">", b"> ", b"\r\n>", b"\r\n> ", b"\r\n>\r\n", b">\0 ",
                                    b"\0\r\n\0> "])
def test_prompt_variants_give_one_prompt(Tokenizer, prompt):
    assert tokens_every_way(Tokenizer, prompt) == [P]
    assert tokens_every_way(Tokenizer, prompt + b"OK\r\n") == [P, L(b"OK")]


def test_prompt_only_at_line_start(Tokenizer):
    assert tokens_every_way(Tokenizer, b"a>\r\n>>  x\r\n") == [L(b"a>"), P, P, L(b" x")]


@pytest.mark.parametrize("ending", [b"\r", b"\r\r\n", b"\r\n", b"\n", b"\n\r"])
def test_echo_endings_and_empty_lines_never_shift(Tokenizer, ending):
    data = b"AT+QISTATE?" + ending + b"\r\n\r\n\n\r\r" + b"OK\r\n" + H + b'0,1,"z"\r\n'
    assert tokens_every_way(Tokenizer, data) == [L(b"AT+QISTATE?"), L(b"OK"), R(0, 1, b"z")]


def test_nuls_between_and_inside_lines_are_dropped(Tokenizer):
    data = (b"\0\0\0OK\0\r\n\0\0\0" + b'+QIURC: "re\0cv",\0 0\0,3\0,"a\0b"\0\r\n\0'
            + b"\0" * 100 + b"SEND\0 OK\r\n")
    assert tokens_every_way(Tokenizer, data) == [
        L(b"OK"), R(0, 3, b"a\0b"), L(b"SEND OK")]


def test_nul_right_after_the_data_comma_is_payload(Tokenizer):
    data = H + b"0,2,\0x\r\n" + H + b'0,0,\0\r\n'
    assert tokens_every_way(Tokenizer, data) == [R(0, 2, b"\0x"), R(0, 0, b"")]


def test_prefix_is_case_sensitive_and_exact(Tokenizer):
    data = b'+qiurc: "recv",0,3,"a\r\nb"\r\n+QIURC: "recv" ,0\r\n'
    assert tokens_every_way(Tokenizer, data) == [
        L(b'+qiurc: "recv",0,3,"a'), L(b'b"'), L(b'+QIURC: "recv" ,0')]


# -- bounded memory and every error reason ---------------------------------------------------

def test_endless_line_stays_within_the_cap_and_what_follows_decodes(Tokenizer):
    tok = Tokenizer(max_line=256)
    chunk = b"x" * 4096
    tracemalloc.start()
    try:
        tok.feed(chunk)
        base = tracemalloc.get_traced_memory()[0]
        errors = []
        for _ in range(256):        # 1 MiB without a line end
            errors += tok.feed(chunk)
            assert tracemalloc.get_traced_memory()[0] - base < 256 + 4096
    finally:
        tracemalloc.stop()
    assert errors == []             # the one error came with the first chunk
    assert tok.feed(b"\r\nOK\r\n" + H + b'0,1,"a"\r\n') == [L(b"OK"), R(0, 1, b"a")]


def test_twin_buffers_at_most_max_line_plus_a_header():
    tok = twin.Tokenizer(max_line=256)
    streams = [b"x" * 4096, H + b'0,"1.2.3.4",5,"' + b"y" * 4096,
               H + b"0,256," + b"z" * 4096, H + b" " * 4096, b"\0" * 4096]
    for data in streams:
        for i in range(0, len(data), 97):
            tok.feed(data[i:i + 97])
            assert tok._buffered() <= 256 + 128
        tok.reset()


def test_line_cap_boundary(Tokenizer):
    data = b"a" * 255 + b"\r\n" + b"b" * 256 + b"\r\n" + b"c" * 300 + b"\r\nOK\r\n"
    assert tokens_every_way(Tokenizer, data, max_line=256) == [
        L(b"a" * 255), E(LINE_TOO_LONG, b"b" * 256), E(LINE_TOO_LONG, b"c" * 256), L(b"OK")]


def test_unframed_payload_cap(Tokenizer):
    head = H + b'0,"1.2.3.4",5,"'
    data = head + b"y" * 300 + b'"\r\nOK\r\n' + head + b"y" * 255 + b'"\r\n'
    assert tokens_every_way(Tokenizer, data, max_line=256) == [
        E(LINE_TOO_LONG, (head + b"y" * 300)[:256]), L(b"OK"),
        R(0, -1, b"y" * 255, "1.2.3.4", 5, framed=False)]


def test_held_quote_counts_against_the_cap_when_the_next_byte_shows_it_is_payload(Tokenizer):
    head = H + b'0,"1.2.3.4",5,"'
    data = head + b"y" * 254 + b'""\r\n' + head + b"y" * 255 + b'"x"\r\nOK\r\n'
    assert tokens_every_way(Tokenizer, data, max_line=256) == [
        R(0, -1, b"y" * 254 + b'"', "1.2.3.4", 5, framed=False),
        E(LINE_TOO_LONG, (head + b"y" * 255 + b'"')[:256]), L(b"OK")]


def test_unframed_payload_reaching_the_cap_on_a_line_end_resyncs_there(Tokenizer):
    # "After an error found on a CR or LF byte the tokenizer is at line start"
    head = H + b'0,"1.2.3.4",5,"'
    data = head + b"y" * 255 + b"\rOK\r\n"
    assert tokens_every_way(Tokenizer, data, max_line=256) == [
        E(LINE_TOO_LONG, (head + b"y" * 255)[:256]), L(b"OK")]


def test_endless_header_spaces_hit_the_line_cap(Tokenizer):
    data = H + b" " * 500 + b'0,1,"a"\r\nOK\r\n'
    assert tokens_every_way(Tokenizer, data, max_line=256) == [
        E(LINE_TOO_LONG, (H + b" " * 500)[:256]), L(b"OK")]


def test_lying_length_loses_only_up_to_the_resync(Tokenizer):
    data = H + b'0,10,"abc"\r\nOK\r\nSEND OK\r\n' + H + b'1,2,"hi"\r\n'
    assert tokens_every_way(Tokenizer, data) == [
        E(NOT_TERMINATED, H + b'0,10,"abc"\r\nOK\r\nS'), R(1, 2, b"hi")]


def test_too_large_length(Tokenizer):
    data = H + b'0,257,"' + b"q" * 257 + b'"\r\nOK\r\n' + H + b'0,256,' + b"q" * 256 + b"\r\n"
    assert tokens_every_way(Tokenizer, data, max_line=256) == [
        E(TOO_LARGE, H + b"0,257,"), L(b"OK"), R(0, 256, b"q" * 256)]


BAD_HEADERS = [
    (b"x", b"x", []),                                   # not a digit
    (b"0;", b"0;", []),
    (b"0,\r\nOK\r\n", b"0,", [L(b"OK")]),               # a line end: not in raw, line start
    (b"123456,1,a\r\n", b"123456", []),                 # six digits
    (b"65536,1,a\r\n", b"65536", []),                   # over 65535
    (b"0,65536,a\r\n", b"0,65536", []),
    (b'0,""', b'0,""', []),                             # empty IP
    (b'0,"1.2.3.4"x', b'0,"1.2.3.4"x', []),
    (b'0,"' + b"1" * 46, b'0,"' + b"1" * 46, []),       # IP over 45 chars
    (b'0,"1.2.3.4",80x', b'0,"1.2.3.4",80x', []),
    (b'0,"1.2.3.4" ,80,"a"\r\n', b'0,"1.2.3.4" ', []),
    (b"0,1.2.3.4,80,a\r\n", b"0,1.", []),               # bare IP needs a length first
    (b"0,\0 1\0x", b"0, 1x", []),                       # NULs are not in raw
]


@pytest.mark.parametrize("tail, raw, after", BAD_HEADERS)
def test_bad_recv_header(Tokenizer, tail, raw, after):
    data = H + tail + b'\r\n' + H + b'0,1,"k"\r\n'
    assert tokens_every_way(Tokenizer, data) == [E(BAD_HEADER, H + raw)] + after + [R(0, 1, b"k")]


def test_bad_recv_header_in_the_address_after_a_length(Tokenizer):
    data = H + b"0,3,x\r\n" + H + b'0,3, "1.2.3.4",  5,"abc"\r\n'
    assert tokens_every_way(Tokenizer, data, show_ra=True) == [
        E(BAD_HEADER, H + b"0,3,x"), R(0, 3, b"abc", "1.2.3.4", 5)]


def test_recv_data_not_terminated(Tokenizer):
    data = (H + b'0,3,"abcd"\r\n'          # a byte where the quote belongs: included
            + H + b'0,3,"abc\r\n'           # a line end there: not included, line start
            + H + b'0,3,"abc"x\r\n'         # after the quote, not a line end
            + H + b"0,3,abc\0\0d\r\n"       # NULs there are dropped
            + b"OK\r\n")
    assert tokens_every_way(Tokenizer, data) == [
        E(NOT_TERMINATED, H + b'0,3,"abcd'), E(NOT_TERMINATED, H + b'0,3,"abc'),
        E(NOT_TERMINATED, H + b'0,3,"abc"x'), E(NOT_TERMINATED, H + b"0,3,abcd"), L(b"OK")]


@pytest.mark.parametrize("data, expected", [
    (H + b'0,5,"12', [E(TRUNCATED, H + b'0,5,"12')]),
    (H, [E(TRUNCATED, H)]),
    (H + b'0,"1.2.3.4",5,"ab"', [E(TRUNCATED, H + b'0,"1.2.3.4",5,"ab"')]),
    (H + b'0,2,"ab"', [E(TRUNCATED, H + b'0,2,"ab"')]),
    (b'+QIURC: "recv"', [L(b'+QIURC: "recv"')]),
    (b"partial", [L(b"partial")]),
    (b">", [P]),
    (b"x" * 300, [E(LINE_TOO_LONG, b"x" * 256)]),
])
def test_finish_returns_what_is_pending(Tokenizer, data, expected):
    assert tokens_every_way(Tokenizer, data, max_line=256) == expected


def test_finish_and_reset_start_afresh_and_keep_settings(Tokenizer):
    tok = Tokenizer(hex=True)
    tok.feed(H + b'0,1,"4')
    tok.reset()
    assert tok.feed(b'1\r\n' + H + b'0,1,"41"\r\n') == [L(b"1"), R(0, 1, b"A")]
    tok.feed(b"half")
    assert tok.finish() == [L(b"half")]
    assert tok.finish() == []
    assert tok.hex is True


def test_settings_change_between_feeds(Tokenizer):
    tok = Tokenizer()
    assert tok.feed(H + b'0,2,"41"\r\n') == [R(0, 2, b"41")]
    tok.hex, tok.show_ra = True, True
    assert tok.feed(H + b'0,1,"1.2.3.4",5,"41"\r\n') == [R(0, 1, b"A", "1.2.3.4", 5)]
    tok.hex, tok.show_ra, tok.udp_service = False, False, {3}
    assert tok.feed(H + b'3,1,"1.2.3.4",5,"A"\r\n') == [R(3, 1, b"A", "1.2.3.4", 5)]
    assert tok.udp_service == frozenset({3})


@pytest.mark.parametrize("kwargs", [{"max_line": 255}, {"max_line": "4096"},
                                    {"max_line": (1 << 20) + 1}, {"max_line": True},
                                    {"udp_service": {32}}, {"udp_service": {-1}}])
def test_bad_settings_raise_invalid_argument(Tokenizer, kwargs):
    with pytest.raises(InvalidArgument, match=next(iter(kwargs))):
        Tokenizer(**kwargs)


# -- feed_demux -------------------------------------------------------------------------------

def test_feed_demux_routes_payloads_by_connect_id(Tokenizer):
    data = (H + b'0,2,"a0"\r\nOK\r\n' + H + b'1,2,"b1"\r\n' + H + b'2,2,"c2"\r\n'
            + H + b'0,3,"\r\n0"\r\n' + H + b'7,1,"h"\r\n' + b"> " + H + b'2,1,"d"\r\n')
    expected_tokens = [L(b"OK"), R(1, 2, b"b1"), R(7, 1, b"h"), P]
    for step in (len(data), 1, 7):
        buffers = [bytearray(), None, bytearray(), None, None]
        tok = Tokenizer()
        got = []
        for i in range(0, len(data), step):
            got += tok.feed_demux(data[i:i + step], buffers)
        assert got == expected_tokens
        assert buffers == [bytearray(b"a0\r\n0"), None, bytearray(b"c2d"), None, None]


def test_feed_demux_hex_and_errors(Tokenizer):
    buffers = [bytearray() for _ in range(5)]
    data = H + b'0,1,"4G"\r\n' + H + b'0,2,"4142"\r\n'
    assert Tokenizer(hex=True).feed_demux(data, buffers) == [E(BAD_HEX, H + b'0,1,"4G"')]
    assert buffers[0] == b"AB"


def test_feed_demux_takes_any_sequence_of_buffers(Tokenizer):
    buffers = (bytearray(), None, None, None, None, bytearray())   # a tuple is a sequence too
    data = H + b'0,2,"ab"\r\n' + H + b'5,1,"c"\r\n' + H + b'1,1,"d"\r\n'
    assert Tokenizer().feed_demux(data, buffers) == [R(1, 1, b"d")]
    assert buffers == (bytearray(b"ab"), None, None, None, None, bytearray(b"c"))


@pytest.mark.parametrize("buffers, word", [([bytearray()] * 4, "buffers"),
                                           ([b"", None, None, None, None], "buffers\\[0\\]")])
def test_feed_demux_rejects_bad_buffers(Tokenizer, buffers, word):
    with pytest.raises(InvalidArgument, match=word):
        Tokenizer().feed_demux(H + b'0,1,"a"\r\n', buffers)


def test_the_c_tokenizer_output_space_starts_small_and_grows_to_need() -> None:
    """The cffi tokenizer sizes its output space as the C feeder does: small at first
    (no demux space before feed_demux), doubled where a C call filled it while input
    was left, up to the caps; the tokens and payloads are the twin's either way."""
    from pyqio.wire._ctokenizer import Tokenizer as CTok

    room = 2 * 4096 + 8
    data = b"".join(b'\r\n' + H + b'%d,1000,"%s"\r\n\r\nOK\r\n' % (i % 5, b"%04d" % i * 250)
                    for i in range(100))

    def run(tok, step: int) -> tuple:
        bufs = [bytearray() for _ in range(5)]
        out = []
        for i in range(0, len(data), step):
            out += tok.feed_demux(data[i:i + step], bufs)
        return out + tok.finish(), bufs

    want = run(twin.Tokenizer(), len(data))
    fresh = CTok()
    assert fresh.capacity()[:3] == (32, room + 4096, 0)    # demux space at first use
    assert run(fresh, 4096) == want
    assert fresh.capacity()[:3] == (32, room + 4096, room + 4096)
    assert fresh.capacity()[3] <= 48 * 1024
    whole = CTok()
    assert run(whole, len(data)) == want
    assert whole.capacity()[2] == 64 * 1024 + room     # the cap, no more
    lines = CTok()
    assert lines.feed(b"OK\r\n" * 3000) == [L(b"OK")] * 3000
    assert lines.capacity()[:3] == (256, room + 4096, 0)
