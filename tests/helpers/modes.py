"""Sync, asyncio and trio flavours of the same test body.

Tests are written as coroutines that go through a Mode: SyncMode calls the
blocking API (send/recv), AsyncMode awaits asend/arecv.  The "trio" mode is
AsyncMode with the test body run by `trio.run` instead of asyncio (see the
pytest_pyfunc_call hook in tests/conftest.py).  ``run_workers`` runs several
bodies concurrently: as tasks (async, through anyio, so under either
framework) or one thread each (sync).
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, Coroutine, List, Sequence

import anyio

from .impl import arecv_bytes, recv_bytes

Worker = Callable[[], Coroutine[Any, Any, Any]]


class SyncMode:
    name = "sync"
    is_async = False

    async def send(self, s: Any, data: bytes) -> None:
        s.send(data)

    async def recv(self, s: Any) -> bytes:
        return recv_bytes(s)

    async def send_msg(self, s: Any, msg: Any) -> None:
        s.send_msg(msg)

    async def recv_msg(self, s: Any) -> Any:
        return s.recv_msg()


class AsyncMode:
    name = "async"
    is_async = True

    async def send(self, s: Any, data: bytes) -> None:
        await s.asend(data)

    async def recv(self, s: Any) -> bytes:
        return await arecv_bytes(s)

    async def send_msg(self, s: Any, msg: Any) -> None:
        await s.asend_msg(msg)

    async def recv_msg(self, s: Any) -> Any:
        return await s.arecv_msg()


class TrioMode(AsyncMode):
    name = "trio"


MODES = {"sync": SyncMode(), "async": AsyncMode(), "trio": TrioMode()}


async def run_workers(mode: Any, workers: Sequence[Worker], timeout: float = 20.0) -> List[Any]:
    """Run the workers concurrently and return their results in order."""
    if mode.is_async:
        results: List[Any] = [None] * len(workers)

        async def one(i: int, w: Worker) -> None:
            results[i] = await w()

        with anyio.fail_after(timeout):
            async with anyio.create_task_group() as tg:
                for i, w in enumerate(workers):
                    tg.start_soon(one, i, w)
        return results
    results = [None] * len(workers)
    errors: List[BaseException] = []

    def body(i: int, w: Worker) -> None:
        try:
            results[i] = asyncio.run(w())
        except BaseException as e:  # noqa: BLE001 - re-raised below
            errors.append(e)

    threads = [threading.Thread(target=body, args=(i, w), daemon=True) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    stuck = [t for t in threads if t.is_alive()]
    if errors:
        raise errors[0]
    assert not stuck, f"{len(stuck)} worker thread(s) still blocked after {timeout}s"
    return results
