"""nngkit against pynng (real libnng 1.x) in this process: contexts, and a REQ resent after a restart.

The plain exchanges (REQ/REP, PAIR0 both ways, every body size, sync,
asyncio and trio) run against pynng in a subprocess in test_peers.py; the
helpers here serve test_pynng_protocols.py too.
"""
from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.impl import nk
from tests.helpers.sync import dial, listen

TIMEOUTS = {"recv_timeout": 5000, "send_timeout": 5000}


async def peer_send(mode: Any, s: Any, data: bytes) -> None:
    if mode.is_async:
        await s.asend(data)
    else:
        s.send(data)


async def peer_recv(mode: Any, s: Any) -> bytes:
    # pynng's recv() raises on an empty message, recv_msg() does not
    return (await s.arecv_msg()).bytes if mode.is_async else s.recv_msg().bytes


def connect(ours: Any, theirs: Any, url: str, impl_listens: bool) -> None:
    if impl_listens:
        dial(theirs, listen(ours, url))
    else:
        dial(ours, listen(theirs, url))


@pytest.fixture(params=[True, False], ids=["impl-listens", "pynng-listens"])
def impl_listens(request):
    return request.param


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
async def test_impl_req_contexts_against_pynng_rep_contexts(sockets, addr, pynng_peer, scheme):
    import asyncio

    rep = sockets.track(pynng_peer.Rep0(**TIMEOUTS))
    req = sockets(nk.Req0, **TIMEOUTS)
    connect(req, rep, addr(scheme), impl_listens=False)
    n = 6
    rep_ctxs = [sockets.track(rep.new_context()) for _ in range(n)]
    req_ctxs = [sockets.track(req.new_context()) for _ in range(n)]

    async def serve(ctx):
        question = (await ctx.arecv_msg()).bytes
        await ctx.asend(b"re:" + question)

    async def ask(ctx, i):
        await ctx.asend(b"q%d" % i)
        return await ctx.arecv()

    results = await asyncio.wait_for(
        asyncio.gather(*(serve(c) for c in rep_ctxs), *(ask(c, i) for i, c in enumerate(req_ctxs))), 10)
    assert list(results[n:]) == [b"re:q%d" % i for i in range(n)]


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
async def test_pynng_req_resent_to_impl_rep_after_restart(sockets, addr, pynng_peer, scheme):
    rep1 = sockets(nk.Rep0, **TIMEOUTS)
    url = listen(rep1, addr(scheme))
    req = sockets.track(pynng_peer.Req0(reconnect_time_min=20, reconnect_time_max=100, **TIMEOUTS))
    dial(req, url)
    req.send(b"pending")
    assert rep1.recv() == b"pending"
    rep1.close()
    rep2 = sockets(nk.Rep0, **TIMEOUTS)
    listen(rep2, url)
    assert rep2.recv() == b"pending"
    rep2.send(b"done")
    assert req.recv() == b"done"
