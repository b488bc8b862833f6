"""Any AT command over the same port: ``commands.Raw``, ``parse(raw=True)`` and its pairing.

``Raw`` carries a line pyqio has no builder for, validated like the builders'
quoted parameters (one line, printable ASCII, starts with ``AT``, no ``;`` chaining
a second command).  The session attaches ``+NAME:`` lines of the command's own NAME
and bare text lines to it, and lets every URC through as a URC.  Needs: pytest.
"""
from __future__ import annotations

import pytest

from pyqio import commands as C
from pyqio.errors import InvalidArgument
from pyqio.events import Closed, CmeError, Error, Info, IpAddress, Ok, Prompt, Recv, Text
from pyqio.session import Response, Session


def answer(s: Session, wire: bytes) -> list:
    s.receive_data(wire)
    return s.events()


@pytest.mark.parametrize("line, name", [
    ("AT+QENG=0", "QENG"), ("at+qband?", "QBAND"), ("AT+QBAND=?", "QBAND"),
    ('AT+QCFG="nwscanmode",3', "QCFG"), ("ATZ", ""), ("AT&W", ""), ("AT+CGMI", "CGMI"),
    ('AT+X="a;b"', "X"),  # ';' inside quotes is data, not a second command
])
def test_raw_takes_any_single_line_and_names_its_command(line, name):
    cmd = C.Raw(line)
    assert cmd.to_bytes() == line.encode() + b"\r"
    assert cmd.name == name
    assert str(cmd) == line


@pytest.mark.parametrize("line", ["AT+QENG=0\r", "AT+QENG=0\n", "AT+QENG=0\r\n"])
def test_raw_drops_one_trailing_line_end(line):
    assert C.Raw(line).to_bytes() == b"AT+QENG=0\r"


@pytest.mark.parametrize("line, why", [
    ("AT+CSQ\rAT+QICLOSE=0", "0x0d"),
    ("AT+CSQ\nAT+QICLOSE=0", "0x0a"),
    ("AT+CSQ\r\r", "0x0d"),
    ("AT+CSQ\x1a", "0x1a"),
    ("AT+CSQ\x1b", "0x1b"),
    ("AT+CSQ\x00", "0x00"),
    ("AT+CSQ\x7f", "0x7f"),
    ("AT+CSQ\t", "0x09"),
    ("AT+X=\u00e9", "'\u00e9'"),
    ("AT+CSQ;+QICLOSE=0", "';'"),
    ('AT+X="a', "unterminated"),
    ("+CSQ", "does not start with AT"),
    ("", "does not start with AT"),
    ("AT+X=" + "1" * 1100, "over the maximum"),
])
def test_raw_refuses_what_could_inject_and_says_what(line, why):
    with pytest.raises(InvalidArgument) as err:
        C.Raw(line)
    assert why in str(err.value)


@pytest.mark.parametrize("line", ["AT", "ATE0", "ATI", "AT+QIOPEN=0,0,\"TCP\",\"h\",1",
                                  "at+qistate?", "AT+QISEND=0,0", "AT+QICFG=?", "AT+CSQ",
                                  "AT+CEREG?", "AT+CGDCONT=1,\"IP\",\"apn\""])
def test_raw_refuses_the_commands_pyqio_has_builders_for(line):
    with pytest.raises(InvalidArgument) as err:
        C.Raw(line)
    assert "builder" in str(err.value) and "commands.parse" in str(err.value)


def test_parse_raw_gives_builders_for_known_lines_and_raw_for_others():
    assert C.parse("AT+QISTATE?", raw=True) == C.QIStateAll()
    assert C.parse(b"AT+QIOPEN=0,1,\"UDP\",\"1.2.3.4\",9\r", raw=True) == \
        C.QIOpen(0, 1, "UDP", "1.2.3.4", 9)
    assert C.parse("AT+QBAND?\r\n", raw=True) == C.Raw("AT+QBAND?")
    with pytest.raises(C.CommandSyntaxError):
        C.parse("AT+QBAND?")  # without raw=True only the known commands parse
    # a known command with a bad value is refused, never sent raw
    with pytest.raises(InvalidArgument, match="connect_id=9 is out of range 0–4"):
        C.parse('AT+QIOPEN=0,9,"TCP","h",1', raw=True)


def test_raw_info_lines_of_its_name_attach_other_prefixes_stay_out():
    s = Session()
    req = s.send_command(C.Raw("AT+QBAND?"))
    assert s.data_to_send() == b"AT+QBAND?\r"
    out = answer(s, b"\r\n+QBAND: 3,8\r\n\r\n+CSCON: 1\r\n\r\nOK\r\n")
    assert out[0] == Info("CSCON", (1,))  # another command's line: surfaced, not attached
    resp = out[1]
    assert isinstance(resp, Response) and resp.request is req
    assert resp.final == Ok() and resp.ok
    assert resp.info == (Info("QBAND", (3, 8)),)


