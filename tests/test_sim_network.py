"""The simulated module's network side, answered as a module answers (3GPP TS 27.007):
registration with ``+CEREG`` URCs in the form ``<n>`` asks for, delayed, lost and
regained (seeded faults), ``AT+CFUN=0`` taking the radio and the sockets down,
``AT+CSQ``, PSM/eDRX requests kept, the clock, identity; "already up" or booting on
connect; and what it refuses (issue: a module answers ERROR, not ``>``, for a socket
that never opened)."""
from __future__ import annotations

import time

import pytest

from pyqio.errors import InvalidArgument
from pyqio.sim import SimConfig
from tests.servers import tcp_echo_server
from tests.servers.link import Link, async_test

OK = b"\r\nOK\r\n"
ERROR = b"\r\nERROR\r\n"


async def up(**knobs) -> Link:
    """A module that booted long ago: registered and attached, nothing printed."""
    return await Link.memory(boot_on_connect=False, **knobs)


async def open_tcp(link: Link, cid: int = 0) -> int:
    server, port = await tcp_echo_server()
    link.send(b'AT+QIOPEN=0,%d,"TCP","127.0.0.1",%d,0,1\r' % (cid, port))
    assert await link.until(b"+QIOPEN: %d,0\r\n" % cid) == OK + b"\r\n+QIOPEN: %d,0\r\n" % cid
    return port


@async_test
async def test_already_up_prints_nothing_and_answers_registered():
    link = await up()
    assert await link.settle() == b""  # no RDY, no +IP:
    assert await link.command(b"AT+CFUN?") == b"\r\n+CFUN: 1\r\n" + OK
    assert await link.command(b"AT+CEREG?") == b"\r\n+CEREG: 0,1\r\n" + OK
    assert await link.command(b"AT+CGATT?") == b"\r\n+CGATT: 1\r\n" + OK
    assert await link.command(b"AT+CGPADDR") == b"\r\n+CGPADDR: 0,10.18.237.42\r\n" + OK
    assert await link.command(b"AT+CGPADDR=0") == b"\r\n+CGPADDR: 0,10.18.237.42\r\n" + OK
    assert await link.command(b"AT+CSQ") == b"\r\n+CSQ: 22,99\r\n" + OK


@async_test
async def test_boot_on_connect_searches_then_registers_and_announces_the_address():
    link = await Link.memory(register_delay=0.2)
    t0 = time.monotonic()
    assert await link.command(b"AT+CEREG?") == b"\r\n+CEREG: 0,2\r\n" + OK  # searching
    assert await link.command(b"AT+CGPADDR") == b"\r\n+CGPADDR: 0\r\n" + OK  # no address yet
    assert await link.until(b"+IP: 10.18.237.42\r\n") == b"\r\n+IP: 10.18.237.42\r\n"
    assert time.monotonic() - t0 >= 0.15
    assert await link.command(b"AT+CEREG?") == b"\r\n+CEREG: 0,1\r\n" + OK


