"""REQ0/REP0 between two impl sockets over every transport, sync and asyncio."""
from __future__ import annotations

import time

import pytest

from tests.helpers.gate import Gate
from tests.helpers.impl import DEFAULT_RECV_MAX, nk
from tests.helpers.modes import run_workers
from tests.helpers.payloads import SIZE_IDS, SIZES, payload
from tests.helpers.sync import dial


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_roundtrip_exact_bytes(connect, mode, size):
    rep, req, _ = connect(nk.Rep0, nk.Req0)
    question, answer = payload(size, 1), payload(size, 2)
    await mode.send(req, question)
    assert await mode.recv(rep) == question
    await mode.send(rep, answer)
    assert await mode.recv(req) == answer


async def test_thousand_exchanges_in_order(connect, mode):
    rep, req, _ = connect(nk.Rep0, nk.Req0)
    for i in range(1000):
        await mode.send(req, b"q%d" % i)
        assert await mode.recv(rep) == b"q%d" % i
        await mode.send(rep, b"a%d" % i)
        assert await mode.recv(req) == b"a%d" % i


async def test_message_objects_carry_pipe(connect, mode):
    rep, req, _ = connect(nk.Rep0, nk.Req0)
    await mode.send_msg(req, nk.Message(b"as message"))
    msg = await mode.recv_msg(rep)
    assert msg.bytes == b"as message"
    assert msg.pipe is not None
    await mode.send_msg(rep, nk.Message(b"reply message"))
    assert (await mode.recv_msg(req)).bytes == b"reply message"


async def test_timeouts_raise_timeout(sockets, addr, transport, mode):
    rep = sockets(nk.Rep0, recv_timeout=50)
    rep.listen(addr(transport))
    t0 = time.monotonic()
    with pytest.raises(nk.Timeout):
        await mode.recv(rep)
    assert time.monotonic() - t0 >= 0.04
    lonely = sockets(nk.Req0, send_timeout=50)
    with pytest.raises(nk.Timeout):
        await mode.send(lonely, b"nobody listens")


async def test_req_recv_times_out_without_reply(connect, mode):
    rep, req, _ = connect(nk.Rep0, nk.Req0, recv_timeout=100)
    await mode.send(req, b"ignored")
    assert await mode.recv(rep) == b"ignored"
    with pytest.raises(nk.Timeout):
        await mode.recv(req)


async def test_use_after_close_raises_closed(connect, mode, leak_check):
    rep, req, _ = connect(nk.Rep0, nk.Req0)
    req.close()
    with pytest.raises(nk.Closed):
        await mode.send(req, b"x")
    with pytest.raises(nk.Closed):
        await mode.recv(req)
    req.close()  # closing twice is harmless
    rep.close()
    with pytest.raises(nk.Closed):
        await mode.recv(rep)


async def test_eight_contexts_each_reply_matched(connect, mode, leak_check, sockets):
    rep, req, _ = connect(nk.Rep0, nk.Req0)
    n = 8
    gate = Gate(n, mode.is_async)
    rep_ctxs = [sockets.track(rep.new_context()) for _ in range(n)]
    req_ctxs = [sockets.track(req.new_context()) for _ in range(n)]

    def server(ctx):
        async def run():
            question = await mode.recv(ctx)
            await gate.wait()  # all eight requests are outstanding at once
            await mode.send(ctx, b"re:" + question)
            return question
        return run

    def client(ctx, i):
        async def run():
            await mode.send(ctx, b"q%d" % i)
            return await mode.recv(ctx)
        return run

    results = await run_workers(mode, [server(c) for c in rep_ctxs] + [client(c, i) for i, c in enumerate(req_ctxs)])
    assert sorted(results[:n]) == sorted(b"q%d" % i for i in range(n))
    assert results[n:] == [b"re:q%d" % i for i in range(n)]


async def test_req_resends_when_rep_restarts(sockets, addr, transport, mode, leak_check):
    rep1 = sockets(nk.Rep0, recv_timeout=5000)
    url = rep1.listen(addr(transport)).url
    req = sockets(nk.Req0, recv_timeout=5000, send_timeout=5000,
                  reconnect_time_min=20, reconnect_time_max=100)
    req.dial(url, block=True)
    await mode.send(req, b"survive a restart")
    assert await mode.recv(rep1) == b"survive a restart"
    rep1.close()  # the request is now unanswered and its pipe is gone
    rep2 = sockets(nk.Rep0, recv_timeout=5000)
    rep2.listen(url)
    assert await mode.recv(rep2) == b"survive a restart"
    await mode.send(rep2, b"answered by the new rep")
    assert await mode.recv(req) == b"answered by the new rep"


