"""parse(): the inverse of the builders, strict where the note is and tolerant where hosts are.

Needs: pytest, hypothesis (the project's `test` extra); nothing from apt.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyqio.commands import (
    TEST_COMMANDS,
    Command,
    CommandSyntaxError,
    Echo,
    QICfgDataFormat,
    QICfgShowRA,
    QIClose,
    QIDnsCfg,
    QIDnsCfgQuery,
    QIDnsGip,
    QIOpen,
    QISend,
    QISendData,
    QISendFixed,
    QISendStats,
    QIState,
    QIStateAll,
    QNtp,
    QPing,
    TestCommand,
    parse,
)
from pyqio.errors import InvalidArgument
from pyqio.testing.strategies import commands as commands_strategy
from pyqio.testing.strategies import qisend

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# --- strategies: every command form, anywhere in its ranges -----------------------

commands = commands_strategy()


def _format(cmd: Command) -> str:
    return "hex" if getattr(cmd, "hex", False) else "text"


# --- round trips ---------------------------------------------------------------------

@SETTINGS
@given(commands)
def test_parse_inverts_every_builder(cmd):
    line = cmd.to_bytes()
    parsed = parse(line, send_format=_format(cmd))
    assert parsed == cmd and type(parsed) is type(cmd)
    assert parsed.to_bytes() == line


@SETTINGS
@given(commands, st.sampled_from([b"", b"\n", b"\r\n"]), st.booleans())
def test_parse_accepts_any_terminator_and_lowercase_at(cmd, end, lower):
    line = cmd.to_bytes()[:-1] + end
    if lower:
        line = b"at" + line[2:]
    assert parse(line, send_format=_format(cmd)) == cmd


def _outside_quotes(line: bytes, old: bytes, new: bytes) -> bytes:
    parts = line.split(b'"')
    parts[::2] = [p.replace(old, new) for p in parts[::2]]
    return b'"'.join(parts)


@SETTINGS
@given(commands.filter(lambda c: not isinstance(c, QISend)), st.integers(1, 3))
def test_parse_accepts_spaces_after_commas(cmd, n):
    line = _outside_quotes(cmd.to_bytes(), b",", b"," + b" " * n)
    assert parse(line, send_format=_format(cmd)) == cmd


@SETTINGS
@given(qisend())
def test_parse_accepts_inline_data_unquoted_framed_by_send_length(cmd):
    payload = cmd.data.hex().upper().encode() if cmd.hex else cmd.data
    quoted = b'"' + payload + b'"'
    line = cmd.to_bytes()
    head, _, tail = line.rpartition(quoted)
    assert parse(head + payload + tail, send_format=_format(cmd)) == cmd


def test_unquoted_data_may_hold_commas_and_still_take_rai_mode():
    assert parse(b"AT+QISEND=0,3,a,1,2\r") == QISend(0, b"a,1", rai_mode=2)
    assert parse(b"AT+QISEND=0,3,a,1\r") == QISend(0, b"a,1")


def test_parse_accepts_mixed_case_names_and_settings():
    assert parse(b"At+QiClose=3") == QIClose(3)
    assert parse(b'at+qicfg="SHOWRA",0') == QICfgShowRA(False)
    assert parse(b"at+qiopen=?") == TestCommand("QIOPEN")
    assert parse(b"ATE") == Echo(False)
    assert parse("AT+QISTATE?\r") == QIStateAll()  # str lines are accepted too


def test_hex_format_reads_inline_data_as_hex_either_case():
    assert parse(b'AT+QISEND=0,2,"1a1B"', send_format="hex") == QISend(0, b"\x1a\x1b", hex=True)


# --- refusals --------------------------------------------------------------------------

@pytest.mark.parametrize("line,why", [
    (b"", "does not start with AT"),
    (b"XT+QICLOSE=0", "does not start with AT"),
    (b"AT+QICLOSE=0\rAT+QICLOSE=1", "holds a line end"),
    (b"AT+QBAND=1,8", "not a command pyqio knows"),
    (b"AT+QICLOSE?", "takes '=?' or '=<parameters>'"),
    (b"AT+QICLOSE", "takes '=?' or '=<parameters>'"),
    (b"AT+QICLOSE=", "<connectID> must be an integer"),
    (b"AT+QICLOSE=0,1", "unexpected ',1'"),
    (b"AT+QICLOSE=a", "<connectID> must be an integer"),
    (b'AT+QIOPEN=0,0,"TCP"', "missing <host>"),
    (b'AT+QIOPEN=0,0,TCP,"h",1', "<service_type> must be a quoted string"),
    (b'AT+QPING=0,"h', "unterminated quoted <host>"),
    (b'AT+QPING=0,"h",,3', "<time_out> must be an integer"),
    (b'AT+QPING=0,"h",1,2,32,1,9', "unexpected ',9'"),
    (b'AT+QICFG="foo",1', 'unknown AT+QICFG setting'),
    (b'AT+QIDNSCFG=0,"8.8.8.8",', "<secdnsaddr> must be a quoted string"),
    (b'AT+QISEND=0,5,"1234"', "send_length=5 does not match the data's length 4"),
    (b'AT+QISEND=0,5,"123456"', "send_length=5 does not match the data's length 6"),
    (b'AT+QISEND=0,5,"12345', "unterminated quoted <data>"),
    (b'AT+QISEND=0,"1.2.3.4"', "missing <remote_port>"),
    (b'AT+QISEND=0,1,"a",x', "<rai_mode> must be an integer"),
    (b"AT+QISEND=0,1" + b"0" * 30, "digits, out of any range"),
])
def test_malformed_lines_raise_syntax_errors_saying_what_is_wrong(line, why):
    with pytest.raises(CommandSyntaxError, match=re.escape(why)):
        parse(line)


def test_syntax_errors_are_value_errors_and_invalid_arguments():
    with pytest.raises(ValueError):
        parse(b"AT+NOPE")
    assert issubclass(CommandSyntaxError, InvalidArgument)


def test_bad_send_format_is_refused():
    with pytest.raises(InvalidArgument, match=r"send_format='binary'"):
        parse(b"AT", send_format="binary")


@pytest.mark.parametrize("line,fmt,why", [
    (b'AT+QISEND=0,3,"a"b"', "text", "use fixed-length data mode (QISendFixed) or hex"),
    (b'AT+QISEND=0,3,"a\x1ab"', "text", "use fixed-length data mode (QISendFixed) or hex"),
    (b'AT+QISEND=0,2,"12z4"', "hex", "'z' at offset 2 is not a hex digit"),
    (b'AT+QISEND=0,2,"123"', "hex", "odd number of digits"),
    (b'AT+QPING=0,"a\x1bb"', "text", "printable ASCII only"),
    (b'AT+QNTP=0,"caf\xe9"', "text", "printable ASCII only"),
    (b"AT+QISEND=0,600", "hex", "length=600 is out of range 1–512 (hex mode)"),
    (b"AT+QISEND=0,600", "text", None),  # accepted: 600 is within the text range
])
def test_parse_applies_the_builders_data_rules(line, fmt, why):
    if why is None:
        assert parse(line, send_format=fmt) == QISendFixed(0, 600)
        return
    with pytest.raises(InvalidArgument, match=re.escape(why)):
        parse(line, send_format=fmt)


# --- parse refuses out-of-range values exactly as the builders do ----------------------

def _outcome(fn):
    try:
        return ("ok", fn())
    except InvalidArgument as exc:
        return ("refused", str(exc))


# (builder from ints, line template); each draws ints from well beyond every range
TEMPLATES = [
    (lambda a: QIClose(a), "AT+QICLOSE=%d"),
    (lambda a, b: QIState(a, b), "AT+QISTATE=%d,%d"),
    (lambda a, b, c, d: QIOpen(a, b, "TCP", "h", c, d), 'AT+QIOPEN=%d,%d,"TCP","h",%d,%d'),
    (lambda a, b, c, d: QIOpen(0, a, "UDP SERVICE", "h", b, c, d),
     'AT+QIOPEN=0,%d,"UDP SERVICE","h",%d,%d,%d'),
    (lambda a, b: QIOpen(0, 0, "TCP LISTENER", "h", a, b), 'AT+QIOPEN=0,0,"TCP LISTENER","h",%d,%d'),
    (lambda a, b, c, d, e: QPing(a, "h", b, c, d, e), 'AT+QPING=%d,"h",%d,%d,%d,%d'),
    (lambda a, b, c: QNtp(a, "s", b, c), 'AT+QNTP=%d,"s",%d,%d'),
    (lambda a: QIDnsGip(a, "h"), 'AT+QIDNSGIP=%d,"h"'),
    (lambda a: QIDnsCfg(a, "1.2.3.4"), 'AT+QIDNSCFG=%d,"1.2.3.4"'),
    (lambda a: QIDnsCfgQuery(a), "AT+QIDNSCFG=%d"),
    (lambda a, b: QISend(a, b"abc", rai_mode=b), 'AT+QISEND=%d,3,"abc",%d'),
    (lambda a, b: QISendData(a, "::1", b), 'AT+QISEND=%d,"::1",%d'),
    (lambda a, b, c: QISendFixed(a, c, "1.2.3.4", b), 'AT+QISEND=%d,"1.2.3.4",%d,%d'),
    (lambda a: QISendStats(a), "AT+QISEND=%d,0"),
    (lambda a, b: QICfgDataFormat(a, b), 'AT+QICFG="dataformat",%d,%d'),
    (lambda a: QICfgShowRA(a), 'AT+QICFG="showRA",%d'),
]


@SETTINGS
@given(st.sampled_from(TEMPLATES), st.lists(st.one_of(st.integers(-3, 12),
                                                       st.integers(-70000, 70000)),
                                             min_size=5, max_size=5))
def test_parse_refuses_out_of_range_values_exactly_as_the_builders(template, values):
    build, fmt = template
    args = values[:fmt.count("%d")]
    assert _outcome(lambda: parse((fmt % tuple(args)).encode())) == _outcome(lambda: build(*args))


@pytest.mark.parametrize("build,line", [
    (lambda: QPing(0, "h" * 151), b'AT+QPING=0,"' + b"h" * 151 + b'"'),
    (lambda: QIDnsCfg(0, "8.8.8.8", "nope"), b'AT+QIDNSCFG=0,"8.8.8.8","nope"'),
    (lambda: QISend(0, b"a" * 1025), b'AT+QISEND=0,1025,"' + b"a" * 1025 + b'"'),
    (lambda: QISend(0, b"a" * 513, hex=True), b'AT+QISEND=0,513,"' + b"61" * 513 + b'"'),
    (lambda: QIOpen(0, 0, "TCP INCOMING", "h", 1), b'AT+QIOPEN=0,0,"TCP INCOMING","h",1'),
    (lambda: QIOpen(0, 0, "TCP LISTENER", "h", 0), b'AT+QIOPEN=0,0,"TCP LISTENER","h",0'),
    (lambda: QICfgDataFormat(1), b'AT+QICFG="dataformat",1'),
])
def test_parse_refuses_strings_and_lengths_exactly_as_the_builders(build, line):
    fmt = "hex" if b"6161" in line else "text"
    assert _outcome(lambda: parse(line, send_format=fmt)) == _outcome(build)
    assert _outcome(build)[0] == "refused"


# --- robustness: arbitrary input gives a Command or a ValueError, nothing else ---------

_ALPHABET = b'0123456789,"=?+ .:-ATatEIQSNDGPCFLOUR\r\n\x1a\x1b\x00\xff'
noise = st.lists(st.sampled_from(list(_ALPHABET)), max_size=60).map(bytes)
prefixes = st.sampled_from([b"AT", b"AT+", b"at+"] + [b"AT+" + n.encode() + b"=" for n in
                                                      TEST_COMMANDS])


@st.composite
def mutated_lines(draw):
    line = bytearray(draw(commands).to_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(line)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = draw(st.sampled_from(list(_ALPHABET)))
        if op == "insert":
            line[at:at] = bytes([byte])
        elif at < len(line):
            line[at:at + 1] = b"" if op == "delete" else bytes([byte])
    return bytes(line)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=200), st.tuples(prefixes, noise).map(b"".join),
                 mutated_lines()),
       st.sampled_from(["text", "hex"]))
def test_parse_of_arbitrary_bytes_returns_a_command_or_raises_value_error(data, fmt):
    try:
        cmd = parse(data, send_format=fmt)
    except ValueError as exc:
        assert str(exc)
        return
    assert isinstance(cmd, Command)
    # Whatever parsed is a valid command: its own line parses back to it.
    assert parse(cmd.to_bytes(), send_format=fmt) == cmd
