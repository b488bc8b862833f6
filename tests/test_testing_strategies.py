"""pyqio.testing.strategies: the public strategies give what they promise, and
hypothesis stays optional (a clear ImportError naming the extra without it).

What a drawn stream holds decodes to the events it names, in every module profile and
on both tokenizer backends, however it is cut; the bg96 profile's streams reach every
form of that family.

Needs: pytest, hypothesis (the `testing` extra).
"""
from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import load_backend
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import pyqio
from pyqio import events as E
from pyqio.capture import CaptureSettings
from pyqio.commands import parse
from pyqio.errors import InvalidArgument
from pyqio.protocol import MODULES as PROFILES
from pyqio.testing.strategies import (
    MODULES,
    chunked,
    command_lines,
    commands,
    events,
    hostile_payloads,
    module_streams,
    recv_events,
)
from pyqio.testing.strategies import settings as module_settings

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# find() of an example that shows a strategy reaches something: the first one will do
# (shrinking it would cost minutes and prove nothing more)
FIND = settings(max_examples=2000, deadline=None, database=None, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck))


@pytest.fixture(params=["c", "python"], scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    """The tokenizer backend a Decoder is built on: every round trip runs on both."""
    load_backend(request.param)     # fails (never skips under CI) when C is not built
    return request.param


@pytest.mark.parametrize("module", MODULES)
@SETTINGS
@given(data=st.data())
def test_module_streams_decode_to_their_events_however_they_are_cut(backend, module, data):
    stream = data.draw(module_streams(module=module))
    assert stream.settings.module == module
    assert pyqio.decode(stream.data, **stream.decode_kwargs()) == list(stream.events)
    dec = pyqio.Decoder(**stream.decode_kwargs(), backend=backend)
    got = []
    for chunk in data.draw(chunked(stream.data)):
        got += dec.feed(chunk)
    assert got + dec.finish() == list(stream.events)


def _is(cls, **fields):
    return lambda ev: isinstance(ev, cls) and all(
        (getattr(ev, k) is not None) == v if isinstance(v, bool) and k != "urc" else
        getattr(ev, k) == v for k, v in fields.items())


# every form of the bg96 profile the strategies promise (docs/testing.md), each found
# in a drawn stream: what a user's property over module_streams(module="bg96") covers
BG96_FORMS = {
    "direct push, data after the line end": _is(E.Recv, remote_ip=False),
    "UDP SERVICE push with the sender": _is(E.Recv, remote_ip=True),
    "buffer access notice": _is(E.RecvNotice, length=False),
    "buffer access notice with a length": _is(E.RecvNotice, length=True),
    "+QIRD data": lambda ev: isinstance(ev, E.ReadData) and ev.data and ev.remote_ip is None,
    "+QIRD data with the sender": _is(E.ReadData, remote_ip=True),
    "+QIRD: 0": lambda ev: isinstance(ev, E.ReadData) and not ev.data,
    "+QIRD counters": _is(E.ReadStats),
    "dnsgip URC, the count": _is(E.DnsResult, urc=True),
    "dnsgip URC, an address": _is(E.DnsAddress, urc=True),
    "pdpdeact": _is(E.PdpDeactivated),
    "incoming full": _is(E.IncomingFull),
    "10-field +QISTATE": _is(E.SocketStatus, at_port=True),
    "+QNTP with a zone": _is(E.NtpResult, zone_quarters=True),
}


@pytest.mark.parametrize("form", sorted(BG96_FORMS))
def test_bg96_events_reach_every_form_of_the_family(form):
    conf = CaptureSettings(module="bg96", udp_service=(2,))
    find(events(conf, buffer_access=(7,)), BG96_FORMS[form], settings=FIND)


def test_bg96_streams_hold_the_family_forms_and_notices_with_a_length_only_for_buffer_ids():
    found = find(module_streams(module="bg96"),
                 lambda s: sum(any(f(ev) for f in BG96_FORMS.values()) for ev in s.events) >= 3
                 and any(isinstance(ev, E.RecvNotice) and ev.length is not None
                         for ev in s.events), settings=FIND)
    assert found.settings.module == "bg96"
    assert {ev.connect_id for ev in found.events
            if isinstance(ev, E.RecvNotice) and ev.length is not None} <= set(found.buffer_access)


@pytest.mark.parametrize("module", ["bc660k", "bc66"])
@SETTINGS
@given(data=st.data())
def test_one_line_profiles_draw_only_the_notes_forms(module, data):
    stream = data.draw(module_streams(module=module))
    family_only = [form for name, form in BG96_FORMS.items() if "push" not in name]
    assert stream.buffer_access == ()
    for ev in stream.events:
        assert not any(form(ev) for form in family_only), ev
        assert getattr(ev, "connect_id", 0) in range(5)     # note 2.3.1: 0-4
        if isinstance(ev, E.Recv):      # the payload in quotes on the URC's line
            assert ev.to_bytes(stream.settings.recv_format, module).endswith(b'"\r\n')


@SETTINGS
@given(module_streams(recv_format="hex", show_ra=True, udp_service=(1,)))
def test_fixed_settings_are_kept_and_addresses_follow_show_ra(stream):
    assert stream.settings.recv_format == "hex" and stream.settings.show_ra
    assert stream.settings.udp_service == (1,)
    for ev in stream.events:
        if isinstance(ev, E.Recv):
            assert ev.remote_ip is not None and ev.remote_port is not None


@SETTINGS
@given(module_settings().flatmap(lambda conf: st.tuples(st.just(conf), recv_events(conf))))
def test_recv_events_carry_an_address_exactly_when_the_settings_say(pair):
    conf, ev = pair
    assert (ev.remote_ip is not None) == (conf.show_ra or ev.connect_id in conf.udp_service)
    assert ev.length == len(ev.data) <= 1024


@pytest.mark.parametrize("piece", [b"\r\nOK\r\n", b'\r\n+QIURC: "closed",0\r\n', b"\x00", b'"'])
def test_hostile_payloads_hold_what_breaks_naive_parsers(piece):
    assert piece in find(hostile_payloads(), lambda b: piece in b)


def test_module_streams_reach_both_formats_and_show_ra():
    find(module_streams(), lambda s: s.settings.recv_format == "hex" and s.settings.show_ra
         and any(isinstance(e, E.Recv) and b"\r\n" in e.data for e in s.events))


def test_chunked_gives_the_whole_byte_by_byte_and_cuts():
    data = b"0123456789"
    find(chunked(data), lambda c: c == [data])
    find(chunked(data), lambda c: len(c) == len(data))
    find(chunked(data), lambda c: 1 < len(c) < len(data))


@SETTINGS
@given(chunked(b"abcdefgh"))
def test_chunks_join_to_the_data(chunks):
    assert b"".join(chunks) == b"abcdefgh"


@SETTINGS
@given(commands(), command_lines())
def test_commands_are_lines_parse_reads_back(cmd, line):
    fmt = "hex" if getattr(cmd, "hex", False) else "text"
    assert parse(cmd.to_bytes(), send_format=fmt) == cmd
    assert line.startswith((b"AT", b"at")) and line.endswith(b"\r")


def test_module_parameter_names_the_known_profiles():
    assert MODULES == PROFILES
    for module in MODULES:
        find(module_streams(module=module), lambda s, m=module: s.settings.module == m,
             settings=FIND)
    find(module_streams(module=None), lambda s: s.settings.module == "bg96", settings=FIND)
    with pytest.raises(InvalidArgument, match="module='bg99'.*bc660k, bc66, bg96"):
        module_settings(module="bg99")
    with pytest.raises(InvalidArgument, match="buffer_access=.*only the bg96 profile"):
        find(module_streams(module="bc66", buffer_access=(1,)), lambda s: True, settings=FIND)


@SETTINGS
@given(module_streams(module="bg96", buffer_access=(3, 1)))
def test_fixed_buffer_access_is_kept_and_no_data_is_pushed_to_those_ids(stream):
    assert stream.buffer_access == (1, 3)
    assert stream.decode_kwargs()["buffer_access"] == (1, 3)
    for ev in stream.events:
        if isinstance(ev, E.Recv) and ev.remote_ip is None:
            assert ev.connect_id not in (1, 3)


def _run_without_hypothesis(code: str) -> subprocess.CompletedProcess:
    blocker = "import sys; sys.modules['hypothesis'] = None\n"  # as if it were not installed
    return subprocess.run([sys.executable, "-c", blocker + code], capture_output=True, text=True,
                          check=False, timeout=60)


def test_without_hypothesis_the_strategies_ask_for_the_testing_extra():
    proc = _run_without_hypothesis("import pyqio.testing.strategies")
    assert proc.returncode == 1
    assert "ImportError: pyqio.testing.strategies needs hypothesis: pip install 'pyqio[testing]'" \
        in proc.stderr


def test_without_hypothesis_the_rest_of_pyqio_testing_imports():
    proc = _run_without_hypothesis(
        "import pyqio.testing, pyqio.testing.plugin, pyqio.capture\n"
        "print(pyqio.testing.sim_url('slow'))")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("sim://?latency=")
