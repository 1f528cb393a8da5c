"""Send and receive: one path each, blocking and async, bytes and whole messages.

Every operation starts with one core call that tries it at once
(``nk_send_wait`` / ``nk_recv_wait``: the core starts it on a spare aio of
its own and waits one slice for it), so an operation that completes at once
(a queued message, a pipe that takes a send) costs a single call:

* blocking calls wait one `SLICE_MS` slice in the core; an operation still
  going then is handed over (NK_PENDING, ``op.aio``) and waited for in
  slices by `aio.wait`, so Ctrl-C, cancellation and rescue behave the same;
* async calls try with a zero timeout; "not now" (NK_EAGAIN) sends them to
  the running loop's completion queue: ``nk_send_start`` / ``nk_recv_start``
  bound to it (`CompletionQueue.settle`), then ``nk_op_finish``.  An async
  send tries with ``nk_send_try``, which may leave back-to-back sends
  corked in their pipe; the one that says so (NK_QUEUED) has the loop call
  ``nk_flush`` at its next turn (csrc/core/cork.h).

What is sent is a bytes-like body or the `Parts` of a whole message; what
is received is the body, or with ``whole=True`` the `Parts`.  A send's
message follows the core's one rule: a send that succeeds takes it, one
that fails gives it back in ``op.msg``, where it is freed (or sent again by
the async path after a "not now").  The core functions are module-level
aliases, so the fast paths make no Python call beyond the ones here.
"""

from __future__ import annotations

from typing import Any, Callable, List, Literal, Optional, overload

from .._errors import check
from .aio import SLICE_MS, cancel, free_aio, rescue_from, wait
from .core import ffi, lib
from .loops import current_queue, fair_due, flush_soon, yield_now
from .msg import LEND_MIN, Held, Parts, free, lent, reclaim, to_nk

__all__ = ["send", "asend", "recv", "arecv"]

_send_wait: Callable[..., int] = lib.nk_send_wait
_send_try: Callable[..., int] = lib.nk_send_try
_flush: Callable[[], None] = lib.nk_flush
_recv_wait: Callable[..., int] = lib.nk_recv_wait
_send_start: Callable[..., int] = lib.nk_send_start
_recv_start: Callable[..., int] = lib.nk_recv_start
_op_finish: Callable[[Any], int] = lib.nk_op_finish
_new = ffi.new
_OP = ffi.typeof("nk_op *")  # one per operation: a signal handler may send meanwhile
_NULL = ffi.NULL
# An nk_op left clean (no message, no aio) by a send that went, or by a
# receive, is kept here and reused by the next send, asend, recv or arecv
# instead of allocating one (ffi.new is about a tenth of the call).
# Taken with pop() inline (no helper call on the hot path), so a signal
# handler or another thread meanwhile gets another; the list holds at most
# as many as were ever in flight at once.
_spare: List[Any] = []
_unpack = ffi.unpack  # char * and a length: one bytes copy
# A streamed message of this many bytes, up to LARGE_STREAM_MAX (excluded),
# stops lending (_arecv_queued).
LARGE_STREAM, LARGE_STREAM_MAX = 32 * 1024, 256 * 1024
_PENDING = lib.NK_PENDING
_QUEUED = lib.NK_QUEUED
_EAGAIN = lib.NK_EAGAIN
_EINTERNAL = lib.NK_EINTERNAL
_DEFAULT = lib.NK_DURATION_DEFAULT


# -- send ---------------------------------------------------------------------


def _send_now(oid: int, is_ctx: int, data: Any, timeout: int, slice_ms: int, op: Any,
              first: bool = False) -> int:
    """``nk_send_wait`` of `data`: small `bytes` are copied by the core, a
    larger body or a message's `Parts` become an ``nk_msg`` here.  With
    `first` (an async send's first try) ``nk_send_try`` instead: no wait,
    but a send back to back with the last may stay queued in its pipe until
    `_flush`, and NK_QUEUED says this one owes the flush."""
    if type(data) is bytes and len(data) < LEND_MIN:
        if lent:
            reclaim()  # drop large bodies sent earlier as soon as the core is done
        m, body, n = _NULL, data, len(data)
    else:
        m, body, n = to_nk(*data) if type(data) is Parts else to_nk(data), _NULL, 0
    if first:
        return _send_try(oid, is_ctx, m, body, n, op)
    return _send_wait(oid, is_ctx, m, body, n, timeout, slice_ms, op)


