"""``pyqio._frozen.frozen`` builds what ``dataclass(frozen=True, slots=True)`` builds.

Every event and command class is held against a twin made by the standard library from
the same fields and methods: the same ``__init__`` signature and errors, ``==``,
``hash``, ``repr``, frozenness, pickling, ``replace``/``asdict``/``astuple``,
``__match_args__`` and ``__dataclass_params__``.
"""
from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from dataclasses import KW_ONLY, field
from typing import Any, ClassVar

import pytest
from test_commands_examples import CHAPTER_4

from pyqio import events as E
from pyqio._frozen import frozen
from pyqio.commands._spec import by_name, names_with_test

_MADE = {"__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__",
         "__getstate__", "__setstate__", "__signature__", "__dataclass_params__",
         "__dataclass_fields__", "__match_args__", "__slots__", "__dict__", "__weakref__",
         "__doc__", "__replace__"}


def _twin(cls: type) -> type:
    """*cls* rebuilt from its fields and own attributes by the standard library."""
    ns: dict[str, Any] = {"__qualname__": cls.__qualname__, "__module__": cls.__module__,
                          "__doc__": cls.__doc__, "__annotations__": {}}
    names = {f.name for f in dataclasses.fields(cls)}
    for name, value in vars(cls).items():
        if name not in _MADE and name not in names and name != "__annotations__":
            ns[name] = value
    for f in dataclasses.fields(cls):
        ns["__annotations__"][f.name] = f.type
        kw: dict[str, Any] = {"init": f.init, "repr": f.repr, "compare": f.compare,
                              "hash": f.hash, "metadata": f.metadata, "kw_only": f.kw_only}
        if f.default is not dataclasses.MISSING:
            kw["default"] = f.default
        if f.default_factory is not dataclasses.MISSING:
            kw["default_factory"] = f.default_factory
        ns[f.name] = field(**kw)
    return dataclasses.dataclass(frozen=True, slots=True)(type(cls.__name__, cls.__bases__, ns))


