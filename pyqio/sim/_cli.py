"""``pyqio sim``: serve a simulated BC660K-GL on a PTY or a TCP port.

``pyqio sim --pty`` prints the PTY's slave path, ``pyqio sim --listen HOST:PORT``
the bound ``HOST:PORT`` (port 0 picks a free one), alone on the first line of
standard output, then serves until stopped (Ctrl-C or SIGTERM). Every fault knob
of :class:`pyqio.sim.SimConfig` is a flag (``--send-fail-rate 0.1 --seed 7``).
On exit it prints on standard error what it dropped (``Simulator.stats``, summed
over every link), so a test run built on it can see any loss.

``--listen`` on an address other than loopback serves everyone who can reach
it, and each client can make the simulator open host sockets: it needs
``--allow-remote`` and warns; the sockets' destinations are then limited to
loopback unless ``--allow-dest`` says otherwise.
Top-level imports stay light (see :mod:`pyqio.cli`).
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ._dest import is_loopback

if TYPE_CHECKING:
    from ._config import SimConfig
    from ._simulator import Simulator


def configure(parser: argparse.ArgumentParser) -> None:
    from ._config import SimConfig  # argparse and dataclasses only

    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", action="store_true", help="serve on a new pseudo-terminal")
    where.add_argument("--listen", metavar="HOST:PORT",
                       help="serve over TCP, one simulated module per connection")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow --listen on an address other than loopback (anyone who "
                             "reaches it can make the simulator open sockets)")
    SimConfig.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from ._config import SimConfig
    from ._deps import missing_sim_deps

    missing = missing_sim_deps("pyqio sim")
    if missing:
        print(missing, file=sys.stderr)
        return 1
    config = SimConfig.from_args(args)
    if args.listen is not None:
        host, _port = _split_host_port(args.listen)
        if not is_loopback(host):
            if not args.allow_remote:
                raise SystemExit(f"pyqio sim: --listen {args.listen} is not a loopback address; "
                                 "anyone who reaches it could open sockets through the "
                                 "simulator: add --allow-remote to serve it anyway")
            print(f"pyqio sim: warning: serving {args.listen} to remote clients; their sockets "
                  f"may reach: {config.allow_dest or 'loopback only'}", file=sys.stderr)
        if config.allow_dest is None:  # clients of a TCP port reach loopback only by default
            config.allow_dest = "loopback"
    _show_warnings()
    return asyncio.run(_serve(args, config))


def _show_warnings() -> None:
    """The simulator's own warnings (a refused destination, dropped datagrams) on
    standard error: a server's operator must see them (the library prints nothing
    unless the program configures logging, and this program is the simulator)."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("pyqio sim: %(message)s"))
    logger = logging.getLogger("pyqio.sim")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)


def _split_host_port(text: str) -> tuple[str, int]:
    from ..errors import InvalidArgument

    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InvalidArgument(f"--listen {text!r}: expected HOST:PORT with PORT in 0-65535")
    return host.strip("[]") or "127.0.0.1", int(port)


async def _serve(args: argparse.Namespace, config: SimConfig) -> int:
    import asyncio
    import signal

    from ..transports import serve_pty, serve_tcp
    from ._simulator import Simulator

    stop = asyncio.get_running_loop().create_future()

    def on_signal() -> None:
        if not stop.done():
            stop.set_result(0)

    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, on_signal)

    sims: list[Simulator] = []

    def factory() -> Simulator:
        sims.append(Simulator(config))
        return sims[-1]
    if args.pty:
        transport, path = await serve_pty(factory)
        print(path, flush=True)
        await stop
        transport.close()
    else:
        host, port = _split_host_port(args.listen)
        server = await serve_tcp(host, port, factory)
        bound = server.sockets[0].getsockname()
        shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        print(f"{shown}:{bound[1]}", flush=True)
        await stop
        server.close()
    _summary(sims)
    return 0


def _summary(sims: list[Simulator]) -> None:
    """What every link dropped, on standard error (nothing is lost unseen)."""
    from ._output import SimStats

    total = SimStats()
    for sim in sims:
        total.add(sim.stats)
    print(f"pyqio sim: {len(sims)} link(s); {total.drops} dropped or discarded: "
          f"{total.summary()}", file=sys.stderr, flush=True)
