"""Write the seed corpus: the module's output in chapter 4 of the application note
(BC660K-GL TCP/IP Application Note V1.1), plus the edge cases of TOKENS.md.

Each seed is FUZZ_HEADER (5) bytes of settings (see check.c cfg_from_bytes) and
then the module's bytes. The bg96 seeds are the forms of the BG96 family's TCP/IP
application notes (data after the URC line end, buffer access, +QIRD).
Run from anywhere: python csrc/fuzz/make_corpus.py
"""
from __future__ import annotations

import os

HERE = os.path.dirname(os.path.abspath(__file__))

# header byte 0: bit0 hex, bit1 show_ra, bit2 udp_service {0,1}, bits3-4 demux set,
# bits5-7 max_line index (256, 257, 300, 384, 512, 1024, 1500, 4096)
TEXT, HEX, SHOW_RA, UDP, DEMUX0, DEMUX012 = 0, 1, 2, 4, 8, 24
ML256, ML300, ML4096 = 0 << 5, 2 << 5, 7 << 5


# header byte 4: bits 0-1 module (0 bc660k, 1 bc66, 2 and 3 bg96), bit 2 buffer access ids {0, 2}
BC660K, BC66, BG96, BUFACC = 0, 1, 2, 4


def seed(flags: int, body: bytes, split: bytes = b"\x13\x2a\x07", module: int = BC660K) -> bytes:
    return bytes([flags]) + split + bytes([module]) + body


def cat(*parts: bytes) -> bytes:
    return b"".join(parts)


Q = b'+QIURC: "recv",'


def hexrun(n: int, pos: int, bad: int) -> bytes:
    """2n hex digits of both cases, byte pos replaced by bad (pos < 0: none)."""
    digits = bytearray(b"0123456789abcdefABCDEF"[i % 22] for i in range(2 * n))
    if pos >= 0:
        digits[pos] = bad
    return bytes(digits)
EXAMPLES = {
    # 4.1.1 set up a TCP client connection
    "tcp_open": cat(
        b'AT+QIOPEN=0,0,"TCP","220.180.239.212",8062,0,1\r\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n',
        b'AT+QISTATE=1,0\r\r\n+QISTATE: 0,"TCP","220.180.239.212",8062,0,2,0,1\r\n\r\nOK\r\n'),
    # 4.1.2 send data, text and hex, data mode with the prompt
    "tcp_send": cat(
        b'AT+QICFG="dataformat",0,0\r\r\nOK\r\nAT+QICFG="dataformat"\r\r\n',
        b'+QICFG: "dataformat",0,0\r\n\r\nOK\r\n',
        b'AT+QISEND=0,5,"12345"\r\r\nOK\r\n\r\nSEND OK\r\n',
        b"AT+QISEND=0\r\r\n> 12345\x1a\r\nOK\r\n\r\nSEND OK\r\n",
        b"AT+QISEND=0,5\r\r\n>\r\n12345\r\nOK\r\n\r\nSEND OK\r\n"),
    # 4.1.3 receive data, showRA on
    "tcp_recv_showra": cat(
        b'AT+QICFG="showRA",1\r\r\nOK\r\n\r\n',
        Q, b'0,5,"220.180.239.212",8062,"12345"\r\n',
        b'AT+QISEND=0,12,"012345678901"\r\r\nOK\r\n\r\nSEND OK\r\n\r\n',
        Q, b'0,12, "220.180.239.212",8062,"012345678901"\r\n'),
    # 4.1.4 / 4.2.4 close
    "close": b"AT+QICLOSE=0\r\r\nOK\r\n\r\nCLOSE OK\r\n",
    # 4.2 UDP SERVICE
    "udp_service": cat(
        b'AT+QIOPEN=0,0,"UDP SERVICE","127.0.0.1",1,1234,1\r\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n',
        b"\r\n", Q, b'0,5,"220.180.239.212",8196,"12345"\r\n',
        b"\r\n", Q, b'0,12, "220.180.239.212",8196,"012345678901"\r\n'),
    # 4.3 TCP server: incoming and recv on connect id 1
    "tcp_server": cat(
        b'+QIOPEN: 0,0\r\n\r\n+QIURC: "incoming",1,0,"192.168.4.30",34835\r\n',
        b'+QISTATE: 1,"TCP INCOMING","192.168.4.30",34835,5000,2,0,1\r\n\r\nOK\r\n',
        b"\r\n", Q, b'1,10,"1234567890"\r\n\r\n+QIURC: "closed",1\r\n'),
    # 4.4 - 4.7 ping, NTP, DNS
    "ping_ntp_dns": cat(
        b'+QIDNSCFG: 0,"218.2.2.2","8.8.8.8"\r\n\r\nOK\r\n',
        b'\r\n+QPING: 0,"47.100.63.174",32,560,88\r\n\r\n+QPING: 0,4,4,0,220,560,322\r\n',
        b'\r\n+QNTP: 0,"2019/06/11,11:08:20"\r\n\r\n+QIDNSGIP: 0,1,0\r\n',
        b"\r\n+QIDNSGIP: 14.215.177.39\r\n\r\n+IP: 10.0.0.1\r\n"),
}

