"""The simulator for users' tests: named fault profiles and a modem helper that
works from plain (sync) tests and from async ones."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from ..errors import InvalidArgument

__all__ = ["SIM_PROFILES", "SimModem", "sim_url"]

#: Fault profiles by name: :class:`pyqio.sim.SimConfig` settings (see ``pyqio sim --help``).
SIM_PROFILES: dict[str, dict[str, Any]] = {
    "clean": {},
    # URCs lost and garbage between lines: data loss the host must notice and report
    "lossy": {"urc_drop_rate": 0.05, "garbage_rate": 0.05},
    # every URC late, some much later: timeouts and ordering
    "slow": {"latency": 0.02, "urc_delay_rate": 0.2, "urc_delay": 0.3},
    # sends that fail and peers that hang up mid-send
    "flaky": {"send_fail_rate": 0.2, "peer_close_rate": 0.05},
    # the module reboots (NULs, RDY, echo back on, sockets gone) a second in
    "restart": {"restart_after": 1.0},
    # the network drops the PDP context a second in and gives it back half a second later
    "pdp": {"pdp_breakdown_after": 1.0, "reattach_after": 0.5},
    # +IP: only after a while: code that opens sockets too early fails
    "late_attach": {"attach_delay": 1.0},
}


def sim_url(profile: str = "clean", *, seed: int | None = 0, **options: Any) -> str:
    """``sim://?...`` for a named fault *profile* of :data:`SIM_PROFILES`, with a *seed*
    (the same seed and host input give the same faults) and any other SimConfig *options*."""
    if profile not in SIM_PROFILES:
        raise InvalidArgument(f"sim profile {profile!r} is unknown; known: {', '.join(SIM_PROFILES)}")
    query = dict(SIM_PROFILES[profile])
    if seed is not None:
        query["seed"] = seed
    query.update(options)
    from ..sim import SimConfig
    SimConfig.from_query({k: _text(v) for k, v in query.items()})  # a bad option fails here
    return "sim://" + ("?" + urlencode({k: _text(v) for k, v in query.items()}) if query else "")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (tuple, list)):
        return ",".join(map(str, value))
    return str(value)


class SimModem:
    """An asyncio :class:`pyqio.Modem` on the simulator, from any test.

    Async tests (pytest-asyncio, anyio): ``async with sim_modem.open() as modem``.
    Plain tests: ``sim_modem.run(body)`` runs ``await body(modem)`` in a loop of its
    own, the modem started before and closed after; it returns what *body* returns.
    """

    def __init__(self, url: str, **modem_kwargs: Any) -> None:
        self.url = url
        self.modem_kwargs = modem_kwargs

    @contextlib.asynccontextmanager
    async def open(self, **kwargs: Any) -> AsyncIterator[Any]:
        from ..modem import Modem
        modem = Modem(self.url, **{**self.modem_kwargs, **kwargs})
        await modem.start()
        try:
            yield modem
        finally:
            await modem.close()

    def run(self, body: Callable[[Any], Awaitable[Any]], *, timeout: float = 60.0, **kwargs: Any) -> Any:
        async def main() -> Any:
            async with self.open(**kwargs) as modem:
                return await asyncio.wait_for(body(modem), timeout)
        return asyncio.run(main())

    def __repr__(self) -> str:
        return f"<SimModem {self.url}>"
