"""The pytest plugin from a user's project: a test directory outside this repo with
no conftest.py, run in a subprocess with ``-p pyqio.testing.plugin``, with
``-p pyqio.testing``, and through the ``pytest11`` entry point of the installed
pyqio (``pip install -e .``). The fixtures drive the simulator against real
loopback peers (TCP/UDP echo, HTTP, Debian's mosquitto).

Needs: pytest; apt-get install mosquitto (the mosquitto fixture's test).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

USER_TESTS = textwrap.dedent('''
    import socket
    import urllib.request

    import pytest


    def test_blocking_modem_talks_to_the_echo_peer(sim_modem_blocking, echo_server):
        sock = sim_modem_blocking.connect(*echo_server.tcp)
        sock.sendall(b"over the module")
        assert sock.recv(100) == b"over the module"
        sock.close()


    def test_async_modem_from_a_plain_test(sim_modem, echo_server):
        async def body(modem):
            sock = await modem.connect(*echo_server.udp, "udp")
            await sock.send(b"datagram")
            data = await sock.recv()
            await sock.close()
            return data
        assert sim_modem.run(body) == b"datagram"


    @pytest.mark.pyqio_sim("restart", seed=7, attach_delay=0.05)
    def test_marker_picks_the_profile(sim_url):
        url = sim_url()
        assert "restart_after=1.0" in url and "seed=7" in url and "attach_delay=0.05" in url
        assert "urc_drop_rate" in sim_url("lossy")
        with pytest.raises(ValueError, match="unknown; known: clean"):
            sim_url("no-such-profile")


    def test_http_peer_through_the_module(sim_modem_blocking, http_server):
        with urllib.request.urlopen(http_server.url, timeout=10) as r:  # the peer itself
            assert r.read() == http_server.body
        sock = sim_modem_blocking.connect(*http_server.address)
        sock.sendall(b"GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
        got = b""
        while not got.endswith(http_server.body):
            chunk = sock.recv(4096)
            assert chunk, got
            got += chunk
        assert got.startswith(b"HTTP/1.0 200")
        sock.close()


    def test_mosquitto_broker_is_reachable_through_the_module(sim_modem_blocking, mosquitto):
        sock = sim_modem_blocking.connect(*mosquitto.address)
        # MQTT 3.1.1 CONNECT, client id "p", clean session; the broker answers CONNACK 0
        sock.sendall(bytes([0x10, 13, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 60, 0, 1]) + b"p")
        assert sock.recv(4) == bytes([0x20, 2, 0, 0])
        sock.close()
''')


def run_user_project(tmp_path, *args: str, autoload: bool) -> subprocess.CompletedProcess:
    project = tmp_path / "user_project"
    project.mkdir()
    (project / "test_user.py").write_text(USER_TESTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    if not autoload:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


@pytest.mark.parametrize("plugin", ["pyqio.testing.plugin", "pyqio.testing"])
def test_fixtures_from_a_project_outside_the_repo_with_dash_p(tmp_path, plugin):
    proc = run_user_project(tmp_path, "-p", plugin, autoload=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 passed" in proc.stdout


def test_fixtures_through_the_installed_entry_point(tmp_path):
    # asked outside the repo: its own stale pyqio.egg-info must not answer for the venv
    probe = ("import importlib.metadata as m; "
             "print({e.name: e.value for e in m.entry_points(group='pytest11')}.get('pyqio'))")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                          text=True, check=True, timeout=60)
    assert proc.stdout.strip() == "pyqio.testing.plugin", \
        "the pytest11 entry point is missing: reinstall pyqio (pip install -e .)"
    proc = run_user_project(tmp_path, autoload=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 passed" in proc.stdout


def test_dash_p_beside_the_entry_point_is_not_a_double_registration(tmp_path):
    proc = run_user_project(tmp_path, "-p", "pyqio.testing.plugin", autoload=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_without_the_plugin_the_fixtures_are_missing(tmp_path):
    # guards the tests above: they pass because of the plugin, not by accident
    proc = run_user_project(tmp_path, autoload=False)
    assert proc.returncode != 0 and "fixture 'sim_modem_blocking' not found" in proc.stdout
