"""A one-shot barrier usable from async tasks (asyncio or trio) or from threads (see modes.run_workers)."""
from __future__ import annotations

import threading

import anyio


class Gate:
    """All `n` parties wait until the last one arrives (bounded by timeout)."""

    def __init__(self, n: int, is_async: bool, timeout: float = 10.0) -> None:
        self.n = n
        self.is_async = is_async
        self.timeout = timeout
        self._count = 0
        self._event = anyio.Event() if is_async else None
        self._barrier = threading.Barrier(n, timeout=timeout)

    async def wait(self) -> None:
        if not self.is_async:
            self._barrier.wait()
            return
        self._count += 1
        assert self._event is not None
        if self._count == self.n:
            self._event.set()
        with anyio.fail_after(self.timeout):
            await self._event.wait()
