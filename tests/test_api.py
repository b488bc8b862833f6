"""The public names the README and docs/architecture.md show stay where users find them."""
import subprocess
import sys

import pytest

import pyqio
from pyqio import events


def test_every_name_in_all_resolves():
    for name in pyqio.__all__:
        assert getattr(pyqio, name) is not None, name


def test_decode_is_the_function_and_no_module_has_its_name():
    # `pyqio.decode` is the contract function only: no module `pyqio.decode` shadows
    # it, whatever is imported first (the decoder module is pyqio.wire._decoder).
    code = (
        "import importlib.util, pyqio\nfrom pyqio import Decoder\n"
        "print(importlib.util.find_spec('pyqio.decode'), callable(pyqio.decode))\n"
        "try:\n    import pyqio.decode\nexcept ImportError:\n    print('no module')\n"
        "print(pyqio.decode(b'\\r\\nOK\\r\\n'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:3] == ["None True", "no module", "[Ok()]"]


def test_backend_names_the_tokenizer_in_use():
    assert pyqio.backend() in ("c", "python")


def test_design_minimum_event_set_with_its_field_names():
    expected = {
        "Ok": (), "Error": (), "CmeError": ("code",), "SendOk": (), "SendFail": (),
        "CloseOk": (), "Prompt": (),
        "Recv": ("connect_id", "data", "length", "remote_ip", "remote_port"),
        "Closed": ("connect_id",),
        "Incoming": ("connect_id", "server_id", "remote_ip", "remote_port"),
        "OpenResult": ("connect_id", "result"),
        "SocketStatus": ("connect_id", "service_type", "host", "remote_port", "local_port",
                         "socket_state", "context_id", "access_mode"),
        "SendStats": ("sent", "acked", "nacked"),
        "PingReply": ("result", "ip", "size", "time_ms", "ttl"),
        "PingSummary": ("result", "sent", "received", "lost", "min_ms", "max_ms", "avg_ms"),
        "NtpResult": ("result", "time"), "DnsResult": ("result", "ip_count", "ttl"),
        "DnsAddress": ("ip",), "DnsServers": ("context_id", "addresses"),
        "DataFormat": ("send_hex", "recv_hex"), "ShowRA": ("enabled",), "IpAddress": ("ip",),
        "Info": ("name", "params"), "Text": ("line",), "ProtocolError": ("reason", "raw"),
    }
    import dataclasses
    for name, fields in expected.items():
        cls = getattr(events, name)
        params = dataclasses.fields(cls)
        names = tuple(f.name for f in params)
        assert names[: len(fields)] == fields, name
        assert cls.__dataclass_params__.frozen, name
        assert hasattr(cls, "__slots__"), name


def test_result_code_covers_zero_and_550_to_574_with_descriptions():
    codes = sorted(int(c) for c in pyqio.ResultCode)
    assert codes == [0, *range(550, 575)]
    assert pyqio.ResultCode(566).description == "Socket connection failed"


def test_modem_requires_its_url() -> None:
    # no default: a program that forgets its device must not talk to the simulator
    import inspect

    import pyqio.blocking

    for ctor in (pyqio.Modem, pyqio.Modem.open, pyqio.blocking.Modem):
        url = inspect.signature(ctor).parameters["url"]
        assert url.default is inspect.Parameter.empty, ctor
    with pytest.raises(TypeError):
        pyqio.Modem()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        pyqio.blocking.Modem()  # type: ignore[call-arg]