@async_test
async def test_cereg_urcs_in_every_form_n_asks_for():
    link = await up()
    expect = {
        1: (b"+CEREG: 0", b"+CEREG: 1"),
        2: (b"+CEREG: 0", b'+CEREG: 1,"1A2B","0012ABCD",9'),
        3: (b"+CEREG: 0", b'+CEREG: 1,"1A2B","0012ABCD",9,,'),
        4: (b"+CEREG: 0", b'+CEREG: 1,"1A2B","0012ABCD",9,,,,'),
        5: (b"+CEREG: 0", b'+CEREG: 1,"1A2B","0012ABCD",9,,,,'),
    }
    for n, (down, back) in expect.items():
        assert await link.command(b"AT+CEREG=%d" % n) == OK
        assert await link.command(b"AT+CEREG?") == b"\r\n+CEREG: %d,1" % n + back[9:] + b"\r\n" + OK
        assert await link.command(b"AT+CFUN=0") == OK
        assert await link.until(down + b"\r\n") == b"\r\n" + down + b"\r\n"
        assert await link.command(b"AT+CFUN=1") == OK
        assert await link.until(b"+CEREG: 2\r\n") == b"\r\n+CEREG: 2\r\n"
        assert await link.until(back + b"\r\n") == b"\r\n" + back + b"\r\n"
        assert await link.until(b"+IP: 10.18.237.42\r\n") == b"\r\n+IP: 10.18.237.42\r\n"
    # n=0: no URC at all
    assert await link.command(b"AT+CEREG=0") == OK
    assert await link.command(b"AT+CFUN=0") == OK
    assert await link.command(b"AT+CFUN=1") == OK
    assert await link.until(b"+IP: 10.18.237.42\r\n") == b"\r\n+IP: 10.18.237.42\r\n"
    for bad in (b"AT+CEREG=6", b"AT+CEREG=", b"AT+CFUN=7", b"AT+CGATT=2", b"AT+CGSN=4"):
        assert await link.command(bad, ERROR) == ERROR, bad


@async_test
async def test_cfun0_takes_the_radio_down_and_closes_the_sockets():
    link = await up()
    await open_tcp(link, 0)
    assert await link.command(b"AT+CFUN=0") == OK
    assert await link.until(b'+QIURC: "closed",0\r\n') == b'\r\n+QIURC: "closed",0\r\n'
    assert await link.command(b"AT+CSQ") == b"\r\n+CSQ: 99,99\r\n" + OK
    assert await link.command(b"AT+CGPADDR") == b"\r\n+CGPADDR: 0\r\n" + OK
    link.send(b'AT+QIOPEN=0,1,"TCP","127.0.0.1",9,0,1\r')
    assert (await link.until(b"+QIOPEN: 1,570\r\n")).endswith(b"\r\n+QIOPEN: 1,570\r\n")
    assert await link.command(b"AT+QICLOSE=1", b"CLOSE OK\r\n") == OK + b"\r\nCLOSE OK\r\n"
    assert await link.command(b"AT+CFUN=1") == OK
    await link.until(b"+IP: 10.18.237.42\r\n")
    await open_tcp(link, 1)


@async_test
async def test_registration_lost_and_regained_by_the_seeded_faults():
    link = await up(detach_after=0.1, reattach_after=0.2)
    assert await link.command(b"AT+CEREG=1") == OK
    await open_tcp(link, 2)
    t0 = time.monotonic()
    out = await link.until(b"+IP: 10.18.237.42\r\n", timeout=5)
    assert out.index(b"+CEREG: 2\r\n") < out.index(b'+QIURC: "closed",2\r\n') \
        < out.index(b"+CEREG: 1\r\n") < out.index(b"+IP:")
    assert time.monotonic() - t0 >= 0.25
    # detach_rate: a loss every second with probability 1, each regained 0.1 s later
    link = await up(detach_rate=1.0, reattach_after=0.1, seed=3)
    assert await link.command(b"AT+CEREG=1") == OK
    await link.until(b"+CEREG: 2\r\n", timeout=3)
    await link.until(b"+CEREG: 1\r\n", timeout=3)


