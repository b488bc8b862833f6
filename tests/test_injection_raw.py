"""Injection through ``Modem.command(line)``: every hostile string of the injection tests.

Each string of ``test_injection.HOSTILE`` (and of the generated ``NASTY`` texts) is
put into a generic command line, quoted and bare, and sent with the public
``Modem.command``.  Either it is refused with ``InvalidArgument`` before anything is
written, or exactly that one line reaches the module (the simulator's view of the
wire) and the caller's text is in it verbatim.  Needs: pytest, hypothesis.
"""
from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_faults import run
from test_injection import HOSTILE, NASTY, Recorder, recorder_modem

from pyqio import commands as C
from pyqio.errors import CommandError, InvalidArgument
from pyqio.modem import Modem

FORMS = {
    "quoted": lambda s: f'AT+QXCFG="name","{s}"',
    "bare": lambda s: f"AT+QXCFG={s}",
    "basic": lambda s: f"AT{s}",
    # a typed command given as a line: its builder checks the APN
    "apn": lambda s: f'AT+CGDCONT=1,"IP","{s}"',
}


async def send_line(m: Modem, sim: Recorder, tx: list[bytes], line: str) -> str:
    sim.seen.clear()
    tx.clear()
    try:
        await asyncio.wait_for(m.command(line), 5)
    except InvalidArgument as exc:
        assert not tx and not sim.seen, f"refused, yet written: {tx!r}"
        assert str(exc)
        return "refused"
    except CommandError:
        pass  # the recorder answers every command with ERROR
    sent = one_line(line)
    assert sim.seen == [sent.encode("ascii")], (line, sim.seen)
    wire = b"".join(tx)
    assert wire == sent.encode("ascii") + b"\r", wire
    return "sent"


def one_line(line: str) -> str:
    """The line as sent: one trailing CR, LF or CRLF (what input() leaves) is dropped."""
    for end in ("\r\n", "\r", "\n"):
        if line.endswith(end):
            return line[:-len(end)]
    return line


def chains(line: str) -> bool:
    """A ';' outside double quotes: a second command (V.25ter); inside them it is data."""
    quoted = False
    for ch in one_line(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            return True
    return False


def test_a_semicolon_is_refused_outside_quotes_and_sent_inside_them() -> None:
    """The generated-strings oracle, pinned on the case it once got wrong: the bare
    form of the text '";"' is AT+QXCFG=";", whose ';' is quoted data."""
    assert chains("AT+QXCFG=;") and chains('AT+QXCFG="a";') and not chains('AT+QXCFG=";"')

    async def main() -> list[str]:
        m, sim, tx = await recorder_modem()
        out = [await send_line(m, sim, tx, line)
               for line in ('AT+QXCFG=";"', "AT+QXCFG=;", 'AT+QXCFG="a";b')]
        await m.close()
        return out

    assert run(main) == ["sent", "refused", "refused"]


def dangerous(line: str) -> bool:
    return any(not " " <= ch <= "~" for ch in one_line(line))


@pytest.mark.parametrize("form", sorted(FORMS))
def test_hostile_strings_through_the_generic_command(form: str) -> None:
    async def main() -> dict[str, str]:
        m, sim, tx = await recorder_modem()
        out = {text: await send_line(m, sim, tx, FORMS[form](text)) for text in HOSTILE}
        await m.close()
        return out

    outcomes = run(main)
    for text, outcome in outcomes.items():
        line = FORMS[form](text)
        if dangerous(line) or line.count('"') % 2 or len(line) > 1100:
            assert outcome == "refused", (form, text)
    assert outcomes["host,1,2"] == "sent"
    if form == "apn":
        assert outcomes["x" * 300] == "refused"  # over the 100 bytes of an APN
    if form == "quoted":
        assert outcomes['a"'] == "refused"  # an odd number of quotes: unterminated


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form=st.sampled_from(sorted(FORMS)), texts=st.lists(NASTY, min_size=1, max_size=6))
def test_generated_strings_never_split_into_two_commands(form: str, texts: list[str]) -> None:
    async def main() -> None:
        m, sim, tx = await recorder_modem()
        for text in texts:
            outcome = await send_line(m, sim, tx, FORMS[form](text))
            line = FORMS[form](text)
            if dangerous(line) or chains(line):
                assert outcome == "refused", line
            elif ";" in text and outcome == "sent":  # a ';' inside quotes is data
                assert not chains(one_line(line))
        await m.close()

    run(main)


# every string parameter of the 3GPP builders, with every hostile string
STRING_PARAMS = {
    "cgdcont-apn": lambda s: C.Cgdcont(1, "IP", s),
    "cgdcont-pdp_type": lambda s: C.Cgdcont(1, s, "apn"),
    "cpsms-periodic_tau": lambda s: C.Cpsms(1, None, None, s),
    "cpsms-active_time": lambda s: C.Cpsms(1, None, None, None, s),
    "cpsms-periodic_rau": lambda s: C.Cpsms(1, s),
    "cedrxs-value": lambda s: C.Cedrxs(1, 5, s),
    "cclk-time": lambda s: C.Cclk(s),
    "raw-line": lambda s: C.Raw(f'AT+QX="{s}"'),
}


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(h)[:30] for h in HOSTILE])
@pytest.mark.parametrize("build", list(STRING_PARAMS.values()), ids=list(STRING_PARAMS))
def test_hostile_strings_in_every_new_string_parameter(build, text):
    try:
        cmd = build(text)
    except InvalidArgument as exc:
        assert str(exc)
        return
    line = cmd.to_bytes()
    # accepted: one line, printable ASCII, the caller's text verbatim inside its quotes
    assert line.endswith(b"\r") and line.count(b"\r") == 1 and b"\n" not in line
    assert all(0x20 <= b < 0x7F for b in line[:-1])
    assert b'"' + text.encode() + b'"' in line
    assert C.parse(line, raw=True) == cmd


LINES = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='";'),
                max_size=40)


@settings(max_examples=200, deadline=None)
@given(tail=LINES, quoted=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E,
                                                exclude_characters='"'), max_size=20))
def test_raw_lines_round_trip_through_parse(tail: str, quoted: str) -> None:
    line = f'AT+QX{tail}="{quoted}"'
    try:
        cmd = C.parse(line, raw=True)
    except InvalidArgument:
        return  # a known command's line with bad values: refused, never Raw
    assert C.parse(cmd.to_bytes(), raw=True) == cmd
    if isinstance(cmd, C.Raw):
        assert cmd.to_bytes() == line.encode() + b"\r"
