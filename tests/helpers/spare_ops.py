"""The async backend's internals that its adversarial tests look at: the
spare nk_op list (nngkit/_backend/ops.py `_spare`, shared by send, asend, arecv
and recv; an op is kept only when clean) and the running loop's completion
queue (what is waiting in it)."""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, List

from nngkit._backend import asyncio_queue, ops
from nngkit._backend.core import ffi


def spare_clean() -> bool:
    """Every spare op holds no message and no aio."""
    return all(op.msg == ffi.NULL and op.aio == ffi.NULL for op in list(ops._spare))


async def stream_through(push: Any, pull: Any, sent: List[bytes]) -> List[bytes]:
    """Send `sent` from a task with asend while this one takes as many with
    arecv; what arrived, once the sender is done too."""
    async def produce() -> None:
        for data in sent:
            await push.asend(data)

    task = asyncio.ensure_future(produce())
    got = [await pull.arecv() for _ in sent]
    await task
    return got


async def until_waiting(n: int = 1) -> None:
    """Until `n` operations wait in this loop's completion queue: a task
    just started may first yield for fairness, so one turn is not enough."""
    queue = asyncio_queue.queue_for(asyncio.get_running_loop())
    for _ in range(1000):
        if len(queue._pending) >= n:
            return
        await asyncio.sleep(0)
    raise AssertionError("no operation started waiting within 1000 turns of the loop")


async def cancel_while_waiting(start: Callable[[], Awaitable[Any]], times: int = 50) -> None:
    """`times` operations from `start`, each cancelled while it waits in the
    loop's queue; each must end cancelled."""
    for _ in range(times):
        task = asyncio.ensure_future(start())
        await until_waiting()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            continue
        raise AssertionError("an operation cancelled while waiting did not end cancelled")
