"""``parse``: one host command line back into its typed command (the builders' inverse).

The grammar is the commands' own declarations (:mod:`pyqio._commands_spec`): the
name and form pick the class, its fields say which parameters follow, in what
order, quoted or not, and which may be left out. The values go through the
builders themselves, so a value out of range is refused with the very message a
builder gives. What only a line can get wrong (a missing comma, an unknown
command, a ``<send_length>`` that does not match the data) raises
:class:`CommandSyntaxError`, also an ``InvalidArgument``/``ValueError``.

Accepted beyond what the builders write, since hosts and the note's examples do
it: ``at`` in any case (2.1.2), command names and ``AT+QICFG`` settings in any
case, spaces after commas (example 4.2.3), a trailing CR, LF or CRLF, and unquoted
``AT+QISEND`` data (2.3.4 note 3 asks for quotes only around special characters):
the data is then framed by ``<send_length>``. The builders' spelling comes back
from ``to_bytes()``.
"""
from __future__ import annotations

import re
from typing import Any

from ..errors import CommandSyntaxError, InvalidArgument
from ..protocol import MODULES
from . import _3gpp, _family, _send, _services  # noqa: F401 - they register their commands
from ._base import Command, TestCommand
from ._check import show
from ._spec import basic, by_name, forms

__all__ = ["known_name", "parse"]

_INT = re.compile(r"-?[0-9]+")
_NAME = re.compile(r"\+([A-Za-z]+)")
_RAI_TAIL = re.compile(r", *-?[0-9]+")
_MAX_DIGITS = 20  # far beyond any range of the note; keeps int() cheap on hostile input


def _show(line: str) -> str:
    """The line for an error message, bounded so hostile input cannot bloat it."""
    return repr(line if len(line) <= 80 else line[:77] + "...")


class _Args:
    """A cursor over the parameters after ``=``."""

    __slots__ = ("hex", "line", "module", "pos", "text")

    def __init__(self, text: str, line: str, hex: bool, module: str = "bc660k") -> None:
        self.text, self.pos, self.line, self.hex = text, 0, line, hex
        self.module = module

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


def parse(line: bytes | bytearray | memoryview | str, *, send_format: str = "text",
          raw: bool = False, module: str = "bc660k") -> Command:
    """Parse one host command line (with or without its CR) into a :class:`Command`.

    ``send_format="hex"`` reads ``AT+QISEND`` data as hex, as the module does after
    ``AT+QICFG="dataformat",1,x`` (2.3.9). Raises ``ValueError``
    (:class:`InvalidArgument`, :class:`CommandSyntaxError`) saying what is wrong.

    ``raw=True``: a line naming a command pyqio has no builder for becomes
    :class:`~pyqio.commands.Raw` (checked against injection) instead of raising; a
    known command still parses to its builder, and a malformed one still raises.

    ``module`` (a profile of :data:`pyqio.protocol.MODULES`) sets the ranges the
    commands that depend on it check (``AT+QIOPEN=1,11,...`` parses with
    ``module="bg96"``, and is refused with the default ``"bc660k"``).
    """
    if module not in MODULES:
        raise InvalidArgument(f"module={show(module)} is not one of "
                              + ", ".join(map(repr, MODULES)))
    if send_format not in ("text", "hex"):
        raise InvalidArgument(f"send_format={show(send_format)} is not 'text' or 'hex'")
    if isinstance(line, str):
        given = line
        try:
            line = given.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise CommandSyntaxError(f"{_show(given)} holds {given[exc.start]!r} at offset "
                                     f"{exc.start}: a command line is bytes") from None
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
    if raw and known_name(text) is None:
        from ._raw import Raw
        return Raw(text)
    return _dispatch(text, text[2:], send_format == "hex", module)


def known_name(line: str) -> str | None:
    """``"AT+QIOPEN"`` (the command as the note writes it) when *line* names a command
    pyqio has a builder for, whatever its parameters; else None."""
    rest = line[2:]
    upper = rest.upper()
    if not upper.startswith("+"):
        return "AT" + upper if _basic(upper) is not None else None
    m = _NAME.match(rest)
    if m is None:
        return None
    name = m.group(1).upper()
    if by_name(name) and rest[m.end():m.end() + 1] in ("", "=", "?"):
        return "AT+" + name
    return None


