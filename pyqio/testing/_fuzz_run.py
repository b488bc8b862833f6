"""Running a user's handler on one module stream, shrinking a failing stream,
and saving it as a capture: the parts of ``pyqio fuzz`` that need no fuzzer."""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import inspect
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..capture import MODULE, Capture, CaptureSettings, CaptureWriter, read_capture
from ..errors import InvalidArgument

__all__ = ["Finding", "feed", "load_target", "minimize", "reproduce", "save_reproducer"]


def load_target(spec: str) -> Callable[..., Any]:
    """``"package.module:function"`` (or ``path/to/file.py:function``) -> the callable."""
    modname, sep, attr = spec.rpartition(":")
    if not sep or not modname or not attr:
        raise InvalidArgument(f"{spec!r}: expected MODULE:CALLABLE, e.g. myapp.handlers:on_events")
    if modname.endswith(".py") or os.sep in modname:
        path = Path(modname).resolve()
        if not path.is_file():
            raise InvalidArgument(f"{spec!r}: no such file {path}")
        sys.path.insert(0, str(path.parent))
        modname = path.stem
    elif "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` would, for the user's own package
    try:
        module = importlib.import_module(modname)
    except ImportError as exc:
        raise InvalidArgument(f"{spec!r}: cannot import {modname}: {exc}") from None
    target: Any = module
    for part in attr.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise InvalidArgument(f"{spec!r}: {modname} has no {attr}")
    if not callable(target):
        raise InvalidArgument(f"{spec!r}: {attr} is not callable")
    found: Callable[..., Any] = target
    return found


def wants_session(callback: Callable[..., Any]) -> bool:
    """True when *callback* takes ``(session, events)``; False for ``(events)``."""
    try:
        params = [p for p in inspect.signature(callback).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    except (TypeError, ValueError):
        return False
    return len(params) >= 2


def feed(callback: Callable[..., Any], settings: CaptureSettings, chunks: list[bytes]) -> None:
    """Feed *chunks* as the module's reads: ``callback(events)`` after each read (a
    :class:`pyqio.Decoder`), or ``callback(session, events)`` (a :class:`pyqio.Session`);
    the decoder's end-of-stream events go in one last call."""
    if wants_session(callback):
        from ..session import Session
        session = Session(settings.recv_format, settings.show_ra, send_format=settings.send_format,
                          module=settings.module)
        session.decoder.udp_service = settings.udp_service
        for chunk in chunks:
            session.receive_data(chunk)
            callback(session, session.events())
        return
    from ..wire import Decoder
    dec = Decoder(settings.recv_format, settings.show_ra, settings.udp_service,  # type: ignore[arg-type]
                  module=settings.module)  # type: ignore[arg-type]
    for chunk in chunks:
        callback(dec.feed(chunk))
    tail = dec.finish()
    if tail:
        callback(tail)


@dataclasses.dataclass
class Finding:
    """An exception the handler raised, and the stream that made it."""

    error: BaseException
    settings: CaptureSettings
    chunks: list[bytes]
    path: Path | None = None

    @property
    def signature(self) -> tuple[str, str]:
        """The exception type and the line it came from: what a shrink must keep."""
        return _signature(self.error)

    def describe(self) -> str:
        kept = _TRACES.get(id(self.error))
        tb = kept[1] if kept and kept[0] is self.error else "".join(
            traceback.format_exception(type(self.error), self.error, self.error.__traceback__))
        size = sum(map(len, self.chunks))
        where = f"; reproducer: {self.path}" if self.path else ""
        return f"{type(self.error).__name__}: {self.error} ({size} bytes in {len(self.chunks)} read(s)){where}\n{tb}"


def _signature(exc: BaseException) -> tuple[str, str]:
    tb = traceback.extract_tb(exc.__traceback__)
    last = f"{tb[-1].filename}:{tb[-1].lineno}" if tb else ""
    return type(exc).__name__, last


def run_one(callback: Callable[..., Any], settings: CaptureSettings, chunks: list[bytes]) -> BaseException | None:
    try:
        feed(callback, settings, chunks)
    except Exception as exc:  # noqa: BLE001 - any exception of the handler is a finding
        if len(_TRACES) > 64:  # bounded: only the last findings' traces are asked for
            _TRACES.clear()
        _TRACES[id(exc)] = (exc, traceback.format_exc())  # before a fuzzer re-raises it
        return exc
    return None


_TRACES: dict[int, tuple[BaseException, str]] = {}


def minimize(finding: Finding, callback: Callable[..., Any], max_tries: int = 4000) -> Finding:
    """Shrink the stream while the same exception (type and line) comes out: fewer
    reads first, then fewer bytes (delta debugging on the whole stream)."""
    want = finding.signature
    tries = 0

    def fails(chunks: list[bytes]) -> BaseException | None:
        nonlocal tries
        tries += 1
        err = run_one(callback, finding.settings, chunks)
        return err if err is not None and _signature(err) == want else None

    best, err = list(finding.chunks), finding.error
    joined = [b"".join(best)]
    if (e := fails(joined)) is not None:  # the cuts rarely matter
        best, err = joined, e
    data = b"".join(best)
    n = 2
    while len(data) >= 2 and tries < max_tries:
        size = max(1, len(data) // n)
        shrunk = False
        for start in range(0, len(data), size):
            candidate = data[:start] + data[start + size:]
            pieces = [candidate] if len(best) == 1 else _recut(candidate, best)
            if (e := fails(pieces)) is not None:
                data, best, err, shrunk = candidate, pieces, e, True
                n = max(n - 1, 2)
                break
        if not shrunk:
            if size == 1:
                break
            n = min(len(data), n * 2)
    return Finding(err, finding.settings, best)


def _recut(data: bytes, like: list[bytes]) -> list[bytes]:
    out, pos = [], 0
    for chunk in like:
        out.append(data[pos:pos + len(chunk)])
        pos += len(chunk)
    if pos < len(data):
        out.append(data[pos:])
    return [c for c in out if c] or [b""]


def save_reproducer(finding: Finding, out: str | os.PathLike[str], target: str = "") -> Path:
    """Write the finding's stream as a capture in directory *out*; returns its path."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(b"".join(finding.chunks) + repr(finding.settings).encode()).hexdigest()[:12]
    path = folder / f"fuzz-{type(finding.error).__name__}-{digest}.cap"
    meta = {"fuzz_target": target, "error": f"{type(finding.error).__name__}: {finding.error}"}
    with CaptureWriter(path, settings=finding.settings, meta=meta) as writer:
        for i, chunk in enumerate(finding.chunks):
            writer.write(MODULE, chunk, t_ns=i)
    finding.path = path
    return path


def reproduce(callback: Callable[..., Any], capture: Capture | str | os.PathLike[str]) -> BaseException | None:
    """Feed a capture's module reads to *callback* as ``pyqio fuzz`` did; the exception, or None."""
    cap = capture if isinstance(capture, Capture) else read_capture(capture)
    chunks = [r.data for r in cap.records if r.kind == MODULE]
    return run_one(callback, cap.settings, chunks)
