"""Closing and cancelling while operations are pending, sync and asyncio."""
from __future__ import annotations

import asyncio

import pytest

from tests.helpers.impl import nk
from tests.helpers.sync import Catcher, dial, listen, wait_thread_in_call

SCHEMES = ["inproc", "tcp"]


async def started(task: "asyncio.Task", rounds: int = 5) -> None:
    """Let a freshly created task run up to its first real await (no timing)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
    assert not task.done(), f"operation finished early: {task!r}"


def pending_recv_in_thread(obj) -> Catcher:
    t = Catcher(obj.recv)
    t.start()
    wait_thread_in_call(t.ident, ("recv",))
    return t


@pytest.mark.parametrize("scheme", SCHEMES)
def test_close_socket_while_sync_recv_pending(sockets, addr, scheme, leak_check):
    rep = sockets(nk.Rep0)
    listen(rep, addr(scheme))
    t = pending_recv_in_thread(rep)
    rep.close()
    assert isinstance(t.finish().error, nk.Closed), repr(t.error)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_close_socket_while_sync_recv_pending_on_connected_pair(sockets, addr, scheme, leak_check):
    a, b = sockets(nk.Pair0), sockets(nk.Pair0)
    dial(b, listen(a, addr(scheme)))
    t = pending_recv_in_thread(b)
    b.close()
    assert isinstance(t.finish().error, nk.Closed), repr(t.error)


@pytest.mark.nngkit_only  # pynng: the pending recv fails with TypeError, not Closed
def test_close_context_while_sync_recv_pending(sockets, addr, leak_check):
    rep = sockets(nk.Rep0)
    listen(rep, addr("inproc"))
    ctx = sockets.track(rep.new_context())
    t = pending_recv_in_thread(ctx)
    ctx.close()
    assert isinstance(t.finish().error, nk.Closed), repr(t.error)


def test_close_socket_while_context_recv_pending(sockets, addr, leak_check):
    rep = sockets(nk.Rep0)
    listen(rep, addr("inproc"))
    ctx = sockets.track(rep.new_context())
    t = pending_recv_in_thread(ctx)
    rep.close()
    assert isinstance(t.finish().error, nk.Closed), repr(t.error)


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_close_while_arecv_pending(sockets, addr, scheme, leak_check):
    rep = sockets(nk.Rep0)
    listen(rep, addr(scheme))
    task = asyncio.ensure_future(rep.arecv())
    await started(task)
    rep.close()
    with pytest.raises(nk.Closed):
        await asyncio.wait_for(task, 5)


@pytest.mark.parametrize("cls", [nk.Pair0, nk.Req0], ids=["pair0", "req0"])
async def test_close_while_asend_pending(sockets, cls, leak_check):
    s = sockets(cls)  # no peer: the send cannot complete
    task = asyncio.ensure_future(s.asend(b"stuck"))
    await started(task)
    s.close()
    with pytest.raises(nk.Closed):
        await asyncio.wait_for(task, 5)


async def test_close_context_while_arecv_pending(sockets, addr, leak_check):
    rep = sockets(nk.Rep0)
    listen(rep, addr("inproc"))
    ctx = sockets.track(rep.new_context())
    task = asyncio.ensure_future(ctx.arecv())
    await started(task)
    ctx.close()
    with pytest.raises(nk.Closed):
        await asyncio.wait_for(task, 5)


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_cancel_pending_arecv_then_socket_still_works(sockets, addr, scheme, leak_check):
    a, b = sockets(nk.Pair0, recv_timeout=5000), sockets(nk.Pair0, send_timeout=5000)
    dial(b, listen(a, addr(scheme)))
    task = asyncio.ensure_future(a.arecv())
    await started(task)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    # a message sent after the cancel is not swallowed by the cancelled operation
    await b.asend(b"after cancel")
    assert await asyncio.wait_for(a.arecv(), 5) == b"after cancel"
    b.send(b"sync too")
    assert a.recv() == b"sync too"


async def test_cancel_pending_context_arecv_then_context_still_works(sockets, addr, leak_check):
    rep, req = sockets(nk.Rep0), sockets(nk.Req0)
    dial(req, listen(rep, addr("inproc")))
    ctx = sockets.track(rep.new_context())
    task = asyncio.ensure_future(ctx.arecv())
    await started(task)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    await req.asend(b"question")
    assert await asyncio.wait_for(ctx.arecv(), 5) == b"question"
    await ctx.asend(b"answer")
    assert await asyncio.wait_for(req.arecv(), 5) == b"answer"


async def test_many_cancelled_arecvs_leave_nothing_behind(sockets, addr, leak_check):
    a, b = sockets(nk.Pair0), sockets(nk.Pair0)
    dial(b, listen(a, addr("inproc")))
    for _ in range(200):
        task = asyncio.ensure_future(a.arecv())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
    await b.asend(b"still alive")
    assert await asyncio.wait_for(a.arecv(), 5) == b"still alive"


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_cancel_racing_an_arrival_loses_no_message(sockets, addr, scheme, leak_check):
    """Cancel an arecv just as its message arrives, 40 times: every message must
    either be the task's result or stay queued for the next receive."""
    a, b = sockets(nk.Pair0, recv_timeout=100), sockets(nk.Pair0, send_timeout=5000)
    dial(b, listen(a, addr(scheme)))
    sent = [b"m%d" % i for i in range(40)]
    received, lost = [], []
    for body in sent:
        task = asyncio.ensure_future(a.arecv())
        await started(task)
        b.send(body)
        task.cancel()
        try:
            received.append(await asyncio.wait_for(task, 5))
            continue
        except asyncio.CancelledError:
            pass
        try:  # cancelled: the message must still be there
            received.append(a.recv())
        except nk.Timeout:
            lost.append(body)
    assert not lost, f"{len(lost)} of {len(sent)} messages lost to cancelled receives, e.g. {lost[:5]}"
    assert received == sent
