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

import itertools
import weakref
from typing import Any, Callable, Dict, Optional

from .._errors import check
from .aio import free_aio, rescue_from
from .core import ffi, lib
from .msg import Held

__all__ = ["Start", "Entry", "CompletionQueue"]

Start = Callable[[int], Any]
"""Starts one operation completing to the queue under the given tag; returns its ``nk_aio *``."""

_BATCH = 64  # tags fetched per nk_cq_drain call


class Entry:
    __slots__ = ("aio", "tag", "waiter", "held")

    def __init__(self, tag: int, waiter: Any, held: Optional[Held]) -> None:
        self.aio: Any = None  # None once the queue has freed it
        self.tag = tag
        self.waiter = waiter  # None once the awaiting task gave up
        self.held = held  # where a receive's message goes if nobody reads it


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
        # Sockets and contexts whose stream of receives brings large
        # messages: their waits leave the core's reading to its own thread
        # (`settle`).  Weak: a closed socket leaves by itself.
        self.large_streams: "weakref.WeakSet[Any]" = weakref.WeakSet()

    # -- framework hooks --------------------------------------------------

    def _new_waiter(self) -> Any:
        raise NotImplementedError

    def _wake(self, waiter: Any) -> None:
        raise NotImplementedError

    async def wait(self, entry: Entry) -> None:
        raise NotImplementedError

    def _unwatch(self) -> None:
        """Stop watching the fd (called once, by `close`)."""

    def _given_up(self) -> None:
        """A task stopped waiting (a hook, after `abandon`)."""

    def _waiting(self) -> None:
        """An operation is now pending here (a hook: asyncio lends itself the core's I/O)."""

    # -- shared logic -----------------------------------------------------

    async def settle(self, held: Optional[Held], start: Start, lend: bool = True) -> Any:
        """Start an operation bound to this queue and wait for it: the one
        start/await/abandon sequence of every async operation.  With `lend`
        the loop may serve the core's I/O itself while it waits (`_waiting`).

        ``start(tag)`` starts it (``nk_send_start``, ``nk_recv_start``, an
        aio bound with ``nk_aio_set_cq``) and returns its aio.  On return
        the operation has completed and its aio (returned) is the caller's,
        to free with `free`.  If the awaiting task stops waiting, the aio
        is no longer the caller's (`abandon`): a message it received goes
        to `held`.
        """
        tag = next(self._counter)
        entry = Entry(tag, self._new_waiter(), held)
        entry.aio = start(tag)
        self._pending[tag] = entry
        self._users += 1
        if lend:
            self._waiting()
        try:
            await self.wait(entry)
        except BaseException:
            self.abandon(entry)
            self._given_up()
            raise
        return entry.aio

    @property
    def cq(self) -> Any:
        return self._cq

    def drain(self) -> None:
        """Wake the task of every completed operation."""
        while self._cq is not None:
            n = lib.nk_cq_drain(self._cq, self._tags, _BATCH)
            for i in range(max(n, 0)):
                entry = self._pending.pop(int(self._tags[i]), None)
                if entry is None:
                    continue
                if entry.waiter is None:  # orphaned by a cancelled task
                    rescue_from(entry.aio, entry.held)
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
        rescue_from(entry.aio, entry.held)
        self.free(entry.aio)  # also drops its tag if still in the core queue
        entry.aio = None

    def free(self, aio: Any) -> None:
        free_aio(aio)
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
