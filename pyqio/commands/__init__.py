"""Command builders and their inverse (application note chapter 2).

Every command form of the note is a frozen, slotted dataclass subclass of
:class:`Command`; the class is its own builder and validates its arguments
(``connect_id=7 is out of range 0–4`` raises :class:`pyqio.errors.InvalidArgument`,
a ``ValueError``). ``cmd.to_bytes()`` is the exact line, ending in CR, and
:func:`parse` turns such a line back into the command: ``parse(cmd.to_bytes()) == cmd``.

Data-mode payloads: after ``>`` send :func:`ctrl_z_payload` for :class:`QISendData`,
:func:`fixed_payload` for :class:`QISendFixed`, or :data:`ESC` to cancel.
"""
from __future__ import annotations

from ..errors import CommandSyntaxError
from ._base import (
    SERVICE_TYPES,
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
from ._parse import parse
from ._send import (
    CTRL_Z,
    ESC,
    MAX_HEX_LENGTH,
    MAX_TEXT_LENGTH,
    QISend,
    QISendData,
    QISendFixed,
    QISendStats,
    ctrl_z_payload,
    fixed_payload,
)
from ._services import (
    QICfgDataFormat,
    QICfgShowRA,
    QIDnsCfg,
    QIDnsCfgQuery,
    QIDnsGip,
    QNtp,
    QPing,
)

__all__ = [
    "CTRL_Z",
    "ESC",
    "MAX_HEX_LENGTH",
    "MAX_TEXT_LENGTH",
    "SERVICE_TYPES",
    "TEST_COMMANDS",
    "At",
    "Command",
    "CommandSyntaxError",
    "Echo",
    "Identify",
    "QICfgDataFormat",
    "QICfgShowRA",
    "QIClose",
    "QIDnsCfg",
    "QIDnsCfgQuery",
    "QIDnsGip",
    "QIOpen",
    "QISend",
    "QISendData",
    "QISendFixed",
    "QISendStats",
    "QIState",
    "QIStateAll",
    "QNtp",
    "QPing",
    "TestCommand",
    "ctrl_z_payload",
    "fixed_payload",
    "parse",
]
