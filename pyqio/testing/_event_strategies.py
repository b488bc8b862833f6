"""Strategies for single events of module output, per module profile.

Re-exported by :mod:`pyqio.testing.strategies` (which checks that hypothesis is
installed first). Each profile draws what its modules print (docs/modules.md):

- ``bc660k`` and ``bc66``: the note's forms, recv URCs on one line with the
  payload in quotes (note 2.4.2);
- ``bg96``: the same result codes and URCs, and the family's own forms: data
  pushed after the URC's line end (a UDP SERVICE push with the sender's
  address), buffer access mode's ``+QIURC: "recv"`` notices and the three
  ``+QIRD`` answers, the ``"dnsgip"`` URCs, ``"pdpdeact"``, ``"incoming full"``,
  the 10-field ``+QISTATE`` row and ``+QNTP`` times with a zone.
"""
from __future__ import annotations

import datetime
from typing import Any

from hypothesis import strategies as st

from .. import events as E
from ..capture import CaptureSettings
from ..errors import InvalidArgument
from ..protocol import MODULES, PROFILE_CONNECT_IDS, PROFILE_CONTEXT_IDS
from ..wire._result import ResultCode

__all__ = [
    "MAX_PAYLOAD", "MODULES", "buffer_events", "events", "family_events", "hostile_payloads",
    "recv_events", "settings",
]

MAX_PAYLOAD = 1024  # a downlink packet is cut into URCs of at most this much data


def _check_module(module: str) -> str:
    if module not in MODULES:
        raise InvalidArgument(f"module={module!r}: the strategies know {', '.join(MODULES)}")
    return module


def _ids(module: str) -> st.SearchStrategy[int]:
    """The profile's ``<connectID>`` range: 0-4 (note 2.3.1), 0-11 on the BG96 family."""
    ids = PROFILE_CONNECT_IDS[module]
    return st.integers(ids[0], ids[-1])


_FAKE_LINES = [b"\r\nOK\r\n", b'\r\n+QIURC: "closed",0\r\n', b'+QIURC: "recv",0,5,"abcde"\r\n',
               b"\r\nSEND OK\r\n", b"\r\nERROR\r\n", b"\r\n> ", b"+IP: 1.2.3.4\r\n", b"RDY\r\n",
               b'+QIURC: "recv",0,3\r\n', b"+QIRD: 2\r\n"]
_FRAGMENTS = [b"\r", b"\n", b"\r\n", b'"', b'",', b",", b"\x00", b"\x1a", b"\x1b", b">", b" ",
              b"OK", b"+QIURC:", b'"recv"', b"\xff\xfe", *_FAKE_LINES]


def hostile_payloads(max_size: int = 256) -> st.SearchStrategy[bytes]:
    """Payload bytes a naive parser chokes on: line ends, quotes, fake results and URCs
    (the bg96 profile's headers too), NULs."""
    pieces = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.binary(max_size=8)), max_size=24)
    return st.one_of(st.binary(max_size=max_size),
                     pieces.map(b"".join).map(lambda b: b[:max_size]))


def settings(module: str | None = None) -> st.SearchStrategy[CaptureSettings]:
    """Module settings: recv/send format, showRA, UDP SERVICE ids (in the profile's
    connect id range), the profile (drawn from :data:`MODULES` when None)."""
    if module is not None:
        return _settings(_check_module(module))
    return st.sampled_from(MODULES).flatmap(_settings)


def _settings(module: str) -> st.SearchStrategy[CaptureSettings]:
    return st.builds(CaptureSettings, module=st.just(module),
                     recv_format=st.sampled_from(["text", "hex"]),
                     send_format=st.sampled_from(["text", "hex"]), show_ra=st.booleans(),
                     udp_service=st.frozensets(_ids(module), max_size=2).map(tuple))


_ADDRESS = st.tuples(st.ip_addresses().map(str), st.integers(0, 65535))


@st.composite
def recv_events(draw: Any, conf: CaptureSettings | None = None, *,
                payloads: st.SearchStrategy[bytes] | None = None,
                buffer_access: tuple[int, ...] = ()) -> E.Recv:
    """A recv URC event valid under *conf* (note 2.4.2): the address present exactly
    when showRA is on or the socket is a UDP SERVICE. In the bg96 profile the data
    follows the header's line end (direct push); sockets opened in buffer access
    mode (*buffer_access*) get no pushed data, only notices (:func:`buffer_events`)."""
    conf = conf or CaptureSettings()
    ids = PROFILE_CONNECT_IDS[_check_module(conf.module)]
    pushed = [i for i in ids if i not in buffer_access]
    if not pushed:
        raise InvalidArgument(f"buffer_access={buffer_access!r} leaves no connect id for "
                              "pushed data")
    cid = draw(st.sampled_from(pushed) if buffer_access else st.integers(ids[0], ids[-1]))
    data = draw(payloads if payloads is not None else hostile_payloads())[:MAX_PAYLOAD]
    if conf.show_ra or cid in conf.udp_service:
        ip, port = draw(_ADDRESS)
        return E.Recv(cid, data, len(data), ip, port)
    return E.Recv(cid, data, len(data))