def _basic(upper: str) -> Command | None:
    """The basic (V.25ter) command ``AT<upper>`` pyqio declares, or None."""
    cls: Any = basic(upper[:1])
    if cls is None:
        return None
    from_basic = getattr(cls, "from_basic", None)
    cmd: Command | None
    if from_basic is not None:
        cmd = from_basic(upper[1:])
    else:
        cmd = cls() if upper[1:] == "" else None
    return cmd


def _profiled(cls: Any, module: str) -> dict[str, str]:
    return {"module": module} if cls.spec.profiled else {}


def _dispatch(line: str, rest: str, hex: bool, module: str = "bc660k") -> Command:
    upper = rest.upper()
    m = _NAME.match(rest)
    table = forms(m.group(1).upper()) if m and upper.startswith("+") else None
    if not upper.startswith("+"):
        cmd = _basic(upper)
        if cmd is not None:
            return cmd
    if table is None or m is None:
        raise CommandSyntaxError(f"{_show(line)} is not a command pyqio knows (the TCP/IP "
                                 "commands of the note, the 3GPP basics, AT, ATE0/1 and ATI; "
                                 "commands.Raw or parse(line, raw=True) take any other)")
    name = m.group(1).upper()
    suffix = rest[m.end():]
    if suffix == "=?":
        return TestCommand(name)
    made: Command
    if suffix == "?" and table.read is not None:
        made = table.read(**_profiled(table.read, module))
        return made
    if suffix == "" and table.exec is not None:
        made = table.exec(**_profiled(table.exec, module))
        return made
    if suffix.startswith("=") and table.writers:
        return _write(list(table.writers), _Args(suffix[1:], line, hex, module), hex)
    allowed = ["'=?'"] + [text for text, ok in (
        ("'?'", table.read is not None), ("no suffix", table.exec is not None),
        ("'=<parameters>'", bool(table.writers))) if ok]
    raise CommandSyntaxError(f"{_show(line)}: AT+{name} takes " + " or ".join(allowed))


def _write(writers: list[Any], p: _Args, hex: bool) -> Command:
    """Pick the class of an ``AT+<NAME>=...`` line among *writers* and read its parameters."""
    parser = next((c.spec.parser for c in writers if c.spec.parser is not None), None)
    if parser is not None:
        return parser(p, hex)  # type: ignore[no-any-return]
    selected = [c for c in writers if c.spec.selector is not None]
    if selected:
        setting = p.quoted("setting")
        cls = next((c for c in selected if c.spec.selector.lower() == setting.lower()), None)
        if cls is None:
            names = " or ".join(f'"{c.spec.selector}"' for c in selected)
            raise p.error(f"unknown AT+{_name_of(selected)} setting {setting[:40]!r}: {names}")
        return _read(cls, p, after_selector=True)
    if len(writers) > 1:  # told apart by how many parameters they take
        count = _count_fields(p.text)
        fits = [c for c in writers if _required(c) <= count <= len(c.spec.params)]
        writers = fits or sorted(writers, key=lambda c: len(c.spec.params))[-1:]
    return _read(writers[0], p, after_selector=False)


def _name_of(classes: list[Any]) -> str:
    return str(classes[0].spec.name)


def _required(cls: Any) -> int:
    return sum(not param.optional for _, param in cls.spec.params)


def _count_fields(text: str) -> int:
    """How many comma-separated fields *text* has, commas inside quotes not counted."""
    if not text:
        return 0
    return len(re.sub(r'"[^"]*"', "", text).split(","))


def _read(cls: Any, p: _Args, *, after_selector: bool) -> Command:
    """The declared parameters of *cls*, in order, then the end of the line."""
    spec = cls.spec
    values: list[Any] = []
    for i, (_, param) in enumerate(spec.params):
        if i or after_selector:
            if not p.more():
                if param.optional:
                    break
                raise p.error(f"missing <{param.wire}>")
            if spec.gaps and p.peek() in ("", ","):
                values.append(None)  # an empty field: 27.007 leaves the value out
                continue
        values.append(p.quoted(param.wire) if param.quoted else p.integer(param.wire))
    p.end()
    while values and values[-1] is None:
        values.pop()  # "AT+CPSMS=1,," means what "AT+CPSMS=1" means
    return cls(*values, **_profiled(cls, p.module))  # type: ignore[no-any-return]
