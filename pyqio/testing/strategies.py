"""Hypothesis strategies for module output and host commands (``pip install 'pyqio[testing]'``).

Module output
    :func:`module_streams` draws a :class:`ModuleStream`: settings
    (:class:`~pyqio.capture.CaptureSettings`: recv format text/hex, showRA, the
    UDP SERVICE sockets, the module profile), the bytes a module with them
    could send, and the events :func:`pyqio.decode` must give for them. Every
    profile of :data:`MODULES` (``bc660k``, ``bc66``, ``bg96``) with its own forms;
    in ``bg96``: data pushed after the URC's line end, buffer access notices and
    ``+QIRD`` answers (:func:`buffer_events`), and the family's other lines
    (:func:`family_events`). Recv payloads are :func:`hostile_payloads` by
    default: CR LF, quotes, whole ``OK`` and ``+QIURC:`` lines, NULs, commas,
    any byte (the length field frames them). :func:`chunked` cuts bytes as a
    serial port could. :func:`events` draws single events, :func:`recv_events`
    recv URCs.

Commands
    :func:`commands` draws every command form of the note (each a
    :mod:`pyqio.commands` object whose ``to_bytes()`` is its line);
    :func:`command_lines` their bytes.

Lower level, used by pyqio's own differential tests of the tokenizer:
:func:`token_streams` (valid output with the tokenizer's tokens),
:func:`recv_urc_lines`, :func:`hex_urc_lines`, :data:`other_lines`,
:data:`arbitrary`, :data:`tokenizer_settings`, :func:`cut_points`.
"""
from __future__ import annotations

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - the test environment has hypothesis
    raise ImportError("pyqio.testing.strategies needs hypothesis: "
                      "pip install 'pyqio[testing]'") from exc

import dataclasses
import itertools
import re
from typing import Any

from .. import events as E
from ..capture import CaptureSettings
from ..errors import InvalidArgument
from ._cmd_strategies import (
    command_lines,
    commands,
    hex_data,
    hosts,
    ips,
    ports,
    qiopen,
    qisend,
    qisend_fixed,
    text_data,
)
from ._event_strategies import (
    MAX_PAYLOAD,
    MODULES,
    buffer_events,
    events,
    family_events,
    hostile_payloads,
    recv_events,
    settings,
)

__all__ = [
    "MAX_PAYLOAD", "MODULES", "ModuleStream", "arbitrary", "buffer_events", "chunked",
    "command_lines", "commands", "cut_points", "events", "family_events", "hex_data",
    "hex_urc_lines", "hostile_payloads", "hosts", "ips", "module_streams", "other_lines",
    "ports", "qiopen", "qisend", "qisend_fixed", "recv_events", "recv_urc_lines",
    "recv_urc_token", "settings", "split", "text_data", "token_streams", "tokenizer_settings",
]


@dataclasses.dataclass(frozen=True)
class ModuleStream:
    """Bytes a module sends under ``settings``, and the ``events`` they decode to.

    ``buffer_access``: the connect ids opened in buffer access mode (bg96 profile), which
    a decoder needs to read ``+QIURC: "recv",<id>,<len>`` as a notice.
    """

    settings: CaptureSettings
    data: bytes
    events: tuple[E.Event, ...]
    buffer_access: tuple[int, ...] = ()

    def decode_kwargs(self) -> dict[str, Any]:
        """``pyqio.decode(stream.data, **stream.decode_kwargs())``, also ``pyqio.Decoder``'s."""
        s = self.settings
        return {"recv_format": s.recv_format, "show_ra": s.show_ra, "udp_service": s.udp_service,
                "module": s.module, "buffer_access": self.buffer_access}


