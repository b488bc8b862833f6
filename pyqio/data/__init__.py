"""Data files shipped with pyqio.

``sample_capture.bin`` is a realistic capture of module output (the note's chapter 4
sequences with loopback addresses, recv URCs holding CR LF in their payloads), for
``pyqio decode --sample`` and the README.
"""
from __future__ import annotations

import pathlib

__all__ = ["data_path", "SAMPLE_CAPTURE"]

_HERE = pathlib.Path(__file__).resolve().parent


def data_path(name: str) -> pathlib.Path:
    """The path of the shipped data file *name* (e.g. ``"sample_capture.bin"``)."""
    path = _HERE / name
    if path.parent != _HERE or not path.is_file():
        from ..errors import InvalidArgument
        shipped = sorted(p.name for p in _HERE.iterdir() if not p.name.startswith(("_", ".")))
        raise InvalidArgument(f"data file {name!r} is not shipped with pyqio; shipped: {shipped}")
    return path


SAMPLE_CAPTURE = _HERE / "sample_capture.bin"
