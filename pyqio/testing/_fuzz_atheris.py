"""The atheris child of ``pyqio fuzz``: ``python -m pyqio.testing._fuzz_atheris
MODULE:CALLABLE PROFILE [libFuzzer flags] CORPUS``, PROFILE being the module
profile (``bc660k``, ``bc66``, ``bg96``) the inputs are decoded with.

An input is one settings byte (bit 0 hex, bit 1 showRA, bit 2 sockets 0-1
are UDP SERVICE), one read-size byte (0: one read, else reads of that many
bytes) and the module's bytes. The corpus starts from generated valid
streams (:func:`seed_corpus`), so mutations start from real module output.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

from ..capture import CaptureSettings


def encode_input(settings: CaptureSettings, data: bytes, read_size: int = 0) -> bytes:
    flags = (settings.recv_format == "hex") | settings.show_ra << 1 | bool(settings.udp_service) << 2
    return bytes([flags, read_size & 0xFF]) + data


def decode_input(blob: bytes, module: str = "bc660k") -> tuple[CaptureSettings, list[bytes]]:
    flags, size = (blob[0], blob[1]) if len(blob) >= 2 else (0, 0)
    data = blob[2:]
    settings = CaptureSettings(module=module, recv_format="hex" if flags & 1 else "text",
                               show_ra=bool(flags & 2), udp_service=(0, 1) if flags & 4 else ())
    chunks = [data] if size == 0 else [data[i:i + size] for i in range(0, len(data), size)]
    return settings, chunks or [b""]


def seed_corpus(folder: Path, module: str, seed: int, count: int = 64) -> None:
    """Write *count* generated module streams into *folder* as atheris inputs."""
    from .. import events as E

    rng = random.Random(seed)
    for i in range(count):
        settings = CaptureSettings(module=module, recv_format=rng.choice(["text", "hex"]),
                                   show_ra=rng.random() < 0.3,
                                   udp_service=(0, 1) if rng.random() < 0.2 else ())
        parts = []
        for _ in range(rng.randint(1, 8)):
            cid = rng.randint(0, 4)
            kind = rng.random()
            if kind < 0.5:
                data = rng.randbytes(rng.randint(0, 64)) if rng.random() < 0.5 else \
                    rng.choice([b"OK\r\n", b'\r\n+QIURC: "closed",1\r\n', b'"', b"hello"])
                addr = ("10.0.0.1", 5000) if settings.show_ra or cid in settings.udp_service else (None, None)
                ev: E.Event = E.Recv(cid, data, len(data), *addr)
            else:
                ev = rng.choice([E.Ok(), E.Error(), E.SendOk(), E.Closed(cid), E.OpenResult(cid, 0),
                                 E.Incoming(cid, 0, "10.0.0.2", 4000), E.IpAddress("10.1.2.3")])
            parts.append(ev.to_bytes(settings.recv_format))
        (folder / f"seed-{i}").write_bytes(encode_input(settings, b"".join(parts), rng.choice([0, 0, 1, 7, 64])))


def main() -> None:
    import atheris

    from ._fuzz_run import feed, load_target

    target = sys.argv[1]
    with atheris.instrument_imports():
        callback = load_target(target)
    module = sys.argv[2]

    def one_input(blob: bytes) -> None:
        settings, chunks = decode_input(blob, module)
        feed(callback, settings, chunks)

    atheris.Setup([sys.argv[0], *sys.argv[3:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
