"""Benchmark the decoding paths on a capture of your own traffic:

    python examples/bench_capture.py [session.cap]

records a session first when no capture is given, then runs
``pyqio bench --quick --capture FILE`` (drop --quick for the full measurement).
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from record_session import record


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = sys.argv[1] if len(sys.argv) > 1 else str(Path(tmp) / "session.cap")
        if len(sys.argv) < 2:
            asyncio.run(record(path))
        return subprocess.run([sys.executable, "-m", "pyqio", "bench", "--quick", "--capture", path],
                              check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
