"""Running a sub-command's coroutine so that Ctrl-C ends it at once, quietly.

``asyncio.run`` alone turns Ctrl-C into a ``KeyboardInterrupt`` raised wherever
the loop happens to be, and the tasks and transports torn down after it report
their own errors at shutdown (dozens of lines).  Here the first SIGINT cancels
the command's task, so its ``finally`` blocks close ports and sockets in order
(cut short after :data:`GRACE` seconds), asyncio's shutdown reports are silenced, and the exit status is 130 (128 +
SIGINT, as shells expect).  A second Ctrl-C during that cleanup interrupts it.
"""
from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Coroutine
from typing import Any

__all__ = ["INTERRUPTED", "run"]

INTERRUPTED = 130
GRACE = 0.5  # seconds the cleanup after Ctrl-C may take before it is cut short too
log = logging.getLogger("pyqio.cli")


def run(coro: Coroutine[Any, Any, int | None]) -> int:
    """Run *coro* to its exit status; :data:`INTERRUPTED` after Ctrl-C."""
    interrupted = False

    async def main() -> int | None:
        nonlocal interrupted
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def on_sigint() -> None:
            nonlocal interrupted
            interrupted = True
            loop.remove_signal_handler(signal.SIGINT)  # the next one raises KeyboardInterrupt
            loop.set_exception_handler(_quiet)
            logging.disable(logging.WARNING)  # "link lost" and the like: we are leaving
            task.cancel()
            loop.call_later(GRACE, cut_short)

        def cut_short() -> None:
            # cleanup waiting on the module (an AT+QICLOSE queued behind a slow
            # +QIOPEN) must not hold the exit: cancel again until the task ends
            if not task.done():
                task.cancel()
                loop.call_later(GRACE, cut_short)

        try:
            loop.add_signal_handler(signal.SIGINT, on_sigint)
        except (ValueError, RuntimeError):  # not the main thread: keep asyncio's default
            pass
        return await coro

    try:
        result = asyncio.run(main())
    except asyncio.CancelledError:
        if interrupted:
            return INTERRUPTED
        raise
    finally:
        if interrupted:
            logging.disable(logging.NOTSET)
    return INTERRUPTED if interrupted else int(result or 0)


def _quiet(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    log.debug("after Ctrl-C: %s", context.get("message"), exc_info=context.get("exception"))
