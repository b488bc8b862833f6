"""Hex decoding under every SIMD level of the C tokenizer: the same tokens as the twin.

csrc/hex.c decodes hex payloads at one of several levels, chosen at run time
(0 scalar; on x86-64 1 SSE2 16 digits a step, 2 AVX2 32 digits a step; on ARM 1
NEON; each leaving its tail to the one below; NEON is run under qemu by
tests/test_arm.py). ``pyqio.wire._ctokenizer.set_simd`` forces a level; here every level
the CPU has runs the same streams and must give the Python twin's tokens: payloads
of every length 0..200 digits, whole and with one bad byte at every position, for
every kind of bad byte (near misses of each range, bytes >= 0x80, NUL, CR, LF, '"').
Needs: the built C extension (``python csrc/build_tokenizer.py``); no Debian packages.
"""
from __future__ import annotations

import binascii
import functools
import importlib
import os
import platform
from pathlib import Path

import pytest

from pyqio.wire import _pytokenizer as twin

try:
    ctok = importlib.import_module("pyqio.wire._ctokenizer")
except ImportError as exc:   # the fixture below fails (or skips, if allowed) with the reason
    ctok = None
    _MISSING = str(exc)

H = b'+QIURC: "recv",'
DIGITS = b"0123456789abcdefABCDEF"
# every byte just outside a digit range ('/' ':' '@' 'G' '`' 'g'), their images
# under | 0x20 and | 0x80, NUL, space, CR, LF, '"' and the top byte
BAD = bytes([0x00, 0x0A, 0x0D, 0x0F, 0x10, 0x1A, 0x20, 0x22, 0x2F, 0x3A, 0x40, 0x47, 0x60, 0x67,
             0x7F, 0x80, 0xAF, 0xB0, 0xC1, 0xE1, 0xE7, 0xFF])
MAX_DIGITS = 200
BEST = ctok.set_simd(-1) if ctok else 2
LEVELS = list(range(BEST + 1))


@pytest.fixture
def level(request):
    """Forces the hex level of the C tokenizer for one test, then restores the best."""
    if ctok is None:
        if os.environ.get("PYQIO_ALLOW_NO_C") == "1":
            pytest.skip(f"C tokenizer not built ({_MISSING}); PYQIO_ALLOW_NO_C=1 allows that")
        pytest.fail(f"the C tokenizer cannot be imported: {_MISSING}")
    assert ctok.set_simd(request.param) == request.param
    yield request.param
    assert ctok.set_simd(-1) == BEST


def digits(n: int, shift: int = 0) -> bytearray:
    """n hex digits of both cases; shift rotates which digit lands in which lane."""
    return bytearray(DIGITS[(i + shift) % len(DIGITS)] for i in range(n))


