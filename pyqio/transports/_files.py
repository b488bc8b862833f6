"""Transport URL options that write files: refused unless the caller opts in.

A URL often comes from a configuration file or a command line, and a URL
option that writes a file (``spy://...?file=LOG`` writes pyserial's spy log,
``sim://?state_file=PATH`` the simulator's NVRAM) would let whoever wrote the
URL create or truncate any file the process may write.  So such a URL opens
only with ``allow_files=True`` (``open_transport``, ``Modem``) or the CLI's
``--allow-files``; otherwise it raises :class:`~pyqio.errors.InvalidArgument`
saying how to allow it.
"""
from __future__ import annotations

from urllib.parse import parse_qsl

from ..errors import InvalidArgument

__all__ = ["FILE_OPTIONS", "check_file_options"]

#: scheme -> the query options that write a file
FILE_OPTIONS: dict[str, tuple[str, ...]] = {"spy": ("file",), "sim": ("state_file",)}


def check_file_options(url: str, allow_files: bool) -> list[str]:
    """The file paths *url* would write; raises unless *allow_files*."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    names = FILE_OPTIONS.get(scheme, ())
    query = url.partition("?")[2]
    paths = [v for k, v in parse_qsl(query, keep_blank_values=True) if k in names]
    if paths and not allow_files:
        raise InvalidArgument(
            f"device {url!r} would write the file {paths[0]!r} ({scheme}://...?"
            f"{names[0]}=); pass allow_files=True (command line: --allow-files) to allow it")
    return paths
