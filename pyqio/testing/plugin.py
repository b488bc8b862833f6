"""pyqio's pytest plugin: the simulated module and its peers as fixtures.

Installed pyqio registers it (entry point ``pytest11``: ``pyqio``); without
the install, ``pytest -p pyqio.testing.plugin``. Fixtures:

``sim_url``
    a factory: ``sim_url("lossy", seed=3, latency=0.01)`` is a ``sim://`` URL of
    a named fault profile (:data:`pyqio.testing.SIM_PROFILES`) with any other
    :class:`pyqio.sim.SimConfig` option; ``sim_url()`` is the test's profile.
``sim_modem``
    a :class:`pyqio.testing.SimModem` on the test's profile: ``async with
    sim_modem.open() as modem`` in async tests, ``sim_modem.run(body)`` in plain ones.
``sim_modem_blocking``
    a started :class:`pyqio.blocking.Modem` on the test's profile, closed after it.
``echo_server``, ``http_server``, ``mosquitto``
    loopback peers (:mod:`pyqio.testing._peers`); ``mosquitto`` skips the test,
    saying why, where the broker is not installed.
``pyqio_replay``
    ``pyqio_replay("field.cap")`` is a :class:`pyqio.testing.Replay` that fails
    the test at teardown if the host diverged from the recording.

The test's profile: ``@pytest.mark.pyqio_sim("restart", seed=7, attach_delay=0.1)``
(default ``"clean"``, seed 0).
"""
from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ._sim import SimModem
from ._sim import sim_url as _sim_url


def pytest_plugin_registered(plugin: Any, manager: Any) -> None:
    # `-p pyqio.testing.plugin` on a machine where pyqio is installed: this module is
    # registered under its own name first; keep the entry point ("pyqio") from
    # registering it a second time, which pytest refuses
    if plugin is sys.modules[__name__] and manager.get_name(plugin) != "pyqio" \
            and manager.get_plugin("pyqio") is None:
        manager.set_blocked("pyqio")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "pyqio_sim(profile='clean', seed=0, **options): the simulated module's fault "
                   "profile and options for the sim_url/sim_modem/sim_modem_blocking fixtures")


def _profile(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    marker = request.node.get_closest_marker("pyqio_sim")
    if marker is None:
        return "clean", {}
    profile = marker.args[0] if marker.args else marker.kwargs.get("profile", "clean")
    options = {k: v for k, v in marker.kwargs.items() if k != "profile"}
    return profile, options


@pytest.fixture(name="sim_url")
def sim_url_fixture(request: pytest.FixtureRequest) -> Callable[..., str]:
    """``sim_url(profile=None, *, seed=0, **options)`` -> a ``sim://`` URL."""
    default, marked = _profile(request)

    def make(profile: str | None = None, **options: Any) -> str:
        if profile is None:
            return _sim_url(default, **{**marked, **options})
        return _sim_url(profile, **options)
    return make


@pytest.fixture
def sim_modem(sim_url: Callable[..., str]) -> SimModem:
    """An asyncio modem on the simulator (see :class:`pyqio.testing.SimModem`)."""
    return SimModem(sim_url(), wait_ip=5.0)


@pytest.fixture
def sim_modem_blocking(sim_url: Callable[..., str]) -> Iterator[Any]:
    """A started :class:`pyqio.blocking.Modem` on the simulator."""
    from ..blocking import Modem

    modem = Modem(sim_url())
    try:
        yield modem
    finally:
        modem.close()


@pytest.fixture
def echo_server() -> Iterator[Any]:
    """TCP and UDP echo on loopback: ``echo_server.tcp``, ``echo_server.udp`` addresses."""
    from ._peers import EchoServer

    with EchoServer() as server:
        yield server


@pytest.fixture
def http_server() -> Iterator[Any]:
    """HTTP on loopback: ``http_server.address``, ``.url``; GET gives ``.body``, POST echoes."""
    from ._peers import HttpServer

    with HttpServer() as server:
        yield server


@pytest.fixture
def mosquitto() -> Iterator[Any]:
    """Debian's mosquitto broker on a free loopback port: ``mosquitto.address``."""
    from ._peers import Mosquitto

    if shutil.which("mosquitto") is None:
        pytest.skip("the mosquitto broker is not installed (Debian: apt-get install mosquitto)")
    with Mosquitto() as broker:
        yield broker


@pytest.fixture
def pyqio_replay() -> Iterator[Callable[..., Any]]:
    """``pyqio_replay(capture, speed=1.0)``: a Replay checked for divergences after the test."""
    from ..capture import replay

    made: list[Any] = []

    def make(capture: Any, **kwargs: Any) -> Any:
        made.append(replay(capture, **kwargs))
        return made[-1]
    yield make
    for rep in made:
        rep.check()