def framed(payload: bytes) -> bytes:
    return H + b'0,%d,"' % (len(payload) // 2) + payload + b'"\r\n'


def unframed(payload: bytes) -> bytes:
    return H + b'1,"10.0.0.1",7,"' + payload + b'"\r\n'


def tokens(cls: type, data: bytes, chunk: int | None) -> list:
    """The tokens of data in hex mode, fed whole or in chunks of chunk bytes."""
    tok = cls(hex=True)
    step = chunk or len(data) or 1
    toks = [t for i in range(0, len(data), step) for t in tok.feed(data[i:i + step])]
    return toks + tok.finish()


@functools.cache
def twin_tokens(data: bytes, chunk: int | None) -> list:
    """The twin does not depend on the level: computed once for all of them."""
    return tokens(twin.Tokenizer, data, chunk)


def both(data: bytes, chunk: int | None = None) -> tuple[list, list]:
    """(C tokens, twin tokens) of data in hex mode, fed whole or in chunks of chunk bytes."""
    return tokens(ctok.Tokenizer, data, chunk), twin_tokens(data, chunk)


# -- the level switch -------------------------------------------------------------------

def _cpu_feature(name: str) -> bool:
    """Whether /proc/cpuinfo lists name among the CPU's flags (x86) or Features (ARM)."""
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return any(line.startswith(("flags", "Features")) and name in line.split(":", 1)[-1].split()
               for line in text.splitlines())


def _cpu_has_avx2() -> bool:
    return _cpu_feature("avx2")


def test_the_best_level_is_what_the_cpu_has():
    assert ctok is not None, _MISSING
    machine = platform.machine()
    if machine in ("x86_64", "AMD64"):
        assert BEST == (2 if _cpu_has_avx2() else 1)
    elif machine in ("aarch64", "arm64"):
        assert BEST == 1        # NEON
    elif machine.startswith("armv7") or machine == "armv8l":
        assert BEST == (1 if _cpu_feature("neon") else 0)
    else:
        assert BEST == 0
    assert ctok.simd_level() == BEST


@pytest.mark.parametrize("level", LEVELS, indirect=True)
def test_set_simd_forces_a_level_and_clamps_what_the_cpu_lacks(level):
    assert ctok.simd_level() == level
    assert ctok.set_simd(BEST + 1) == BEST == ctok.simd_level()
    assert ctok.set_simd(99) == BEST
    assert ctok.set_simd(-1) == BEST
    assert ctok.set_simd(level) == level == ctok.simd_level()
    with pytest.raises(TypeError):
        ctok.set_simd("2")


# -- every level, the twin's tokens -----------------------------------------------------

@pytest.mark.parametrize("level", LEVELS, indirect=True)
def test_every_length_decodes_as_unhexlify_and_the_twin(level):
    # framed (even lengths) and unframed (every length: odd ones are "odd hex length")
    stream = b"".join(framed(bytes(digits(n, n))) for n in range(0, MAX_DIGITS + 1, 2))
    stream += b"".join(unframed(bytes(digits(n, 3 * n))) for n in range(MAX_DIGITS + 1))
    c, py = both(stream)
    assert c == py
    recvs = [t for t in c if t[0] == twin.T_RECV]
    assert len(recvs) == MAX_DIGITS // 2 + 1 + MAX_DIGITS // 2 + 1
    for t in recvs[:MAX_DIGITS // 2 + 1]:
        n = 2 * t[2]
        assert t[5] == binascii.unhexlify(bytes(digits(n, n)))
    odd = [t for t in c if t[0] == twin.T_ERROR]
    assert len(odd) == MAX_DIGITS // 2 and {t[1] for t in odd} == {twin.ODD_HEX_LENGTH}


@pytest.mark.parametrize("level", LEVELS, indirect=True)
def test_every_byte_value_decodes_the_same(level):
    # all 256 byte values, at every offset within a 32-digit step
    for shift in range(16):
        data = bytes(range(256))[shift:] + bytes(range(shift))
        payload = binascii.hexlify(data)
        for p in (payload, payload.upper()):
            c, py = both(framed(p))
            assert c == py == [(twin.T_RECV, 0, 256, None, -1, data, True)]


@functools.cache
def bad_everywhere(bad: int) -> list[bytes]:
    """Framed URCs of every even length 2..MAX_DIGITS, bad at each position in turn."""
    parts = []
    for n in range(2, MAX_DIGITS + 1, 2):
        for pos in range(n):
            d = digits(n, n + pos)
            d[pos] = bad
            parts.append(framed(bytes(d)))
    return parts


@pytest.mark.parametrize("level", LEVELS, indirect=True)
def test_a_bad_byte_of_every_kind_at_every_position_of_every_length(level):
    # framed payloads are taken straight from the input: one big feed
    for bad in BAD:
        parts = bad_everywhere(bad)
        c, py = both(b"".join(parts))
        assert c == py, f"bad byte {bad:#04x}"
        assert len(c) == len(parts)
        assert {t[:2] for t in c} == {(twin.T_ERROR, twin.BAD_HEX_DIGIT)}
        assert [t[2] for t in c] == [p[:-2] for p in parts]


@pytest.mark.parametrize("level", LEVELS, indirect=True)
def test_bad_bytes_in_payloads_cut_across_feeds_and_unframed(level):
    # cut input: payloads are gathered in the parser's buffer and decoded from there;
    # unframed quoted payloads too (no '"', CR or LF inside them)
    kinds = bytes(b for b in BAD if b not in b'"\r\n')
    parts = []
    for n in range(1, MAX_DIGITS + 1):
        for pos in range(-1, n):
            d = digits(n, 5 * n + pos)
            if pos >= 0:
                d[pos] = kinds[(n + pos) % len(kinds)]
            parts.append(unframed(bytes(d)))
            if n % 2 == 0:
                parts.append(framed(bytes(d)))
    stream = b"".join(parts)
    for chunk in (None, 61, 4096):
        c, py = both(stream, chunk)
        assert c == py, f"chunk {chunk}"
    reasons = {t[1] for t in c if t[0] == twin.T_ERROR}
    assert reasons == {twin.BAD_HEX_DIGIT, twin.ODD_HEX_LENGTH}


@pytest.mark.parametrize("level", LEVELS, indirect=True)
def test_demuxed_payloads_are_decoded_the_same(level):
    # feed_demux decodes into the demux space instead of the token arena
    parts, want = [], bytearray()
    for n in range(0, MAX_DIGITS + 1, 2):
        d = bytes(digits(n, 7 * n))
        parts.append(framed(d))
        want += binascii.unhexlify(d)
    bad = digits(64)
    bad[40] = ord("g")
    parts.append(framed(bytes(bad)))
    stream = b"".join(parts)
    for chunk in (len(stream), 97):
        buffers = [bytearray(), None, None, None, None]
        tok = ctok.Tokenizer(hex=True)
        out = [t for i in range(0, len(stream), chunk)
               for t in tok.feed_demux(stream[i:i + chunk], buffers)]
        assert buffers[0] == want
        assert out == [(twin.T_ERROR, twin.BAD_HEX_DIGIT, framed(bytes(bad))[:-2])]
