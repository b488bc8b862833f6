"""Command builders and their inverse (application note chapter 2).

Every command form of the note is a frozen, slotted dataclass subclass of
:class:`Command`; the class is its own builder and validates its arguments
(``connect_id=7 is out of range 0–4`` raises :class:`pyqio.errors.InvalidArgument`,
a ``ValueError``). ``cmd.to_bytes()`` is the exact line, ending in CR, and
:func:`parse` turns such a line back into the command: ``parse(cmd.to_bytes()) == cmd``.
Each command is declared once (:mod:`pyqio.commands._spec`); that declaration is
the builder's checks, its line, its grammar for ``parse`` and the session's plan.

The 3GPP TS 27.007 basics a host stack needs (``Cfun``, ``Cereg``, ``Cgatt``,
``Cgpaddr``, ``Cgdcont``, ``Csq``, ``Cpsms``, ``Cedrxs``, ``Cclk``, ``Cgsn``, ``Cimi``,
``Cgmr``; ``...Query`` for the read forms) are builders too, with helpers turning
the PSM/eDRX timer strings into seconds and back. Any other AT command goes as
:class:`Raw` (``Raw("AT+QENG=0")``), checked against injection;
``parse(line, raw=True)`` picks the builder or ``Raw``.

Data-mode payloads: after ``>`` send :func:`ctrl_z_payload` for :class:`QISendData`,
:func:`fixed_payload` for :class:`QISendFixed`, or :data:`ESC` to cancel.
"""
from __future__ import annotations

from ..errors import CommandSyntaxError
from ..protocol import PDP_TYPES
from ..wire._timers3gpp import (
    active_time_bits,
    active_time_seconds,
    edrx_bits,
    edrx_seconds,
    periodic_tau_bits,
    periodic_tau_seconds,
)
from ._3gpp import (
    Cclk,
    CclkQuery,
    Cedrxs,
    CedrxsQuery,
    Cereg,
    CeregQuery,
    Cfun,
    CfunQuery,
    Cgatt,
    CgattQuery,
    Cgdcont,
    CgdcontQuery,
    Cgmr,
    Cgpaddr,
    Cgsn,
    Cimi,
    Cpsms,
    CpsmsQuery,
    Csq,
)
from ._base import (
    SERVICE_TYPES,
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
from ._family import QIAct, QIActQuery, QICsgp, QIDeact, QIGetError, QIRd, QISendEx
from ._parse import parse
from ._raw import MAX_LINE_LENGTH, Raw
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
from ._spec import names_with_test

#: Every command with a test form ``AT+<NAME>=?`` (the note's and 27.007's), from the
#: declarations: a command declared with ``test=True`` (the default) is listed.
TEST_COMMANDS = names_with_test()

__all__ = [
    "CTRL_Z",
    "ESC",
    "MAX_HEX_LENGTH",
    "MAX_LINE_LENGTH",
    "MAX_TEXT_LENGTH",
    "PDP_TYPES",
    "SERVICE_TYPES",
    "TEST_COMMANDS",
    "At",
    "Cclk",
    "CclkQuery",
    "Cedrxs",
    "CedrxsQuery",
    "Cereg",
    "CeregQuery",
    "Cfun",
    "CfunQuery",
    "Cgatt",
    "CgattQuery",
    "Cgdcont",
    "CgdcontQuery",
    "Cgmr",
    "Cgpaddr",
    "Cgsn",
    "Cimi",
    "Command",
    "CommandSyntaxError",
    "Cpsms",
    "CpsmsQuery",
    "Csq",
    "Echo",
    "Identify",
    "QIAct",
    "QIActQuery",
    "QICfgDataFormat",
    "QICfgShowRA",
    "QIClose",
    "QICsgp",
    "QIDeact",
    "QIGetError",
    "QIDnsCfg",
    "QIDnsCfgQuery",
    "QIDnsGip",
    "QIOpen",
    "QIRd",
    "QISend",
    "QISendData",
    "QISendEx",
    "QISendFixed",
    "QISendStats",
    "QIState",
    "QIStateAll",
    "QNtp",
    "QPing",
    "Raw",
    "TestCommand",
    "active_time_bits",
    "active_time_seconds",
    "ctrl_z_payload",
    "edrx_bits",
    "edrx_seconds",
    "fixed_payload",
    "parse",
    "periodic_tau_bits",
    "periodic_tau_seconds",
]
