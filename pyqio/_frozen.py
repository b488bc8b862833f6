"""Frozen, slotted dataclasses whose methods are not compiled at import.

``dataclasses.dataclass(frozen=True, slots=True)`` writes the source of six methods per
class (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``) and compiles it with ``exec``: about 0.4 ms a class, so the ~90 event
and command classes made up most of ``import pyqio.modem``. :func:`frozen` lets the
standard library read the fields (so ``dataclasses.fields``/``replace``/``asdict``/
``astuple``/``is_dataclass`` and ``__match_args__`` are its own) and gives the class
methods written once, here, that do what the generated ones do: the same ``__init__``
signature (``inspect.signature``) and errors, ``==`` and ``hash`` over the compared
fields as a tuple, the same ``repr``, ``FrozenInstanceError`` on assignment, pickling
through ``__getstate__``/``__setstate__``, and ``__dataclass_params__`` saying
``frozen=True``. tests/test_frozen.py holds each class against a twin made by
``dataclass(frozen=True, slots=True)``.

Supported field options: ``default``, ``default_factory``, ``init``, ``repr``,
``compare``, ``hash``, ``kw_only``, ``metadata``; ``__post_init__`` is called as the
standard library calls it. Not supported: ``InitVar`` pseudo-fields, and a base class
that is itself a dataclass (none of the package's classes has one).
"""
from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from dataclasses import MISSING, FrozenInstanceError, fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda f: f

__all__ = ["frozen"]

T = TypeVar("T", bound=type)


@dataclasses.dataclass(frozen=True, slots=True)
class _Template:
    """The one class compiled the standard way: its ``__dataclass_params__`` are what
    every :func:`frozen` class states (``frozen=True``, ``slots=True`` ...)."""


_PARAMS = _Template.__dataclass_params__  # type: ignore[attr-defined]


class _Signature:
    """``__signature__`` of a :func:`frozen` class, built on first use (``inspect`` is
    slow to build signatures), for that class only: a subclass with its own
    ``__init__`` gets None, so ``inspect`` reads that ``__init__`` instead."""

    __slots__ = ("init", "sig")

    def __init__(self, init: Callable[..., None]) -> None:
        self.init = init
        self.sig: Any = None

    def __get__(self, obj: object, owner: type) -> Any:
        if owner.__init__ is not self.init:  # type: ignore[misc]
            return None
        if self.sig is None:
            self.sig = _signature(owner)
        return self.sig


def _signature(cls: type) -> Any:
    """The signature ``dataclass`` would give ``__init__`` (annotations as declared)."""
    import inspect

    P = inspect.Parameter  # noqa: N806
    params = [P("self", P.POSITIONAL_OR_KEYWORD)]
    for f in _init_fields(cls):
        default = (f.default if f.default is not MISSING
                   else _FACTORY if f.default_factory is not MISSING else P.empty)
        params.append(P(f.name, P.KEYWORD_ONLY if f.kw_only else P.POSITIONAL_OR_KEYWORD,
                        default=default, annotation=f.type))
    # std_init_fields first, then kw_only ones, as dataclass orders them
    params[1:] = ([p for p in params[1:] if p.kind is P.POSITIONAL_OR_KEYWORD]
                  + [p for p in params[1:] if p.kind is P.KEYWORD_ONLY])
    return inspect.Signature(params[1:], return_annotation=None)


class _FactoryRepr:
    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _FactoryRepr()


def _init_fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in fields(cls) if f.init]


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(fields(self), state, strict=False):
        object.__setattr__(self, f.name, value)


