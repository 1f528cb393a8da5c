"""The completion queue of an asyncio event loop, watched with add_reader.

While an operation of the loop is pending, the loop also watches the
core's I/O (``nk_poll_fd``) and serves what is ready itself
(``nk_poll_step``), then drains its queue: a reply then completes on the
loop's thread as soon as the loop wakes, rather than after the core's
thread has woken, read it and woken the loop in turn.  While an operation
waits (``nk_poll_lend``), the core's thread leaves ready I/O to the loop
for up to a millisecond before it serves it itself (a loop busy elsewhere
delays nobody for longer); once nothing waits, the core's thread reads
ahead beside the loop as before.  A loop found busy (callbacks ready) or
with nothing pending when the core has I/O stops watching for a while, and
a receive that streams large messages does not lend (ops._arecv_queued).

One queue per loop, made on first use (`queue_for`).  The queue of a loop
that has been closed (or collected) is released when the next queue is
made, by `release_closed_loops` (``_debug.live_counts`` calls it), or at
exit (`release_at_exit`).
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from typing import Any, Callable, Dict, List, Optional

from .core import lib
from .cq import CompletionQueue, Entry

_poll_step: Callable[[Any], int] = lib.nk_poll_step
_lend: Callable[[int], None] = lib.nk_poll_lend
_now = time.monotonic
# A loop found busy when the core had I/O does not watch the core again for
# this long: its reads stay on the core's thread, which runs beside it.
_BUSY_BACKOFF = 0.005

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
        self._poll_fd = int(lib.nk_poll_fd())
        self._watching = False  # the loop watches _poll_fd
        self._lent = False  # the core's thread leaves ready I/O to this loop (nk_poll_lend)
        self._watch_after = 0.0  # not before this time (busy backoff)
        try:
            loop.add_reader(self._fd, self.drain)
        except BaseException:
            self._close_cq()
            raise

    def _waiting(self) -> None:
        if not self._watching:
            loop = self.loop()
            if loop is None or _now() < self._watch_after:
                return
            loop.add_reader(self._poll_fd, self._poll)
            self._watching = True
        if not self._lent:
            self._lent = True
            _lend(1)

    def _poll(self) -> None:
        """The core has I/O ready: if the loop waits for it and has nothing
        else to do, serve it here and wake what completed.  Watching stops
        for `_BUSY_BACKOFF` if the loop is busy (asyncio's run queue is not
        empty), and until the next wait if nothing waits or all that is ready
        is the core thread's own wakeup (which keeps the fd readable until
        that thread has run)."""
        if self._pending and getattr(self.loop(), "_ready", None):
            self._watch_after = _now() + _BUSY_BACKOFF
            self._stop_watching()
        elif not self._pending or _poll_step(self._cq) < 0:
            self._stop_watching()
        self.drain()

    def drain(self) -> None:
        super().drain()
        if self._lent and not self._pending:
            self._lent = False  # nothing waits: the core's thread reads ahead again
            _lend(0)

    def _given_up(self) -> None:
        # Cancelled tasks (a loop shutting down, say) need no more polling.
        if all(entry.waiter is None for entry in self._pending.values()):
            self._stop_watching()

    def _stop_watching(self) -> None:
        if self._lent:
            self._lent = False
            _lend(0)
        if self._watching:
            self._watching = False
            loop = self.loop()
            if loop is not None and not loop.is_closed():
                loop.remove_reader(self._poll_fd)

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
        try:
            self._stop_watching()
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