@st.composite
def module_streams(draw: Any, *, module: str | None = "bc660k", recv_format: str | None = None,
                   show_ra: bool | None = None, udp_service: tuple[int, ...] | None = None,
                   payloads: st.SearchStrategy[bytes] | None = None, noise: bool = True,
                   max_events: int = 12,
                   buffer_access: tuple[int, ...] | None = None) -> ModuleStream:
    """A :class:`ModuleStream` of the *module* profile (None: drawn from :data:`MODULES`);
    each setting left None is drawn (*buffer_access*, up to three connect ids, only in
    the bg96 profile: the others have no buffer access mode). With *noise*, NULs and
    empty lines (a module waking or restarting) come between events; they decode to
    nothing."""
    conf = draw(settings(module))
    if buffer_access is None:
        buffer_access = tuple(sorted(draw(st.frozensets(st.integers(0, 11), max_size=3)))) \
            if conf.module == "bg96" else ()
    elif buffer_access and conf.module != "bg96":
        raise InvalidArgument(f"buffer_access={buffer_access!r}: only the bg96 profile has "
                              f"buffer access mode, not {conf.module!r}")
    buffer_access = tuple(sorted(set(buffer_access)))
    changes: dict[str, Any] = {}
    if recv_format is not None:
        changes["recv_format"] = recv_format
    if show_ra is not None:
        changes["show_ra"] = show_ra
    if udp_service is not None:
        changes["udp_service"] = tuple(udp_service)
    conf = dataclasses.replace(conf, **changes)
    evs = draw(st.lists(events(conf, payloads=payloads, buffer_access=buffer_access),
                        max_size=max_events))
    parts = []
    for ev in evs:
        if noise and draw(st.integers(0, 4)) == 0:
            parts.append(draw(st.sampled_from([b"\x00", b"\x00\x00\x00", b"\r\n", b"\r\n\r\n"])))
        parts.append(ev.to_bytes(conf.recv_format, conf.module))
    return ModuleStream(conf, b"".join(parts), tuple(evs), buffer_access)


def cut_points(data: bytes, max_cuts: int = 12) -> st.SearchStrategy[list[int]]:
    """Offsets inside *data* to cut it at."""
    return st.lists(st.integers(1, max(1, len(data) - 1)), max_size=max_cuts)


def split(data: bytes, offsets: list[int]) -> list[bytes]:
    """*data* cut at *offsets* (out-of-range and repeated ones ignored)."""
    edges = [0] + sorted({o for o in offsets if 0 < o < len(data)}) + [len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)] or [b""]


def chunked(data: bytes, max_cuts: int = 12) -> st.SearchStrategy[list[bytes]]:
    """*data* as a list of reads: whole, byte by byte, or cut anywhere."""
    return st.one_of(st.just([data]), st.just([data[i:i + 1] for i in range(len(data))] or [b""]),
                     cut_points(data, max_cuts).map(lambda cuts: split(data, cuts)))


# -- lower level: raw URC lines and the tokenizer's tokens ----------------------------------

def recv_urc_lines(max_id: int, max_size: int) -> st.SearchStrategy[bytes]:
    """A recv URC line: length-framed, length-framed with an address, or address only."""
    return st.builds(
        lambda cid, data, shape: (
            b'+QIURC: "recv",%d,%d,"%s"' % (cid, len(data), data) if shape == 0 else
            b'+QIURC: "recv",%d,%d,"10.1.2.3",%d,"%s"' % (cid, len(data), cid + 1, data)
            if shape == 1 else b'+QIURC: "recv",%d,"::1",9,%s' % (
                cid, data.replace(b"\r", b"").replace(b"\n", b""))),
        st.integers(0, max_id), st.binary(max_size=max_size), st.integers(0, 2))


def hex_urc_lines(max_id: int, max_size: int) -> st.SearchStrategy[bytes]:
    """A hex-mode recv URC line, sometimes with a bad digit at the end."""
    return st.builds(
        lambda cid, data, bad: b'+QIURC: "recv",%d,%d,"%s"' % (
            cid, len(data), data.hex().encode() + (b"G" if bad else b"")),
        st.integers(0, max_id), st.binary(max_size=max_size), st.booleans())


#: Lines around recv URCs, malformed ones included.
other_lines = st.sampled_from([
    b"OK", b"ERROR", b"+QIOPEN: 0,0", b'+QIURC: "closed",2', b">", b"", b"+CME ERROR: 552",
    b"junk\x00line", b'+QIURC: "recv",x', b"SEND OK", b'+QIURC: "recv",1,99999,"x"'])

_H = b'+QIURC: "recv",'
_IPCH = "0123456789abcdefABCDEF.:"
PROMPTS = [b">", b"> ", b"\r\n>", b"\r\n> ", b"\r\n>\r\n"]
EOLS = [b"\r\n", b"\r", b"\n", b"\r\r\n"]
_TOKEN_FRAGMENTS = [_H, b'+QIURC: "re', b'cv",', b"0", b"1", b"3", b"12", b"99999", b"65536", b",",
                    b" ", b'"', b"\r", b"\n", b"\r\n", b"\0", b">", b"> ", b"1.2.3.4", b"::1", b"a",
                    b"4A", b"g", b"OK", b'"\r\n', b"x" * 120, b" " * 60]

