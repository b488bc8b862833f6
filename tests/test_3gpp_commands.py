"""3GPP TS 27.007 builders: exact lines, validation naming parameter/value/range, ``parse`` inverse.

And their pairing in the session: ``AT+CSQ`` takes its ``+CSQ:`` line, ``AT+CEREG?`` its
read answer while a ``+CEREG:`` URC stays a URC, identity commands their bare lines.
Needs: pytest, hypothesis.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyqio import commands as C
from pyqio.errors import InvalidArgument
from pyqio.events import (
    AttachState,
    Info,
    Ok,
    PdpAddress,
    Registration,
    SerialNumber,
    SignalQuality,
    Text,
)
from pyqio.session import Response, Session

# ---- exact lines ----


@pytest.mark.parametrize("cmd, line", [
    (C.Cfun(1), b"AT+CFUN=1"), (C.Cfun(0, 1), b"AT+CFUN=0,1"), (C.CfunQuery(), b"AT+CFUN?"),
    (C.Cereg(5), b"AT+CEREG=5"), (C.CeregQuery(), b"AT+CEREG?"),
    (C.Cgatt(True), b"AT+CGATT=1"), (C.Cgatt(0), b"AT+CGATT=0"), (C.CgattQuery(), b"AT+CGATT?"),
    (C.Cgpaddr(), b"AT+CGPADDR"), (C.Cgpaddr(0), b"AT+CGPADDR=0"),
    (C.Cgdcont(1, "IP", "iot.nb"), b'AT+CGDCONT=1,"IP","iot.nb"'),
    (C.Cgdcont(1, "Non-IP"), b'AT+CGDCONT=1,"Non-IP"'), (C.Cgdcont(1), b"AT+CGDCONT=1"),
    (C.Cgdcont(0, "IP", ""), b'AT+CGDCONT=0,"IP",""'), (C.CgdcontQuery(), b"AT+CGDCONT?"),
    (C.Csq(), b"AT+CSQ"),
    (C.Cpsms(0), b"AT+CPSMS=0"),
    (C.Cpsms(1, None, None, "00100001", "00000101"), b'AT+CPSMS=1,,,"00100001","00000101"'),
    (C.Cpsms(1, "00000001"), b'AT+CPSMS=1,"00000001"'), (C.CpsmsQuery(), b"AT+CPSMS?"),
    (C.Cedrxs(1, 5, "0101"), b'AT+CEDRXS=1,5,"0101"'), (C.Cedrxs(0), b"AT+CEDRXS=0"),
    (C.CedrxsQuery(), b"AT+CEDRXS?"),
    (C.Cclk("24/05/01,12:00:00+32"), b'AT+CCLK="24/05/01,12:00:00+32"'),
    (C.Cclk(dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))),
     b'AT+CCLK="24/05/01,12:00:00+32"'),
    (C.Cclk(dt.datetime(2024, 5, 1, 12)), b'AT+CCLK="24/05/01,12:00:00+00"'),
    (C.CclkQuery(), b"AT+CCLK?"),
    (C.Cgsn(), b"AT+CGSN"), (C.Cgsn(1), b"AT+CGSN=1"), (C.Cimi(), b"AT+CIMI"),
    (C.Cgmr(), b"AT+CGMR"), (C.TestCommand("cereg"), b"AT+CEREG=?"),
])
def test_builders_write_the_27007_lines(cmd, line):
    assert cmd.to_bytes() == line + b"\r"
    assert C.parse(cmd.to_bytes()) == cmd


# ---- validation: parameter, value and range in every message ----

@pytest.mark.parametrize("make, words", [
    (lambda: C.Cfun(128), ["fun=128", "0–127"]),
    (lambda: C.Cfun(1, 2), ["rst=2", "0–1"]),
    (lambda: C.Cfun("1"), ["fun='1'", "not an int"]),
    (lambda: C.Cereg(6), ["n=6", "0–5"]),
    (lambda: C.Cereg(-1), ["n=-1", "0–5"]),
    (lambda: C.Cgatt(2), ["state=2", "0–1"]),
    (lambda: C.Cgpaddr(11), ["cid=11", "0–10"]),
    (lambda: C.Cgdcont(11, "IP", "a"), ["cid=11", "0–10"]),
    (lambda: C.Cgdcont(1, "IPX", "a"), ["pdp_type='IPX'", '"IP"', '"Non-IP"']),
    (lambda: C.Cgdcont(1, None, "a"), ["apn='a' needs pdp_type"]),
    (lambda: C.Cgdcont(1, "IP", "x" * 101), ["apn is 101 bytes", "0–100"]),
    (lambda: C.Cgdcont(1, "IP", 5), ["apn=5", "not a str"]),
    (lambda: C.Cpsms(3), ["mode=3", "0–2"]),
    (lambda: C.Cpsms(1, None, None, "0010000"), ["periodic_tau='0010000'", "8 bits"]),
    (lambda: C.Cpsms(1, None, None, None, "2"), ["active_time='2'", "8 bits"]),
    (lambda: C.Cedrxs(4), ["mode=4", "0–3"]),
    (lambda: C.Cedrxs(1, 6), ["act_type=6", "0–5"]),
    (lambda: C.Cedrxs(1, 5, "01010"), ["value='01010'", "4 bits"]),
    (lambda: C.Cedrxs(1, None, "0101"), ["value='0101' needs act_type"]),
    (lambda: C.Cclk("24/05/01 12:00:00+32"), ["time='24/05/01 12:00:00+32'", "yy/MM/dd"]),
    (lambda: C.Cclk("2024/05/01,12:00:00+32"), ["two digits each"]),
    (lambda: C.Cclk(dt.datetime(1999, 1, 1)), ["2000–2099"]),
    (lambda: C.Cclk(dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(minutes=10)))),
     ["quarter hours"]),
    (lambda: C.Cgsn(4), ["snt=4", "0–3"]),
])
def test_builders_refuse_bad_values_naming_parameter_value_and_range(make, words):
    with pytest.raises(InvalidArgument) as err:
        make()
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("apn", ['a"', "a\rAT+CFUN=0", "a\n", "a\x1a", "a\x1b", "a\x00",
                                 "a\x7f", "h\u00e9llo"])
def test_hostile_apns_are_refused(apn):
    with pytest.raises(InvalidArgument, match="apn="):
        C.Cgdcont(1, "IP", apn)


# ---- timers ----

@pytest.mark.parametrize("seconds, bits", [
    # the finest unit that gives the value exactly
    (3600, "00000110"), (600, "10010100"), (36000, "00101010"), (2, "01100001"),
    (30, "01101111"), (1152000, "11000001"), (None, "11100000"),
])
def test_periodic_tau_strings_from_seconds(seconds, bits):
    assert C.periodic_tau_bits(seconds) == bits
    assert C.periodic_tau_seconds(bits) == seconds


@given(st.integers(0, 31 * 1152000))
@settings(max_examples=300, deadline=None)
def test_timer_strings_round_trip_or_name_the_nearest(seconds):
    for to_bits, to_seconds in ((C.periodic_tau_bits, C.periodic_tau_seconds),
                                (C.active_time_bits, C.active_time_seconds)):
        try:
            bits = to_bits(seconds)
        except InvalidArgument as exc:
            assert re.search(r"nearest values are \d+ s", str(exc))
            continue
        assert to_seconds(bits) == seconds and len(bits) == 8


def test_active_time_and_edrx_strings():
    assert C.active_time_bits(10) == "00000101"
    assert C.active_time_seconds("00100011") == 180  # 3 x 1 min
    assert C.active_time_seconds("01000010") == 720  # 2 x 6 min
    assert C.active_time_seconds("01100001") == 60  # an unknown unit reads as 1 min (24.008)
    assert C.edrx_bits(81.92) == "0101" and C.edrx_seconds("1111") == 10485.76
    with pytest.raises(InvalidArgument, match="not an eDRX cycle length"):
        C.edrx_bits(80)
    with pytest.raises(InvalidArgument, match="3601 s cannot be written"):
        C.periodic_tau_bits(3601)


# ---- parse: the inverse, and every form hosts write ----

bits8 = st.from_regex(r"[01]{8}", fullmatch=True)
opt = st.none().__or__
commands = st.one_of(
    st.builds(C.Cfun, st.integers(0, 127), opt(st.integers(0, 1))),
    st.builds(C.Cereg, st.integers(0, 5)),
    st.builds(C.Cgatt, st.booleans()),
    st.builds(C.Cgpaddr, opt(st.integers(0, 10))),
    st.builds(lambda c, t, a: C.Cgdcont(c, t, a if t else None), st.integers(0, 10),
              opt(st.sampled_from(C.PDP_TYPES)),
              st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E,
                                    exclude_characters='"'), max_size=100)),
    st.builds(C.Cpsms, st.integers(0, 2), opt(bits8), opt(bits8), opt(bits8), opt(bits8)),
    st.builds(lambda m, a, v: C.Cedrxs(m, a, v if a is not None else None), st.integers(0, 3),
              opt(st.integers(0, 5)), opt(st.from_regex(r"[01]{4}", fullmatch=True))),
    st.builds(C.Cclk, st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2099, 12, 31)).map(
        lambda t: t.replace(microsecond=0))),
    st.builds(C.Cgsn, opt(st.integers(0, 3))),
    st.sampled_from([C.CfunQuery(), C.CeregQuery(), C.CgattQuery(), C.CgdcontQuery(), C.Csq(),
                     C.CpsmsQuery(), C.CedrxsQuery(), C.CclkQuery(), C.Cimi(), C.Cgmr()]),
)


@given(commands)
@settings(max_examples=400, deadline=None)
def test_parse_inverts_every_builder(cmd):
    assert C.parse(cmd.to_bytes()) == cmd
    assert C.parse(cmd.to_bytes(), raw=True) == cmd  # known: never Raw


@pytest.mark.parametrize("line, cmd", [
    (b"at+cfun=1", C.Cfun(1)), (b"AT+cereg?", C.CeregQuery()), (b"AT+CFUN=0, 1", C.Cfun(0, 1)),
    (b'AT+CPSMS=1,,,"00100001","00000101"\r\n',
     C.Cpsms(1, None, None, "00100001", "00000101")),
    (b"AT+CPSMS=1,,", C.Cpsms(1)),
    (b'AT+CGDCONT=1, "IP", "iot.nb"', C.Cgdcont(1, "IP", "iot.nb")),
])
def test_parse_takes_what_hosts_write(line, cmd):
    assert C.parse(line) == cmd


@pytest.mark.parametrize("line, why", [
    (b"AT+CSQ?", "AT+CSQ takes '=?' or no suffix"),
    (b"AT+CEREG", "AT+CEREG takes '=?' or '?' or '=<parameters>'"),
    (b"AT+CEREG=", "<n> must be an integer"),
    (b"AT+CEREG=9", "n=9 is out of range 0–5"),
    (b"AT+CGATT=1,2", "unexpected"),
    (b"AT+CGDCONT=1,IP", "<PDP_type> must be a quoted string"),
    (b'AT+CCLK="24/05/01,25:00:00+00"', "time="),
])
def test_parse_refuses_malformed_3gpp_lines_saying_why(line, why):
    with pytest.raises(InvalidArgument) as err:
        C.parse(line)
    assert why in str(err.value)


# ---- the session pairs them ----

def exchange(cmd, wire: bytes) -> tuple[list, Response]:
    s = Session()
    req = s.send_command(cmd)
    assert s.data_to_send() == cmd.to_bytes()
    s.receive_data(wire)
    out = s.events()
    assert isinstance(out[-1], Response) and out[-1].request is req
    return out[:-1], out[-1]


def test_csq_takes_its_line_and_a_cereg_urc_meanwhile_stays_a_urc():
    others, resp = exchange(C.Csq(), b'\r\n+CEREG: 5,"1A2B","0000C001",9\r\n'
                                     b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n")
    assert others == [Registration(5, "1A2B", "0000C001", 9)]
    assert resp.info == (SignalQuality(20, 99),) and resp.final == Ok()


def test_cereg_read_takes_the_n_first_answer_and_not_the_urc():
    others, resp = exchange(C.CeregQuery(), b"\r\n+CEREG: 2\r\n\r\n+CEREG: 2,1,\"1A2B\",,9\r\n"
                                            b"\r\n+CEREG: 1\r\n\r\nOK\r\n")
    assert others == [Registration(2), Registration(1)]  # URCs, in order
    assert resp.info == (Registration(1, "1A2B", None, 9, n=2),)


def test_raw_cereg_read_pairs_the_same_way():
    others, resp = exchange(C.Raw("AT+QCEREGX?"), b"\r\n+CEREG: 1\r\n\r\nOK\r\n")
    assert others == [Registration(1)] and resp.info == ()


@pytest.mark.parametrize("cmd, wire, info", [
    (C.Cgsn(), b"\r\n866818039921444\r\n\r\nOK\r\n", (Text(b"866818039921444"),)),
    (C.Cgsn(1), b"\r\n+CGSN: 866818039921444\r\n\r\nOK\r\n",
     (SerialNumber("866818039921444"),)),
    (C.Cimi(), b"\r\n460001234567890\r\n\r\nOK\r\n", (Text(b"460001234567890"),)),
    (C.Cgmr(), b"\r\nRevision: BC660KGLAAR01A03\r\n\r\nOK\r\n",
     (Text(b"Revision: BC660KGLAAR01A03"),)),
    (C.CgattQuery(), b"\r\n+CGATT: 1\r\n\r\nOK\r\n", (AttachState(True),)),
    (C.Cgpaddr(), b'\r\n+CGPADDR: 0,"10.1.1.1"\r\n\r\n+CGPADDR: 1\r\n\r\nOK\r\n',
     (PdpAddress(0, "10.1.1.1"), PdpAddress(1))),
])
def test_identity_and_queries_take_their_lines(cmd, wire, info):
    others, resp = exchange(cmd, wire)
    assert others == [] and resp.info == info


def test_a_query_leaves_other_commands_lines_unattached():
    others, resp = exchange(C.CgattQuery(), b"\r\n+CSQ: 20,99\r\n\r\n+QENG: 1\r\n"
                                            b"\r\nstray text\r\n\r\n+CGATT: 0\r\n\r\nOK\r\n")
    assert others == [SignalQuality(20, 99), Info("QENG", (1,)), Text(b"stray text")]
    assert resp.info == (AttachState(False),)


# ---- through the Modem, over the simulated module's transport ----

def test_modem_command_line_returns_the_typed_answer_and_urcs_still_flow():
    from test_faults import FaultSim, modem_on, run

    from pyqio import events as E

    def answer(sim, line: bytes) -> bool:
        if line == b"AT+CSQ":
            sim.reply(Registration(1), SignalQuality(17, 99), E.Ok())
            return True
        if line == b"AT+QENG=0":
            sim.reply(Info("QENG", ("servingcell", 1)), E.Ok())
            return True
        return False

    async def main():
        m = await modem_on(FaultSim(on_line=answer))
        csq = await m.command("AT+CSQ")
        eng = await m.command("AT+QENG=0")
        with pytest.raises(InvalidArgument):
            await m.command("AT+QENG=0;+CFUN=0")
        await m.close()
        return csq, eng

    csq, eng = run(main)
    assert isinstance(csq.request.command, C.Csq)
    # the +CEREG URC before the answer went out as a URC, not into the answer
    assert csq.info == (SignalQuality(17, 99),) and csq.info[0].rssi_dbm == -79
    assert isinstance(eng.request.command, C.Raw)
    assert eng.info == (Info("QENG", ("servingcell", 1)),)
