"""The public API's annotations: they resolve at run time and say what comes back.

``mypy pyqio`` (strict, in CI) checks the package against its annotations; these
tests check the annotations themselves from a user's side: every public function
and method can be introspected (``typing.get_type_hints``, as documentation tools
and runtime checkers do), and none returns ``Any``: ``Modem.request`` gives the
session's ``Response``, a ping a ``PingResult``, the blocking facade the same types
as the asyncio modem.
"""
from __future__ import annotations

import datetime
import importlib
import inspect
import typing
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import pyqio.blocking
import pyqio.modem
from pyqio.session import Response
from pyqio.wire.events import SocketStatus

PUBLIC_MODULES = ("pyqio", "pyqio.blocking", "pyqio.commands", "pyqio.errors", "pyqio.events",
                  "pyqio.modem", "pyqio.session", "pyqio.sim", "pyqio.transports", "pyqio.wire")
# returns Any on purpose: the signature of asyncio.BaseTransport.get_extra_info
ANY_ALLOWED = {"pyqio.transports.Transport.get_extra_info"}


def _public_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    seen: set[int] = set()
    for modname in PUBLIC_MODULES:
        mod = importlib.import_module(modname)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj) and id(obj) not in seen:
                seen.add(id(obj))
                yield f"{modname}.{name}", obj
            elif inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    if attr.startswith("_") and attr != "__init__":
                        continue
                    if isinstance(value, (staticmethod, classmethod)):
                        value = value.__func__
                    elif isinstance(value, property):
                        value = value.fget
                    if inspect.isfunction(value) and id(value) not in seen:
                        seen.add(id(value))
                        yield f"{modname}.{name}.{attr}", value


def test_every_public_annotation_resolves_and_none_returns_any() -> None:
    checked, unresolved, returns_any = 0, [], []
    for name, fn in _public_functions():
        try:
            hints = typing.get_type_hints(fn)
        except NameError as exc:  # a name imported only under TYPE_CHECKING
            unresolved.append(f"{name}: {exc}")
            continue
        checked += 1
        if hints.get("return") is Any and name not in ANY_ALLOWED:
            returns_any.append(name)
    assert checked > 100  # the walk really reached the classes' methods
    assert unresolved == []
    assert returns_any == []


@pytest.mark.parametrize("cls", [pyqio.modem.Modem, pyqio.blocking.Modem])
def test_commands_answer_with_the_sessions_response(cls: type) -> None:
    assert typing.get_type_hints(cls.command)["return"] is Response
    assert typing.get_type_hints(cls.ntp)["return"] is datetime.datetime
    assert typing.get_type_hints(cls.state)["return"] == list[SocketStatus]
    assert typing.get_type_hints(cls.ping)["return"] is pyqio.modem.PingResult


def test_the_asyncio_modems_request_and_sockets_are_typed() -> None:
    hints = typing.get_type_hints
    assert hints(pyqio.modem.Modem.request)["return"] is Response
    assert hints(pyqio.modem.Modem.connect)["return"] is pyqio.modem.ModemSocket
    assert hints(pyqio.modem.Modem.listen)["return"] is pyqio.modem.Listener
    assert hints(pyqio.modem.Modem.udp_service)["return"] is pyqio.modem.UdpService
    assert hints(pyqio.blocking.Modem.connect)["return"] is pyqio.blocking.Socket
