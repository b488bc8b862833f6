"""Injection: caller strings never reach the wire as a second command.

Hosts, DNS names, NTP servers, DNS server addresses, raw command lines and
payloads holding quotes, CR/LF, Ctrl-Z, Esc, NUL or other control bytes are passed
through the public ``Modem`` API; the simulator on the other end records every
command line it parsed (its view of the wire) and the modem's trace records every
byte written. For every call: either it is refused with ``InvalidArgument``
*before anything is written*, or exactly the one intended command line reaches
the module, carrying the caller's string verbatim inside its quotes. Payloads
reach the peer byte for byte and never run as commands (docs/architecture.md,
"No injection").
"""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_faults import FaultSim, modem_on, read_exactly, run

from pyqio import commands as C
from pyqio import events as E
from pyqio.cli import _demo_servers as servers
from pyqio.errors import CommandError, InvalidArgument
from pyqio.modem import Modem
from tests.servers import free_udp_port

HOSTILE = [
    'a"',
    'example.com",8080,0,1\rAT+QICLOSE=0',
    "example.com\r\nAT+QICLOSE=0\r\n",
    "example.com\rAT+QPING=0,\"10.0.0.1\"",
    "ex\nample",
    "ex\x1aample",
    "ex\x1bample",
    "ex\x00ample",
    "ex\x7fample",
    "\"\"",
    "host,1,2",                 # commas inside quotes: fine, stays one parameter
    "h\u00e9llo",               # non-ASCII
    "x" * 300,                   # over every length cap
    "",
]


class Recorder(FaultSim):
    """After bring-up, every command line is recorded and refused with ERROR: nothing
    real is done with caller input (no DNS, no ping to a generated address)."""

    armed = False

    def command_line(self, line: bytes) -> None:
        if self.armed:
            self.seen.append(line)
            self.reply(E.Error())
            return
        super().command_line(line)


async def recorder_modem() -> tuple[Modem, Recorder, list[bytes]]:
    sim = Recorder()
    tx: list[bytes] = []
    m = await modem_on(sim, trace=lambda kind, d: tx.append(bytes(d)) if kind == "tx" else None)
    sim.armed = True
    sim.seen.clear()
    tx.clear()
    return m, sim, tx


CALLS = {
    "connect": lambda m, s: m.connect(s, 80),
    "ping": lambda m, s: m.ping(s),
    "ntp": lambda m, s: m.ntp(s),
    "resolve": lambda m, s: m.resolve(s),
    "set_dns": lambda m, s: m.set_dns(s),
    "set_dns_secondary": lambda m, s: m.set_dns("127.0.0.1", s),
}
# the command each call must put on the wire, and the field holding the caller's string
EXPECTED = {
    "connect": (C.QIOpen, "host"),
    "ping": (C.QPing, "host"),
    "ntp": (C.QNtp, "server"),
    "resolve": (C.QIDnsGip, "hostname"),
    "set_dns": (C.QIDnsCfg, None),
    "set_dns_secondary": (C.QIDnsCfg, None),
}


async def call_and_capture(m: Modem, sim: Recorder, tx: list[bytes], name: str,
                           text: str) -> str:
    sim.seen.clear()
    tx.clear()
    try:
        await asyncio.wait_for(CALLS[name](m, text), 5)
    except InvalidArgument as exc:
        assert not tx and not sim.seen, f"refused, yet written: {tx!r}"
        assert str(exc)
        return "refused"
    except CommandError:
        pass  # the recorder refuses every command: the module said ERROR
    check_one_command(sim.seen, tx, name, text)
    return "sent"


def check_one_command(seen: list[bytes], tx: list[bytes], name: str, text: str) -> None:
    cls, field = EXPECTED[name]
    # AT+QICLOSE is the cleanup after a failed open (note 2.3.1 NOTE 3)
    lines = [line for line in seen if not line.startswith(b"AT+QICLOSE")]
    assert len(lines) == 1, f"{name}({text!r}) put {len(lines)} commands on the wire: {seen!r}"
    cmd = C.parse(lines[0] + b"\r")
    assert isinstance(cmd, cls), (name, cmd)
    if field is not None:
        assert getattr(cmd, field) == text  # verbatim, inside its quotes
    wire = b"".join(tx)
    assert wire.count(b"\r") == len(seen) and b"\n" not in wire, wire


