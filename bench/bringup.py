"""How long bring-up takes against a module that is already up.

``pyqio sim --pty`` / ``--listen 127.0.0.1:0`` runs in another process (already
up: registered, attached, its ``+IP:`` long gone), as a real module would. Each
round opens the link and times, side by side on the same link kind:

- ``AT round trip``: the link's floor, one ``AT`` answered ``OK`` (the baseline);
- ``bring-up``: ``Modem.start()`` whole: the ``AT`` sync, ``ATE0``, the two
  ``AT+QICFG`` reads, ``AT+QISTATE?``, ``AT+CFUN?``, ``AT+CEREG?`` (and
  ``AT+CEREG=2`` on the first round), ``AT+CGPADDR``.

Prints the median and the ratio to the baseline. Run from the repository root::

    python -m bench.bringup [--rounds 20]

Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from pyqio import Modem
from pyqio import commands as C
from tests.servers.simproc import sim_process


async def _round(url: str) -> tuple[float, float]:
    modem = Modem(url)
    await modem._open_link()  # the link alone, then one AT: the baseline
    t0 = time.perf_counter()
    await modem.request(C.At())
    at = time.perf_counter() - t0
    assert modem._link is not None
    modem._link.close()
    modem = Modem(url)
    t0 = time.perf_counter()
    await modem.start()
    up = time.perf_counter() - t0
    assert modem.ip is not None and modem.registered
    await modem.close()
    return at, up


def measure(kind: str, rounds: int) -> dict[str, Any]:
    with sim_process(kind) as url:
        results = [asyncio.run(_round(url)) for _ in range(rounds)]
    at = statistics.median(r[0] for r in results)
    up = statistics.median(r[1] for r in results)
    return {"kind": kind, "at_ms": at * 1e3, "bringup_ms": up * 1e3, "ratio": up / at,
            "max_bringup_ms": max(r[1] for r in results) * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"{'link':6} {'AT round trip':>14} {'bring-up':>10} {'ratio':>6} {'max':>9}")
    for kind in ("pty", "tcp"):
        r = measure(kind, args.rounds)
        print(f"{kind:6} {r['at_ms']:11.2f} ms {r['bringup_ms']:7.2f} ms {r['ratio']:6.1f} "
              f"{r['max_bringup_ms']:6.2f} ms")


if __name__ == "__main__":
    main()
