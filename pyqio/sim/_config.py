"""SimConfig: every knob of the simulator, read from Python, a ``sim://`` URL or the CLI.

One table (the dataclass fields and their ``help`` metadata) drives all three, so a
fault that can be set from Python can be set from the command line and the URL too.
"""
from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..errors import InvalidArgument
from ._dest import DestPolicy, parse_allow_dest

__all__ = ["SimConfig"]


def _knob(default: Any, help: str, **kw: Any) -> Any:
    return field(default=default, metadata={"help": help, **kw})


@dataclass
class SimConfig:
    """The simulated module's settings and fault knobs.

    Rates are probabilities in [0, 1]; times are seconds. ``seed`` makes every random
    fault replayable: the same seed and the same host input give the same output.
    """

    module: str = _knob("bc660k", "module profile to answer as: bc660k (the note), bc66, or bg96 "
                        "(BG95/BG96/BG77/EC2x forms: contexts via AT+QIACT, buffer access "
                        "and AT+QIRD, data after the URC line)")
    echo: bool = _knob(True, "echo command lines (ATE1), as the module does after boot")
    boot_on_connect: bool = _knob(True, "boot when the host link opens (+IP: once attached); "
                                        "0: already up, as a module that booted long before "
                                        "the host opened the port (no +IP:)")
    ip: str = _knob("10.18.237.42", "address announced with +IP: once attached")
    attach_delay: float = _knob(0.0, "seconds from link start (or restart) to +IP:")
    dns_servers: tuple[str, ...] = _knob((), "DNS servers the network hands out (AT+QIDNSCFG=0 shows them)")
    dns_port: int = _knob(53, "UDP port used for every DNS query (tests use a loopback port)")
    ntp_port: int | None = _knob(None, "UDP port used for every NTP query, overriding AT+QNTP's")
    service_timeout: float = _knob(5.0, "seconds DNS and NTP queries wait for an answer (569)")
    listen_host: str = _knob("127.0.0.1", "host address TCP LISTENER / UDP SERVICE sockets bind")
    connect_timeout: float = _knob(10.0, "seconds before AT+QIOPEN gives up (result 569)")
    open_delay: float = _knob(0.0, "seconds every AT+QIOPEN takes before its +QIOPEN result "
                                   "(a slow network)")
    seed: int | None = _knob(None, "seed of every random fault, for replay")
    latency: float = _knob(0.0, "delay before each URC is written")
    urc_drop_rate: float = _knob(0.0, "probability that a URC is never written")
    urc_delay_rate: float = _knob(0.0, "probability that a URC is held back by urc_delay")
    urc_delay: float = _knob(1.0, "extra delay of a held-back URC")
    send_fail_rate: float = _knob(0.0, "probability that AT+QISEND answers SEND FAIL")
    peer_close_rate: float = _knob(0.0, "probability that the peer closes the socket mid-send")
    garbage_rate: float = _knob(0.0, "probability of garbage bytes before each output line")
    pdp_breakdown_after: float | None = _knob(None, "seconds until the PDP context breaks down")
    reattach_after: float | None = _knob(None, "seconds after a breakdown or a registration "
                                               "loss until registered and +IP: again")
    register_delay: float = _knob(0.0, "seconds the network search takes, after boot, "
                                       "AT+CFUN=1 or AT+CGATT=1, until +CEREG: 1")
    detach_after: float | None = _knob(None, "seconds until registration is lost (+CEREG: 2, "
                                             "the PDP context and its sockets with it)")
    detach_rate: float = _knob(0.0, "probability, each second while registered, that "
                                    "registration is lost (seeded)")
    rssi: int = _knob(22, "<rssi> AT+CSQ answers while registered (0-31, 99 unknown)")
    imei: str = _knob("866818039921444", "IMEI (AT+CGSN)")
    imsi: str = _knob("460001357924680", "IMSI (AT+CIMI)")
    restart_after: float | None = _knob(None, "seconds until the module restarts mid-session")
    state_file: str | None = _knob(None, "JSON file keeping AT+QICFG settings (NVRAM)")
    replay: str | None = _knob(None, "answer as the module of this capture did (pyqio.capture) "
                                     "instead of simulating; the fault knobs do not apply")
    replay_speed: float | None = _knob(1.0, "with replay: recorded delays divided by this; none: no delays")
    allow_dest: str | None = _knob(None, "where sockets may connect: any, loopback or CIDRs "
                                   "(a,b); default any, loopback for pyqio sim --listen")

    def __post_init__(self) -> None:
        from ..protocol import MODULES

        if self.module not in MODULES:
            raise InvalidArgument(f"sim option module={self.module!r} is not one of "
                                  + ", ".join(MODULES))
        if isinstance(self.dns_servers, str):
            self.dns_servers = tuple(s for s in self.dns_servers.split(",") if s)
        self.dns_servers = tuple(self.dns_servers)
        for f in dataclasses.fields(self):
            if f.name.endswith("_rate"):
                _check_range(f.name, getattr(self, f.name), 0.0, 1.0)
        self.dest  # noqa: B018  # a malformed allow_dest is refused now, not at first use
        for name in ("dns_port", "ntp_port"):
            if getattr(self, name) is not None:
                _check_range(name, getattr(self, name), 1, 65535)
        for f in dataclasses.fields(self):
            kind = str(f.type)
            if kind.startswith("float") and getattr(self, f.name) is not None:
                _check_range(f.name, getattr(self, f.name), 0.0, float("inf"))
        if not (0 <= self.rssi <= 31 or self.rssi == 99):
            raise InvalidArgument(f"sim option rssi={self.rssi!r} is out of range 0-31 or 99")
        for name, digits in (("imei", 15), ("imsi", 15)):
            value = getattr(self, name)
            if not (value.isdigit() and value.isascii() and 6 <= len(value) <= digits):
                raise InvalidArgument(f"sim option {name}={value!r}: expected up to "
                                      f"{digits} digits")
        try:
            ipaddress.ip_address(self.ip)
        except ValueError:
            raise InvalidArgument(f"sim option ip={self.ip!r} is not an IP address") from None
        if self.replay_speed is not None and not self.replay_speed > 0:
            raise InvalidArgument(f"sim option replay_speed={self.replay_speed!r}: expected a factor > 0, "
                                  "or none for no delays")

    @property
    def dest(self) -> DestPolicy:
        """The :class:`._dest.DestPolicy` that ``allow_dest`` describes."""
        return parse_allow_dest(self.allow_dest)

    def rng(self) -> random.Random:
        """A fresh random generator seeded with ``seed`` (None: from the OS)."""
        return random.Random(self.seed)

    @classmethod
    def from_query(cls, query: str | Mapping[str, str]) -> SimConfig:
        """Build from a URL query (``seed=1&latency=0.01&echo=0``); unknown keys raise."""
        pairs = dict(parse_qsl(query, keep_blank_values=True)) if isinstance(query, str) else dict(query)
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, text in pairs.items():
            f = known.get(key)
            if f is None:
                raise InvalidArgument(
                    f"sim option {key!r} is unknown; allowed: {', '.join(sorted(known))}")
            kwargs[key] = _convert(key, f, text)
        return cls(**kwargs)

    @classmethod
    def from_url(cls, url: str) -> SimConfig:
        """Build from ``sim://?key=value&...``."""
        parts = urlsplit(url)
        if parts.scheme != "sim":
            raise InvalidArgument(f"url {url!r} must start with 'sim://'")
        return cls.from_query(parts.query)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Add one ``--flag`` per field (``--send-fail-rate 0.1``, ``--no-echo`` ...)."""
        group = parser.add_argument_group("simulated module")
        for f in dataclasses.fields(cls):
            flag = "--" + f.name.replace("_", "-")
            if f.name == "echo":
                group.add_argument("--no-echo", dest="echo", action="store_false",
                                   default=True, help="start with echo off (ATE0)")
                continue
            if f.name == "boot_on_connect":
                group.add_argument(
                    "--boot-on-connect", dest="boot_on_connect", action="store_true",
                    default=False, help="boot when a host connects (+IP: once attached); "
                    "by default the module is already up, as a real one that booted long "
                    "before the host program opened the port")
                continue
            group.add_argument(flag, dest=f.name, default=None, metavar=f.name.upper(),
                               help=f.metadata["help"])

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SimConfig:
        """Build from the namespace filled by :meth:`add_arguments`."""
        kwargs: dict[str, Any] = {"echo": args.echo,
                                  "boot_on_connect": getattr(args, "boot_on_connect", False)}
        for f in dataclasses.fields(cls):
            text = getattr(args, f.name, None)
            if f.name not in kwargs and text is not None:
                kwargs[f.name] = _convert(f.name, f, text)
        return cls(**kwargs)


def _check_range(name: str, value: Any, lo: float, hi: float) -> None:
    if hi == float("inf") and not lo <= value:
        raise InvalidArgument(f"sim option {name}={value!r} must be >= {lo:g}")
    if not lo <= value <= hi:
        raise InvalidArgument(f"sim option {name}={value!r} is out of range {lo}-{hi}")


def _convert(name: str, f: dataclasses.Field[Any], text: str) -> Any:
    kind = str(f.type).strip("'\"")
    try:
        if kind.startswith("bool"):
            if text.lower() not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(text)
            return text.lower() in ("1", "true", "yes", "on")
        if kind.startswith("tuple"):
            return tuple(s for s in text.split(",") if s)
        if "None" in kind and text.lower() in ("", "none"):
            return None
        if kind.startswith("int"):
            return int(text)
        if kind.startswith("float"):
            return float(text)
        return text
    except ValueError:
        raise InvalidArgument(
            f"sim option {name}={text!r} is not a valid {kind}") from None
