"""A one-shot barrier usable from asyncio tasks or from threads (see modes.run_workers)."""
from __future__ import annotations

import asyncio
import threading


class Gate:
    """All `n` parties wait until the last one arrives (bounded by timeout)."""

    def __init__(self, n: int, is_async: bool, timeout: float = 10.0) -> None:
        self.n = n
        self.is_async = is_async
        self.timeout = timeout
        self._count = 0
        self._event = asyncio.Event()
        self._barrier = threading.Barrier(n, timeout=timeout)

    async def wait(self) -> None:
        if not self.is_async:
            self._barrier.wait()
            return
        self._count += 1
        if self._count == self.n:
            self._event.set()
        await asyncio.wait_for(self._event.wait(), self.timeout)
