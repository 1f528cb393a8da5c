"""nngtrace.Tracer: sync and async context managers, waiting, iteration, typed events."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

import nngkit
from nngtrace import ConnEvent, HandshakeEvent, MessageEvent, StateEvent, Tracer
from tests.helpers import addrs


async def test_async_tracer_on_the_callers_loop(sockets: Any) -> None:
    rep = sockets(nngkit.Rep0, recv_timeout=5000)
    url = str(rep.listen("tcp://127.0.0.1:0").url)
    async with Tracer("tcp://127.0.0.1:0", url) as t:
        req = sockets(nngkit.Req0, recv_timeout=5000)
        await asyncio.get_running_loop().run_in_executor(None, lambda: req.dial(t.url, block=True))
        verdict = await t.await_for(lambda e: e.event == "verdict")
        await req.asend(b"async")
        rep_msg = await rep.arecv()
        await rep.asend(rep_msg + b"!")
        assert await req.arecv() == b"async!"
        match = await t.await_for(lambda e: isinstance(e, StateEvent) and e.event == "match")
        with pytest.raises(TimeoutError):
            await t.await_for(lambda e: e.event == "resend", timeout=0.05)
    assert isinstance(verdict, HandshakeEvent) and verdict.ok
    request = [e for e in t.events if isinstance(e, MessageEvent)][0]
    assert match.id == request.id and request.body == {"fmt": "quoted", "text": '"async"', "shown": 5, "len": 5}


def test_sync_iteration_and_types(sockets: Any) -> None:
    rep = sockets(nngkit.Rep0, recv_timeout=5000)
    url = str(rep.listen(addrs.make_addr("ipc")).url)
    seen = []
    with Tracer(addrs.make_addr("ipc"), url) as t:
        req = sockets(nngkit.Req0, recv_timeout=5000)
        req.dial(t.url, block=True)
        req.send(b"x")
        rep.send(rep.recv())
        assert req.recv() == b"x"
        for ev in t:
            seen.append(type(ev).__name__)
            if ev.event == "match":
                break
    assert seen[:2] == ["ConnEvent", "ConnEvent"] and seen[-1] == "StateEvent" and "MessageEvent" in seen
    assert all(isinstance(e, (ConnEvent, HandshakeEvent, MessageEvent, StateEvent)) for e in t.events)
    assert all(e.to_json()["v"] == 1 for e in t.events)


def test_unreachable_upstream_is_reported(sockets: Any) -> None:
    with Tracer("tcp://127.0.0.1:0", "tcp://127.0.0.1:%d" % addrs.free_tcp_port()) as t:
        req = sockets(nngkit.Req0)
        req.dial(t.url, block=False)
        refused = t.wait_for(lambda e: e.event == "close")
    assert refused.data["reason"] == "upstream-refused" and "refused" in refused.text


def test_bad_listen_url_raises_on_enter() -> None:
    with pytest.raises(ValueError, match="unknown scheme 'quic'"):
        with Tracer("quic://127.0.0.1:0", "tcp://127.0.0.1:1"):
            pass
