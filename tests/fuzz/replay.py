"""Replays the seed corpora through the atheris harnesses, each input cut several ways.

No fuzzing: every file of ``corpus/lines``, ``corpus/decoder`` and ``corpus/session``
(``finding-*`` files included) goes through its harness's ``TestOneInput``, so every
invariant the harness states is checked on it, and then again with the bytes that pick
the cuts changed, so that the same module output reaches the C code in other chunks:

- ``fuzz_decoder.py``: as it is, then fifteen other cut seeds (byte 1), half of them
  with the settings flipped between chunks (byte 2, bit 0);
- ``fuzz_session.py``: as it is, then eleven other cut seeds (byte 1, bits 0-6), and
  four times in the other module profile (byte 1, bit 7);
- ``fuzz_lines.py``: the line as it is, then, between line ends, through
  ``fuzz_decoder.py`` in each module profile (text and hex, buffer access mode on
  and off), each cut four ways.

Run: ``python tests/fuzz/replay.py [CORPUS_ROOT]`` (default: ``corpus`` beside this
file; needs atheris, which the harnesses import). It prints one line per harness with
the files and inputs replayed, and stops at the first input that breaks an invariant,
naming the file. ``tests/test_sanitizers.py`` runs it with the C extensions built under
AddressSanitizer and UBSan.
"""
from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# fuzz_decoder.py's byte 0: bits 5-6 the module profile (bc660k, bc66, bg96), bit 0 hex,
# bit 1 show_ra, bit 2 UDP service ids, bit 7 buffer access mode (bg96)
LINE_SETTINGS = (0x00, 0x23, 0x40, 0xC5)


def entry(module: object) -> Callable[[bytes], None]:
    """The harness's input function, the one it hands to ``atheris.Setup``."""
    for name in ("TestOneInput", "test_one_input"):
        fn = getattr(module, name, None)
        if callable(fn):
            return fn
    raise SystemExit(f"{module.__name__} has no TestOneInput")


def decoder_cuts(data: bytes) -> Iterator[bytes]:
    yield data
    if len(data) >= 3:
        for k in range(1, 16):
            yield bytes([data[0], (data[1] + k) & 0xFF, data[2] ^ k]) + data[3:]


def session_cuts(data: bytes) -> Iterator[bytes]:
    yield data
    if len(data) >= 2:
        profile, seed = data[1] & 0x80, data[1] & 0x7F
        for k in range(1, 12):
            yield bytes([data[0], profile | ((seed + k) & 0x7F)]) + data[2:]
        for k in range(4):
            yield bytes([data[0], (profile ^ 0x80) | ((seed + k) & 0x7F)]) + data[2:]


def line_cuts(data: bytes, decoder: Callable[[bytes], None]
              ) -> Iterator[tuple[Callable[[bytes], None] | None, bytes]]:
    yield None, data  # the lines harness itself
    line = data.replace(b"\r", b"").replace(b"\n", b"")
    for flags in LINE_SETTINGS:
        for seed in range(4):
            yield decoder, bytes([flags, seed, seed]) + b"\r\n" + line + b"\r\n"


def replay(name: str, corpus: str, fn: Callable[[bytes], None],
           variants: Callable[[bytes], Iterator[tuple[Callable[[bytes], None] | None, bytes]]]) -> None:
    files = sorted(os.listdir(corpus))
    if not files:
        raise SystemExit(f"{name}: the corpus {corpus} is empty")
    runs = 0
    for file in files:
        with open(os.path.join(corpus, file), "rb") as f:
            data = f.read()
        for target, cut in variants(data):
            try:
                (target or fn)(cut)
            except BaseException:
                print(f"{name}: {file} breaks an invariant (input {cut!r})", file=sys.stderr)
                raise
            runs += 1
    print(f"{name}: {len(files)} files, {runs} inputs")


def main() -> None:
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    decoder = entry(importlib.import_module("fuzz_decoder"))
    session = entry(importlib.import_module("fuzz_session"))
    lines = entry(importlib.import_module("fuzz_lines"))
    replay("fuzz_lines.py", os.path.join(root, "lines"), lines,
           lambda d: line_cuts(d, decoder))
    replay("fuzz_decoder.py", os.path.join(root, "decoder"), decoder,
           lambda d: ((None, c) for c in decoder_cuts(d)))
    replay("fuzz_session.py", os.path.join(root, "session"), session,
           lambda d: ((None, c) for c in session_cuts(d)))


if __name__ == "__main__":
    main()
