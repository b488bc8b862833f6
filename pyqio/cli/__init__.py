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
import traceback
from collections.abc import Sequence
from typing import NoReturn

# name -> (module, one-line help)
SUBCOMMANDS = {
    "decode": ("pyqio.cli._decode", "decode a capture of module (or host) output to JSON lines"),
    "sim": ("pyqio.sim._cli", "serve a simulated BC660K-GL on a PTY or a TCP port"),
    "demo": ("pyqio.cli._modem", "run a whole session against the simulator (or a device)"),
    "forward": ("pyqio.cli._modem", "forward a local port through a module socket"),
    "at": ("pyqio.cli._modem", "raw AT passthrough with decoded events"),
    "bench": ("pyqio.cli._bench", "print the benchmark table"),
}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors: ``pyqio sim: error: ...`` and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("pyqio")
    except Exception:  # noqa: BLE001  # not installed (a source checkout on sys.path)
        from .. import __version__

        return __version__


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with *only*, just that sub-command's module is imported."""
    parser = _Parser(
        prog="pyqio",
        description="Drive, decode and simulate the TCP/IP stack of a Quectel BC660K-GL module.",
    )
    parser.add_argument("--version", action="version", version=f"pyqio {_version()}")
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
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001  # the one top-level handler
        return _report(f"pyqio {args._name}", exc, getattr(args, "verbose", 0))


def _report(prog: str, exc: BaseException, verbose: int) -> int:
    """One line on stderr naming the problem; the traceback with ``-v``.

    A bad value (``ValueError``, :class:`pyqio.errors.InvalidArgument`: a bad URL,
    an option out of range) is a usage error, exit 2; anything the system or the
    module refused (a missing device, permission denied, a port in use, a link
    lost) exits 1."""
    if verbose:
        traceback.print_exception(type(exc), exc, exc.__traceback__)
    usage = isinstance(exc, ValueError) and not isinstance(exc, UnicodeError)
    if isinstance(exc, (OSError, ValueError)) or type(exc).__module__.startswith(("pyqio", "serial")):
        text = str(exc) or type(exc).__name__
    else:
        text = f"internal error: {type(exc).__name__}: {exc} (run with -v for the traceback)"
    text = " ".join(text.split())  # one line, whatever the message holds
    print(f"{prog}: error: {text}", file=sys.stderr)
    return 2 if usage else 1


if __name__ == "__main__":
    sys.exit(main())
