"""Frozen, slotted dataclasses whose methods are compiled when first used, not at import.

``dataclasses.dataclass(frozen=True, slots=True)`` writes the source of six methods per
class (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``) and compiles it with ``exec``: about 0.4 ms a class, so the ~90 event
and command classes made up most of ``import pyqio.modem``, though a program builds a
few of them in Python (the C feeder makes the decoder's events without ``__init__``).

:func:`frozen` lets the standard library read the fields (so ``dataclasses.fields``/
``replace``/``asdict``/``astuple``/``is_dataclass`` and ``__match_args__`` are its
own), states ``frozen=True`` in ``__dataclass_params__``, and gives the class stand-ins
for ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__``: the first call of any of
them has ``dataclass(frozen=True)`` compile all four for a twin with the same fields
and puts them on the class, so from then on they are the standard library's very
functions (same speed, same signature, same errors). ``__setattr__``/``__delattr__``
raise ``FrozenInstanceError`` as the standard ones do, and ``__getstate__``/
``__setstate__`` pickle as theirs. tests/test_frozen.py holds every event and command
class against a twin made by ``dataclass(frozen=True, slots=True)``.

Not supported: ``InitVar`` pseudo-fields, and a base class that is itself a dataclass
(none of the package's classes has either).
"""
from __future__ import annotations

import dataclasses
import types
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
_LAZY = ("__init__", "__repr__", "__eq__", "__hash__")


@dataclasses.dataclass(frozen=True, slots=True)
class _Template:
    """The one class compiled the standard way: its ``__dataclass_params__`` are what
    every :func:`frozen` class states (``frozen=True``, ``slots=True`` ...)."""


_PARAMS = _Template.__dataclass_params__  # type: ignore[attr-defined]


class _Signature:
    """``__signature__`` of a :func:`frozen` class while its ``__init__`` is the stand-in
    (built on first use); None once the compiled one is in place, or for a subclass
    with an ``__init__`` of its own, so that ``inspect`` reads that ``__init__``."""

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
    """The signature ``dataclass`` gives ``__init__`` (annotations as declared)."""
    import inspect

    P = inspect.Parameter  # noqa: N806
    params = []
    for f in fields(cls):
        if f.init:
            default = (f.default if f.default is not MISSING
                       else _FACTORY if f.default_factory is not MISSING else P.empty)
            params.append(P(f.name, P.KEYWORD_ONLY if f.kw_only else P.POSITIONAL_OR_KEYWORD,
                            default=default, annotation=f.type))
    # keyword-only fields last, as dataclass orders them
    params.sort(key=lambda p: p.kind is P.KEYWORD_ONLY)
    return inspect.Signature(params, return_annotation=None)


class _FactoryRepr:
    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _FactoryRepr()


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(fields(self), state, strict=False):
        object.__setattr__(self, f.name, value)


def _compile(cls: type, stand_ins: dict[str, Any]) -> None:
    """Put the standard library's compiled methods on *cls* in place of *stand_ins*."""
    ns: dict[str, Any] = {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                          "__doc__": "-", "__annotations__": {}}
    for f in fields(cls):
        ns["__annotations__"][f.name] = f.type
        spec: dict[str, Any] = {"init": f.init, "repr": f.repr, "hash": f.hash,
                                "compare": f.compare, "metadata": f.metadata,
                                "kw_only": f.kw_only}
        if f.default is not MISSING:
            spec["default"] = f.default
        if f.default_factory is not MISSING:
            spec["default_factory"] = f.default_factory
        ns[f.name] = dataclasses.field(**spec)
    if hasattr(cls, "__post_init__"):   # the compiled __init__ calls self.__post_init__()
        ns["__post_init__"] = cls.__post_init__
    # module globals and qualified names as cls's: errors and annotations read the same
    twin: Any = dataclasses.dataclass(frozen=True, slots=True)(type(cls.__name__, (), ns))
    for name, stand_in in stand_ins.items():
        if cls.__dict__.get(name) is stand_in:
            setattr(cls, name, twin.__dict__[name])


def _no_fields(self: Any) -> None:
    """``__init__`` of a class without fields: what dataclass compiles for it."""


def _stand_ins(cls: Any) -> dict[str, Any]:
    """``__init__``/``__repr__``/``__eq__``/``__hash__`` that compile the real ones first."""
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        _compile(cls, made)
        cls.__init__(self, *args, **kwargs)

    def __repr__(self: Any) -> str:
        _compile(cls, made)
        return str(cls.__repr__(self))

    def __eq__(self: Any, other: object) -> bool:
        _compile(cls, made)
        return bool(cls.__eq__(self, other)) if other.__class__ is self.__class__ \
            else NotImplemented

    def __hash__(self: Any) -> int:
        _compile(cls, made)
        return int(cls.__hash__(self))

    made: dict[str, Any] = {"__init__": __init__, "__repr__": __repr__, "__eq__": __eq__,
                            "__hash__": __hash__}
    if not any(f.init for f in fields(cls)) and not hasattr(cls, "__post_init__"):
        # nothing to compile: result codes are made at import (Ok(), Prompt() ...)
        made["__init__"] = types.FunctionType(_no_fields.__code__, _no_fields.__globals__,
                                              "__init__")
        made["__init__"].__annotations__ = {"return": None}
    for name, fn in made.items():
        fn.__qualname__ = f"{cls.__qualname__}.{name}"
    return made


def _frozen_methods(cls: Any) -> dict[str, Any]:
    """``__setattr__``/``__delattr__`` as ``dataclass(frozen=True)`` writes them."""
    every = frozenset(f.name for f in fields(cls))

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in every:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in every:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    made = {"__setattr__": __setattr__, "__delattr__": __delattr__}
    for name, fn in made.items():
        fn.__qualname__ = f"{cls.__qualname__}.{name}"
    return made


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
    stand_ins = _stand_ins(made)
    explicit = own.get("__hash__", MISSING)
    if not (explicit is MISSING or (explicit is None and "__eq__" in own)):
        del stand_ins["__hash__"]   # a class's own __hash__ stays, as dataclass leaves it
    for name in ("__init__", "__repr__", "__eq__"):
        if name in own:
            del stand_ins[name]     # so do its own __init__, __repr__ and __eq__
    for name, fn in {**stand_ins, **_frozen_methods(made)}.items():
        setattr(made, name, fn)
    made.__getstate__ = _getstate
    made.__setstate__ = _setstate
    made.__dataclass_params__ = _PARAMS
    made.__signature__ = _Signature(made.__init__)
    if not had_doc:
        made.__doc__ = made.__name__ + str(_signature(made)).replace(" -> None", "")
    return made  # type: ignore[no-any-return]
