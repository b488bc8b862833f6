"""The simulator's command line handling: echo, ATI, test answers, ERROR, NVRAM, restart.

Byte for byte against the note (2.1.2 framing, 2.3.x test commands, 2.3.9 NVRAM).
"""
from __future__ import annotations

import asyncio
import json

import pytest

from pyqio.errors import InvalidArgument
from pyqio.sim import SimConfig, Simulator
from tests.servers import tcp_echo_server
from tests.servers.link import Link, async_test

OK = b"\r\nOK\r\n"
ERROR = b"\r\nERROR\r\n"


@async_test
async def test_at_answers_ok_in_either_case() -> None:
    link = await Link.memory()
    assert await link.command(b"AT") == OK
    assert await link.command(b"at") == OK


@async_test
async def test_echo_repeats_the_line_until_ate0() -> None:
    link = await Link.memory(SimConfig())  # echo on, as after boot
    assert await link.command(b"AT") == b"AT\r" + OK
    assert await link.command(b"ATE0") == b"ATE0\r" + OK  # echoed before it takes effect
    assert await link.command(b"AT") == OK
    assert await link.command(b"ATE1") == OK
    assert await link.command(b"AT+QICFG=\"showRA\"") == (
        b'AT+QICFG="showRA"\r\r\n+QICFG: "showRA",0\r\n' + OK)


@async_test
async def test_ati_identifies_the_module() -> None:
    link = await Link.memory()
    assert await link.command(b"ATI") == (
        b"\r\nQuectel_Ltd\r\nQuectel_BC660K-GL\r\nRevision: BC660KGLAAR01A03\r\n" + OK)


TEST_ANSWERS = {
    b"QIOPEN": b'\r\n+QIOPEN: (0-10),(0-4),"TCP/UDP/TCP LISTENER/UDP SERVICE",<host>,'
               b"(1-65535),(0-65535),(1)\r\n",
    b"QICLOSE": b"\r\n+QICLOSE: (0-4)\r\n",
    b"QISTATE": b"\r\n+QISTATE: 0,(0-10)\r\n\r\n+QISTATE: 1,(0-4)\r\n",
    b"QISEND": b"\r\n+QISEND: (0-4),<remote_ip>,<remote_port>,(0-1024),<data>,(0-2)\r\n",
    b"QPING": b"\r\n+QPING: (0-10),<host>,(1-255),(1-10),(32-1500),(0,1)\r\n",
    b"QNTP": b"\r\n+QNTP: (0-10),<server>,(1-65535),(0,1)\r\n",
    b"QIDNSGIP": b"\r\n+QIDNSGIP: (0-10),<hostname>\r\n",
    b"QIDNSCFG": b"\r\n+QIDNSCFG: (0-10),<pridnsaddr>,<secdnsaddr>\r\n",
    b"QICFG": b'\r\n+QICFG: "dataformat",(0,1),(0,1)\r\n\r\n+QICFG: "showRA",(0,1)\r\n',
}


@pytest.mark.parametrize("name", sorted(TEST_ANSWERS))
@async_test
async def test_test_commands_answer_the_notes_ranges(name: bytes) -> None:
    link = await Link.memory()
    assert await link.command(b"AT+%s=?" % name) == TEST_ANSWERS[name] + OK


@pytest.mark.parametrize("line", [
    b"AT+BOGUS", b"HELLO", b'AT+QIOPEN=0,5,"TCP","127.0.0.1",80', b'AT+QISEND=0,6,"12345"',
    b"AT+QICLOSE=0", b"AT+QISEND=1,0", b'AT+QISEND=0,5,"12345"', b"AT+QISEND=0",
    b"AT+QIDNSCFG=1", b'AT+QIOPEN=0,0,"TCP","127.0.0.1"',
])
@async_test
async def test_malformed_or_impossible_commands_answer_error(line: bytes) -> None:
    link = await Link.memory()
    assert await link.command(line, ERROR) == ERROR
    assert await link.command(b"AT") == OK  # and the link goes on


@async_test
async def test_line_past_the_cap_is_dropped_with_error_and_memory_stays_bounded() -> None:
    link = await Link.memory()
    for _ in range(64):
        link.send(b"A" * 4096)  # 256 KiB without a CR
    await link.settle(2)
    assert link.sim is not None and len(link.sim._rx) <= 8192
    assert await link.command(b"", ERROR) == ERROR
    assert await link.command(b"AT") == OK


@async_test
async def test_nul_and_line_feeds_before_a_command_are_ignored() -> None:
    link = await Link.memory()
    assert await link.command(b"\x00\x00\nAT") == OK
    link.send(b"\r\n\r\n")
    assert await link.settle() == b""


@async_test
async def test_qistate_only_knows_context_0() -> None:
    server, port = await tcp_echo_server()
    link = await Link.memory()
    await link.command(b'AT+QIOPEN=0,4,"TCP","127.0.0.1",%d' % port, b"+QIOPEN: 4,0\r\n")
    row = b'\r\n+QISTATE: 4,"TCP","127.0.0.1",%d,0,2,0,1\r\n' % port
    assert await link.command(b"AT+QISTATE=0,0") == row + OK
    assert await link.command(b"AT+QISTATE=0,3") == OK
    assert await link.command(b"AT+QISTATE=1,3") == OK
    assert await link.command(b"AT+QISTATE?") == row + OK
    server.close()