def _sample(f: dataclasses.Field[Any]) -> object:
    return {"data": b"\x00\r\n", "line": b"x", "raw": b"y", "params": (1, "a"),
            "addresses": ("1.1.1.1", "8.8.8.8")}.get(f.name, 7)


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """What calling *fn* gives: the instance's repr, or the error and its words."""
    try:
        return repr(fn(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - every error is compared
        return (type(exc).__name__, str(exc))


def _event_classes() -> list[type]:
    return [c for c in vars(E).values()
            if isinstance(c, type) and issubclass(c, E.Event) and dataclasses.is_dataclass(c)]


def _same(ours: Any, theirs: Any) -> None:
    """*ours* (a frozen instance) behaves as *theirs* (its standard twin's)."""
    assert repr(ours) == repr(theirs)
    assert hash(ours) == hash(theirs)
    assert dataclasses.astuple(ours) == dataclasses.astuple(theirs)
    assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
    assert not hasattr(ours, "__dict__")
    for name in [f.name for f in dataclasses.fields(ours)]:
        with pytest.raises(dataclasses.FrozenInstanceError) as mine:
            setattr(ours, name, 1)
        with pytest.raises(dataclasses.FrozenInstanceError) as std:
            setattr(theirs, name, 1)
        assert str(mine.value) == str(std.value)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(ours, name)
    # any other name too (3.11's own twin raises a TypeError from its super() call here)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ours.other = 1
    assert pickle.loads(pickle.dumps(ours)) == ours
    assert copy.deepcopy(ours) == ours and copy.copy(ours) == ours
    assert dataclasses.replace(ours) == ours


def _same_class(cls: type, twin: type) -> None:
    ours_p = repr(cls.__dataclass_params__)  # type: ignore[attr-defined]
    twin_p = repr(twin.__dataclass_params__)  # type: ignore[attr-defined]
    if cls is E.Recv:   # made by dataclass() without slots=True: its base holds the fields
        ours_p, twin_p = ours_p.replace("slots=False", ""), twin_p.replace("slots=True", "")
    assert ours_p == twin_p
    assert cls.__match_args__ == twin.__match_args__  # type: ignore[attr-defined]
    if cls is E.Recv:   # its fields live in a base class (tests/test_recv_fields.py)
        assert cls.__slots__ == () and all(  # type: ignore[attr-defined]
            any(name in getattr(b, "__slots__", ()) or name in vars(b) for b in cls.__mro__[1:])
            for name in twin.__slots__)  # type: ignore[attr-defined]
    else:
        assert cls.__slots__ == twin.__slots__  # type: ignore[attr-defined]
    assert str(inspect.signature(cls)) == str(inspect.signature(twin))
    assert cls.__doc__ == twin.__doc__
    assert dataclasses.is_dataclass(cls)


@pytest.mark.parametrize("cls", _event_classes(), ids=lambda c: c.__name__)
def test_every_event_is_what_dataclass_frozen_slots_makes(cls: type) -> None:
    twin = _twin(cls)
    _same_class(cls, twin)
    values = [_sample(f) for f in dataclasses.fields(cls)]
    ours, theirs = cls(*values), twin(*values)
    _same(ours, theirs)
    assert ours == cls(*values) and ours != theirs  # == needs the very same class
    assert (ours == theirs) is (theirs == ours) is False
    by_name = cls(**{f.name: v for f, v in zip(dataclasses.fields(cls), values, strict=True)})
    assert by_name == ours
    # the constructor's errors: too many, too few, twice, unknown
    for args, kwargs in [((*values, 1), {}), ((), {}), (values[:1], {"zz": 1}),
                         (values, {f.name: 1 for f in dataclasses.fields(cls)[:1]})]:
        assert _call(cls, *args, **kwargs) == _call(twin, *args, **kwargs)


@pytest.mark.parametrize(("section", "cmd"), [(s, c) for s, _, _, c in CHAPTER_4],
                         ids=lambda x: x if isinstance(x, str) else type(x).__name__)
def test_every_command_is_what_dataclass_frozen_slots_makes(section: str, cmd: Any) -> None:
    cls = type(cmd)
    twin = _twin(cls)
    _same_class(cls, twin)
    values = {f.name: getattr(cmd, f.name) for f in dataclasses.fields(cls) if f.init}
    theirs = twin(**values)
    _same(cmd, theirs)
    assert cmd.to_bytes() == theirs.to_bytes()
    # __post_init__ runs: a value out of range is refused by both
    bad = {**values, next(iter(values)): -99} if values else None
    if bad:
        assert _call(cls, **bad) == _call(twin, **bad)


def test_every_declared_command_class_states_frozen_slots_params() -> None:
    classes = {c for name in names_with_test() for c in by_name(name)}
    assert len(classes) > 30
    for cls in classes:
        _same_class(cls, _twin(cls))


@frozen
class _Shapes:
    a: int
    b: list[int] = field(default_factory=list)
    c: str = field(default="c", repr=False, compare=False)
    d: int = field(default=4, init=False)
    e: float = field(default=0.5, hash=False)
    _: KW_ONLY
    k: int
    m: int = 3
    tag: ClassVar[str] = "shape"


@frozen
class _NoDoc:
    x: int

    def __post_init__(self) -> None:
        if self.x < 0:
            raise ValueError("x < 0")


@frozen
class _Empty:
    pass


@pytest.mark.parametrize("cls", [_Shapes, _NoDoc, _Empty], ids=lambda c: c.__name__)
def test_field_options_behave_as_the_standard_library_says(cls: type) -> None:
    twin = _twin(cls)
    _same_class(cls, twin)
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((), {}), ((1,), {}), ((1,), {"k": 2}), ((1, [2], "x", 0.1), {"k": 2, "m": 5}),
        ((1, [2], "x", 0.1, 9), {"k": 2}), ((1,), {"k": 2, "d": 3}), ((1,), {"a": 1, "k": 2}),
        ((-1,), {}), ((), {"x": 5}), ((), {"k": 1}),
    ]
    for args, kwargs in calls:
        try:
            theirs = twin(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            with pytest.raises(type(exc)) as mine:
                cls(*args, **kwargs)
            assert str(mine.value).replace(cls.__qualname__, "") == str(exc).replace(
                twin.__qualname__, "")
            continue
        ours = cls(*args, **kwargs)
        if cls is _Shapes:
            # a list field makes the instance unhashable, as for the twin
            with pytest.raises(TypeError):
                hash(ours)
            assert repr(ours) == repr(theirs) and dataclasses.astuple(ours) == dataclasses.astuple(
                theirs)
            assert ours == cls(*args, **kwargs)
            assert cls(1, k=2).b == [] and cls(1, k=2).b is not cls(1, k=2).b  # a new list each
            assert ours == dataclasses.replace(ours, c="other")  # c is left out of ==
        else:
            _same(ours, theirs)


def test_a_class_may_keep_its_own_repr_and_eq_but_not_setattr() -> None:
    @frozen
    class Own:
        x: int

        def __repr__(self) -> str:
            return "own"

        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

    one = Own(1)
    assert repr(one) == "own" and one == Own(2) and hash(one) == object.__hash__(one)

    @frozen
    class EqOnly:
        x: int

        def __eq__(self, other: object) -> bool:
            return True

    # __eq__ alone: dataclass still adds the fields' hash
    assert hash(EqOnly(1)) == hash((1,)) and EqOnly(1) == EqOnly(2)
    with pytest.raises(TypeError, match="Cannot overwrite attribute __setattr__"):
        @frozen
        class Bad:
            x: int

            def __setattr__(self, name: str, value: object) -> None:
                pass


def test_a_subclass_with_its_own_init_gets_its_own_signature() -> None:
    class Sub(E.Recv):
        __slots__ = ()

        def __init__(self, data: bytes) -> None:
            super().__init__(0, data)

    assert str(inspect.signature(Sub)) == "(data: 'bytes') -> 'None'"  # its own (this file's annotations are strings)
    assert Sub(b"x") == Sub(b"x") and Sub(b"x").data == b"x"


def test_methods_are_compiled_on_first_use_into_the_standard_librarys_own() -> None:
    import subprocess
    import sys

    code = (
        "import pyqio.modem\n"
        "from pyqio import events as E\n"
        "from pyqio.commands import QIClose\n"
        "first = {c.__init__.__code__.co_filename.rsplit('/', 1)[-1] for c in (E.Closed, QIClose)}\n"
        "E.Closed(1); QIClose(1)\n"
        "then = {c.__init__.__code__.co_filename for c in (E.Closed, QIClose)}\n"
        "print(sorted(first), sorted(then), E.PingSummary.__init__.__code__.co_filename.rsplit('/', 1)[-1])\n"
        "print(E.Closed.__repr__.__code__.co_filename.rsplit('/', 1)[-1], repr(E.Closed(1)))\n"
        "print(E.Closed.__repr__.__wrapped__.__code__.co_filename)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    # nothing compiled at import; the first call compiles all four methods of that class
    assert out[0] == "['_frozen.py'] ['<string>'] _frozen.py"
    assert out[1] == "reprlib.py Closed(connect_id=1)" or out[1].startswith("dataclasses.py")
    assert out[2] == "<string>"
