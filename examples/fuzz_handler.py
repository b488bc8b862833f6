"""Fuzz a handler: ``pyqio fuzz handler.py:on_events`` from Python. The planted bug
of handler.py is found, shrunk and saved as a capture; the fixed handler
survives that capture. Same from the shell:

    pyqio fuzz examples/handler.py:on_events --out findings/
    pyqio fuzz examples/handler.py:on_events_fixed --reproduce findings/fuzz-KeyError-*.cap
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from pyqio.testing.fuzz import fuzz, load_target, reproduce

HANDLER = str(Path(__file__).with_name("handler.py"))


def main() -> int:
    with tempfile.TemporaryDirectory() as out:
        finding = fuzz(f"{HANDLER}:on_events", budget="30s", seed=1, out=out)
        if finding is None:
            print("no finding: the planted bug should have been found")
            return 1
        print(f"found {type(finding.error).__name__}: {finding.error}, saved as {finding.path.name}")
        if reproduce(load_target(f"{HANDLER}:on_events_fixed"), finding.path) is not None:
            print("the fixed handler still fails on the reproducer")
            return 1
        print("the fixed handler runs the reproducer cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
