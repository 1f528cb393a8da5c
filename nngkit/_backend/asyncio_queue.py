"""The completion queue of an asyncio event loop, watched with add_reader.

One queue per loop, made on first use (`queue_for`).  The queue of a loop
that has been closed (or collected) is released when the next queue is
made, by `release_closed_loops` (``_debug.live_counts`` calls it), or at
exit (`release_at_exit`).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import Any, Callable, Dict, List, Optional

from .cq import CompletionQueue, Entry

__all__ = ["AsyncioQueue", "queue_for", "release_closed_loops", "release_at_exit"]


class AsyncioQueue(CompletionQueue):
    """The completion queue of one asyncio loop, watched with add_reader.

    All methods except `close` run in the loop's thread; `close` runs only
    when the loop is closed, gone, or not running (at exit).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        try:
            self.loop: Callable[[], Optional[asyncio.AbstractEventLoop]] = weakref.ref(loop)
        except TypeError:  # a loop type without weakref support
            self.loop = lambda: loop
        try:
            loop.add_reader(self._fd, self.drain)
        except BaseException:
            self._close_cq()
            raise

    def _new_waiter(self) -> "asyncio.Future[None]":
        loop = self.loop()
        assert loop is not None
        return loop.create_future()

    def _wake(self, waiter: "asyncio.Future[None]") -> None:
        if not waiter.done():
            waiter.set_result(None)

    async def wait(self, entry: Entry) -> None:
        await entry.waiter

    def _unwatch(self) -> None:
        loop = self.loop()
        if loop is not None and not loop.is_closed():
            try:
                loop.remove_reader(self._fd)
            except Exception:
                pass


# Queues by id(loop); each queue keeps only a weak reference to its loop.
# Queues are released only at safe points (never from a GC finalizer, which
# could run while this thread holds _lock).
_lock = threading.Lock()
_queues: Dict[int, AsyncioQueue] = {}


def queue_for(loop: asyncio.AbstractEventLoop) -> AsyncioQueue:
    """The queue of `loop`, made on first use."""
    queue = _queues.get(id(loop))
    if queue is not None and queue.loop() is loop and not queue.closing:
        return queue
    release_closed_loops()
    queue = AsyncioQueue(loop)
    with _lock:
        _queues[id(loop)] = queue
    return queue


def _forget(key: int, queue: AsyncioQueue) -> None:
    with _lock:
        if _queues.get(key) is queue:
            del _queues[key]
    queue.close()


def _release_where(done: Callable[[Optional[asyncio.AbstractEventLoop]], bool]) -> None:
    with _lock:
        items: List[Any] = list(_queues.items())
    for key, queue in items:
        if done(queue.loop()):
            _forget(key, queue)


def release_closed_loops() -> None:
    """Release the queues of event loops that have been closed."""
    _release_where(lambda loop: loop is None or loop.is_closed())


def release_at_exit() -> None:
    """Release every queue whose loop is not running (at interpreter exit)."""
    _release_where(lambda loop: loop is None or loop.is_closed() or not loop.is_running())