@async_test
async def test_psm_edrx_and_apn_settings_are_kept_across_cfun_and_restart():
    link = await up()
    assert await link.command(b'AT+CPSMS=1,,,"00000110","00000011"') == OK
    assert await link.command(b'AT+CEDRXS=1,5,"0101"') == OK
    assert await link.command(b'AT+CGDCONT=0,"IP","iot.example"') == OK
    for _ in range(2):
        assert await link.command(b"AT+CPSMS?") == \
            b'\r\n+CPSMS: 1,,,"00000110","00000011"\r\n' + OK
        assert await link.command(b"AT+CEDRXS?") == b'\r\n+CEDRXS: 5,"0101"\r\n' + OK
        assert await link.command(b"AT+CGDCONT?") == b'\r\n+CGDCONT: 0,"IP","iot.example"\r\n' + OK
        assert await link.command(b"AT+CEREG=4") == OK
        assert await link.command(b"AT+CEREG?") == \
            b'\r\n+CEREG: 4,1,"1A2B","0012ABCD",9,,,"00000011","00000110"\r\n' + OK
        assert await link.command(b"AT+CEREG=0") == OK  # quiet: no URCs between the answers
        assert await link.command(b"AT+CFUN=0") == OK
        assert await link.command(b"AT+CFUN=1") == OK
        await link.until(b"+IP: 10.18.237.42\r\n")
        link.sim.restart()
        await link.until(b"RDY\r\n\r\n+IP: 10.18.237.42\r\n")
    assert await link.command(b'AT+CPSMS=1,,,"2"', ERROR) == ERROR


@async_test
async def test_identity_and_clock():
    link = await up(imei="123456789012347", imsi="001010123456789")
    assert await link.command(b"AT+CGSN") == b"\r\n123456789012347\r\n" + OK
    assert await link.command(b"AT+CGSN=1") == b"\r\n+CGSN: 123456789012347\r\n" + OK
    assert await link.command(b"AT+CIMI") == b"\r\n001010123456789\r\n" + OK
    assert await link.command(b"AT+CGMR") == b"\r\nBC660KGLAAR01A03\r\n" + OK
    assert (await link.command(b"ATI")).startswith(b"\r\nQuectel_Ltd\r\nQuectel_BC660K-GL\r\n")
    assert await link.command(b'AT+CCLK="30/01/02,03:04:05+00"') == OK
    out = await link.command(b"AT+CCLK?")
    assert out.startswith(b'\r\n+CCLK: "30/01/02,03:04:0') and out.endswith(b'+00"\r\n' + OK)
    assert await link.command(b"AT+CEREG=?") == b"\r\n+CEREG: (0-5)\r\n" + OK


@async_test
async def test_qisend_on_a_socket_whose_open_failed_answers_error_not_a_prompt():
    link = await up()
    link.send(b'AT+QIOPEN=0,0,"TCP","127.0.0.1",1,0,1\r')  # nothing listens on port 1
    assert (await link.until(b"+QIOPEN: 0,566\r\n")).endswith(b"+QIOPEN: 0,566\r\n")
    for line in (b"AT+QISEND=0", b"AT+QISEND=0,3", b'AT+QISEND=0,1,"x"'):
        assert await link.command(line, ERROR) == ERROR, line
    assert await link.settle() == b""  # no ">" and no SEND FAIL after it
    # closing a socket that never opened: ERROR; the failed one must still be closed
    assert await link.command(b"AT+QICLOSE=3", ERROR) == ERROR
    assert await link.command(b"AT+QICLOSE=0", b"CLOSE OK\r\n") == OK + b"\r\nCLOSE OK\r\n"


@pytest.mark.parametrize("knob, value, words", [
    ("ip", "notanip", "not an IP address"),
    ("urc_drop_rate", 5.0, "0.0-1.0"),
    ("latency", -1.0, ">= 0"),
    ("rssi", 40, "0-31 or 99"),
    ("imei", "12ab", "digits"),
])
def test_the_simulator_checks_its_own_options(knob, value, words):
    with pytest.raises(InvalidArgument, match=words):
        SimConfig(**{knob: value})
    with pytest.raises(InvalidArgument, match=knob):
        SimConfig.from_url(f"sim://?{knob}={value}")


def test_sim_url_takes_the_new_knobs():
    c = SimConfig.from_url("sim://?boot_on_connect=0&register_delay=0.5&detach_after=3"
                           "&detach_rate=0.01&open_delay=2&rssi=10")
    assert (c.boot_on_connect, c.register_delay, c.detach_after, c.detach_rate, c.open_delay,
            c.rssi) == (False, 0.5, 3.0, 0.01, 2.0, 10)