@pytest.mark.parametrize("name", sorted(CALLS))
def test_hostile_strings_are_refused_or_sent_as_exactly_one_command(name: str) -> None:
    async def main() -> dict[str, str]:
        m, sim, tx = await recorder_modem()
        outcomes = {text: await call_and_capture(m, sim, tx, name, text) for text in HOSTILE}
        await m.close()
        return outcomes

    outcomes = run(main)
    for text, outcome in outcomes.items():
        dangerous = any(ch in text for ch in '"\r\n\x00\x1a\x1b\x7f') or not text.isascii()
        if dangerous or not text or len(text) > 255:
            assert outcome == "refused", (name, text)
    if name in ("connect", "ping", "ntp", "resolve"):
        assert outcomes["host,1,2"] == "sent"  # a legal name, sent as one quoted parameter


# printable text with the separators and line ends a command line is made of
NASTY = st.text(alphabet=st.sampled_from(list('ab.-:,"; =+?AT\r\n\x00\x1a\x1b\t\x7f\u00e9')),
                min_size=0, max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(CALLS)), texts=st.lists(NASTY, min_size=1, max_size=6))
def test_generated_strings_never_split_into_two_commands(name: str, texts: list[str]) -> None:
    async def main() -> None:
        m, sim, tx = await recorder_modem()
        for text in texts:
            await call_and_capture(m, sim, tx, name, text)
        await m.close()

    run(main)


@pytest.mark.parametrize("line", [
    "AT+QISTATE?\rAT+QICLOSE=0",
    "AT+QISTATE?\nAT+QICLOSE=0",
    'AT+QIDNSGIP=0,"a\rAT+QICLOSE=0"',
    "AT+QISTATE?\x1a",
    'AT+QPING=0,"a"b"',
])
def test_raw_command_lines_with_two_commands_are_refused_before_writing(line: str) -> None:
    async def main() -> tuple[list, list]:
        m, sim, tx = await recorder_modem()
        with pytest.raises(InvalidArgument):
            await m.command(line)
        await m.close()
        return sim.seen, tx

    seen, tx = run(main)
    assert seen == [] and tx == []


PAYLOADS = [
    b"\r\nAT+QICLOSE=0\r\n",
    b'"\r\n+QIURC: "closed",0\r\nOK\r\n',
    b"AT+QIOPEN=0,1,\"TCP\",\"127.0.0.1\",1,0,1\r",
    b"\x1a\x1b\x00\x7f\xff" * 10,
    bytes(range(256)) * 5,        # over one chunk: several AT+QISEND rounds
]


@pytest.mark.parametrize("hex_mode", [False, True], ids=["text", "hex"])
def test_payloads_reach_the_peer_verbatim_and_never_run_as_commands(hex_mode: bool) -> None:
    async def main() -> tuple[list, list[bytes]]:
        sim = FaultSim()
        m = await modem_on(sim)
        if hex_mode:
            await m.set_data_format(True, True)
        server, (host, port) = await servers.start_tcp_echo()
        sock = await m.connect(host, port)
        sim.seen.clear()
        got = []
        for p in PAYLOADS:
            await sock.send(p)
            got.append(await read_exactly(sock, len(p)))
        seen = list(sim.seen)
        await m.close()
        server.close()
        return got, seen

    got, seen = run(main)
    assert got == PAYLOADS
    # only AT+QISEND lines reached the module as commands: one per chunk
    chunk = 512 if hex_mode else 1024
    rounds = sum(-(-len(p) // chunk) for p in PAYLOADS)
    assert len(seen) == rounds and all(line.startswith(b"AT+QISEND=") for line in seen)


@pytest.mark.parametrize("ip", ['127.0.0.1"', "127.0.0.1\r", "127.0.0.1,1", "::1\x00"])
def test_udp_sendto_addresses_are_refused_before_writing(ip: str) -> None:
    async def main() -> tuple[list, Any]:
        sim = FaultSim()
        m = await modem_on(sim)
        svc = await m.udp_service(free_udp_port())
        sim.seen.clear()
        with pytest.raises(InvalidArgument) as err:
            await svc.sendto(b"x", (ip, 9))
        seen = list(sim.seen)
        await m.close()
        return seen, err.value

    seen, err = run(main)
    assert seen == [] and "remote_ip" in str(err)