EDGES = {
    "payload_fake_lines": (TEXT, cat(Q, b'0,26,"\r\nOK\r\n\r\n+QIURC: "closed",0\r\n"\r\n')),
    "hex_recv": (HEX, cat(Q, b'0,5,"3132333435"\r\n', Q, b'0,2,"4g41"\r\n',
                          Q, b'0,"1.2.3.4",5,"414"\r\n', Q, b'0,"::1",5,"4a4B"\r\n')),
    "unframed": (TEXT, cat(Q, b'2,"10.0.0.1",7,"a""b"x"\r\n', Q, b'3,"::1",9,bare\r\n',
                           Q, b'0,"1.2.3.4",5,\r\n')),
    "bare_ip": (SHOW_RA, cat(Q, b"0,3,10.1.2.3, 99,abc\r\n", Q, b'1,0,"1.1.1.1",1,""\r\n')),
    "udp_ids": (UDP | DEMUX012, cat(Q, b'1,2,"1.2.3.4",5,"hi"\r\n', Q, b'2,2,"yo"\r\n',
                                    Q, b'0,1,"::1",65535,"!"\r\n')),
    "bad_headers": (TEXT, cat(Q, b'65536,1,"x"\r\n', Q, b'000001,1,"x"\r\n',
                              Q, b'0,,"x"\r\n', Q, b'0,"",1,"x"\r\n',
                              Q, b'0,"1.2.3.4"x\r\n', Q, b'0,"1.2.3.4",,1\r\n',
                              Q, b'0,"', b"1" * 46, b'",1,"x"\r\nOK\r\n')),
    "not_terminated": (TEXT, cat(Q, b'0,1,"ab"\r\n', Q, b'0,1,"a\r\n', Q, b"0,1,ab\r\n",
                                 Q, b"0,0,x\r\n", Q, b"0,0,\r\n")),
    "too_large": (ML256 | HEX, cat(Q, b'0,129,"', b"00" * 129, b'"\r\nOK\r\n')),
    "long_line": (ML256, cat(b"A" * 300, b"\r\nOK\r\n", Q, b'0,"1.1.1.1",1,"', b"x" * 300,
                             b'"\r\n', Q, b" " * 300, b"\r\nOK\r\n")),
    "prompts": (TEXT, b">\r\n> \r\n>>\x00 x\r\n\r>\r\n\x00>\x00 OK\r\n"),
    "nul_and_banner": (TEXT, cat(b"\x00\x00\x00\r\nRDY\r\n",
                                 b'\x00+QIURC: "re\x00cv",0,2,\x00"a\x00"\x00\r\n')),
    "truncated": (TEXT, cat(b"OK\r\n", Q, b'0,5,"12')),
    "cap_on_quoted_crlf": (ML256, cat(Q, b'0,"1.2.3.4",5,"', b"y" * 255, b"\rOK\r\n")),
    "cap_on_held_quote": (ML256, cat(Q, b'0,"1.2.3.4",5,"', b"y" * 255, b'"x\r\nOK\r\n',
                                     Q, b'0,"1.2.3.4",5,"', b"y" * 254, b'"x\r\nOK\r\n')),
    "big_ids": (UDP | DEMUX012, cat(Q, b'40,2,"ab"\r\n', Q, b'65535,0,""\r\n')),
    "quote_misplaced": (SHOW_RA, cat(Q, b'"1\r\n', Q, b'0,1,"::1","\r\n',
                                     Q, b"0,1,", b"1" * 46, b',1,"x"\r\n')),
    "demux_big": (DEMUX0, cat(Q, b'0,150,"', b"d" * 150, b'"\r\n', Q, b'0,1,"e"\r\nOK\r\n')),
    "digit_then_junk": (TEXT, cat(Q, b"0x\r\n", Q, b"0,5x\r\nOK\r\n")),
    "nul_after_payload": (TEXT, cat(Q, b'0,2,"a\x00"\x00\r\n', Q, b'0,1,"a\x00"\r\n',
                                    Q, b"0,1,b\x00\r\n")),
    "hex_unquoted": (HEX, cat(Q, b"0,2,4g41\r\n", Q, b"0,2,4a41\r\n")),
    # 16-digit blocks (the SSE2 path) with one bad byte each, near-misses of the ranges
    "hex_long": (HEX, cat(Q, b'0,32,"', b"0123456789abcdefABCDEF0123456789" * 2, b'"\r\n',
                          *(cat(Q, b'0,16,"', b"00" * 5 + bytes([bad]) + b"0" * 21, b'"\r\n')
                            for bad in (0x10, 0x19, 0x2F, 0x3A, 0x40, 0x47, 0x60, 0x67, 0xB1,
                                        0xE1, 0x00, 0x20)))),
    # every hex level's part of a payload (AVX2 32-digit steps, an SSE2 16-digit
    # step, the scalar tail), whole and with a bad byte in each part
    "hex_blocks": (HEX, cat(*(cat(Q, b'0,%d,"' % n, hexrun(n, pos, bad), b'"\r\n')
                              for n in (8, 16, 24, 31, 40, 72)
                              for pos, bad in ((-1, 0), (0, 0x2F), (15, 0x3A), (31, 0x40),
                                               (32, 0x47), (47, 0x60), (48, 0x67), (61, 0x80),
                                               (79, 0xFF), (143, 0x00))
                              if pos < 2 * n))),
    "control_bytes": (TEXT, b"LF only\nAT\x01\t\x0b\x0c\x1a\x1b\r\npartial line"),
    "demux_mix": (DEMUX0, cat(Q, b'0,3,"abc"\r\nOK\r\n', Q, b'1,3,"def"\r\n',
                              Q, b'0,3,"ghi"\r\n', Q, b'0,2,"zz\r\n')),
}


