"""``Tracer``: the proxy as a context manager that collects typed events.

Sync (``with Tracer(listen, forward) as t``): the proxy runs on its own
event loop in a thread (``loop``: "asyncio", the default, "uvloop" or
"auto"); ``t.url`` is the bound listen URL once ``with`` has entered.
Async (``async with``): it runs on the caller's loop.
``wait_for(predicate, timeout)`` (or ``await await_for(...)``) returns the
first event satisfying the predicate, past or future, and raises
TimeoutError otherwise; ``events`` is everything so far.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any, BinaryIO, Callable, Iterator, List, Optional

from . import loops
from .conn import Options
from .events import Event
from .faults import FaultSpec
from .proxy import Proxy
from .tlsinfo import TlsOptions

Predicate = Callable[[Event], bool]


class Tracer:
    def __init__(self, listen: str, forward: str, options: Optional[Options] = None,
                 faults: Optional[FaultSpec] = None, sink: Optional[Callable[[Event], None]] = None,
                 record: Optional[BinaryIO] = None, loop: str = "asyncio", tls: Optional[TlsOptions] = None) -> None:
        """``record``: a binary file that gets the relayed traffic as a pcap (see pcapwrite); ``tls``: the
        certificates for tls+tcp and wss sides (see tlsinfo)."""
        self.tls = tls
        self.listen, self.forward, self.record = listen, forward, record
        self.loop_factory = loops.resolve(loop)[1]
        self.options, self.faults, self.extra_sink = options, faults, sink
        self.events: List[Event] = []
        self.url = ""
        self._cond = threading.Condition()
        self._changed: Optional[asyncio.Event] = None
        self._proxy: Optional[Proxy] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None

    def _record(self, ev: Event) -> None:
        with self._cond:
            self.events.append(ev)
            self._cond.notify_all()
        if self._changed is not None:
            self._changed.set()
        if self.extra_sink is not None:
            self.extra_sink(ev)

    def _find(self, pred: Predicate, start: int) -> "tuple[Optional[Event], int]":
        with self._cond:
            for i in range(start, len(self.events)):
                if pred(self.events[i]):
                    return self.events[i], i
            return None, len(self.events)

    # --- sync ---------------------------------------------------------------
    def __enter__(self) -> "Tracer":
        ready = threading.Event()
        failure: List[BaseException] = []
        self._loop = self.loop_factory()
        self._thread = threading.Thread(target=self._run, args=(ready, failure), name="nngtrace", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            self._thread.join(5)
            self._loop.close()
            raise failure[0]
        return self

    def _run(self, ready: threading.Event, failure: List[BaseException]) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._proxy = Proxy(self.listen, self.forward, self._record, self.options, self.faults, self.record,
                                self.tls)
            self.url = self._loop.run_until_complete(self._proxy.start())
        except BaseException as e:  # noqa: BLE001 - handed to __enter__
            failure.append(e)
            ready.set()
            return
        self._stop = asyncio.Event()
        ready.set()
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        assert self._proxy is not None
        await self._stop.wait()
        await self._proxy.close()

    def __exit__(self, *exc: Any) -> None:
        assert self._loop is not None and self._thread is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        assert not self._thread.is_alive(), "nngtrace proxy did not stop"
        self._loop.close()

    def wait_for(self, pred: Predicate, timeout: float = 5.0) -> Event:
        with self._cond:
            ok = self._cond.wait_for(lambda: self._find(pred, 0)[0] is not None, timeout)
        if not ok:
            raise TimeoutError("no matching trace event within %.1f s" % timeout)
        ev = self._find(pred, 0)[0]
        assert ev is not None
        return ev

    def __iter__(self) -> Iterator[Event]:
        """Events as they come (blocks for the next one; ends when the tracer closes)."""
        i = 0
        while True:
            with self._cond:
                self._cond.wait_for(lambda: i < len(self.events) or self._closed(), 1.0)
                if i >= len(self.events) and self._closed():
                    return
                batch = self.events[i:]
            i += len(batch)
            yield from batch

    def _closed(self) -> bool:
        return self._proxy is not None and self._proxy.closed.is_set()

    # --- async --------------------------------------------------------------
    async def __aenter__(self) -> "Tracer":
        self._changed = asyncio.Event()
        self._proxy = Proxy(self.listen, self.forward, self._record, self.options, self.faults, self.record, self.tls)
        self.url = await self._proxy.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self._proxy is not None
        await self._proxy.close()

    async def await_for(self, pred: Predicate, timeout: float = 5.0) -> Event:
        assert self._changed is not None, "await_for needs 'async with'"

        async def scan() -> Event:
            start = 0
            while True:
                assert self._changed is not None
                self._changed.clear()
                ev, start = self._find(pred, start)
                if ev is not None:
                    return ev
                await self._changed.wait()

        try:
            return await asyncio.wait_for(scan(), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError("no matching trace event within %.1f s" % timeout) from None

    def __aiter__(self) -> "Tracer":
        self._aiter_pos = 0
        return self

    async def __anext__(self) -> Event:
        while self._aiter_pos >= len(self.events):
            assert self._changed is not None and self._proxy is not None
            if self._proxy.closed.is_set():
                raise StopAsyncIteration
            self._changed.clear()
            await self._changed.wait()
        self._aiter_pos += 1
        return self.events[self._aiter_pos - 1]
