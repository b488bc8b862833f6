"""pyqio.sim: a simulated BC660K-GL, byte for byte as the application note writes.

:class:`Simulator` is the module's side of one host link (an ``asyncio.Protocol``):
it parses the host's command lines with :func:`pyqio.commands.parse`, answers with
the events' serializers, and does the work behind each command with real host
sockets (TCP, UDP, listeners, DNS through dnspython, SNTP, ICMP ping).
:class:`SimConfig` holds its settings and seeded fault knobs; ``sim://?...`` URLs
and ``pyqio sim`` flags map onto it.

Reaching it: ``sim://?seed=1&latency=0.01`` (in process, :mod:`pyqio.transports`),
``pyqio sim --pty`` or ``pyqio sim --listen 127.0.0.1:0`` (the path or ``HOST:PORT``
alone on the first line), or ``Simulator(SimConfig(...))`` on any asyncio transport.

Where the note is silent, the simulator chooses (and the tests pin down):

- echo is on at start and after a restart (``--no-echo`` / ``echo=0`` to start
  with ATE0); an echoed line is the line and its CR, before the answer;
- Esc in ``>`` data mode answers ``OK`` alone (nothing sent: no ``SEND OK``);
  Ctrl-Z mode sends at 1024 input bytes (1024 hex digits in hex mode);
- a failed ``AT+QIOPEN`` keeps its id in state 0 until ``AT+QICLOSE`` (2.3.1
  NOTE 3); ``AT+QICLOSE`` of an id never opened answers ``ERROR``; closing a
  TCP LISTENER closes its accepted connections too;
- TCP LISTENER and UDP SERVICE sockets bind ``listen_host`` (127.0.0.1) whatever
  ``<host>`` says; ``AT+QISTATE`` shows ``<host>`` as given;
- ``AT+QIDNSGIP`` gives the real address count and TTL and shows the first
  address only (2.3.7 NOTE 3); failures are ``+QIDNSGIP: <err>,0,0``;
- ``AT+QPING`` summaries count requests (as example 4.4 does); a timed-out
  request is ``+QPING: 569``; a host with no ICMP socket gives ``+QPING: 554``;
- acked/nAcked of ``AT+QISEND=<id>,0`` are the kernel's: bytes still in asyncio's
  buffer or unacknowledged in the TCP send queue (SIOCOUTQ) are "not acked";
  UDP reports ``<sent>,0,0``;
- before ``+IP:`` deferred commands fail with 561, after a PDP breakdown with 570;
- when the host stops reading, URCs past 1 MiB queued are lost whole, as data is
  lost by a module whose host falls behind.

Faults (all :class:`SimConfig` fields, URL keys and CLI flags; random ones draw
from ``random.Random(seed)``): ``latency``, ``urc_drop_rate``, ``urc_delay_rate``
with ``urc_delay``, ``send_fail_rate``, ``peer_close_rate``, ``garbage_rate``,
``pdp_breakdown_after`` with ``reattach_after``, ``restart_after``; on demand:
:meth:`Simulator.break_pdp`, :meth:`Simulator.reattach`, :meth:`Simulator.restart`.

Importing this package registers the ``sim://`` scheme with
:func:`pyqio.transports.register_scheme` (:func:`open_sim`): the transports never
import the simulator. :class:`Simulator` and :class:`SimConfig` are imported on
first use (PEP 562), so that registering stays cheap.
"""
from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any

from ..transports import open_pipe, register_scheme

__all__ = ["SimConfig", "Simulator", "open_sim"]

_LAZY = {"Simulator": "pyqio.sim._simulator", "SimConfig": "pyqio.sim._config"}


def __getattr__(name: str) -> Any:
    modname = _LAZY.get(name)
    if modname is None:
        raise AttributeError(f"module 'pyqio.sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(modname), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


async def open_sim(url: str, protocol_factory: Callable[[], Any], *,
                   loop: asyncio.AbstractEventLoop | None = None) -> tuple[Any, Any]:
    """The ``sim://`` opener: start ``Simulator.from_url(url)`` and join a new protocol to it."""
    from ._config import SimConfig

    return await open_pipe(protocol_factory, module_side(SimConfig.from_url(url)))


def module_side(config: Any) -> Any:
    """A new module side for *config*: a :class:`Simulator`, or with ``config.replay``
    the module of that capture (:class:`pyqio.capture.Replay`)."""
    if config.replay:
        from ..capture import Replay
        return Replay(config.replay, speed=config.replay_speed).protocol()
    from ._simulator import Simulator
    return Simulator(config)


register_scheme("sim", open_sim)
