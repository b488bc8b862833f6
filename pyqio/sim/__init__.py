"""pyqio.sim: a simulated BC660K-GL, byte for byte as the application note writes.

:class:`Simulator` is the module's side of one host link (an ``asyncio.Protocol``):
it parses the host's command lines with :func:`pyqio.commands.parse`, answers with
the events' serializers, and does the work behind each command with real host
sockets (TCP, UDP, listeners, DNS through dnspython, SNTP, ICMP ping).
:class:`SimConfig` holds its settings and seeded fault knobs; ``sim://?...`` URLs
and ``pyqio sim`` flags map onto it.

The names are imported on first use (PEP 562) so that ``pyqio sim --help`` and
the CLI's parser building never pay for asyncio.
"""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["SimConfig", "Simulator"]

_LAZY = {"Simulator": "pyqio.sim._simulator", "SimConfig": "pyqio.sim._config"}


def __getattr__(name: str) -> Any:
    modname = _LAZY.get(name)
    if modname is None:
        raise AttributeError(f"module 'pyqio.sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(modname), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
