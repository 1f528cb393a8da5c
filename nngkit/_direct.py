"""Send and receive in one core call (``nk_send_wait`` / ``nk_recv_wait``).

The core starts the operation on a spare aio of its own and waits one
slice for it, so an operation that completes at once (a queued message, a
pipe that takes a send) costs a single call instead of the aio sequence of
`_aio`.  The sync calls wait one `_aio` slice; an operation still going
when it ends is handed over (``op.aio``) and waited for exactly as `_aio`
waits, so Ctrl-C, cancellation and rescue behave the same.  The async calls
use a zero timeout: "not now" (None/False) sends them to the completion
queue: `asend` / `arecv` then start the operation, bound to the running
loop's queue, in one more call, and take its outcome in one.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

from ._aio import _SLICE_MS, _current_queue, _take_msg, wait
from ._cq import Rescue, rescue_from, yield_sometimes
from ._errors import check
from ._ffi import ffi, lib
from ._message import LEND_MIN, _lent, _reclaim, to_nk

_PENDING = lib.NK_PENDING
_EAGAIN = lib.NK_EAGAIN
_DEFAULT = lib.NK_DURATION_DEFAULT


def _send(oid: int, is_ctx: int, m: Any, data: Any, size: int, timeout: int, slice_ms: int) -> Any:
    """Send `m`, or when it is NULL a copy of ``data[:size]``.

    None once sent; when the core said "not now" (NK_EAGAIN), the message
    back (an ``nk_msg *`` the caller owns); raises other errors.
    """
    op = ffi.new("nk_op *")  # per call: a signal handler may send meanwhile
    rv = lib.nk_send_wait(oid, is_ctx, m, data, size, timeout, slice_ms, op)
    return None if rv == 0 else _unsent(rv, op)


def _unsent(rv: int, op: Any) -> Any:
    """A send that did not complete at once: wait for one the core handed
    over; the message of a failed send comes back in op.msg (the core's one
    rule): returned for NK_EAGAIN, else freed and the error raised."""
    try:
        if rv == _PENDING:
            wait(op.aio)
            rv = lib.nk_op_finish(op)
        if rv == _EAGAIN and op.msg != ffi.NULL:
            m, op.msg = op.msg, ffi.NULL
            return m
        check(rv)
        return None
    finally:
        if op.aio != ffi.NULL:
            lib.nk_aio_free(op.aio)
        if op.msg != ffi.NULL:
            lib.nk_msg_free(op.msg)


def _recv(oid: int, is_ctx: int, timeout: int, slice_ms: int, rescue: Rescue) -> Optional[bytes]:
    """Receive one message body; None when the core said "not now" (NK_EAGAIN)."""
    op = ffi.new("nk_op *")
    try:
        rv = lib.nk_recv_wait(oid, is_ctx, timeout, slice_ms, op)
        if rv == _PENDING:  # as _aio.recv does, on the aio the core handed over
            try:
                wait(op.aio)
            except BaseException:
                rescue_from(op.aio, rescue)  # interrupted just as a message came
                raise
            check(lib.nk_aio_result(op.aio))
            op.msg = _take_msg(op.aio)
            op.body = lib.nk_msg_body(op.msg)
            op.len = lib.nk_msg_len(op.msg)
        elif rv:
            if rv == _EAGAIN:
                return None
            check(rv)
        return ffi.buffer(op.body, op.len)[:] if op.len else b""
    except BaseException:
        if op.msg != ffi.NULL and rescue is not None:  # received, but not returned
            m, op.msg = op.msg, ffi.NULL
            rescue(m)
        raise
    finally:
        if op.aio != ffi.NULL:
            lib.nk_aio_free(op.aio)
        if op.msg != ffi.NULL:
            lib.nk_msg_free(op.msg)


def send(oid: int, is_ctx: int, m: Any, data: Any, size: int, block: bool) -> None:
    """Blocking (or, with block=False, immediate) send."""
    m = _send(oid, is_ctx, m, data, size, _DEFAULT if block else 0, _SLICE_MS)
    if m is not None:
        lib.nk_msg_free(m)
        check(_EAGAIN)


def recv(oid: int, is_ctx: int, block: bool, rescue: Rescue) -> bytes:
    """Blocking (or, with block=False, immediate) receive."""
    if _lent:
        _reclaim()  # a program that only receives now still lets go of what it sent
    body = _recv(oid, is_ctx, _DEFAULT if block else 0, _SLICE_MS, rescue)
    if body is None:
        check(_EAGAIN)
    return body  # type: ignore[return-value]


def try_send(oid: int, is_ctx: int, m: Any, data: Any, size: int) -> Any:
    """Send only if it can go at once: None, else the message back (the caller's)."""
    return _send(oid, is_ctx, m, data, size, 0, 0)


def try_recv(oid: int, is_ctx: int, rescue: Rescue) -> Optional[bytes]:
    """A message body if one is ready now, else None."""
    return _recv(oid, is_ctx, 0, 0, rescue)


def payload(data: Any) -> Tuple[Any, Any, int]:
    """(message, data, size) arguments of nk_send_wait / nk_send_start for `data`."""
    if type(data) is bytes and len(data) < LEND_MIN:
        if _lent:
            _reclaim()  # drop large bodies sent earlier as soon as the core is done
        return ffi.NULL, data, len(data)  # the core copies it
    return to_nk(data), ffi.NULL, 0


def _started(rv: int, op: Any) -> Any:
    check(rv)
    return op.aio


async def asend(oid: int, is_ctx: int, data: Any, m: Any = None) -> None:
    """Send ``data``, or when `m` is given that ``nk_msg *`` (always consumed)."""
    try:
        await yield_sometimes()  # before anything is sent: a cancellation here loses nothing
    except BaseException:
        if m is not None:
            lib.nk_msg_free(m)
        raise
    m = try_send(oid, is_ctx, *(payload(data) if m is None else (m, ffi.NULL, 0)))
    if m is None:
        return
    try:
        queue = _current_queue()
        op = ffi.new("nk_op *")
    except BaseException:
        lib.nk_msg_free(m)
        raise
    started = False

    def start(tag: int) -> Any:
        nonlocal started
        started = True  # a failed start gives m back in op.msg, freed below
        return _started(lib.nk_send_start(oid, is_ctx, m, ffi.NULL, 0, queue.cq, tag, op), op)

    try:
        entry = queue.adopt(None, start)
    except BaseException:
        lib.nk_msg_free(op.msg if started else m)
        raise
    try:
        await queue.wait(entry)
    except BaseException:
        queue.abandon(entry)
        raise
    try:
        check(lib.nk_op_finish(op))
    finally:
        queue.free(op.aio)
        if op.msg != ffi.NULL:
            lib.nk_msg_free(op.msg)  # a failed send's, given back


async def arecv(oid: int, is_ctx: int, rescue: Rescue) -> bytes:
    await yield_sometimes()  # before anything is done: a cancellation here loses nothing
    if _lent:
        _reclaim()  # as in recv
    body = try_recv(oid, is_ctx, rescue)
    if body is not None:
        return body
    queue = _current_queue()
    op = ffi.new("nk_op *")
    entry = queue.adopt(rescue, lambda tag: _started(
        lib.nk_recv_start(oid, is_ctx, queue.cq, tag, op), op))
    try:
        await queue.wait(entry)
    except BaseException:
        queue.abandon(entry)
        raise
    try:
        check(lib.nk_op_finish(op))
        return ffi.buffer(op.body, op.len)[:] if op.len else b""
    finally:
        queue.free(op.aio)
        if op.msg != ffi.NULL:
            lib.nk_msg_free(op.msg)
