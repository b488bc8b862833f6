"""atheris harness for ``pyqio.Decoder`` (and both tokenizer backends under it).

Invariant, for every input, under the settings its first bytes pick:

1. ``Decoder.feed()``/``finish()`` never raise: bad bytes from the module are
   ``ProtocolError`` events, never exceptions (docs/architecture.md, "Errors are events");
2. feeding the body whole or cut into the chunks the input picks gives the same
   events (chunk independence, csrc/TOKENS.md);
3. the C tokenizer and its pure-Python twin give the same tokens, also when the
   settings (hex, show_ra, udp_service) change between chunks, as ``AT+QICFG`` does;
4. memory stays bounded: the twin never holds more than ``max_line`` bytes of
   payload plus one recv header of partial input, and no event carries more than
   a bounded part of the input;
5. ``feed_demux()`` puts into each connect id's buffer exactly the data of that
   id's ``Recv`` events, in order.

Each invariant holds in every module profile (``bc660k``, ``bc66``, ``bg96``).

Input: byte 0 bit 0 hex, bit 1 show_ra, bit 2 connect ids 0-1 are UDP SERVICE,
bits 3-4 max_line (256, 300, 1024, 4096), bits 5-6 the module profile (bc660k, bc66,
bg96, bg96), bit 7 connect ids 0 and 2 in buffer access mode (bg96); byte 1 seeds the
chunk cuts; byte 2 seeds the settings flips of invariant 3; the rest is the module's
output.

Run: ``python tests/fuzz/fuzz_decoder.py [libFuzzer flags] [CORPUS_DIR ...]``;
the seed corpus is ``tests/fuzz/corpus/decoder``.
"""
from __future__ import annotations

import os
import random
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

with atheris.instrument_imports(include=["pyqio"]):
    from pyqio import Decoder
    from pyqio.events import ProtocolError, ReadData, Recv
    from pyqio.wire import _ctokenizer
    from pyqio.wire import _pytokenizer as _tokenizer

MAX_LINES = (256, 300, 1024, 4096)
HEADER = 3


MODULES = ("bc660k", "bc66", "bg96", "bg96")


def settings(flags: int) -> dict:
    """The tokenizer settings byte 0 picks."""
    return {"hex": bool(flags & 1), "show_ra": bool(flags & 2),
            "udp_service": {0, 1} if flags & 4 else set(),
            "max_line": MAX_LINES[(flags >> 3) & 3], "module": MODULES[(flags >> 5) & 3]}


def buffer_access(flags: int) -> set:
    """The connect ids byte 0 puts in buffer access mode (bit 7)."""
    return {0, 2} if flags & 0x80 else set()


def cuts(n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return sorted({rng.randrange(1, n) for _ in range(rng.randrange(1, 12))}) if n > 1 else []


def pieces(body: bytes, seed: int) -> list[bytes]:
    out, start = [], 0
    for c in cuts(len(body), seed):
        out.append(body[start:c])
        start = c
    return out + [body[start:]]


def decoder(s: dict, ids: set) -> Decoder:
    return Decoder("hex" if s["hex"] else "text", s["show_ra"], s["udp_service"],
                   max_line=s["max_line"], module=s["module"], buffer_access=ids)


def check_bounded(events: list, max_line: int) -> None:
    for ev in events:
        if isinstance(ev, (Recv, ReadData)):
            assert len(ev.data) <= max_line, ("recv data over max_line", len(ev.data))
        elif isinstance(ev, ProtocolError):
            # raw is the bad line, at most max_line plus a bounded header and tail
            assert len(ev.raw) <= 2 * max_line + 128, ("raw unbounded", len(ev.raw))


def check_chunking(s: dict, ids: set, body: bytes, seed: int) -> list:
    whole_dec = decoder(s, ids)
    whole = whole_dec.feed(body) + whole_dec.finish()
    dec = decoder(s, ids)
    split: list = []
    for piece in pieces(body, seed):
        split += dec.feed(piece)
    split += dec.finish()
    assert split == whole, ("chunking changed the events", whole, split)
    check_bounded(whole, s["max_line"])
    return whole


def check_backends(s: dict, ids: set, body: bytes, seed: int, flip_seed: int) -> None:
    """The same tokens from both backends, with settings flipped at the same cuts."""
    py = _tokenizer.Tokenizer(**s)
    c = _ctokenizer.Tokenizer(**s)
    py.buffer_access = c.buffer_access = ids
    rng = random.Random(flip_seed)
    # a recv header (at most ~80 bytes) plus a payload of at most max_line; in bg96 the
    # header is a whole line, itself under max_line
    bound = s["max_line"] + (s["max_line"] if s["module"] == "bg96" else 128)
    for piece in pieces(body, seed):
        a, b = py.feed(piece), c.feed(piece)
        assert a == b, ("backends differ", piece, a, b)
        assert py._buffered() <= bound, ("twin holds too much", py._buffered())
        if flip_seed & 1:  # one draw, the same flip applied to both backends
            flip = rng.randrange(16)
            for t in (py, c):
                t.hex, t.show_ra = bool(flip & 1), bool(flip & 2)
                t.udp_service = {2} if flip & 4 else set()
                t.buffer_access = {0} if flip & 8 else set()
    assert py.finish() == c.finish(), "backends differ at finish"


def check_demux(s: dict, ids: set, body: bytes, events: list) -> None:
    bufs: list = [bytearray(), None, bytearray(), None, bytearray()]
    dec = decoder(s, ids)
    rest = dec.feed_demux(body, bufs) + dec.finish()
    want = {i: b"".join(e.data for e in events if isinstance(e, Recv) and e.connect_id == i)
            for i in (0, 2, 4)}
    assert {i: bytes(bufs[i]) for i in (0, 2, 4)} == want, "demux lost or reordered data"
    kept = [e for e in events if not (isinstance(e, Recv) and e.connect_id in (0, 2, 4))]
    assert rest == kept, "demux changed the other events"


def TestOneInput(data: bytes) -> None:
    if len(data) < HEADER:
        return
    s, ids = settings(data[0]), buffer_access(data[0])
    body = data[HEADER:]
    events = check_chunking(s, ids, body, data[1])
    check_backends(s, ids, body, data[1], data[2])
    check_demux(s, ids, body, events)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
