"""``pyqio._events_c.RecvFields``: the storage of :class:`pyqio.events.Recv`.

Where the extension is built, Recv's six fields are members of a struct the
extension lays out (its base class ``RecvFields``), so that the feeder fills a new
Recv by storing into that struct instead of calling six descriptors; elsewhere a
plain slotted base keeps them. Here: Recv is the same frozen dataclass either way
(==, hash, repr, pickling, no ``__dict__``); the maker stores into the struct only
when a class's field names resolve to RecvFields' own members, in order, and
through the descriptors otherwise; the struct takes part in garbage collection
(fields emptied from Python, cycles through a field, a referrer search).

Needs: pytest (pip); ``_events_c`` built in place (a missing extension fails, as in
tests/test_events_c.py; ``PYQIO_ALLOW_NO_C=1`` skips instead).
"""
from __future__ import annotations

import copy
import dataclasses
import gc
import os
import pickle
import subprocess
import sys

import pytest

from pyqio.wire import _accel, _events_sockets, events

NAMES = ("connect_id", "data", "length", "remote_ip", "remote_port", "framed")
VALUES = (3, b"x\r\ny", 4, "10.0.0.1", 7000, False)


def _recv_class(base: type) -> type:
    """A Recv twin over *base*, made as pyqio.events makes Recv (whatever base the
    process's Recv got: ``PYQIO_NO_EVENTS_C=1`` gives it the slotted one)."""
    @_events_sockets._fields_in_base
    @dataclasses.dataclass(frozen=True)
    class R(events.Event, base):  # type: ignore[misc, valid-type]
        connect_id: int
        data: bytes
        length: int | None = None
        remote_ip: str | None = None
        remote_port: int | None = None
        framed: bool = True

        __slots__ = ()
    return R


def test_recv_is_the_same_frozen_dataclass_with_or_without_the_extension() -> None:
    want_c = _accel.events_c is not None
    assert issubclass(events.Recv, _events_sockets._RecvSlots) is not want_c
    if want_c:
        assert issubclass(events.Recv, _accel.events_c.RecvFields)
    r = events.Recv(*VALUES)
    assert tuple(getattr(r, n) for n in NAMES) == VALUES
    assert tuple(f.name for f in dataclasses.fields(events.Recv)) == NAMES
    assert events.Recv(1, b"a") == events.Recv(1, b"a", None, None, None, True)
    assert not hasattr(r, "__dict__") and events.Recv.__slots__ == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.data = b"y"   # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del r.data      # type: ignore[misc]
    assert pickle.loads(pickle.dumps(r)) == r and copy.copy(r) == r and copy.deepcopy(r) == r
    assert dataclasses.replace(r, data=b"z").data == b"z" and hash(r) == hash(events.Recv(*VALUES))
    assert repr(r).startswith("Recv(connect_id=3, data=b'x\\r\\ny', length=4")
    match r:
        case events.Recv(3, data, 4):
            assert data == b"x\r\ny"
        case _:
            pytest.fail("match_args lost")


def test_without_the_extension_recv_keeps_its_fields_in_slots() -> None:
    code = ("from pyqio.wire import events; r = events.Recv(1, b'a');"
            "print(events.Recv.__mro__[2].__name__, r.length, r == events.Recv(1, b'a'))")
    env = dict(os.environ, PYQIO_NO_EVENTS_C="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["_RecvSlots", "None", "True"]


@pytest.mark.parametrize("slotted", [False, True])
def test_the_maker_fills_a_recv_fields_class_like_its_constructor(ext, slotted) -> None:
    R = _recv_class(_events_sockets._RecvSlots if slotted else ext.RecvFields)
    make = ext.Maker(R, NAMES)
    assert make(*VALUES) == R(*VALUES) and type(make(*VALUES)) is R
    assert not hasattr(make(*VALUES), "__dict__")

    class Sub(R):   # derives: still the struct
        __slots__ = ()
    assert ext.Maker(Sub, NAMES)(*VALUES) == Sub(*VALUES)

    class Shadow(R):    # a slot of its own hides RecvFields' "data"
        __slots__ = ("data",)
    s = ext.Maker(Shadow, NAMES)(*VALUES)
    assert s.data == VALUES[1] and s.connect_id == 3
    # names in another order: each value still goes to its own field
    assert ext.Maker(R, NAMES[::-1])(*VALUES[::-1]) == R(*VALUES)


def test_the_maker_stores_into_the_struct_only_for_classes_derived_from_it(ext) -> None:
    borrowed = {n: getattr(ext.RecvFields, n) for n in NAMES}
    Borrower = type("Borrower", (), {"__slots__": ("pad",), **borrowed})
    with pytest.raises(TypeError, match="RecvFields"):     # the descriptor refuses it
        ext.Maker(Borrower, NAMES)(*VALUES)

    class NoOwner:  # a data descriptor without __objclass__
        __slots__ = NAMES[1:] + ("_c",)
        connect_id = property(lambda self: self._c,
                              lambda self, v: object.__setattr__(self, "_c", v))
    n = ext.Maker(NoOwner, NAMES)(*VALUES)
    assert n.connect_id == 3 and n.framed is False

    class Odd:      # a descriptor whose __objclass__ is no class
        __objclass__ = 5

        def __get__(self, obj, cls=None):
            return self if obj is None else obj._c

        def __set__(self, obj, v):
            object.__setattr__(obj, "_c", v)

    Mixed = type("Mixed", (), {"__slots__": NAMES[1:] + ("_c",), "connect_id": Odd()})
    assert ext.Maker(Mixed, NAMES)(*VALUES).connect_id == 3
    Six = type("Six", (), {"__slots__": NAMES})  # its own slots: a Python class's layout
    assert ext.Maker(Six, NAMES)(*VALUES).remote_ip == "10.0.0.1"


def test_recv_fields_take_part_in_garbage_collection(ext) -> None:
    R = _recv_class(ext.RecvFields)
    r = ext.Maker(R, NAMES)(*VALUES)
    assert gc.get_referents(r) == [R, *VALUES]
    object.__delattr__(r, "data")       # emptied from Python: skipped, then AttributeError
    assert gc.get_referents(r) == [R, 3, 4, "10.0.0.1", 7000, False]
    with pytest.raises(AttributeError):
        r.data  # noqa: B018
    marker = object()
    holder = R(marker, b"")
    assert holder in gc.get_referrers(marker)   # the search stops at the first match
    assert holder not in gc.get_referrers(object())

    class Finalized:
        seen: list[int] = []

        def __del__(self) -> None:
            Finalized.seen.append(1)

    box: list = [Finalized()]
    box.append(R(box, b""))     # a cycle through a field
    del box
    gc.collect()
    assert Finalized.seen == [1]
