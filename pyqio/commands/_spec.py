"""Commands declared once: the field spec that drives ``to_bytes``, ``parse``, validation and the plan.

A command is one class::

    @command("QICLOSE", plan="close")
    class QIClose(Command):
        connect_id: int = integer("connectID", CONNECT_IDS)

Its fields, in wire order, are its parameters: the field specifier (:func:`integer`,
:func:`flag`, :func:`text`, :func:`ip`, :func:`choice`, :func:`bits`, :func:`custom`)
says how each is checked, whether it is quoted, and its name in the note; a
``default`` makes it optional (the note nests optionals left to right, 2.1.1, so a
gap is refused, unless the command says ``gaps=True`` as 27.007's AT+CPSMS does).
:func:`command` records that as the class's :class:`Spec` and registers it, so that

- the builder validates (``connect_id=7 is out of range 0–4``) and writes its line;
- :func:`pyqio.commands.parse` finds it by name and form and reads its parameters
  (the QISEND family alone, whose data is framed by its length, brings its own reader);
- the test form ``AT+<NAME>=?`` exists for it (``test=False`` says it does not);
- the session picks its answer's plan from ``plan`` (``"lines"``: its own ``+NAME:``
  lines, and bare lines with ``text_lines=True``, then ``OK``; or a deferred result:
  ``"open"``, ``"close"``, ``"send"`` ...) and feeds line by line while a command
  with ``framing=True`` is pending (its success changes how recv URCs are framed).

Forms: ``"write"`` is ``AT+<NAME>=<params>``, ``"read"`` ``AT+<NAME>?``, ``"exec"``
``AT+<NAME>`` (with ``=<params>`` when an optional one is given), ``"basic"`` a
V.25ter command (``ATE0``, ``ATI``). ``selector`` puts a fixed quoted first parameter
(``AT+QICFG="showRA"``) that tells commands of one name apart.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from .._frozen import frozen
from ..errors import InvalidArgument
from ..wire._timers3gpp import check_bits
from ._check import check_flag, check_int, check_ip, check_quoted, show

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda f: f

__all__ = ["Param", "Spec", "bits", "by_name", "choice", "command", "custom", "flag",
           "integer", "ip", "names_with_test", "profile", "profiled_range", "text"]

T = TypeVar("T", bound=type)
Check = Callable[[str, Any, Any], Any]  # (field name, value, command) -> the value to keep
Bounds = range | Callable[[Any], tuple[range, str]]


@dataclass(frozen=True)
class Param:
    """One parameter: its name in the note, how it is checked, how it is written."""

    wire: str
    check: Check
    quoted: bool
    optional: bool


@dataclass(frozen=True)
class Spec:
    """What :func:`command` records for one class."""

    name: str
    form: str
    params: tuple[tuple[str, Param], ...]
    selector: str | None
    gaps: bool
    test: bool
    plan: str
    text_lines: bool
    framing: bool
    parser: Callable[[Any, Any], Any] | None
    # True when the class has a ``module`` field: its ranges depend on the module profile
    profiled: bool = False
    # derived once, for writing lines fast: b"AT+NAME", the field names, which are quoted
    head: bytes = dataclasses.field(init=False, repr=False)
    fields: tuple[str, ...] = dataclasses.field(init=False, repr=False)
    quoted: tuple[bool, ...] = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "head", b"AT+" + self.name.encode("ascii"))
        object.__setattr__(self, "fields", tuple(f for f, _ in self.params))
        object.__setattr__(self, "quoted", tuple(p.quoted for _, p in self.params))


#: What follows ``OK`` for each plan with a deferred result (the session's plans).
DEFERRED = {"open": "+QIOPEN", "close": "CLOSE OK", "send": "SEND OK",
            "send_data": "SEND OK", "send_ex": "SEND OK", "send_fixed": "SEND OK", "ping": "+QPING",
            "ntp": "+QNTP", "dns": "+QIDNSGIP"}

_REGISTRY: dict[str, list[Any]] = {}
_BASIC: dict[str, Any] = {}


def by_name(name: str) -> list[Any]:
    """The registered classes of extended command *name* (``"QISEND"``), in declaration order."""
    return _REGISTRY.get(name, [])


class Forms(NamedTuple):
    """The classes of one command name by form, as :func:`pyqio.commands.parse` needs them."""

    read: Any  # the class of AT+<NAME>?, or None
    exec: Any  # the class of AT+<NAME>, or None
    writers: tuple[Any, ...]  # the classes AT+<NAME>=<params> may be


_FORMS: dict[str, Forms] = {}


def forms(name: str) -> Forms | None:
    """The :class:`Forms` of extended command *name*; None when no command has that name."""
    found = _FORMS.get(name)
    if found is None and name in _REGISTRY:
        classes = _REGISTRY[name]
        found = _FORMS[name] = Forms(
            next((c for c in classes if c.spec.form == "read"), None),
            next((c for c in classes if c.spec.form == "exec"), None),
            tuple(c for c in classes if c.spec.form == "write"
                  or (c.spec.form == "exec" and c.spec.params)))
    return found


def unregister(name: str) -> None:
    """Forget every command of *name* (a test's own declarations)."""
    _REGISTRY.pop(name, None)
    _FORMS.pop(name, None)


def basic(letter: str) -> Any:
    """The registered basic command of *letter* (``"E"``, ``"I"``, ``""`` for ``AT``)."""
    return _BASIC.get(letter)


def names_with_test() -> tuple[str, ...]:
    """Every extended command name that has a test form, in declaration order."""
    return tuple(n for n, classes in _REGISTRY.items() if any(c.spec.test for c in classes))


def _field(param: Param, default: Any) -> Any:
    meta = {"param": param}
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _bounds(bounds: Bounds, cmd: Any, allowed: str) -> tuple[int, int, str]:
    if isinstance(bounds, range):
        return bounds.start, bounds.stop - 1, allowed
    span, why = bounds(cmd)
    return span.start, span.stop - 1, why


def integer(wire: str, bounds: Bounds, *, allowed: str = "", default: Any = dataclasses.MISSING
            ) -> Any:
    """An integer parameter in *bounds* (a range, or a function of the command giving
    ``(range, wording)`` where the range depends on another parameter)."""
    if isinstance(bounds, range):
        lo, hi = bounds.start, bounds.stop - 1
        words = allowed or f"{lo}–{hi}"

        def check(name: str, value: Any, cmd: Any) -> Any:
            if value.__class__ is int and lo <= value <= hi:
                return value  # the common case, without a call (bools are not int here)
            return check_int(name, value, lo, hi, words)
    else:
        def check(name: str, value: Any, cmd: Any) -> Any:
            lo, hi, words = _bounds(bounds, cmd, allowed)
            return check_int(name, value, lo, hi, words)
    return _field(Param(wire, check, False, default is not dataclasses.MISSING), default)


def flag(wire: str, *, default: Any = dataclasses.MISSING) -> Any:
    """A 0/1 parameter, given as a bool or 0/1, kept as a bool."""
    return _field(Param(wire, lambda n, v, c: check_flag(n, v), False,
                        default is not dataclasses.MISSING), default)


def text(wire: str, max_len: int, *, min_len: int = 1, default: Any = dataclasses.MISSING) -> Any:
    """A quoted string: printable ASCII without ``"`` (:func:`check_quoted`)."""
    return _field(Param(wire, lambda n, v, c: check_quoted(n, v, max_len, min_len), True,
                        default is not dataclasses.MISSING), default)


def ip(wire: str, max_len: int = 64, *, default: Any = dataclasses.MISSING) -> Any:
    """A quoted IPv4/IPv6 address."""
    return _field(Param(wire, lambda n, v, c: check_ip(n, v, max_len), True,
                        default is not dataclasses.MISSING), default)


def choice(wire: str, choices: tuple[str, ...], *, default: Any = dataclasses.MISSING) -> Any:
    """A quoted string that is one of *choices*."""
    def check(name: str, value: Any, cmd: Any) -> Any:
        if value not in choices:
            raise InvalidArgument(f"{name}={show(value)} is not one of "
                                  + ", ".join(f'"{c}"' for c in choices))
        return value
    return _field(Param(wire, check, True, default is not dataclasses.MISSING), default)


def bits(wire: str, width: int = 8, *, default: Any = dataclasses.MISSING) -> Any:
    """A quoted bit string (3GPP timers: 8 bits; eDRX: 4)."""
    return _field(Param(wire, lambda n, v, c: check_bits(n, v, width), True,
                        default is not dataclasses.MISSING), default)


def custom(wire: str, check: Check, *, quoted: bool, default: Any = dataclasses.MISSING) -> Any:
    """A parameter with its own check (which may normalise: a datetime to its string)."""
    return _field(Param(wire, check, quoted, default is not dataclasses.MISSING), default)


def profile(*, default: str = "bc660k", kw_only: bool = True) -> Any:
    """The ``module`` field of a command whose ranges depend on the module profile.

    Keyword-only, ``"bc660k"`` by default (the note's ranges), not a parameter of the
    line and left out of ``==``: the same line is the same command whichever profile
    checked it. One of :data:`pyqio.protocol.MODULES`; checked before the parameters.
    """
    return dataclasses.field(default=default, kw_only=kw_only, compare=False, repr=False)


def profiled_range(table: dict[str, range], what: str) -> Callable[[Any], tuple[range, str]]:
    """Bounds for :func:`integer` taken from *table* by the command's ``module``."""
    def bounds(cmd: Any) -> tuple[range, str]:
        span = table[cmd.module]
        return span, f"{span[0]}–{span[-1]} ({what} of the {cmd.module} profile)"
    return bounds


@dataclass_transform(frozen_default=True,
                     field_specifiers=(integer, flag, text, ip, choice, bits, custom, profile))
def command(name: str, form: str = "write", *, selector: str | None = None, gaps: bool = False,
            test: bool = True, plan: str = "lines", text_lines: bool = False,
            framing: bool = False, parser: Callable[[Any, Any], Any] | None = None
            ) -> Callable[[T], T]:
    """Make the class a frozen, slotted dataclass and register it as command *name*."""
    def wrap(cls: T) -> T:
        made: Any = frozen(cls)
        params = tuple((f.name, f.metadata["param"]) for f in dataclasses.fields(made)
                       if "param" in f.metadata)
        profiled = any(f.name == "module" for f in dataclasses.fields(made))
        made.spec = Spec(name, form, params, selector, gaps, test and form != "basic", plan,
                         text_lines, framing, parser, profiled)
        made.name = "AT" + name if form == "basic" else name
        # the session's metadata, derived: what ends it, what answers it
        made.deferred = DEFERRED.get(plan)
        made.data_mode = plan in ("send_data", "send_fixed")
        made.info_prefix = None if plan in DEFERRED or form == "basic" else "+" + name
        made.text_lines = text_lines
        if form == "basic":
            _BASIC[name] = made
        else:
            _REGISTRY.setdefault(name, []).append(made)
            _FORMS.pop(name, None)
        return made  # type: ignore[no-any-return]
    return wrap
