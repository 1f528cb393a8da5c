"""A core completion queue as seen from one event loop, for any framework.

An async operation that cannot finish at once is bound to a queue with a
tag; when it completes, the core writes the tag to the queue and makes the
queue's fd readable.  The owning loop (asyncio or trio) watches that fd and
calls `drain`, which wakes the task waiting for each tag.  Everything here
runs in the loop's own thread: no Python ever runs on a core thread.

Subclasses say how the fd is watched and how a task waits (`_new_waiter`,
`_wake`, `wait`, `_unwatch`).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from typing import Any, Callable, Dict, Optional

from ._errors import check
from ._ffi import ffi, lib

Start = Callable[[Any], None]
"""Starts one operation on the given ``nk_aio *``."""

Rescue = Optional[Callable[[Any], None]]
"""Takes a received ``nk_msg *`` whose receiver stopped waiting for it (a
cancelled task, an interrupted call), so the next receive can return it."""

_BATCH = 64  # tags fetched per nk_cq_drain call


def rescue_from(aio: Any, rescue: Rescue) -> None:
    """A completed receive nobody will read: hand its message to `rescue`."""
    if rescue is not None and not lib.nk_aio_busy(aio) and lib.nk_aio_result(aio) == 0:
        m = lib.nk_aio_get_msg(aio)
        if m != ffi.NULL:
            rescue(m)


class Entry:
    __slots__ = ("aio", "tag", "waiter", "rescue")

    def __init__(self, aio: Any, tag: int, waiter: Any) -> None:
        self.aio = aio  # None once the queue has freed it
        self.tag = tag
        self.waiter = waiter  # None once the awaiting task gave up
        self.rescue: Rescue = None


class CompletionQueue:
    """One core queue; subclasses bind it to an event loop."""

    def __init__(self) -> None:
        cqp = ffi.new("nk_cq **")
        check(lib.nk_cq_open(cqp))
        self._cq: Any = cqp[0]
        self._fd = int(lib.nk_cq_fd(self._cq))
        self._tags = ffi.new("uint64_t[]", _BATCH)
        self._counter = itertools.count(1)
        self._pending: Dict[int, Entry] = {}
        self._users = 0  # aios bound to the queue and not yet freed
        self._closing = False

    # -- framework hooks --------------------------------------------------

    def _new_waiter(self) -> Any:
        raise NotImplementedError

    def _wake(self, waiter: Any) -> None:
        raise NotImplementedError

    async def wait(self, entry: Entry) -> None:
        raise NotImplementedError

    def _unwatch(self) -> None:
        """Stop watching the fd (called once, by `close`)."""

    # -- shared logic -----------------------------------------------------

    def start(self, aio: Any, start: Start, rescue: Rescue = None) -> Entry:
        """Bind `aio` to this queue and start it with ``start(aio)``."""
        def bind(tag: int) -> Any:
            lib.nk_aio_set_cq(aio, self._cq, tag)
            lib.nk_aio_set_timeout(aio, lib.NK_DURATION_DEFAULT)
            start(aio)
            return aio

        return self.adopt(rescue, bind)

    def adopt(self, rescue: Rescue, start: Callable[[int], Any]) -> Entry:
        """Wait here for the aio that ``start(tag)`` starts bound to this queue
        under `tag` (nk_send_start / nk_recv_start, or `start`) and returns."""
        tag = next(self._counter)
        entry = Entry(None, tag, self._new_waiter())
        entry.rescue = rescue
        entry.aio = start(tag)
        self._pending[tag] = entry
        self._users += 1
        return entry

    @property
    def cq(self) -> Any:
        return self._cq

    def drain(self) -> None:
        while self._cq is not None:
            n = lib.nk_cq_drain(self._cq, self._tags, _BATCH)
            for i in range(max(n, 0)):
                entry = self._pending.pop(int(self._tags[i]), None)
                if entry is None:
                    continue
                if entry.waiter is None:  # orphaned by a cancelled task
                    rescue_from(entry.aio, entry.rescue)
                    self.free(entry.aio)
                    entry.aio = None
                else:
                    self._wake(entry.waiter)
            if n < _BATCH:
                return

    def abandon(self, entry: Entry) -> None:
        """The awaiting task stopped waiting (cancelled, or torn down)."""
        if entry.aio is None:
            return  # already freed by close()
        if entry.tag in self._pending:
            lib.nk_aio_cancel(entry.aio)
            if lib.nk_aio_busy(entry.aio):
                entry.waiter = None  # drain frees it when the completion arrives
                return
            # Done now (cancelled, or it had just completed): settle it at once,
            # so a message it took is rescued before the next receive starts.
            del self._pending[entry.tag]
        # Completed, but the task will not look at the result.
        rescue_from(entry.aio, entry.rescue)
        self.free(entry.aio)  # also drops its tag if still in the core queue
        entry.aio = None

    def free(self, aio: Any) -> None:
        lib.nk_aio_free(aio)
        self._users -= 1
        if self._closing and self._users == 0:
            self._close_cq()

    @property
    def closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        """Free the aios still pending here, then the queue once unused."""
        if self._closing:
            return
        self._closing = True
        self._unwatch()
        pending, self._pending = self._pending, {}
        for entry in pending.values():
            aio, entry.aio, entry.waiter = entry.aio, None, None
            self.free(aio)  # cancels, waits for the completion, frees
        if self._users == 0:
            self._close_cq()

    def _close_cq(self) -> None:
        if self._cq is not None:
            cq, self._cq = self._cq, None
            lib.nk_cq_close(cq)


async def complete(queue: CompletionQueue, aio: Any, start: Start, rescue: Rescue = None) -> None:
    """Start `aio` with completion to `queue` and wait for it.

    On return the aio has completed and the caller frees it through
    ``queue.free``.  On any exception it is no longer the caller's.
    """
    entry = queue.start(aio, start, rescue)
    try:
        await queue.wait(entry)
    except BaseException:
        queue.abandon(entry)
        raise


# An async call that can complete at once (a queued message, a send a pipe
# can take) does not go through the event loop.  So that a task looping on
# such calls cannot starve the others (a publisher that waits for its
# subscribers, say), every _FAIR_EVERY-th async call in a thread first
# yields to the loop once, as a call that waits always does.
_FAIR_EVERY = 32
_fair = threading.local()


async def yield_sometimes() -> None:
    n = getattr(_fair, "n", 0) + 1
    if n < _FAIR_EVERY:
        _fair.n = n
        return
    _fair.n = 0
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # not asyncio: trio (the only other framework we run under)
        import trio

        await trio.lowlevel.checkpoint()
        return
    await asyncio.sleep(0)
