"""Open the link a URL names, with the simulator's ``sim://`` scheme loaded on demand.

:mod:`pyqio.transports` never imports the simulator (the layers go one way:
:mod:`pyqio.sim` registers ``sim://`` itself, with
:func:`pyqio.transports.register_scheme`, when it is imported). The modem and
``pyqio at`` open their URLs here, so ``Modem("sim://")`` works without an
``import pyqio.sim`` of the caller's, and other URLs never load the simulator.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["open_link"]


def _scheme(url: str) -> str:
    return url.partition("://")[0].lower() if "://" in url else ""


async def open_link(url: str, protocol_factory: Callable[[], Any], *,
                    record: Any = None) -> tuple[Any, Any]:
    """``await open_transport(url, protocol_factory)``, importing the simulator first
    for ``sim://``; with *record*, :func:`pyqio.capture.open_transport` records the link."""
    if isinstance(url, str) and _scheme(url) == "sim":
        importlib.import_module("pyqio.sim")  # registers sim:// with the transports
    if record is not None:
        from ..capture import open_transport as recording
        return await recording(url, protocol_factory, record=record)
    from ..transports import open_transport
    return await open_transport(url, protocol_factory)