#: Any bytes, biased towards pieces of recv URCs.
arbitrary = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(st.sampled_from(_TOKEN_FRAGMENTS), st.binary(max_size=6)), max_size=50)
    .map(b"".join))

#: Keyword arguments of a tokenizer (``hex``, ``show_ra``, ``udp_service``, ``max_line``).
tokenizer_settings = st.fixed_dictionaries({
    "hex": st.booleans(), "show_ra": st.booleans(),
    "udp_service": st.frozensets(st.integers(0, 5), max_size=3),
    "max_line": st.sampled_from([256, 300, 4096])})


def _num(draw: Any, value: int) -> bytes:
    text = str(value)
    return text.rjust(draw(st.integers(len(text), 5)), "0").encode()   # 1-5 digits


def _spaces(draw: Any) -> bytes:
    out: bytes = draw(st.sampled_from([b"", b"", b" ", b"  "]))
    return out


@st.composite
def recv_urc_token(draw: Any, hex_: bool, show_ra: bool, udp: frozenset[int]) -> tuple[bytes, tuple[Any, ...]]:
    """``(bytes, token)`` of one recv URC in any shape the note and the field show."""
    cid = draw(st.integers(0, 4) | st.integers(0, 31))
    raw = draw(st.binary(max_size=100))
    body = raw.hex().encode() if hex_ else raw
    if hex_ and draw(st.booleans()):
        body = body.upper()
    framed = draw(st.booleans())
    head = _H + _spaces(draw) + _num(draw, cid) + b"," + _spaces(draw)
    ip = port = None
    if framed:
        head += _num(draw, len(raw)) + b","
        if show_ra or cid in udp:
            ip = draw(st.text(_IPCH, min_size=1, max_size=45))
            quoted_ip = draw(st.booleans())
            port = draw(st.integers(0, 65535))
            head += _spaces(draw) + (f'"{ip}"' if quoted_ip else ip).encode() + b","
            head += _spaces(draw) + _num(draw, port) + b","
        quoted = body[:1] == b'"' or draw(st.booleans())
    else:
        ip = draw(st.text(_IPCH, min_size=1, max_size=45))
        port = draw(st.integers(0, 65535))
        head += f'"{ip}",'.encode() + _spaces(draw) + _num(draw, port) + b","
        quoted = draw(st.booleans())
        if quoted:      # a '"' then a line end would close it early
            body = re.sub(rb'"(?=[\r\n])', b"'", body)
        else:
            body = re.sub(rb"[\r\n]", b"", body)
            if body[:1] == b'"':
                body = b"z" + body
        raw = bytes.fromhex(body.decode()) if hex_ else body
    data = b'"' + body + b'"' if quoted else body
    eol = draw(st.sampled_from(EOLS))
    token = (2, cid, len(raw) if framed else -1, ip, -1 if port is None else port, raw, framed)
    return draw(st.sampled_from([b"", b"\r\n"])) + head + data + eol, token


@st.composite
def token_streams(draw: Any) -> tuple[dict[str, Any], bytes, list[tuple[Any, ...]]]:
    """``(tokenizer settings, bytes, expected tokens)`` of plausible module output."""
    conf = {"hex": draw(st.booleans()), "show_ra": draw(st.booleans()),
            "udp_service": draw(st.frozensets(st.integers(0, 31), max_size=4)),
            "max_line": draw(st.sampled_from([256, 4096]))}
    parts: list[bytes] = []
    expected: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(["line", "prompt", "recv", "recv", "nul", "eol"]))
        if kind == "line":
            text = bytes(c for c in draw(st.binary(min_size=1, max_size=40)) if c not in b"\0\r\n")
            text = text.lstrip(b" >") or b"x"
            if text.startswith(_H):
                text = b"x" + text
            parts.append(text + draw(st.sampled_from(EOLS)))
            expected.append((0, text))
        elif kind == "prompt":
            parts.append(draw(st.sampled_from(PROMPTS)))
            expected.append((1,))
        elif kind == "recv":
            data, token = draw(recv_urc_token(conf["hex"], conf["show_ra"], conf["udp_service"]))
            parts.append(data)
            expected.append(token)
        elif kind == "nul":
            parts.append(b"\0" * draw(st.integers(1, 4)))
        else:
            parts.append(draw(st.sampled_from(EOLS)))
    return conf, b"".join(parts), expected
