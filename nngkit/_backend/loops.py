"""Which event loop runs this task: the one place that tells asyncio from trio.

Detected on each call, as pynng does, and directly rather than through
sniffio, so that nngkit needs nothing beyond cffi at run time.  trio is
looked for only when it has been imported (a trio run imports it first).
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Callable, Optional

from . import asyncio_queue
from .cq import CompletionQueue

__all__ = ["running_loop", "current_queue", "fair_due", "yield_now", "yield_sometimes"]


def _in_trio() -> bool:
    trio = sys.modules.get("trio")
    if trio is None:
        return False
    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        return False
    return True


def running_loop() -> Optional[asyncio.AbstractEventLoop]:
    """The running asyncio loop, or None in a trio run; RuntimeError in neither."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # no asyncio loop in this thread: trio, or nothing
        pass
    if _in_trio():
        return None
    raise RuntimeError("nngkit's async calls need a running asyncio loop or trio run")


def current_queue() -> CompletionQueue:
    """The completion queue of the running event loop (asyncio or trio)."""
    loop = running_loop()
    if loop is not None:
        return asyncio_queue.queue_for(loop)
    from . import trio_queue  # imports trio: only in a trio run

    return trio_queue.queue_for_run()


# An async call that can complete at once (a queued message, a send a pipe
# can take) does not go through the event loop.  So that a task looping on
# such calls cannot starve the others (a publisher that waits for its
# subscribers, say), every _FAIR_EVERY-th async call in a thread first
# yields to the loop once, as a call that waits always does.
_FAIR_EVERY = 32


class _Fair(threading.local):
    n = 0  # async calls in this thread since its last yield


_fair = _Fair()


def fair_due() -> bool:
    """Count one async call; True when it is the one that must yield first
    (`yield_now`).  A plain function: the immediate paths test it without
    making and awaiting a coroutine per call."""
    fair = _fair
    n = fair.n + 1
    if n < _FAIR_EVERY:
        fair.n = n
        return False
    fair.n = 0
    return True


def flush_soon(flush: Callable[[], None]) -> None:
    """Run `flush` once the running loop turns: in asyncio after the ready
    callbacks queued so far, so before the loop next waits; in trio at once."""
    try:
        asyncio.get_running_loop().call_soon(flush)
    except RuntimeError:  # trio: no call_soon of its own worth the cost
        flush()


async def yield_now() -> None:
    """One turn of the running loop (asyncio or trio)."""
    if running_loop() is not None:
        await asyncio.sleep(0)
        return
    import trio

    await trio.lowlevel.checkpoint()


async def yield_sometimes() -> None:
    if fair_due():
        await yield_now()
