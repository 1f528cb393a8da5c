"""The bridge between the core's aios and Python, for both sync and asyncio.

Every send or receive is one core aio, started by a ``start(aio)`` callable
(``nk_sock_send``, ``nk_ctx_recv``, ... bound to an id).  Only how we wait
for the completion differs:

* sync: `send` / `recv` wait in ``nk_aio_wait`` with the GIL released, in
  short slices, so other threads run and Ctrl-C is handled between slices
  (the operation is then cancelled and waited for before re-raising);
* asyncio: `asend` / `arecv` route the completion to a completion queue, one
  per event loop, whose fd the loop watches with ``add_reader``.  The reader
  drains the finished tags and resolves their futures in the loop's own
  thread: no Python ever runs on a core thread and no cffi callback exists.

`arecv` and `asend` first try with a zero timeout, so a queued message, or
a send that a pipe can take at once, completes without touching the queue
(and without a trip through the event loop).  Cancelling an awaiting task cancels its
aio; the aio is freed when its completion arrives (or when the queue is
released), never while the core may still use it.  The queue of a loop that
has been closed (or collected) is released when the next queue is made, by
``_debug.live_counts``, or at exit.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import weakref
from typing import Any, Callable, Dict, List, Optional

from ._errors import check
from ._ffi import ffi, lib

Start = Callable[[Any], None]
"""Starts one operation on the given ``nk_aio *``."""

Rescue = Optional[Callable[[Any], None]]
"""Takes a received ``nk_msg *`` whose receiver stopped waiting for it (a
cancelled task, an interrupted call), so the next receive can return it."""

_SLICE_MS = 100  # how long a sync wait holds off Python signal handling
_BATCH = 64  # tags fetched per nk_cq_drain call


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


def _check_sent(aio: Any) -> None:
    """Raise for a failed send, freeing the message the core handed back."""
    rv = lib.nk_aio_result(aio)
    if rv:
        m = lib.nk_aio_get_msg(aio)
        if m != ffi.NULL:
            lib.nk_msg_free(m)
        check(rv)


def _take_msg(aio: Any) -> Any:
    """The received ``nk_msg *`` of a successful receive (now the caller's)."""
    m = lib.nk_aio_get_msg(aio)
    if m == ffi.NULL:
        check(lib.NK_EINTERNAL)  # success without a message: a core bug
    return m


def _aio_for_send(m: Any) -> Any:
    try:
        aio = new_aio()
    except BaseException:
        lib.nk_msg_free(m)
        raise
    lib.nk_aio_set_msg(aio, m)
    return aio


def send(start: Start, m: Any, block: bool = True) -> None:
    """Send ``nk_msg *`` `m` (always consumed) and wait for the result."""
    aio = _aio_for_send(m)
    try:
        _run(aio, start, lib.NK_DURATION_DEFAULT if block else 0)
        _check_sent(aio)
    finally:
        lib.nk_aio_free(aio)


def _rescue_from(aio: Any, rescue: Rescue) -> None:
    """A completed receive nobody will read: hand its message to `rescue`."""
    if rescue is not None and not lib.nk_aio_busy(aio) and lib.nk_aio_result(aio) == 0:
        m = lib.nk_aio_get_msg(aio)
        if m != ffi.NULL:
            rescue(m)


def recv(start: Start, block: bool = True, rescue: Rescue = None) -> Any:
    """Receive one message; returns an ``nk_msg *`` the caller must free."""
    aio = new_aio()
    try:
        rv = _run(aio, start, lib.NK_DURATION_DEFAULT if block else 0)
    except BaseException:
        _rescue_from(aio, rescue)  # interrupted just as a message came
        lib.nk_aio_free(aio)
        raise
    try:
        check(rv)
        return _take_msg(aio)
    finally:
        lib.nk_aio_free(aio)


async def asend(start: Start, m: Any) -> None:
    """Asynchronously send ``nk_msg *`` `m` (always consumed)."""
    aio = _aio_for_send(m)
    try:
        rv = _run(aio, start, 0)  # fast path: most sends complete at once
    except BaseException:
        lib.nk_aio_free(aio)
        raise
    if rv != lib.NK_EAGAIN:
        try:
            _check_sent(aio)
        finally:
            lib.nk_aio_free(aio)
        return
    bridge = await _complete(aio, start)
    try:
        _check_sent(aio)
    finally:
        bridge.free(aio)


async def arecv(start: Start, rescue: Rescue = None) -> Any:
    """Asynchronously receive; returns an ``nk_msg *`` the caller must free."""
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


async def _complete(aio: Any, start: Start, rescue: Rescue = None) -> "_Bridge":
    """Start `aio` with completion to this loop's queue and await it.

    On return the aio has completed and the caller frees it through the
    returned bridge.  On any exception it is no longer the caller's.
    """
    try:
        bridge = _bridge_for(asyncio.get_running_loop())
    except BaseException:
        lib.nk_aio_free(aio)
        raise
    entry = bridge.start(aio, start)
    entry.rescue = rescue
    try:
        await entry.future  # type: ignore[misc]
    except BaseException:
        bridge.abandon(entry)
        raise
    return bridge


class _Entry:
    __slots__ = ("aio", "tag", "future", "rescue")

    def __init__(self, aio: Any, tag: int, future: "Optional[asyncio.Future[None]]") -> None:
        self.aio = aio  # None once the bridge has freed it
        self.tag = tag
        self.future = future  # None once the awaiting task gave up
        self.rescue: Rescue = None


class _Bridge:
    """One completion queue, watched by one event loop.

    All methods except `close` run in the loop's thread; `close` runs only
    when the loop is closed, gone, or not running (at exit).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        cqp = ffi.new("nk_cq **")
        check(lib.nk_cq_open(cqp))
        self._cq: Any = cqp[0]
        self._fd = int(lib.nk_cq_fd(self._cq))
        self._tags = ffi.new("uint64_t[]", _BATCH)
        self._counter = itertools.count(1)
        self._pending: Dict[int, _Entry] = {}
        self._users = 0  # aios bound to the queue and not yet freed
        self._closing = False
        try:
            self.loop: Callable[[], Optional[asyncio.AbstractEventLoop]] = weakref.ref(loop)
        except TypeError:  # a loop type without weakref support
            self.loop = lambda: loop
        try:
            loop.add_reader(self._fd, self._drain)
        except BaseException:
            lib.nk_cq_close(self._cq)
            raise

    def start(self, aio: Any, start: Start) -> _Entry:
        loop = self.loop()
        assert loop is not None
        entry = _Entry(aio, next(self._counter), loop.create_future())
        self._pending[entry.tag] = entry
        self._users += 1
        lib.nk_aio_set_cq(aio, self._cq, entry.tag)
        lib.nk_aio_set_timeout(aio, lib.NK_DURATION_DEFAULT)
        start(aio)
        return entry

    def _drain(self) -> None:
        while self._cq is not None:
            n = lib.nk_cq_drain(self._cq, self._tags, _BATCH)
            for i in range(max(n, 0)):
                entry = self._pending.pop(int(self._tags[i]), None)
                if entry is None:
                    continue
                if entry.future is None:  # orphaned by a cancelled task
                    _rescue_from(entry.aio, entry.rescue)
                    self.free(entry.aio)
                    entry.aio = None
                elif not entry.future.done():
                    entry.future.set_result(None)
            if n < _BATCH:
                return

    def abandon(self, entry: _Entry) -> None:
        """The awaiting task stopped waiting (cancelled, or torn down)."""
        if entry.aio is None:
            return  # already freed by close()
        if entry.tag in self._pending:
            entry.future = None  # _drain frees it when the completion arrives
            lib.nk_aio_cancel(entry.aio)
        else:  # completed, but the task will not look at the result
            _rescue_from(entry.aio, entry.rescue)
            self.free(entry.aio)
            entry.aio = None

    def free(self, aio: Any) -> None:
        lib.nk_aio_free(aio)
        self._users -= 1
        if self._closing and self._users == 0:
            self._close_cq()

    def close(self) -> None:
        """Free the aios still pending here, then the queue once unused."""
        if self._closing:
            return
        self._closing = True
        loop = self.loop()
        if loop is not None and not loop.is_closed():
            try:
                loop.remove_reader(self._fd)
            except Exception:
                pass
        pending, self._pending = self._pending, {}
        for entry in pending.values():
            aio, entry.aio, entry.future = entry.aio, None, None
            self.free(aio)  # cancels, waits for the completion, frees
        if self._users == 0:
            self._close_cq()

    def _close_cq(self) -> None:
        if self._cq is not None:
            cq, self._cq = self._cq, None
            lib.nk_cq_close(cq)


# Bridges by id(loop); each bridge keeps only a weak reference to its loop.
# Bridges are released only at safe points (never from a GC finalizer, which
# could run while this thread holds _lock).
_lock = threading.Lock()
_bridges: Dict[int, _Bridge] = {}


def _bridge_for(loop: asyncio.AbstractEventLoop) -> _Bridge:
    bridge = _bridges.get(id(loop))
    if bridge is not None and bridge.loop() is loop and not bridge._closing:
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