def test_raw_bare_lines_attach_echo_and_urcs_do_not():
    s = Session()
    s.send_command(C.Raw("AT+CGMI"))
    out = answer(s, b"AT+CGMI\r\r\nQuectel_Ltd\r\n\r\n+IP: 10.0.0.2\r\n"
                    b'\r\n+QIURC: "closed",1\r\n\r\nOK\r\n')
    assert out[:2] == [IpAddress("10.0.0.2"), Closed(1)]
    assert out[2].info == (Text(b"Quectel_Ltd"),)


def test_raw_recv_payload_with_fake_answer_lines_ends_nothing():
    s = Session()
    s.send_command(C.Raw("AT+QBAND?"))
    fake = b"\r\n+QBAND: 9\r\nOK\r\n"
    out = answer(s, b'\r\n+QIURC: "recv",0,%d,"%s"\r\n\r\nOK\r\n' % (len(fake), fake))
    assert out[0] == Recv(0, fake, len(fake))
    assert out[1].final == Ok() and out[1].info == ()


@pytest.mark.parametrize("wire, final", [(b"\r\nERROR\r\n", Error()),
                                         (b"\r\n+CME ERROR: 58\r\n", CmeError(58))])
def test_raw_ends_on_error_results(wire, final):
    s = Session()
    s.send_command(C.Raw("AT+QBAND=1,3"))
    (resp,) = answer(s, wire)
    assert resp.final == final and not resp.ok


def test_raw_commands_queue_behind_each_other_in_order():
    s = Session()
    a = s.send_command(C.Raw("AT+QBAND?"))
    b = s.send_command(C.Raw("ATZ"))
    assert s.data_to_send() == b"AT+QBAND?\r"
    out = answer(s, b"\r\n+QBAND: 8\r\n\r\nOK\r\n")
    assert out[0].request is a and s.data_to_send() == b"ATZ\r"
    out = answer(s, b"\r\nOK\r\n")
    assert out[0].request is b and out[0].info == ()


def test_blocking_modem_command_takes_lines_and_refuses_injection():
    from pyqio.blocking import Modem
    from pyqio.errors import CommandError

    with Modem("sim://") as m:
        ati = m.command("ATI")  # a known command given as a line: its builder, its bare lines
        with pytest.raises(InvalidArgument, match="line end"):
            m.command("ATI\rAT+QICLOSE=0")
        with pytest.raises(CommandError, match="AT\\+QNOSUCH=1: ERROR"):
            m.command("AT+QNOSUCH=1")  # sent as Raw; the simulated module refuses it
    assert isinstance(ati.request.command, C.Identify)
    assert ati.info and all(isinstance(ev, Text) for ev in ati.info)


def test_a_raw_command_that_prompts_for_data_is_cancelled_with_esc():
    # AT+CMGS (an SMS) answers '>' and takes what follows as the message until Ctrl-Z:
    # the next command line would become its text, so the session cancels at once
    s = Session()
    req = s.send_command(C.Raw('AT+CMGS="+8613800000000"'))
    nxt = s.send_command(C.Raw("AT+QBAND?"))
    assert s.data_to_send() == b'AT+CMGS="+8613800000000"\r'
    s.receive_data(b"\r\n> ")
    assert s.data_to_send() == b"\x1bAT+QBAND?\r"  # Esc first, then the next command
    (resp,) = s.events()
    assert resp.request is req and isinstance(resp.final, Prompt) and not resp.ok
    s.receive_data(b"\r\n+QBAND: 8\r\n\r\nOK\r\n")
    (resp2,) = s.events()
    assert resp2.request is nxt and resp2.info == (Info("QBAND", (8,)),)


def test_modem_command_raises_when_the_module_asks_for_data():
    from test_faults import FaultSim, modem_on, run

    from pyqio.errors import CommandError

    class SmsSim(FaultSim):
        prompted = False

        def data_received(self, data: bytes) -> None:
            if self.prompted and data[:1] == b"\x1b":  # the module leaves its SMS prompt
                self.prompted, data = False, data[1:]
            super().data_received(data)

    def prompt(sim, line: bytes) -> bool:
        if line.startswith(b"AT+CMGS="):
            sim.prompted = True
            sim.write(b"\r\n> ")
            return True
        return False

    async def main():
        m = await modem_on(SmsSim(on_line=prompt))
        with pytest.raises(CommandError, match="asked for data"):
            await m.command('AT+CMGS="+8613800000000"')
        ati = await m.command("ATI")  # the port is in command mode again
        await m.close()
        return ati

    assert run(main).info
