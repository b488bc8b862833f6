"""Strategies for host commands: every command form of the note, anywhere in its ranges.

Re-exported by :mod:`pyqio.testing.strategies` (which checks that hypothesis
is installed first).
"""
from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ..commands import (
    SERVICE_TYPES,
    TEST_COMMANDS,
    At,
    Command,
    Echo,
    Identify,
    QICfgDataFormat,
    QICfgShowRA,
    QIClose,
    QIDnsCfg,
    QIDnsCfgQuery,
    QIDnsGip,
    QIOpen,
    QISend,
    QISendData,
    QISendFixed,
    QISendStats,
    QIState,
    QIStateAll,
    QNtp,
    QPing,
    TestCommand,
)

_PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters='"')
#: Domain names or addresses as a quoted ``<host>`` may hold them (1-150 printable, no ``"``).
hosts = st.text(_PRINTABLE, min_size=1, max_size=150)
ips = st.ip_addresses().map(str)
ctx = st.integers(0, 10)
cid = st.integers(0, 4)
ports = st.integers(1, 65535)
_TEXT_BYTES = [b for b in range(0x20, 0x100) if b not in (0x22, 0x7F)]
#: ``AT+QISEND`` text-mode data (1-1024 bytes, no quote or control byte).
text_data = st.lists(st.sampled_from(_TEXT_BYTES), min_size=1, max_size=1024).map(bytes)
#: ``AT+QISEND`` hex-mode data (1-512 bytes).
hex_data = st.binary(min_size=1, max_size=512)
remotes = st.one_of(st.just((None, None)), st.tuples(ips, ports))


def _nested(*strategies: Any) -> st.SearchStrategy[tuple[Any, ...]]:
    """Optional parameters given left to right only, as the note nests them."""
    return st.integers(0, len(strategies)).flatmap(
        lambda n: st.tuples(*strategies[:n]) if n else st.just(()))


@st.composite
def qiopen(draw: Any) -> QIOpen:
    service = draw(st.sampled_from(SERVICE_TYPES))
    server = service in ("TCP LISTENER", "UDP SERVICE")
    rport = draw(st.integers(0 if service == "TCP LISTENER" else 1, 65535))
    opts = draw(_nested(st.integers(1 if server else 0, 65535), st.just(1)))
    if server and not opts:
        opts = (draw(ports),)
    return QIOpen(draw(ctx), draw(cid), service, draw(hosts), rport, *opts)


@st.composite
def qisend(draw: Any) -> QISend:
    hex_ = draw(st.booleans())
    data = draw(hex_data if hex_ else text_data)
    ip, port = draw(remotes)
    rai = draw(st.none() | st.integers(0, 2))
    return QISend(draw(cid), data, hex=hex_, rai_mode=rai, remote_ip=ip, remote_port=port)


@st.composite
def qisend_fixed(draw: Any) -> QISendFixed:
    hex_ = draw(st.booleans())
    ip, port = draw(remotes)
    return QISendFixed(draw(cid), draw(st.integers(1, 512 if hex_ else 1024)), ip, port, hex=hex_)


def commands() -> st.SearchStrategy[Command]:
    """Every command form of the note (test, read and write forms), valid arguments."""
    return st.one_of(
        st.just(At()), st.builds(Echo, st.booleans()), st.just(Identify()),
        st.builds(TestCommand, st.sampled_from(TEST_COMMANDS)),
        qiopen(), st.builds(QIClose, cid), st.just(QIStateAll()),
        st.one_of(st.builds(QIState, st.just(0), ctx), st.builds(QIState, st.just(1), cid)),
        qisend(), remotes.flatmap(lambda r: st.builds(QISendData, cid, st.just(r[0]), st.just(r[1]))),
        qisend_fixed(), st.builds(QISendStats, cid),
        st.builds(lambda c, h, o: QPing(c, h, *o), ctx, hosts,
                  _nested(st.integers(1, 255), st.integers(1, 10), st.integers(32, 1500),
                          st.integers(0, 1))),
        st.builds(lambda c, h, o: QNtp(c, h, *o), ctx, hosts, _nested(ports, st.integers(0, 1))),
        st.builds(QIDnsGip, ctx, hosts), st.builds(QIDnsCfg, ctx, ips, st.none() | ips),
        st.builds(QIDnsCfgQuery, ctx),
        st.just(QICfgDataFormat()), st.builds(QICfgDataFormat, st.booleans(), st.booleans()),
        st.builds(QICfgShowRA, st.none() | st.booleans()),
    )


def command_lines() -> st.SearchStrategy[bytes]:
    """The bytes of :func:`commands` (each a line ending in CR; a hex-mode
    ``AT+QISEND`` line reads back with ``parse(line, send_format="hex")``)."""
    return commands().map(lambda c: c.to_bytes())
