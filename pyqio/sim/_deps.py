"""What the simulator needs beyond pyqio's own dependencies, and the one message
that says how to get it.

The simulator answers ``AT+QIDNSGIP`` with real DNS queries through dnspython, and
``pyqio demo`` serves its names with a dnspython-built DNS server. A program that
only decodes or drives a real module needs neither, so dnspython comes with the
``sim`` extra (``pip install 'pyqio[sim]'``) instead of with every install.
"""
from __future__ import annotations

import importlib

__all__ = ["missing_sim_deps", "require_sim_deps"]

# import name -> distribution name on the package index
_NEEDED = {"dns.asyncresolver": "dnspython", "dns.message": "dnspython"}


def missing_sim_deps(what: str) -> str | None:
    """``None`` when the simulator's dependencies import; else one line for the user
    saying what *what* needs and the command that installs it."""
    missing = []
    for module, dist in _NEEDED.items():
        try:
            importlib.import_module(module)
        except ImportError:
            if dist not in missing:
                missing.append(dist)
    if not missing:
        return None
    return (f"{what} needs {', '.join(missing)}, which comes with pyqio's simulator extra: "
            "pip install 'pyqio[sim]'")


def require_sim_deps(what: str) -> None:
    """Raise :class:`ImportError` (``name`` set to the missing module) with the
    message of :func:`missing_sim_deps` when the simulator cannot run here."""
    message = missing_sim_deps(what)
    if message is not None:
        raise ImportError(message, name="dns")
