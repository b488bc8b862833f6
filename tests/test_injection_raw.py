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

from pyqio.errors import CommandError, InvalidArgument
from pyqio.modem import Modem

FORMS = {
    "quoted": lambda s: f'AT+QXCFG="name","{s}"',
    "bare": lambda s: f"AT+QXCFG={s}",
    "basic": lambda s: f"AT{s}",
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
            if dangerous(line) or (";" in text and form != "quoted"):
                assert outcome == "refused", line
        await m.close()

    run(main)