@async_test
async def test_qicfg_settings_survive_a_new_simulator_through_the_state_file(tmp_path) -> None:
    state = str(tmp_path / "nvram.json")
    link = await Link.memory(state_file=state)
    assert await link.command(b'AT+QICFG="dataformat",1,1') == OK
    assert await link.command(b'AT+QICFG="showRA",1') == OK
    link.close()
    with open(state) as f:  # noqa: ASYNC230  (a tiny local file)
        saved = json.load(f)
    assert saved == {"send_hex": True, "recv_hex": True, "show_ra": True}
    again = await Link.memory(state_file=state)
    assert await again.command(b'AT+QICFG="dataformat"') == b'\r\n+QICFG: "dataformat",1,1\r\n' + OK
    assert await again.command(b'AT+QICFG="showRA"') == b'\r\n+QICFG: "showRA",1\r\n' + OK


@async_test
async def test_without_state_file_settings_start_from_defaults(tmp_path) -> None:
    link = await Link.memory()
    await link.command(b'AT+QICFG="showRA",1')
    again = await Link.memory()
    assert await again.command(b'AT+QICFG="showRA"') == b'\r\n+QICFG: "showRA",0\r\n' + OK


@async_test
async def test_restart_sends_nuls_and_banner_drops_sockets_and_keeps_nvram(tmp_path) -> None:
    server, port = await tcp_echo_server()
    state = str(tmp_path / "nvram.json")
    link = await Link.memory(SimConfig(echo=True, state_file=state))
    await link.command(b"ATE0")
    await link.command(b'AT+QICFG="showRA",1')
    await link.command(b'AT+QIOPEN=0,0,"TCP","127.0.0.1",%d' % port, b"+QIOPEN: 0,0\r\n")
    assert link.sim is not None
    link.sim.restart()
    assert await link.until(b"+IP: 10.18.237.42\r\n") == (
        b"\x00\x00\x00\x00\r\nRDY\r\n\r\n+IP: 10.18.237.42\r\n")
    assert await link.command(b"AT") == b"AT\r" + OK  # echo is back on after boot
    assert await link.command(b"AT+QISTATE?") == b"AT+QISTATE?\r" + OK
    assert await link.command(b'AT+QICFG="showRA"') == (
        b'AT+QICFG="showRA"\r\r\n+QICFG: "showRA",1\r\n' + OK)
    server.close()


@async_test
async def test_restart_after_from_config_happens_mid_session() -> None:
    link = await Link.memory(restart_after=0.05)
    assert await link.until(b"RDY\r\n\r\n+IP: 10.18.237.42\r\n") == (
        b"\x00\x00\x00\x00\r\nRDY\r\n\r\n+IP: 10.18.237.42\r\n")


@async_test
async def test_ip_urc_waits_for_attach_delay() -> None:
    link = await Link.memory(attach_delay=0.05)
    out = await link.command(b"AT")
    if b"+IP" not in out:
        out += await link.until(b"\r\n+IP: 10.18.237.42\r\n")
    assert out in (OK + b"\r\n+IP: 10.18.237.42\r\n", b"\r\n+IP: 10.18.237.42\r\n" + OK)


def test_config_from_url_reads_every_kind_of_knob() -> None:
    sim = Simulator.from_url("sim://?seed=7&latency=0.01&echo=0&dns_servers=127.0.0.1,::1"
                             "&ntp_port=12300&pdp_breakdown_after=none&state_file=/tmp/x.json")
    c = sim.config
    assert (c.seed, c.latency, c.echo, c.dns_servers, c.ntp_port, c.pdp_breakdown_after,
            c.state_file) == (7, 0.01, False, ("127.0.0.1", "::1"), 12300, None, "/tmp/x.json")


@pytest.mark.parametrize("url, words", [
    ("sim://?bogus=1", ["bogus", "allowed"]),
    ("sim://?send_fail_rate=2", ["send_fail_rate", "2", "0.0-1.0"]),
    ("sim://?seed=x", ["seed", "'x'"]),
    ("sim://?echo=maybe", ["echo", "maybe"]),
    ("serial://x", ["sim://"]),
])
def test_bad_config_raises_invalid_argument_naming_it(url: str, words: list[str]) -> None:
    with pytest.raises(InvalidArgument) as err:
        SimConfig.from_url(url)
    for word in words:
        assert word in str(err.value)


def test_simulator_is_an_asyncio_protocol() -> None:
    assert isinstance(Simulator(), asyncio.Protocol)


@async_test
async def test_sim_url_through_the_transports_opens_a_configured_simulator() -> None:
    from pyqio.transports import open_transport
    from tests.servers.link import _Host

    transport, host = await open_transport("sim://?echo=0&ip=10.9.8.7", _Host)
    link = Link(host, None)
    assert await link.until(b"+IP: 10.9.8.7\r\n") == b"\r\n+IP: 10.9.8.7\r\n"
    assert await link.command(b"AT") == OK  # echo=0 reached the simulator
    transport.close()
