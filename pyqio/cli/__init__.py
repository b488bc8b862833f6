"""The ``pyqio`` command line: a dispatcher over one module per sub-command.

Each sub-command lives in its own module exposing ``configure(parser)`` (or
``configure_<name>``) and ``run(args) -> int`` (or ``run_<name>``). Those
modules keep their top-level imports light (argparse and the standard library)
and import the heavy parts inside ``run``, so ``pyqio decode`` never pays for
asyncio or the simulator.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> (module, one-line help)
SUBCOMMANDS = {
    "decode": ("pyqio.cli._decode", "decode a capture of module (or host) output to JSON lines"),
    "sim": ("pyqio.sim._cli", "serve a simulated BC660K-GL on a PTY or a TCP port"),
    "demo": ("pyqio.cli._modem", "run a whole session against the simulator (or a device)"),
    "forward": ("pyqio.cli._modem", "forward a local port through a module socket"),
    "at": ("pyqio.cli._modem", "raw AT passthrough with decoded events"),
    "bench": ("pyqio.cli._bench", "print the benchmark table"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with *only*, just that sub-command's module is imported."""
    parser = argparse.ArgumentParser(
        prog="pyqio",
        description="Drive, decode and simulate the TCP/IP stack of a Quectel BC660K-GL module.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (modname, help_) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_)
        if only is not None and name != only:
            continue
        mod = importlib.import_module(modname)
        configure = getattr(mod, f"configure_{name}", None) or mod.configure
        configure(p)
        p.set_defaults(_module=modname, _name=name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    parser = build_parser(chosen)
    args = parser.parse_args(argv)
    mod = importlib.import_module(args._module)
    run = getattr(mod, f"run_{args._name}", None) or mod.run
    try:
        return int(run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