def _others(module: str) -> st.SearchStrategy[E.Event]:
    cids = _ids(module)
    return st.one_of(
        st.sampled_from([E.Ok(), E.Error(), E.SendOk(), E.SendFail(), E.CloseOk()]),
        st.builds(E.Closed, cids),
        st.builds(E.OpenResult, cids, st.sampled_from([0, 563, 566])),
        st.builds(E.CmeError, st.sampled_from([550, 552, 561, 569])),
        st.builds(E.SendStats, st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6)),
        st.builds(E.IpAddress, st.ip_addresses(v=4).map(str)),
        st.builds(E.Incoming, cids, cids, st.ip_addresses(v=4).map(str), st.integers(1, 65535)),
    )


_RESULTS = st.one_of(st.sampled_from(list(ResultCode)), st.integers(0, 999))
_IPS = st.ip_addresses().map(str)
_PORTS = st.integers(0, 65535)
_COUNTS = st.integers(0, 10**6)
_TIMES = st.datetimes(datetime.datetime(2000, 1, 1), datetime.datetime(2099, 12, 31)).map(
    lambda t: t.replace(microsecond=0, tzinfo=datetime.timezone.utc))


def family_events() -> st.SearchStrategy[E.Event]:
    """The BG96 family's lines besides its data framing (BG96 TCP/IP Application Note
    2.2.x, 2.3.x): ``"pdpdeact"`` and ``"incoming full"`` URCs, the counters answer
    ``+QIRD: <total>,<read>,<unread>``, the DNS answer as ``"dnsgip"`` URCs, the
    10-field ``+QISTATE`` row and ``+QNTP`` with a zone (every profile decodes them)."""
    ctx = PROFILE_CONTEXT_IDS["bg96"]
    cids = _ids("bg96")
    return st.one_of(
        st.builds(E.PdpDeactivated, st.integers(ctx[0], ctx[-1])),
        st.just(E.IncomingFull()),
        st.builds(E.ReadStats, _COUNTS, _COUNTS, _COUNTS),
        st.builds(E.DnsResult, _RESULTS, st.integers(0, 10), _COUNTS, st.just(True)),
        st.builds(E.DnsAddress, _IPS, st.just(True)),
        st.builds(E.SocketStatus, cids, st.sampled_from(["TCP", "UDP", "TCP INCOMING"]), _IPS,
                  _PORTS, _PORTS, st.integers(0, 4), st.integers(ctx[0], ctx[-1]),
                  st.integers(0, 2), cids, st.sampled_from(["uart1", "usbat", "usbmodem"])),
        st.builds(E.NtpResult, _RESULTS, _TIMES, st.integers(-48, 56)),
    )


def buffer_events(*, payloads: st.SearchStrategy[bytes] | None = None,
                  buffer_access: tuple[int, ...] = ()) -> st.SearchStrategy[E.Event]:
    """Buffer access mode's forms (bg96 profile): the ``+QIURC: "recv",<id>`` notice (with
    the BG95 series' length only for *buffer_access* ids, where the decoder reads that
    form as a notice) and the data of ``+QIRD`` answers, with the sender's address as a
    UDP SERVICE socket's are, ``+QIRD: 0`` (no data) included."""
    data = (payloads if payloads is not None else hostile_payloads()).map(lambda b: b[:MAX_PAYLOAD])
    notices = st.builds(E.RecvNotice, _ids("bg96"))
    if buffer_access:
        notices |= st.builds(E.RecvNotice, st.sampled_from(sorted(buffer_access)),
                             st.integers(0, 65535))
    return st.one_of(notices, st.builds(E.ReadData, data),
                     st.builds(E.ReadData, data, _IPS, _PORTS))


def events(conf: CaptureSettings | None = None, *,
           payloads: st.SearchStrategy[bytes] | None = None,
           buffer_access: tuple[int, ...] = ()) -> st.SearchStrategy[E.Event]:
    """One event the module of *conf*'s profile could send under *conf*: a recv URC
    (half the time), a final result, a URC, a deferred result; in the bg96 profile also
    :func:`buffer_events` and :func:`family_events`."""
    conf = conf or CaptureSettings()
    module = _check_module(conf.module)
    data = recv_events(conf, payloads=payloads, buffer_access=buffer_access)
    if module != "bg96":
        return st.one_of(data, _others(module))
    return st.one_of(data, st.one_of(_others(module), family_events(),
                                     buffer_events(payloads=payloads,
                                                   buffer_access=buffer_access)))
