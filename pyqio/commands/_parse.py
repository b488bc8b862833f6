"""``parse``: one host command line back into its typed command (the builders' inverse).

The values go through the builders themselves, so a value out of range is refused
with the very message a builder gives. What only a line can get wrong (a missing
comma, an unknown command, a ``<send_length>`` that does not match the data)
raises :class:`CommandSyntaxError`, also an ``InvalidArgument``/``ValueError``.

Accepted beyond what the builders write, since hosts and the note's examples do
it: ``at`` in any case (2.1.2), command names in any case, spaces after commas
(example 4.2.3), a trailing CR, LF or CRLF, and unquoted ``AT+QISEND`` data
(2.3.4 note 3 asks for quotes only around special characters): the data is then
framed by ``<send_length>``. The builders' spelling comes back from ``to_bytes()``.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

from ..errors import CommandSyntaxError, InvalidArgument
from ._base import (
    TEST_COMMANDS,
    At,
    Command,
    Echo,
    Identify,
    QIClose,
    QIOpen,
    QIState,
    QIStateAll,
    TestCommand,
)
from ._check import hex_to_bytes, show
from ._send import QISend, QISendData, QISendFixed, QISendStats, _check_length
from ._services import (
    QICfgDataFormat,
    QICfgShowRA,
    QIDnsCfg,
    QIDnsCfgQuery,
    QIDnsGip,
    QNtp,
    QPing,
)

__all__ = ["parse"]

_INT = re.compile(r"-?[0-9]+")
_NAME = re.compile(r"\+([A-Za-z]+)")
_RAI_TAIL = re.compile(r", *-?[0-9]+")
_MAX_DIGITS = 20  # far beyond any range of the note; keeps int() cheap on hostile input


def _show(line: str) -> str:
    """The line for an error message, bounded so hostile input cannot bloat it."""
    return repr(line if len(line) <= 80 else line[:77] + "...")


class _Args:
    """A cursor over the parameters after ``=``."""

    __slots__ = ("hex", "line", "pos", "text")

    def __init__(self, text: str, line: str, hex: bool) -> None:
        self.text, self.pos, self.line, self.hex = text, 0, line, hex

    def error(self, what: str) -> CommandSyntaxError:
        return CommandSyntaxError(f"{what} at offset {self.pos} of the parameters of "
                                  f"{_show(self.line)}")

    def peek(self) -> str:
        return self.text[self.pos:self.pos + 1]

    def more(self, spaces: bool = True) -> bool:
        """Consume ``,`` (and any spaces after it, if *spaces*): True; at the end: False."""
        if self.pos == len(self.text):
            return False
        if self.peek() != ",":
            raise self.error(f"expected ',' or the end of the line, not {self.peek()!r}")
        self.pos += 1
        while spaces and self.peek() == " ":
            self.pos += 1
        return True

    def need(self, name: str) -> None:
        if not self.more():
            raise self.error(f"missing <{name}>")

    def end(self) -> None:
        if self.pos != len(self.text):
            raise self.error(f"unexpected {self.text[self.pos:self.pos + 20]!r}")

    def integer(self, name: str) -> int:
        m = _INT.match(self.text, self.pos)
        if not m:
            raise self.error(f"<{name}> must be an integer")
        if len(m.group()) > _MAX_DIGITS:
            raise self.error(f"<{name}> has {len(m.group())} digits, out of any range")
        self.pos = m.end()
        return int(m.group())

    def quoted(self, name: str) -> str:
        if self.peek() != '"':
            raise self.error(f"<{name}> must be a quoted string")
        close = self.text.find('"', self.pos + 1)
        if close < 0:
            raise self.error(f"unterminated quoted <{name}>")
        value, self.pos = self.text[self.pos + 1:close], close + 1
        return value

    def opt_ints(self, *names: str) -> list[int]:
        """Nested optional integers (``[,<a>[,<b>]]``), then the end of the line."""
        values: list[int] = []
        for name in names:
            if not self.more():
                return values
            values.append(self.integer(name))
        self.end()
        return values

    def data(self, length: int) -> str:
        """``<data>`` of an inline ``AT+QISEND``, quoted or bare, framed by ``<send_length>``.

        Framing by length first lets a quote inside the data reach the builder,
        whose refusal names the form that can carry it; failing that, the closing
        quote (or the line end) frames it and the length check reports the mismatch.
        """
        want = 2 * length if self.hex else length
        after_spaces = len(self.text) - len(self.text[self.pos:].lstrip(" "))
        quoted = self.text[after_spaces:after_spaces + 1] == '"'
        if quoted:  # spaces before a quote are the usual ones after a comma, not data
            self.pos = after_spaces
        start = self.pos + quoted
        # clamped: a 20-digit length must frame past the line's end, not overflow ssize_t
        stop = start + min(max(want, 0), len(self.text))
        tail = stop + quoted
        if (not quoted or self.text[stop:tail] == '"') and self._rai_or_end(tail):
            self.pos = tail
            return self.text[start:stop]
        if quoted:
            stop = self.text.find('"', start)
            if stop < 0:
                raise self.error("unterminated quoted <data>")
            self.pos = stop + 1
        else:
            stop = self.pos = len(self.text)
        return self.text[start:stop]

    def _rai_or_end(self, at: int) -> bool:
        return at == len(self.text) or bool(_RAI_TAIL.fullmatch(self.text, at))


def _qiopen(p: _Args) -> Command:
    ctx = p.integer("contextID")
    p.need("connectID")
    cid = p.integer("connectID")
    p.need("service_type")
    service = p.quoted("service_type")
    p.need("host")
    host = p.quoted("host")
    p.need("remote_port")
    port = p.integer("remote_port")
    return QIOpen(ctx, cid, service, host, port, *p.opt_ints("local_port", "access_mode"))


def _qiclose(p: _Args) -> Command:
    cid = p.integer("connectID")
    p.end()
    return QIClose(cid)


def _qistate(p: _Args) -> Command:
    query_type = p.integer("query_type")
    p.need("contextID or connectID")
    ident = p.integer("contextID or connectID")
    p.end()
    return QIState(query_type, ident)


def _qisend(p: _Args) -> Command:
    cid = p.integer("connectID")
    if not p.more():
        return QISendData(cid)
    ip: str | None = None
    port: int | None = None
    if p.peek() == '"':
        ip = p.quoted("remote_ip")
        p.need("remote_port")
        port = p.integer("remote_port")
        if not p.more():
            return QISendData(cid, ip, port)
    length = p.integer("send_length")
    if not p.more(spaces=False):  # unquoted data may begin with spaces
        if length == 0 and ip is None:
            return QISendStats(cid)
        return QISendFixed(cid, length, ip, port, hex=p.hex)
    return _qisend_inline(p, cid, length, ip, port)


def _qisend_inline(p: _Args, cid: int, length: int, ip: str | None,
                   port: int | None) -> Command:
    text = p.data(length)
    rai = p.opt_ints("rai_mode")
    _check_length("send_length", length, p.hex)
    data = hex_to_bytes("data", text) if p.hex else text.encode("latin-1")
    if len(data) != length:
        raise p.error(f"send_length={length} does not match the data's length {len(data)} "
                      "(note 2.3.4: they must be equal)")
    return QISend(cid, data, hex=p.hex, rai_mode=rai[0] if rai else None,
                  remote_ip=ip, remote_port=port)


def _qping(p: _Args) -> Command:
    ctx = p.integer("contextID")
    p.need("host")
    host = p.quoted("host")
    return QPing(ctx, host, *p.opt_ints("time_out", "ping_num", "ping_size", "rai_enable"))


def _qntp(p: _Args) -> Command:
    ctx = p.integer("contextID")
    p.need("server")
    server = p.quoted("server")
    return QNtp(ctx, server, *p.opt_ints("port", "auto_set_time"))


def _qidnsgip(p: _Args) -> Command:
    ctx = p.integer("contextID")
    p.need("hostname")
    host = p.quoted("hostname")
    p.end()
    return QIDnsGip(ctx, host)


def _qidnscfg(p: _Args) -> Command:
    ctx = p.integer("contextID")
    if not p.more():
        return QIDnsCfgQuery(ctx)
    primary = p.quoted("pridnsaddr")
    secondary = None
    if p.more():
        secondary = p.quoted("secdnsaddr")
    p.end()
    return QIDnsCfg(ctx, primary, secondary)


def _qicfg(p: _Args) -> Command:
    setting = p.quoted("setting")
    if setting.lower() == "dataformat":
        # ints, not bools: check_flag refuses a 2 with the builder's own message
        values = cast("list[bool]", p.opt_ints("send_data_format", "recv_data_format"))
        return QICfgDataFormat(*values)
    if setting.lower() == "showra":
        values = cast("list[bool]", p.opt_ints("showRA_mode"))
        return QICfgShowRA(*values)
    raise p.error(f'unknown AT+QICFG setting {setting[:40]!r}: "dataformat" or "showRA"')


_WRITE: dict[str, Callable[[_Args], Command]] = {
    "QIOPEN": _qiopen, "QICLOSE": _qiclose, "QISTATE": _qistate, "QISEND": _qisend,
    "QPING": _qping, "QNTP": _qntp, "QIDNSGIP": _qidnsgip, "QIDNSCFG": _qidnscfg,
    "QICFG": _qicfg,
}
assert set(_WRITE) == set(TEST_COMMANDS)


def parse(line: bytes | bytearray | memoryview | str, *, send_format: str = "text") -> Command:
    """Parse one host command line (with or without its CR) into a :class:`Command`.

    ``send_format="hex"`` reads ``AT+QISEND`` data as hex, as the module does after
    ``AT+QICFG="dataformat",1,x`` (2.3.9). Raises ``ValueError``
    (:class:`InvalidArgument`, :class:`CommandSyntaxError`) saying what is wrong.
    """
    if send_format not in ("text", "hex"):
        raise InvalidArgument(f"send_format={show(send_format)} is not 'text' or 'hex'")
    if isinstance(line, str):
        line = line.encode("latin-1")
    elif not isinstance(line, (bytes, bytearray, memoryview)):
        raise InvalidArgument(f"line={show(line)} is not bytes")
    # latin-1 maps each byte to one character and back, so data bytes survive.
    text = bytes(line).decode("latin-1")
    for end in ("\r\n", "\r", "\n"):
        if text.endswith(end):
            text = text[:-len(end)]
            break
    if "\r" in text or "\n" in text:
        raise CommandSyntaxError(f"{_show(text)} holds a line end: one command line at a time")
    if text[:2].upper() != "AT":
        raise CommandSyntaxError(f"{_show(text)} does not start with AT or at (note 2.1.2)")
    return _dispatch(text, text[2:], send_format == "hex")


def _dispatch(line: str, rest: str, hex: bool) -> Command:
    basic = rest.upper()
    if basic == "":
        return At()
    if basic in ("E", "E0", "E1"):
        return Echo(basic == "E1")
    if basic == "I":
        return Identify()
    m = _NAME.match(rest)
    name = m.group(1).upper() if m else ""
    if name not in _WRITE:
        raise CommandSyntaxError(f"{_show(line)} is not a command pyqio knows (the TCP/IP "
                                 "commands of the note, AT, ATE0/1 and ATI)")
    suffix = rest[m.end():] if m else ""
    if suffix == "=?":
        return TestCommand(name)
    if suffix == "?" and name == "QISTATE":
        return QIStateAll()
    if suffix.startswith("="):
        return _WRITE[name](_Args(suffix[1:], line, hex))
    raise CommandSyntaxError(f"{_show(line)}: AT+{name} takes '=?' or '=<parameters>'"
                             + (" or '?'" if name == "QISTATE" else ""))
