"""The completion queue of a trio run, watched by a system task.

One queue per `trio.run`, kept in a RunVar.  A system task waits for the
queue's fd to become readable and drains it; trio cancels that task when
the run ends, and the queue is then closed (pending aios are cancelled and
waited for), so nothing outlives the run.
"""

from __future__ import annotations

from typing import Any

import trio

from .cq import CompletionQueue, Entry

__all__ = ["TrioQueue", "queue_for_run"]

_queue: "trio.lowlevel.RunVar[TrioQueue]" = trio.lowlevel.RunVar("nngkit_queue")


class TrioQueue(CompletionQueue):
    def __init__(self) -> None:
        super().__init__()
        try:
            trio.lowlevel.spawn_system_task(self._watch, name="nngkit completion queue")
        except BaseException:
            self._close_cq()
            raise

    async def _watch(self) -> None:
        try:
            while not self.closing:
                await trio.lowlevel.wait_readable(self._fd)
                self.drain()
        finally:
            self.close()

    def _new_waiter(self) -> trio.Event:
        return trio.Event()

    def _wake(self, waiter: Any) -> None:
        waiter.set()

    async def wait(self, entry: Entry) -> None:
        await entry.waiter.wait()


def queue_for_run() -> TrioQueue:
    """This trio run's queue, made on first use."""
    try:
        queue = _queue.get()
    except LookupError:
        queue = None
    if queue is None or queue.closing:
        queue = TrioQueue()
        _queue.set(queue)
    return queue
