"""``python -m pyqio.sim``: the ``pyqio sim`` sub-command on its own."""
from __future__ import annotations

import argparse
import sys

from . import _cli


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pyqio.sim", description=_cli.__doc__.splitlines()[0])
    _cli.configure(parser)
    try:
        return _cli.run(parser.parse_args(argv))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
