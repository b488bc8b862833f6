"""The ``demo``, ``forward`` and ``at`` sub-commands (see :mod:`pyqio.cli`).

Top-level imports stay light (argparse only); each ``run_*`` imports asyncio
and the modem when it runs.
"""
from __future__ import annotations

import argparse
import logging
import sys

DEFAULT_DEVICE = "sim://"

_DEVICE_HELP = ("the module: a serial device path (/dev/ttyUSB0), socket://HOST:PORT, "
                "or sim:// for the built-in simulator (default %(default)s)")


def _logging(args: argparse.Namespace) -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default=DEFAULT_DEVICE, help=_DEVICE_HELP)
    parser.add_argument("--allow-files", action="store_true",
                        help="let --device options write files (spy://...?file=LOG, "
                             "sim://?state_file=PATH); refused without this flag")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log to stderr (-v info, -vv debug with the AT transcript)")
    parser.add_argument("--record", metavar="FILE",
                        help="record every byte between host and module, with times, as a "
                             "capture (read it with pyqio decode FILE)")


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (port 0-65535)")
    return host, int(port)


# -- demo -------------------------------------------------------------------------
def configure_demo(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Run a whole session: start TCP/UDP echo, DNS and SNTP servers on 127.0.0.1, then "
        "through the module open TCP and UDP sockets (text and hex data formats), take a "
        "connection on a TCP listener, resolve a name, sync time, ping, and close it all, "
        "printing the AT transcript and the decoded events with timings. Exit status 0 "
        "means every step succeeded. On sim:// the simulator's DNS queries go to the "
        "demo's DNS server; a real module must be able to reach this host's loopback "
        "servers, which it usually cannot.")
    _common(parser)
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print the steps and results only, not the AT transcript")


def run_demo(args: argparse.Namespace) -> int:
    from ..sim._deps import missing_sim_deps
    from . import _async
    from ._demo import run_demo as demo

    missing = missing_sim_deps("pyqio demo")  # its DNS server, and the simulator
    if missing:
        print(missing, file=sys.stderr)
        return 1
    _logging(args)
    return _async.run(demo(args.device, verbose=not args.quiet, record=args.record,
                           allow_files=args.allow_files))


# -- forward ----------------------------------------------------------------------
def configure_forward(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Carry a local port through module sockets, so unmodified programs (an MQTT "
        "client, curl) run over the modem: each accepted TCP connection (or each UDP "
        "peer, up to the module's five sockets) gets its own module socket to --to.")
    _common(parser)
    parser.add_argument("--listen", required=True, type=_host_port, metavar="HOST:PORT",
                        help="local address to accept on (port 0 picks a free one; "
                             "the bound HOST:PORT is printed alone on the first line)")
    parser.add_argument("--to", required=True, type=_host_port, metavar="HOST:PORT",
                        help="where the module connects for each local connection")
    parser.add_argument("--udp", action="store_true", help="forward UDP datagrams instead of TCP")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow --listen on an address other than loopback (anyone who "
                             "reaches it can use the module's sockets)")


def run_forward(args: argparse.Namespace) -> int:
    from ..errors import InvalidArgument
    from ..transports._tcp import is_loopback
    from . import _async
    from ._forward import forward

    _logging(args)
    if args.to[1] == 0:
        raise InvalidArgument("--to needs a port 1-65535")
    host = args.listen[0]
    if not is_loopback(host):
        if not args.allow_remote:
            raise InvalidArgument(f"--listen {host} is not a loopback address; anyone who "
                                  "reaches it could use the module's sockets: add "
                                  "--allow-remote to serve it anyway")
        print(f"pyqio forward: warning: accepting remote clients on {host}", file=sys.stderr)
    return _async.run(forward(args.device, args.listen, args.to, udp=args.udp,
                              record=args.record, allow_files=args.allow_files))


# -- at ---------------------------------------------------------------------------
def configure_at(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Raw AT passthrough for bench work: each COMMAND (or each line typed, when "
        "none is given) goes to the module as is; every line it answers is printed raw "
        "(<-) with the event pyqio decodes from it beneath.")
    _common(parser)
    parser.add_argument("commands", nargs="*", metavar="COMMAND",
                        help="AT command lines to send one after the other; none: interactive "
                             "(one line per command, ^Z sends Ctrl-Z, ^[ sends Esc)")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds to wait for each final result (default %(default)s)")
    parser.add_argument("--linger", type=float, default=0.5,
                        help="seconds to keep printing after each final result, for deferred "
                             "answers such as +QIOPEN (default %(default)s)")


def run_at(args: argparse.Namespace) -> int:
    from . import _async
    from ._at import run_at as at

    _logging(args)
    return _async.run(at(args.device, args.commands, timeout=args.timeout,
                         linger=args.linger, record=args.record, allow_files=args.allow_files))