def _unsent(rv: int, op: Any, keep: bool = False) -> bool:
    """A send that did not complete at once.  NK_PENDING: wait for the
    operation the core handed over and settle it.  A failed send gives its
    message back in ``op.msg``: with `keep`, a "not now" (NK_EAGAIN) leaves
    it there to be sent again (True); any other failure is raised, and the
    caller's `_drop` frees it.  False once sent."""
    if rv == _PENDING:
        wait(op.aio)
        rv = _op_finish(op)
        aio, op.aio = op.aio, _NULL
        free_aio(aio)
    if rv == 0:
        return False
    if keep and rv == _EAGAIN and op.msg != _NULL:
        return True
    check(rv)
    return False


def _keep(op: Any, held: Optional[Held]) -> None:
    """The message `op` still holds after a failure or an interrupt: a
    received one goes to `held`, a send's (held None) is freed."""
    if op.msg != _NULL:
        m, op.msg = op.msg, _NULL  # cleared first: an interrupt may come between calls
        if held is None:
            free(m)
        else:
            held.keep(m)


def _drop(op: Any, held: Optional[Held]) -> None:
    """Settle what a failed or interrupted sync operation left in `op`: an
    aio handed over (NK_PENDING) is cancelled, waited for and freed (a
    message it received goes to `held`); then `_keep`."""
    if op.aio != _NULL:
        aio, op.aio = op.aio, _NULL
        cancel(aio)
        rescue_from(aio, held)
        free_aio(aio)  # with a failed send's message
    _keep(op, held)


def send(oid: int, is_ctx: int, data: Any, block: bool) -> None:
    """Send a body or a message's `Parts`; with block=False only if it can go now (else TryAgain)."""
    try:
        op = _spare.pop()
    except IndexError:
        op = _new(_OP)
    try:
        rv = _send_now(oid, is_ctx, data, _DEFAULT if block else 0, SLICE_MS, op)
        if rv:
            _unsent(rv, op)
        _spare.append(op)  # sent: its message taken, its aio (if any) freed
    except BaseException:
        _drop(op, None)
        raise


def _started(rv: int, op: Any) -> Any:
    check(rv)
    return op.aio


async def asend(oid: int, is_ctx: int, data: Any, owner: Any = None) -> None:
    """Send a body or a message's `Parts`, waiting in the running event loop.
    `owner` (the socket or context) is only kept alive until it is done."""
    if fair_due():
        await yield_now()  # before anything is sent: a cancellation here loses nothing
    try:
        op = _spare.pop()
    except IndexError:
        op = _new(_OP)
    try:
        rv = _send_now(oid, is_ctx, data, 0, 0, op, True)
        if not rv:
            _spare.append(op)
        elif rv == _QUEUED:  # sent; its pipe writes at our loop's next turn
            _spare.append(op)
            flush_soon(_flush)
        elif _unsent(rv, op, keep=True):
            await _asend_queued(oid, is_ctx, op)
    except BaseException:
        _drop(op, None)
        raise


async def _asend_queued(oid: int, is_ctx: int, first: Any) -> None:
    """Send the message `first` holds through the running loop's queue.  Its
    aio belongs to the queue (`CompletionQueue.settle`), not to `op`."""
    op = _new(_OP)
    try:
        op.msg, first.msg = first.msg, _NULL  # the caller's until a start takes it
        queue = current_queue()
        aio = await queue.settle(None, lambda tag: _started(
            _send_start(oid, is_ctx, op.msg, _NULL, 0, queue.cq, tag, op), op))
        try:
            check(_op_finish(op))
        finally:
            queue.free(aio)
    finally:
        _keep(op, None)  # a failed send's message, given back


# -- receive ------------------------------------------------------------------


def _take(op: Any, whole: bool) -> Any:
    """The message received into `op`: its body, or with `whole` its `Parts`.
    It is freed once copied; if the copy fails it stays in `op` (`_keep`)."""
    body = _unpack(op.body, op.len) if op.len else b""  # (unpack refuses NULL)
    got = Parts(body, _unpack(op.header, op.header_len) if op.header_len else b"", op.pipe) if whole else body
    m, op.msg = op.msg, _NULL
    free(m)
    return got


