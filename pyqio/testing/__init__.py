"""pyqio.testing: tools for testing code built on pyqio (``pip install 'pyqio[testing]'``).

- Captures and replay: :func:`replay` plays the module of a recorded
  conversation (:mod:`pyqio.capture`) to a new host and reports where the
  host departs from it (:class:`Divergence`); record with
  ``Modem(url, record="run.cap")``.
- :mod:`pyqio.testing.strategies`: hypothesis strategies for module output
  (valid streams per setting and profile, hostile payloads, chunkings) and
  for commands. Needs hypothesis (the ``testing`` extra).
- :mod:`pyqio.testing.plugin`: pytest fixtures (``sim_modem``,
  ``sim_modem_blocking``, ``sim_url``, ``echo_server``, ``http_server``,
  ``mosquitto``, ``pyqio_replay``), registered under the ``pytest11`` entry point.
- :func:`sim_url` / :data:`SIM_PROFILES`: the simulator with named fault profiles;
  :class:`EchoServer`, :class:`HttpServer`, :class:`Mosquitto`: loopback peers.
- ``pyqio fuzz MODULE:CALLABLE``: :func:`pyqio.testing.fuzz.fuzz` from the command line.

See ``docs/testing.md``.
"""
from __future__ import annotations

import sys

from ..capture import (
    Capture,
    CaptureSettings,
    CaptureWriter,
    Divergence,
    Replay,
    read_capture,
    replay,
)
from ..errors import ReplayDivergence
from ._peers import EchoServer, HttpServer, Mosquitto
from ._sim import SIM_PROFILES, SimModem, sim_url

__all__ = [
    "SIM_PROFILES", "Capture", "CaptureSettings", "CaptureWriter", "Divergence", "EchoServer",
    "HttpServer", "Mosquitto", "Replay", "ReplayDivergence", "SimModem",
    "read_capture", "replay", "sim_url",
]

if "_pytest" in sys.modules:
    # inside a pytest run: `pytest -p pyqio.testing` registers this package, so it
    # offers the plugin's fixtures and hooks too (the entry point loads .plugin)
    from .plugin import (  # noqa: F401
        echo_server,
        http_server,
        mosquitto,
        pyqio_replay,
        pytest_configure,
        sim_modem,
        sim_modem_blocking,
        sim_url_fixture,
    )
