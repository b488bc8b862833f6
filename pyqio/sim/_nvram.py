"""The simulated module's NVRAM: the ``AT+QICFG`` settings kept in a JSON state file.

The module saves ``AT+QICFG`` settings "to NVRAM automatically" (note 2.3.9); the
simulator keeps them in the file the user named (``SimConfig.state_file``) and
nowhere else.  Writing is atomic: a temporary file made with ``mkstemp`` in the
target's own directory, flushed, then ``os.replace``d over the target, so a crash
leaves the old file or the new one and a planted name beside it is never
followed.  A target that is a symbolic link is refused (reading opens with
``O_NOFOLLOW`` too), and a file that is not a state file is an
:class:`~pyqio.errors.InvalidArgument` at start, so it is never overwritten.
"""
from __future__ import annotations

import json
import os
import stat
import tempfile

from ..errors import InvalidArgument

__all__ = ["KEYS", "load", "save"]

KEYS = ("send_hex", "recv_hex", "show_ra")


def _refuse_symlink(path: str) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise InvalidArgument(f"sim state file {path!r} is a symbolic link; name the file "
                              "itself (links are never followed)")
    if not stat.S_ISREG(mode):
        raise InvalidArgument(f"sim state file {path!r} is not a regular file")


def load(path: str | None) -> dict[str, bool]:
    """The saved settings (every key False when *path* is None or does not exist yet)."""
    if not path:
        return dict.fromkeys(KEYS, False)
    _refuse_symlink(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return dict.fromkeys(KEYS, False)
    except OSError as exc:  # ELOOP: it became a link since the check
        raise InvalidArgument(f"sim state file {path!r} cannot be read: {exc}") from exc
    with os.fdopen(fd, "rb") as f:
        raw = f.read(65536)
    try:
        saved = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidArgument(f"sim state file {path!r} is not a state file (JSON with "
                              f"{', '.join(KEYS)}): {exc}") from None
    if not isinstance(saved, dict) or not all(
            isinstance(saved.get(k, False), bool) for k in KEYS):
        raise InvalidArgument(f"sim state file {path!r} is not a state file: expected a JSON "
                              f"object with true/false values for {', '.join(KEYS)}")
    return {k: saved.get(k, False) for k in KEYS}


def save(path: str, settings: dict[str, bool]) -> None:
    """Write *settings* to *path* atomically (see the module docstring)."""
    _refuse_symlink(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".pyqio-nvram-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({k: bool(settings[k]) for k in KEYS}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # replaces a name, never writes through one
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