def _methods(cls: type) -> dict[str, Any]:
    """The methods ``dataclass(frozen=True, slots=True)`` would add to *cls*."""
    flds = fields(cls)
    qual = cls.__qualname__
    init_flds = [f for f in flds if f.init]
    pos = tuple(f.name for f in init_flds if not f.kw_only)
    kwo = tuple(f.name for f in init_flds if f.kw_only)
    names = pos + kwo
    defaults = {f.name: f for f in init_flds
                if f.default is not MISSING or f.default_factory is not MISSING}
    # fields outside __init__ that still get their default there
    unset = tuple(f for f in flds if not f.init
                  and (f.default is not MISSING or f.default_factory is not MISSING))
    post_init = hasattr(cls, "__post_init__")
    every = frozenset(f.name for f in flds)
    owner: Any = cls
    npos = len(pos)
    setter = object.__setattr__

    def _default(f: dataclasses.Field[Any]) -> Any:
        if f.default is not MISSING:
            return f.default
        factory: Callable[[], Any] = f.default_factory  # type: ignore[assignment]
        return factory()

    index = {name: i for i, name in enumerate(names)}
    npos_default = sum(1 for n in pos if n in defaults)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        given = len(args)
        if kwargs:
            bound = min(given, npos)
            for key in kwargs:  # Python checks the keywords first, then the count
                i = index.get(key)
                if i is None:
                    raise TypeError(f"{qual}.__init__() got an unexpected keyword argument {key!r}")
                if i < bound:
                    raise TypeError(f"{qual}.__init__() got multiple values for argument {key!r}")
        if given > npos:
            raise TypeError(_too_many(qual, npos, npos_default, given,
                                      sum(1 for k in kwargs if k in kwo)))
        for name, value in zip(pos, args, strict=False):
            setter(self, name, value)
        if kwargs or given < len(names):
            for key, value in kwargs.items():
                setter(self, key, value)
            missing_pos: list[str] = []
            missing_kw: list[str] = []
            for i in range(given, len(names)):
                name = names[i]
                if name in kwargs:
                    continue
                if name in defaults:
                    setter(self, name, _default(defaults[name]))
                else:
                    (missing_pos if i < npos else missing_kw).append(name)
            if missing_pos or missing_kw:
                raise TypeError(_missing(qual, missing_pos, "positional")
                                if missing_pos else _missing(qual, missing_kw, "keyword-only"))
        for f in unset:
            setter(self, f.name, _default(f))
        if post_init:
            self.__post_init__()

    cmp = tuple(f.name for f in flds if f.compare)
    hashed = tuple(f.name for f in flds if (f.compare if f.hash is None else f.hash))
    shown = tuple(f.name for f in flds if f.repr)

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return tuple([getattr(self, n) for n in cmp]) == tuple([getattr(other, n) for n in cmp])
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(tuple([getattr(self, n) for n in hashed]))

    @reprlib.recursive_repr("...")
    def __repr__(self: Any) -> str:
        return str(self.__class__.__qualname__ + "("
                   + ", ".join([f"{n}={getattr(self, n)!r}" for n in shown]) + ")")

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in every:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(owner, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in every:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(owner, self).__delattr__(name)

    made = {"__init__": __init__, "__repr__": __repr__, "__eq__": __eq__,
            "__setattr__": __setattr__, "__delattr__": __delattr__, "__hash__": __hash__}
    for name, fn in made.items():
        fn.__qualname__ = f"{qual}.{name}"
    return made


def _too_many(qual: str, npos: int, with_default: int, given: int, kwonly_given: int) -> str:
    """Python's own words for too many positional arguments (``self`` counted)."""
    most = npos + 1
    sig = f"from {most - with_default} to {most}" if with_default else str(most)
    plural = "s" if with_default or most != 1 else ""
    extra = ""
    if kwonly_given:
        extra = (f" positional argument{'s' if given + 1 != 1 else ''} (and {kwonly_given} "
                 f"keyword-only argument{'s' if kwonly_given != 1 else ''})")
    verb = "was" if given + 1 == 1 and not kwonly_given else "were"
    return (f"{qual}.__init__() takes {sig} positional argument{plural} "
            f"but {given + 1}{extra} {verb} given")


def _missing(qual: str, names: list[str], kind: str) -> str:
    """Python's own words for missing arguments."""
    quoted = [repr(n) for n in names]
    if len(quoted) == 1:
        listed = quoted[0]
    elif len(quoted) == 2:
        listed = f"{quoted[0]} and {quoted[1]}"
    else:
        listed = ", ".join(quoted[:-1]) + ", and " + quoted[-1]
    s = "" if len(names) == 1 else "s"
    return f"{qual}.__init__() missing {len(names)} required {kind} argument{s}: {listed}"


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: T) -> T:
    """*cls* as a frozen, slotted dataclass (``dataclass(frozen=True, slots=True)``)."""
    own = cls.__dict__
    for name in ("__setattr__", "__delattr__"):
        if name in own:  # as dataclass(frozen=True) refuses it
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    had_doc = bool(own.get("__doc__"))
    if not had_doc:
        cls.__doc__ = "-"  # keep dataclass from building a signature before __init__ exists
    made: Any = dataclasses.dataclass(init=False, repr=False, eq=False, slots=True)(cls)
    own = made.__dict__
    methods = _methods(made)
    for name, fn in methods.items():
        if name == "__hash__":
            explicit = own.get("__hash__", MISSING)
            if not (explicit is MISSING or (explicit is None and "__eq__" in own)):
                continue  # a class's own __hash__ stays, as dataclass leaves it
        elif name in own and name not in ("__setattr__", "__delattr__"):
            continue  # a class's own __init__/__repr__/__eq__ stays
        setattr(made, name, fn)
    made.__getstate__ = _getstate
    made.__setstate__ = _setstate
    made.__dataclass_params__ = _PARAMS
    made.__signature__ = _Signature(made.__init__)
    if not had_doc:
        import inspect
        made.__doc__ = made.__name__ + str(inspect.signature(made)).replace(" -> None", "")
    return made  # type: ignore[no-any-return]

