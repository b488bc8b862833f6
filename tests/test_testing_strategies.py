"""pyqio.testing.strategies: the public strategies give what they promise, and
hypothesis stays optional (a clear ImportError naming the extra without it).

Needs: pytest, hypothesis (the `testing` extra).
"""
from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import pyqio
from pyqio import events as E
from pyqio.commands import parse
from pyqio.errors import InvalidArgument
from pyqio.testing.strategies import (
    MODULES,
    chunked,
    command_lines,
    commands,
    hostile_payloads,
    module_streams,
    recv_events,
)
from pyqio.testing.strategies import settings as module_settings

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(st.data())
def test_module_streams_decode_to_their_events_however_they_are_cut(data):
    stream = data.draw(module_streams())
    assert pyqio.decode(stream.data, **stream.decode_kwargs()) == list(stream.events)
    dec = pyqio.Decoder(**stream.decode_kwargs())
    got = []
    for chunk in data.draw(chunked(stream.data)):
        got += dec.feed(chunk)
    assert got + dec.finish() == list(stream.events)


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
    assert "bc660k" in MODULES
    find(module_streams(module="bc660k"), lambda s: s.settings.module == "bc660k")
    with pytest.raises(InvalidArgument, match="module='bg99'.*bc660k"):
        module_settings(module="bg99")


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
