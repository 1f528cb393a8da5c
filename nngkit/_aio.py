"""Receiving whole messages through core aios, and the shared waiting parts.

Sends, and receives of bodies, take the one-call paths of `_direct`; this
module receives whole ``nk_msg *`` (for `Message`, pipe events), with an aio
started by a ``start(aio)`` callable (``nk_ctx_recv``, ... bound to an id),
and holds what both modules wait with:

* sync: `wait` waits in ``nk_aio_wait`` with the GIL released, in short
  slices, so other threads run and Ctrl-C is handled between slices (the
  operation is then cancelled and waited for before re-raising);
* async: the completion goes to a completion queue (`_cq.CompletionQueue`),
  one per event loop, whose fd the loop watches (asyncio: ``add_reader``;
  trio: a system task, see `_trio`).  The loop drains the finished tags and
  wakes the waiting tasks in its own thread: no Python ever runs on a core
  thread and no cffi callback exists.  `_current_queue` detects the running
  framework on each call, as pynng does.

`arecv` first tries with a zero timeout, so a queued message completes
without touching the queue.  Cancelling an awaiting task cancels its aio;
the aio is freed when its completion arrives (or when the queue is
released), never while the core may still use it.  The queue of a loop that
has been closed (or collected) is released when the next queue is made, by
``_debug.live_counts``, or at exit.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import weakref
from typing import Any, Callable, Dict, List, Optional

from ._cq import CompletionQueue, Entry, Rescue, Start, complete, rescue_from, yield_sometimes
from ._errors import check
from ._ffi import ffi, lib

_SLICE_MS = 100  # how long a sync wait holds off Python signal handling


def new_aio() -> Any:
    ap = ffi.new("nk_aio **")
    check(lib.nk_aio_alloc(ap))
    return ap[0]


def wait(aio: Any) -> None:
    """Wait until `aio` completes; on an interrupt, cancel it first."""
    try:
        while not lib.nk_aio_wait(aio, _SLICE_MS):
            pass
    except BaseException:
        lib.nk_aio_cancel(aio)
        lib.nk_aio_wait(aio, -1)
        raise


def _run(aio: Any, start: Start, timeout: int) -> int:
    lib.nk_aio_set_timeout(aio, timeout)
    start(aio)
    wait(aio)
    return int(lib.nk_aio_result(aio))


def _take_msg(aio: Any) -> Any:
    """The received ``nk_msg *`` of a successful receive (now the caller's)."""
    m = lib.nk_aio_get_msg(aio)
    if m == ffi.NULL:
        check(lib.NK_EINTERNAL)  # success without a message: a core bug
    return m


def recv(start: Start, block: bool = True, rescue: Rescue = None) -> Any:
    """Receive one message; returns an ``nk_msg *`` the caller must free."""
    aio = new_aio()
    try:
        rv = _run(aio, start, lib.NK_DURATION_DEFAULT if block else 0)
    except BaseException:
        rescue_from(aio, rescue)  # interrupted just as a message came
        lib.nk_aio_free(aio)
        raise
    try:
        check(rv)
        return _take_msg(aio)
    finally:
        lib.nk_aio_free(aio)


async def arecv(start: Start, rescue: Rescue = None) -> Any:
    """Asynchronously receive; returns an ``nk_msg *`` the caller must free."""
    await yield_sometimes()  # before anything is done: a cancellation here loses nothing
    aio = new_aio()
    try:
        rv = _run(aio, start, 0)  # fast path: a message may be queued already
    except BaseException:
        lib.nk_aio_free(aio)
        raise
    if rv != lib.NK_EAGAIN:  # a zero timeout gives NK_EAGAIN for "nothing yet"
        try:
            check(rv)
            return _take_msg(aio)
        finally:
            lib.nk_aio_free(aio)
    bridge = await _complete(aio, start, rescue)
    try:
        check(lib.nk_aio_result(aio))
        return _take_msg(aio)
    finally:
        bridge.free(aio)


async def _complete(aio: Any, start: Start, rescue: Rescue = None) -> CompletionQueue:
    """Start `aio` with completion to the running loop's queue and await it.

    On return the aio has completed and the caller frees it through the
    returned queue.  On any exception it is no longer the caller's.
    """
    try:
        queue = _current_queue()
    except BaseException:
        lib.nk_aio_free(aio)
        raise
    await complete(queue, aio, start, rescue)
    return queue


def _current_queue() -> CompletionQueue:
    """The completion queue of the running event loop (asyncio or trio).

    Detected directly rather than through sniffio, so that nngkit needs
    nothing beyond cffi at run time.
    """
    try:
        return _bridge_for(asyncio.get_running_loop())
    except RuntimeError:  # no asyncio loop in this thread: trio, or nothing
        pass
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            trio.lowlevel.current_task()
        except RuntimeError:
            pass
        else:
            from . import _trio

            return _trio.current_queue()
    raise RuntimeError("nngkit's async calls need a running asyncio loop or trio run")


class _Bridge(CompletionQueue):
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


# Bridges by id(loop); each bridge keeps only a weak reference to its loop.
# Bridges are released only at safe points (never from a GC finalizer, which
# could run while this thread holds _lock).
_lock = threading.Lock()
_bridges: Dict[int, _Bridge] = {}


def _bridge_for(loop: asyncio.AbstractEventLoop) -> _Bridge:
    bridge = _bridges.get(id(loop))
    if bridge is not None and bridge.loop() is loop and not bridge.closing:
        return bridge
    release_closed_loops()
    bridge = _Bridge(loop)
    with _lock:
        _bridges[id(loop)] = bridge
    return bridge


def _forget(key: int, bridge: _Bridge) -> None:
    with _lock:
        if _bridges.get(key) is bridge:
            del _bridges[key]
    bridge.close()


def _release_where(done: Callable[[Optional[asyncio.AbstractEventLoop]], bool]) -> None:
    with _lock:
        items: List[Any] = list(_bridges.items())
    for key, bridge in items:
        if done(bridge.loop()):
            _forget(key, bridge)


def release_closed_loops() -> None:
    """Release the queues of event loops that have been closed."""
    _release_where(lambda loop: loop is None or loop.is_closed())


def release_at_exit() -> None:
    """Release every queue whose loop is not running (at interpreter exit)."""
    _release_where(lambda loop: loop is None or loop.is_closed() or not loop.is_running())
