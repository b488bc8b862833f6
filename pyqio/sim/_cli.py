"""``pyqio sim``: serve a simulated BC660K-GL on a PTY or a TCP port.

``pyqio sim --pty`` prints the PTY's slave path, ``pyqio sim --listen HOST:PORT``
the bound ``HOST:PORT`` (port 0 picks a free one), alone on the first line of
standard output, then serves until stopped (SIGTERM: exit 0; Ctrl-C: exit 130).
The module is already up when the host opens the port, as a real one that booted
long before (registered, attached, its ``+IP:`` printed to nobody);
``--boot-on-connect`` makes it boot then instead. ``--listen --shared`` keeps one
module across connections, as ser2net in front of a real one. Every fault knob of
:class:`pyqio.sim.SimConfig` is a flag (``--send-fail-rate 0.1 --seed 7``); a bad
value is a usage error.
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
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgument
from ..transports._loops import LOOPS, loop_factory
from ..transports._loops import run as run_on
from ..transports._tcp import is_loopback

if TYPE_CHECKING:
    from ._config import SimConfig
    from ._simulator import Simulator


def configure(parser: argparse.ArgumentParser) -> None:
    from ._config import SimConfig  # argparse and dataclasses only

    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", action="store_true", help="serve on a new pseudo-terminal")
    where.add_argument("--listen", metavar="HOST:PORT",
                       help="serve over TCP, one simulated module per connection")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log to stderr (-v info, -vv debug); errors with their traceback")
    parser.add_argument("--shared", action="store_true",
                        help="with --listen: one module for every connection, kept between "
                             "them as a real module behind ser2net is (its sockets stay open "
                             "when a host disconnects); a new connection takes the port over")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow --listen on an address other than loopback (anyone who "
                             "reaches it can make the simulator open sockets)")
    parser.add_argument("--loop", choices=LOOPS, default="asyncio",
                        help="the event loop the simulator runs on (default asyncio; uvloop "
                             "answers sooner, and needs: pip install uvloop)")
    SimConfig.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    import logging
    import sys

    from ._config import SimConfig
    from ._deps import missing_sim_deps

    missing = missing_sim_deps("pyqio sim")
    if missing:
        print(missing, file=sys.stderr)
        return 1
    if args.verbose:
        logging.basicConfig(level=logging.INFO if args.verbose == 1 else logging.DEBUG,
                            format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = SimConfig.from_args(args)
    # usage errors before anything starts
    if args.listen is not None:
        args.listen = _split_host_port(args.listen)
        host = args.listen[0]
        if not is_loopback(host):
            if not args.allow_remote:
                raise InvalidArgument(f"--listen {host}: not a loopback address; anyone who "
                                      "reaches it could open sockets through the simulator: "
                                      "add --allow-remote to serve it anyway")
            print(f"pyqio sim: warning: serving {host} to remote clients; their sockets "
                  f"may reach: {config.allow_dest or 'loopback only'}", file=sys.stderr)
        if config.allow_dest is None:  # clients of a TCP port reach loopback only by default
            config.allow_dest = "loopback"
    if args.shared and args.pty:  # a PTY keeps its one module across opens anyway
        raise InvalidArgument("--shared goes with --listen (a --pty module is shared already)")
    loop_factory(args.loop)  # uvloop asked for and missing: said before anything starts
    if not args.verbose:
        _show_warnings()

    if config.replay:
        from ..capture import read_capture
        from ..errors import CaptureError
        try:
            read_capture(config.replay)
        except (OSError, CaptureError) as exc:
            print(f"pyqio sim: --replay {config.replay}: {exc}", file=sys.stderr)
            return 2
        # the divergences (logger pyqio.replay) go to stderr
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("pyqio sim: %(message)s"))
        logging.getLogger("pyqio.replay").addHandler(handler)
    return run_on(_serve(args, config), args.loop)


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
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InvalidArgument(f"--listen {text!r}: expected HOST:PORT with PORT in 0-65535")
    return host.strip("[]") or "127.0.0.1", int(port)


async def _serve(args: argparse.Namespace, config: SimConfig) -> int:
    import asyncio
    import signal

    from ..transports import serve_pty, serve_tcp
    from ._simulator import Simulator

    stop: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_signal(status: int) -> None:
        if not stop.done():
            stop.set_result(status)

    # SIGTERM ends the service in order (exit 0); Ctrl-C too, with 130 (128 + SIGINT)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, on_signal, 0)
    loop.add_signal_handler(signal.SIGINT, on_signal, 130)

    sims: list[Simulator] = []

    def factory() -> Any:
        sims.append(Simulator(config))
        return sims[-1]
    if args.shared:
        sims.append(Simulator(config))
        factory = _SharedPort.factory(sims[-1])
    elif config.replay:  # one recording, played from its start to each connection
        from ..capture import Replay
        factory = Replay(config.replay, speed=config.replay_speed).protocol
    if args.pty:
        transport, path = await serve_pty(factory)
        try:
            print(path, flush=True)
            status = await stop
        finally:
            transport.close()
    else:
        host, port = args.listen
        server = await serve_tcp(host, port, factory)
        try:
            bound = server.sockets[0].getsockname()
            shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
            print(f"{shown}:{bound[1]}", flush=True)
            status = await stop
        finally:
            server.close()
    _summary(sims)
    return status


def _summary(sims: list[Simulator]) -> None:
    """What every link dropped, on standard error (nothing is lost unseen)."""
    from ._output import SimStats

    total = SimStats()
    for sim in sims:
        total.add(sim.stats)
    print(f"pyqio sim: {len(sims)} link(s); {total.drops} dropped or discarded: "
          f"{total.summary()}", file=sys.stderr, flush=True)


class _SharedPort:
    """One TCP connection to a module shared by every connection (``--shared``)."""

    def __init__(self, hub: dict[str, Any]) -> None:
        self.hub, self.transport = hub, None

    @classmethod
    def factory(cls, sim: Simulator) -> Any:
        hub: dict[str, Any] = {"sim": sim, "current": None, "started": False}
        return lambda: cls(hub)

    def connection_made(self, transport: Any) -> None:
        before, self.hub["current"] = self.hub["current"], self
        self.transport = transport
        if before is not None and before.transport is not None:
            before.transport.close()  # the new host takes the port over
        if self.hub["started"]:
            self.hub["sim"].host_back(transport)
        else:
            self.hub["started"] = True
            self.hub["sim"].connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.hub["current"] is self:
            self.hub["sim"].data_received(data)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.hub["current"] is self:
            self.hub["current"] = None
            self.hub["sim"].host_left()

    def pause_writing(self) -> None:
        if self.hub["current"] is self:
            self.hub["sim"].pause_writing()

    def resume_writing(self) -> None:
        if self.hub["current"] is self:  # the host caught up: the remote sockets read again
            self.hub["sim"].resume_writing()
