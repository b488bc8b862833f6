"""The event loop a program of pyqio's own runs on: asyncio's, or uvloop's.

pyqio's asyncio code (the Modem, the transports, the simulator) runs on any
asyncio event loop, so a program of the user's picks its own: ``uvloop.run(main())``
or ``asyncio.run(main(), loop_factory=uvloop.new_event_loop)``. This module is for
pyqio's own programs that take ``--loop`` (``pyqio sim``, ``pyqio bench --e2e``):
:func:`run` runs a coroutine on the loop named, and a name that cannot be used
is an :class:`~pyqio.errors.InvalidArgument` saying what to install.

uvloop (libuv under the asyncio API) wakes and dispatches in C: measured with
``pyqio bench --e2e --loop uvloop`` (bench/README.md), a lone message's latency
through the Modem drops by about a third.
"""
from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from ..errors import InvalidArgument

__all__ = ["LOOPS", "loop_factory", "loop_policy", "loop_version", "run"]

T = TypeVar("T")

LOOPS = ("asyncio", "uvloop")


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    """The callable that makes a new event loop of *name* (one of :data:`LOOPS`)."""
    if name == "asyncio":
        return asyncio.new_event_loop
    if name != "uvloop":
        raise InvalidArgument(f"event loop {name!r}: not one of {', '.join(LOOPS)}")
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        raise InvalidArgument("event loop 'uvloop': uvloop is not installed here "
                              "(pip install uvloop)") from None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def loop_policy(name: str) -> asyncio.AbstractEventLoopPolicy:
    """An event loop policy whose new loops are of the kind *name* names, for code
    that makes its loops through the policy (``asyncio.run`` on 3.10, a test suite)."""
    policy = asyncio.DefaultEventLoopPolicy()
    policy.new_event_loop = loop_factory(name)  # type: ignore[method-assign]
    return policy


def loop_version(name: str) -> str:
    """*name* with its version, as a benchmark's record shows it: ``uvloop 0.21.0``."""
    if name == "uvloop":
        loop_factory(name)  # the clear error when it is missing
        return f"uvloop {importlib.import_module('uvloop').__version__}"
    return f"asyncio (Python {sys.version.split()[0]})"


def run(main: Coroutine[Any, Any, T], loop: str = "asyncio") -> T:
    """``asyncio.run(main)`` on a new event loop of the kind *loop* names."""
    try:
        factory = loop_factory(loop)
    except InvalidArgument:
        main.close()  # never awaited: no "coroutine was never awaited" warning
        raise
    if loop == "asyncio":
        return asyncio.run(main)
    if sys.version_info >= (3, 11):
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(main)
    # 3.10 has no Runner: asyncio.run makes its loop through the policy
    old = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(loop_policy(loop))
    try:
        return asyncio.run(main)
    finally:
        asyncio.set_event_loop_policy(old)