def _await_recv(rv: int, op: Any) -> None:
    """A receive that did not complete at once: raise its error, or wait for
    the operation the core handed over (NK_PENDING) and settle it into `op`."""
    if rv != _PENDING:
        check(rv)
    wait(op.aio)
    rv = _op_finish(op)
    aio, op.aio = op.aio, _NULL
    free_aio(aio)
    check(rv)
    if op.msg == _NULL:
        check(_EINTERNAL)  # success without a message: a core bug


@overload
def recv(oid: int, is_ctx: int, block: bool, held: Held, whole: Literal[False]) -> bytes: ...
@overload
def recv(oid: int, is_ctx: int, block: bool, held: Held, whole: Literal[True]) -> Parts: ...
def recv(oid: int, is_ctx: int, block: bool, held: Held, whole: bool) -> Any:
    """Receive a body, or with `whole` a message's `Parts`; with block=False
    only one that is ready now (else TryAgain).  Held messages come first;
    one that arrives as the caller is interrupted is held for the next."""
    if held:
        return held.take(whole)
    if lent:
        reclaim()  # a program that only receives now still lets go of what it sent
    try:
        op = _spare.pop()
    except IndexError:
        op = _new(_OP)
    try:
        rv = _recv_wait(oid, is_ctx, _DEFAULT if block else 0, SLICE_MS, op)
        if rv:
            _await_recv(rv, op)
        got = _take(op, whole)
        _spare.append(op)  # clean, as in arecv
        return got
    except BaseException:
        _drop(op, held)
        raise


@overload
async def arecv(oid: int, is_ctx: int, held: Held, whole: Literal[False], owner: Any = None) -> bytes: ...
@overload
async def arecv(oid: int, is_ctx: int, held: Held, whole: Literal[True], owner: Any = None) -> Parts: ...
async def arecv(oid: int, is_ctx: int, held: Held, whole: bool, owner: Any = None) -> Any:
    """`recv`, waiting in the running event loop (`owner` as in `asend`)."""
    if held:
        return held.take(whole)
    if fair_due():
        await yield_now()  # before anything is done: a cancellation here loses nothing
    if lent:
        reclaim()
    try:
        op = _spare.pop()
    except IndexError:
        op = _new(_OP)
    try:
        rv = _recv_wait(oid, is_ctx, 0, 0, op)
        if rv == _EAGAIN:
            _spare.append(op)  # nothing received, no aio handed over: clean
            return await _arecv_queued(oid, is_ctx, held, whole, owner if owner is not None and owner._streams else None)
        if rv:
            _await_recv(rv, op)
        got = _take(op, whole)
        _spare.append(op)  # its message freed, its aio (if any) settled: clean
        return got
    except BaseException:
        _drop(op, held)
        raise


async def _arecv_queued(oid: int, is_ctx: int, held: Held, whole: bool, stream: Any) -> Any:
    """Receive through the running loop's queue.  The aio belongs to the
    queue (`CompletionQueue.settle`), not to `op`.

    A `stream` (a socket or context that only receives) whose last message
    here was large does not lend the loop to the core's reading while it
    waits: the core's thread then reads the next message while this one is
    copied out (asyncio PUSH/PULL 64 KiB, medians of 5 alternations: tcp
    3.76 to 4.66 GB/s, ipc 4.85 to 5.25).  Small messages, 1 MiB ones
    (whose ipc row measured better lending) and replies keep the wake-up
    lending saves (about 24 us a round trip)."""
    queue = current_queue()
    op = _new(_OP)
    large = queue.large_streams
    lend = stream is None or stream not in large
    aio = await queue.settle(held, lambda tag: _started(_recv_start(oid, is_ctx, queue.cq, tag, op), op), lend)
    try:
        try:
            check(_op_finish(op))
        finally:
            queue.free(aio)
        if stream is not None:
            if LARGE_STREAM <= op.len < LARGE_STREAM_MAX:
                large.add(stream)
            else:
                large.discard(stream)
        return _take(op, whole)
    except BaseException:
        _keep(op, held)
        raise
