"""A new command is one declaration: builder, validation, line, parse, test form and pairing.

A command declared here (and removed again after each test) gets everything the
note's commands have, from its fields alone.  Needs: pytest.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from pyqio import commands as C
from pyqio.commands import _spec as spec
from pyqio.errors import InvalidArgument
from pyqio.events import Info, Ok
from pyqio.protocol import CONNECT_IDS
from pyqio.session import Session


@pytest.fixture
def qxtest() -> Iterator[type]:
    @spec.command("QXTEST")
    class QXTest(C.Command):
        """``AT+QXTEST=<connectID>,<label>[,<level>[,<fast>]]``: a made-up command."""

        connect_id: int = spec.integer("connectID", CONNECT_IDS)
        label: str = spec.text("label", 8)
        level: int | None = spec.integer("level", range(1, 4), default=None)
        fast: bool | None = spec.flag("fast", default=None)

    yield QXTest
    spec.unregister("QXTEST")


def test_one_declaration_gives_builder_line_and_parse(qxtest):
    cmd = qxtest(4, "hi", 2, True)
    assert cmd.to_bytes() == b'AT+QXTEST=4,"hi",2,1\r'
    assert C.parse(b'at+qxtest=4, "hi", 2, 1') == cmd
    assert C.parse(qxtest(0, "x").to_bytes()) == qxtest(0, "x")
    assert C.parse(b"AT+QXTEST=?") == C.TestCommand("QXTEST")
    assert "QXTEST" in spec.names_with_test()


@pytest.mark.parametrize("args, words", [
    ((5, "hi"), ["connect_id=5 is out of range 0–4"]),
    ((0, "x" * 9), ["label is 9 bytes", "1–8"]),
    ((0, 'a"'), ["label=", "'\"'"]),
    ((0, "hi", 4), ["level=4", "1–3"]),
    ((0, "hi", None, True), ["fast=True needs level too"]),
])
def test_validation_comes_from_the_fields(qxtest, args, words):
    with pytest.raises(InvalidArgument) as err:
        qxtest(*args)
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("line, why", [
    (b'AT+QXTEST=0', "missing <label>"),
    (b"AT+QXTEST=0,hi", "<label> must be a quoted string"),
    (b'AT+QXTEST=0,"hi",x', "<level> must be an integer"),
    (b'AT+QXTEST=0,"hi",1,1,1', "unexpected ',1'"),
    (b"AT+QXTEST?", "AT+QXTEST takes '=?' or '=<parameters>'"),
])
def test_parse_errors_name_the_notes_parameter(qxtest, line, why):
    with pytest.raises(C.CommandSyntaxError) as err:
        C.parse(line)
    assert why in str(err.value)


def test_the_session_pairs_its_own_lines(qxtest):
    s = Session()
    req = s.send_command(qxtest(1, "hi"))
    assert s.data_to_send() == b'AT+QXTEST=1,"hi"\r'
    s.receive_data(b"\r\n+QXTEST: 1,7\r\n\r\n+QXOTHER: 2\r\n\r\nOK\r\n")
    other, resp = s.events()
    assert other == Info("QXOTHER", (2,))
    assert resp.request is req and resp.info == (Info("QXTEST", (1, 7)),) and resp.final == Ok()


def test_raw_refuses_it_once_declared(qxtest):
    with pytest.raises(InvalidArgument, match="builder"):
        C.Raw("AT+QXTEST=1")
