"""Pipe events: switching them on, receiving them, admitting held pipes.

An event is received like a message, through an aio started by
``nk_sock_pipe_event``: an 8-byte body, [event u32 BE][pipe id u32 BE],
decoded here into ``(event, pipe id)``.
"""

from __future__ import annotations

from typing import Any, List, Tuple

from .._errors import check
from .aio import free_aio, new_aio, wait
from .core import const, ffi, lib
from .loops import current_queue, yield_sometimes
from .msg import free

__all__ = ["ADD_PRE", "ADD_POST", "REM_POST", "notify", "pipe_ids", "accept", "drop", "next_event", "anext_event"]

ADD_PRE = const("PIPE_EV_ADD_PRE")
ADD_POST = const("PIPE_EV_ADD_POST")
REM_POST = const("PIPE_EV_REM_POST")
_ECLOSED = const("ECLOSED")
_EAGAIN = const("EAGAIN")


def notify(sid: int, hold: bool) -> None:
    """Record pipe events of socket `sid`; with `hold`, new pipes wait for `accept`."""
    check(lib.nk_sock_pipe_notify(sid, lib.NK_PIPE_NOTIFY_ON | (lib.NK_PIPE_NOTIFY_HOLD if hold else 0)))


def pipe_ids(sid: int) -> List[int]:
    """The ids of the admitted pipes of socket `sid`."""
    ids = ffi.new("uint32_t[]", 64)
    n = lib.nk_sock_pipes(sid, ids, 64)
    if n < 0:
        check(-n)
    if n > 64:  # grew meanwhile: ask once more with room to spare
        ids = ffi.new("uint32_t[]", n + 64)
        n = min(lib.nk_sock_pipes(sid, ids, n + 64), n + 64)
    return [int(ids[i]) for i in range(max(n, 0))]


def accept(pid: int) -> None:
    """Admit a held pipe; one already closed (refused by a callback) is fine."""
    rv = lib.nk_pipe_accept(pid)
    if rv != _ECLOSED:
        check(rv)


def drop(sid: int) -> None:
    """Free closed socket `sid` with the pipe events no one will read."""
    rv = lib.nk_sock_pipe_events_drop(sid)
    if rv != _ECLOSED:  # NK_ECLOSED: it had none left and is gone already
        check(rv)


def _decode(aio: Any) -> Tuple[int, int]:
    """(event, pipe id) of the event an aio received."""
    m = lib.nk_aio_get_msg(aio)
    if m == ffi.NULL:
        check(lib.NK_EINTERNAL)  # success without a message: a core bug
    try:
        raw = bytes(ffi.buffer(lib.nk_msg_body(m), 8))
    finally:
        free(m)
    return int.from_bytes(raw[:4], "big"), int.from_bytes(raw[4:], "big")


def _run(aio: Any, sid: int, timeout: int) -> int:
    lib.nk_aio_set_timeout(aio, timeout)
    lib.nk_sock_pipe_event(sid, aio)
    wait(aio)
    return int(lib.nk_aio_result(aio))


def next_event(sid: int) -> Tuple[int, int]:
    """Wait for the next pipe event of socket `sid` (`Closed` once it closes)."""
    aio = new_aio()
    try:
        check(_run(aio, sid, lib.NK_DURATION_DEFAULT))
        return _decode(aio)
    finally:
        free_aio(aio)


async def anext_event(sid: int) -> Tuple[int, int]:
    """`next_event`, waiting in the running event loop."""
    await yield_sometimes()  # before anything is done: a cancellation here loses nothing
    aio = new_aio()
    try:
        rv = _run(aio, sid, 0)  # fast path: an event may be queued already
        if rv != _EAGAIN:  # a zero timeout gives NK_EAGAIN for "nothing yet"
            check(rv)
            return _decode(aio)
    finally:
        free_aio(aio)
    queue = current_queue()

    def start(tag: int) -> Any:
        bound = new_aio()
        lib.nk_aio_set_cq(bound, queue.cq, tag)
        lib.nk_sock_pipe_event(sid, bound)
        return bound

    aio = await queue.settle(None, start)
    try:
        check(lib.nk_aio_result(aio))
        return _decode(aio)
    finally:
        queue.free(aio)
