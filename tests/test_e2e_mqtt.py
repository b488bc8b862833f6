"""A real MQTT exchange through the simulated module.

Debian's mosquitto broker runs on a free loopback port; ``mosquitto_sub`` talks
to it through ``pyqio forward`` (so every byte of its MQTT session crosses the
module's AT+QISEND / +QIURC "recv" path); ``mosquitto_pub`` publishes directly.
Text and binary payloads (every byte value, 0x1A included) must arrive intact.

Needs: apt-get install -y mosquitto mosquitto-clients
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(
    not (shutil.which("mosquitto") and shutil.which("mosquitto_sub")),
    reason="needs Debian's mosquitto and mosquitto-clients (apt-get install -y mosquitto "
           "mosquitto-clients)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def broker(tmp_path):
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    # ready when it accepts a connection
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"mosquitto exited: {proc.stderr.read().decode()}")
            time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def forwarder(broker):
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyqio", "forward", "--device", "sim://",
         "--listen", "127.0.0.1:0", "--to", f"127.0.0.1:{broker}"],
        stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    first = proc.stdout.readline().strip()
    host, _, port = first.rpartition(":")
    assert host == "127.0.0.1" and port.isdigit(), f"first line was {first!r}"
    yield int(port)
    proc.terminate()
    proc.wait(10)


def publish(broker_port: int, topic: str, payload: bytes, tmp_path, *, retain: bool) -> None:
    f = tmp_path / "payload.bin"
    f.write_bytes(payload)
    cmd = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker_port), "-t", topic,
           "-q", "1", "-f", str(f)] + (["-r"] if retain else [])
    subprocess.run(cmd, check=True, timeout=20)


def test_mqtt_text_and_binary_through_pyqio_forward(broker, forwarder, tmp_path):
    text = b"hello from mosquitto_pub over NB-IoT"
    binary = bytes(range(256)) * 4 + b"\x1a\x1b\r\nOK\r\n"
    # the retained text message tells us the subscription is live: then the binary
    # message is published and must be delivered live through the module
    publish(broker, "pyqio/test", text, tmp_path, retain=True)
    sub = subprocess.Popen(
        ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(forwarder), "-t", "pyqio/test",
         "-C", "2", "-N", "-W", "30"], stdout=subprocess.PIPE)
    try:
        first = sub.stdout.read(len(text))
        assert first == text
        publish(broker, "pyqio/test", binary, tmp_path, retain=False)
        rest = sub.stdout.read()
        assert sub.wait(30) == 0
    finally:
        if sub.poll() is None:
            sub.kill()
    assert rest == binary