async def test_new_request_abandons_old(connect, mode):
    rep, req, _ = connect(nk.Rep0, nk.Req0)
    await mode.send(req, b"old")
    assert await mode.recv(rep) == b"old"
    await mode.send(req, b"new")            # abandons "old"
    await mode.send(rep, b"reply to old")   # arrives with the old id: discarded
    assert await mode.recv(rep) == b"new"
    await mode.send(rep, b"reply to new")
    assert await mode.recv(req) == b"reply to new"


async def test_rep_send_without_request_is_bad_state(connect, mode):
    rep, req, _ = connect(nk.Rep0, nk.Req0)
    with pytest.raises(nk.BadState):
        await mode.send(rep, b"unasked")
    await mode.send(req, b"q")
    assert await mode.recv(rep) == b"q"
    await mode.send(rep, b"a")
    with pytest.raises(nk.BadState):
        await mode.send(rep, b"a second answer")
    assert await mode.recv(req) == b"a"


async def test_rep_reply_to_vanished_requester_is_discarded(connect, mode, sockets):
    rep, req, url = connect(nk.Rep0, nk.Req0)
    await mode.send(req, b"then I leave")
    assert await mode.recv(rep) == b"then I leave"
    req.close()
    await mode.send(rep, b"nobody to answer")  # no error: the reply is dropped
    with pytest.raises(nk.BadState):  # and that request has had its answer
        await mode.send(rep, b"twice")
    # The REP serves the next requester, which gets its own reply, not the dropped one.
    nxt = sockets(nk.Req0, recv_timeout=5000, send_timeout=5000)
    dial(nxt, url)
    await mode.send(nxt, b"next")
    assert await mode.recv(rep) == b"next"
    await mode.send(rep, b"for next")
    assert await mode.recv(nxt) == b"for next"


async def test_req_recv_without_request_is_bad_state(connect, mode):
    _, req, _ = connect(nk.Rep0, nk.Req0)
    with pytest.raises(nk.BadState):
        await mode.recv(req)


def test_option_defaults(sockets):
    req, rep = sockets(nk.Req0), sockets(nk.Rep0)
    for s in (req, rep):
        assert s.recv_timeout == -1
        assert s.send_timeout == -1
        assert s.recv_max_size == DEFAULT_RECV_MAX
        assert s.reconnect_time_min == 1000
        assert s.reconnect_time_max == 0
    assert req.resend_time == 60000


def test_protocol_numbers_and_names(sockets):
    req, rep = sockets(nk.Req0), sockets(nk.Rep0)
    assert (req.protocol, req.protocol_name, req.peer, req.peer_name) == (48, "req", 49, "rep")
    assert (rep.protocol, rep.protocol_name, rep.peer, rep.peer_name) == (49, "rep", 48, "req")


def test_option_setters_and_constructor_kwargs(sockets):
    req = sockets(nk.Req0, recv_timeout=1234, send_timeout=4321, resend_time=250)
    assert (req.recv_timeout, req.send_timeout, req.resend_time) == (1234, 4321, 250)
    req.recv_timeout = 10
    req.send_timeout = 20
    req.recv_max_size = 4096
    req.resend_time = 900
    req.reconnect_time_min = 50
    req.reconnect_time_max = 400
    assert (req.recv_timeout, req.send_timeout, req.recv_max_size) == (10, 20, 4096)
    assert (req.resend_time, req.reconnect_time_min, req.reconnect_time_max) == (900, 50, 400)
    req.name = "alpha"
    assert req.name == "alpha"


def test_default_name_is_a_string(sockets):
    assert isinstance(sockets(nk.Rep0).name, str)


@pytest.mark.nngkit_only  # pynng raises TypeError on a closed context
async def test_context_use_after_close_raises_closed(connect, mode):
    rep, req, _ = connect(nk.Rep0, nk.Req0)
    ctx = req.new_context()
    ctx.close()
    with pytest.raises(nk.Closed):
        await mode.send(ctx, b"x")
    with pytest.raises(nk.Closed):
        await mode.recv(ctx)