R = b"+QIRD: "
# (flags, module byte, body): the bg96 profile's forms and every way off their grammar
BG96_EDGES = {
    "push": (TEXT | ML4096, BG96, cat(
        b"\r\n", Q, b"0,5\r\n12345\r\n\r\nOK\r\n",
        Q, b'1,26\r\n\r\nOK\r\n\r\n+QIURC: "closed",0\r\n\r\n',
        Q, b' 2, 3,"10.1.2.3", 99\r\n"\x00,\r\n', Q, b"3,2,::1,7\nab\n",
        Q, b"4,2\rxy\r", Q, b"4,2\r\r\n\r\n", Q, b"5,0\r\n")),
    "read": (TEXT | ML300, BG96, cat(
        R, b"5\r\ntest1\r\n\r\nOK\r\n", R, b"0\r\n\r\nOK\r\n", R, b"5,5,0\r\n\r\nOK\r\n",
        R, b'3,"1.2.3.4",8062\r\nabc\r\nOK\r\n', R, b"3,1.2.3.4,80\r\n", R, b"\r\n",
        b"+QIRD:\r\n+QIR\r\n+\r\n", R, b"65536\r\n", R, b"301\r\nOK\r\n")),
    "notices": (TEXT | ML4096, BG96 | BUFACC, cat(
        Q, b"0\r\n", Q, b"2,1500\r\n", Q, b"1,2\r\nhi\r\n", Q, b"2,3,\"::1\",5\r\nabc\r\n",
        Q, b"40,2\r\nzz\r\n", Q, b"65535,1\r\nq\n")),
    "bad": (TEXT | ML256, BG96, cat(
        Q, b"\r\n", Q, b"x\r\n", Q, b"123456\r\n", Q, b"1234567\r\n", Q, b"70000\r\n", Q, b"0,\r\n",
        Q, b"0,1,\r\n", Q, b'0,1,"\r\n', Q, b'0,1,""\r\n', Q, b'0,1,"1.2"x,5\r\n',
        Q, b'0,1,"1.2",\r\n', Q, b"0,1,1.2\r\n", Q, b"0,1,1.2,x\r\n", Q, b"0,1,1.2,70000\r\n",
        Q, b'0,1,"', b"1" * 46, b'",5\r\n', Q, b"0,1,", b"2" * 46, b",5\r\n",
        Q, b'0,1,"1.2",5,6\r\n', Q, b"0 \r\n", Q, b"0,257\r\n", Q, b'0,5,"hello"\r\n',
        R, b'1,"', b"3" * 46, b'",5\r\nOK\r\n', R, b'1,"x",5\r\n', R, b'1,"1.2"\r\n',
        R, b'1,"1.2",\r\n', R, b'1,"1.2",5,6\r\n')),
    "not_terminated": (TEXT | ML4096, BG96, cat(
        Q, b"0,3\r\nabcOK\r\n", R, b"2\r\nab\x00\x00\r\n", R, b"2\r\nabc\r\n", Q, b"0,4\r\nab")),
    "hex": (HEX | ML4096, BG96, cat(
        Q, b"0,2\r\n4a4B\r\n", Q, b"0,2\r\n4g41\r\n", Q, b"0,2\r\n414\r\n", R, b"3\r\n",
        b"0123456789abcdefABCDEF0123456789" * 3, b"\r\n", R, b"3\r\n414243\r\n",
        Q, b"0,2049\r\n")),
    "nuls": (TEXT | ML4096, BG96, cat(
        b"\x00+QIURC: \"re\x00cv\",0\x00,2\r\x00\n\x00\x00\x00\r\n", R, b"1\r\x00\r\n",
        b"+\x00QIRD: 1\n\x00\r\n")),
    "bc66": (TEXT | ML4096, BC66, cat(Q, b'0,5,"12345"\r\n', Q, b"0,5\r\n12345\r\n", R, b"1\r\nx\r\n")),
}


def main() -> None:
    out = os.path.join(HERE, "corpus")
    os.makedirs(out, exist_ok=True)
    for name, body in EXAMPLES.items():
        for tag, flags in (("text", TEXT | ML4096), ("showra", SHOW_RA | UDP | ML300)):
            with open(os.path.join(out, f"note_{name}_{tag}"), "wb") as f:
                f.write(seed(flags, body))
    for name, (flags, body) in EDGES.items():
        with open(os.path.join(out, f"edge_{name}"), "wb") as f:
            f.write(seed(flags, body, b"\x00\x3f\x00" if "nul" in name else b"\x13\x2a\x07"))
    for name, (flags, module, body) in BG96_EDGES.items():
        with open(os.path.join(out, f"bg96_{name}"), "wb") as f:
            f.write(seed(flags, body, b"\x00\x3f\x00" if "nul" in name else b"\x13\x2a\x07",
                         module))


if __name__ == "__main__":
    main()
