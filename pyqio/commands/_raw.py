"""``Raw``: any AT command line pyqio has no builder for, validated against injection.

A host stack needs more than the note's commands over the same port (``AT+CSQ``,
``AT+QBAND?``, ``AT&W`` ...). :class:`Raw` carries one such line. It is checked as
strictly as the builders check their quoted parameters, because the module ends a
command at CR (note 2.1.2), Ctrl-Z and Esc act in data mode, and ``;`` outside
quotes chains a second command (V.25ter 5.2.1): a line holding any of these could
make the module run something the caller did not write, so it is refused with
:class:`pyqio.errors.InvalidArgument` before anything is sent.

A line naming a command pyqio knows is refused too, pointing at its builder
(``commands.parse(line)`` gives it): those commands have deferred results and
socket side effects that only their typed plan pairs correctly, so a ``Raw``
never stands in for them. ``Modem.command(line)`` does the choosing: a known
command parses to its builder, anything else becomes ``Raw``.

What the session attaches to a ``Raw`` (its answer): every ``+NAME:`` line whose
NAME is the command's (``+CSQ:`` for ``AT+CSQ``, ``AT+CSQ?`` or ``AT+CSQ=?``) and
every bare text line that is neither a URC nor the echo (``AT+CGSN``, ``ATI``,
``AT+CIMI`` answer that way); ``OK``/``ERROR``/``+CME ERROR`` end it. URCs that
arrive meanwhile stay URCs. A ``Raw`` carries no data-mode payload: if the module
answers ``>`` (``AT+CMGS`` does), it would take the next command lines as data, so
the session cancels with Esc at once and ends the command with the prompt
(``Modem.command`` raises :class:`~pyqio.errors.CommandError`).
"""
from __future__ import annotations

import re
from dataclasses import field
from typing import ClassVar

from .._frozen import frozen
from ..errors import InvalidArgument
from ..protocol import MAX_LINE_LENGTH
from ._base import Command
from ._check import show

__all__ = ["MAX_LINE_LENGTH", "Raw", "check_line"]

# ``+NAME`` of an extended command (V.25ter 5.4.1: letters, digits and ! % - . / : _)
_EXT_NAME = re.compile(r"AT([+][A-Za-z][A-Za-z0-9!%\-./:_]*)")


def check_line(line: object) -> str:
    """*line* as one command line without its CR; :class:`InvalidArgument` saying why not.

    Taken: a str (or ASCII bytes) starting with ``AT`` in any case, printable ASCII
    only, quotes balanced, no ``;`` outside quotes, at most :data:`MAX_LINE_LENGTH`
    characters. One trailing CR, LF or CRLF is dropped (what ``input()`` and files
    leave); any other line end is a second command.
    """
    if isinstance(line, (bytes, bytearray, memoryview)):
        line = bytes(line).decode("latin-1")
    if not isinstance(line, str):
        raise InvalidArgument(f"line={show(line)} is not a str")
    for end in ("\r\n", "\r", "\n"):
        if line.endswith(end):
            line = line[:-len(end)]
            break
    if len(line) > MAX_LINE_LENGTH:
        raise InvalidArgument(f"line is {len(line)} characters long, over the maximum of "
                              f"{MAX_LINE_LENGTH}")
    if line[:2].upper() != "AT":
        raise InvalidArgument(f"line={show(line)} does not start with AT (note 2.1.2)")
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif not " " <= ch <= "~":
            raise InvalidArgument(
                f"line={show(line)} holds {_describe(ch)} at offset {i}: a command line is "
                "printable ASCII only (CR/LF would end it and start another, Ctrl-Z/Esc act "
                "in data mode)")
        elif ch == ";" and not quoted:
            raise InvalidArgument(
                f"line={show(line)} holds ';' at offset {i}, which chains a second command "
                "(V.25ter): send one command per line")
    if quoted:
        raise InvalidArgument(f"line={show(line)} has an unterminated quoted string")
    return line


def _describe(ch: str) -> str:
    if ord(ch) < 0x20 or ord(ch) == 0x7F:
        return f"the byte 0x{ord(ch):02x}"
    return f"the character {ch!r}"


@frozen
class Raw(Command):
    """Any single AT command line pyqio has no builder for: ``Raw("AT+CSQ")``.

    ``line`` is kept as given (without a trailing CR/LF); ``to_bytes()`` adds the CR.
    :attr:`name` is the extended command's name without ``+`` (``"CSQ"``; ``""`` for
    basic commands such as ``ATZ`` or ``AT&W``): the session attaches ``+NAME:``
    information lines and bare text lines to it, see the module docstring.
    """

    line: str
    # an instance attribute here, derived from the line: every Raw has its own name
    name: str = field(init=False, default="", repr=False, compare=False)  # type: ignore[misc]
    text_lines: ClassVar[bool] = True

    def __post_init__(self) -> None:
        line = check_line(self.line)
        from ._parse import known_name  # parse builds Raw: imported at use

        m = _EXT_NAME.match(line.upper())
        name = m.group(1)[1:] if m else ""
        known = known_name(line)
        if known is not None:
            raise InvalidArgument(
                f"line={show(line)} is {known}, which pyqio has a builder for: use "
                "commands.parse(line) or Modem.command(line), which pair its answer "
                "(and any deferred result) as the typed command does")
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "name", name)

    @property
    def info_prefix(self) -> str | None:  # type: ignore[override]
        return "+" + self.name if self.name else None

    def _body(self) -> bytes:
        return self.line.encode("ascii")
