"""Faults over ws against real NNG (pynng): the upgrade passes untouched, whole ws messages (all their frames)
are dropped or corrupted, and NNG reacts as over tcp (a REQ resends; a REP closes on a bad id)."""
from __future__ import annotations

from typing import Any, List

import pytest

from nngtrace import FaultSpec, MessageEvent, Tracer
from tests.helpers import peers
from tests.helpers.addrs import free_tcp_port
from tests.helpers.sync import Catcher
from tests.trace.test_faults import _req_with_tick


@pytest.mark.timeout(60)
@pytest.mark.parametrize("size", [4, 100_000])  # one frame; a reply NNG sends in 64 KiB fragments
def test_dropped_ws_reply_makes_a_real_req_resend(size: int, sockets: Any, tracer_loop: str) -> None:
    pynng = peers.require_pynng()
    rep = sockets(pynng.Rep0, recv_timeout=5000, send_timeout=5000)
    url = "ws://127.0.0.1:%d/sp" % free_tcp_port()
    rep.listen(url)

    def serve_twice() -> List[bytes]:
        got = []
        for _ in range(2):
            got.append(rep.recv())
            rep.send(b"r" * size)
        return got

    server = Catcher(serve_twice)
    server.start()
    faults = FaultSpec(seed=1, drop=1.0, direction="down", filter={"kind": "reply"}, limit=1)
    with Tracer("ws://127.0.0.1:0/sp", url, faults=faults, loop=tracer_loop) as t:
        req = sockets(_req_with_tick(pynng), resend_time=200, recv_timeout=5000)
        req.resend_tick = 10
        req.dial(t.url, block=True)
        req.send(b"once")
        assert req.recv() == b"r" * size
        match = t.wait_for(lambda e: e.event == "match")
    assert server.finish().result == [b"once", b"once"]
    requests = [e for e in t.events if isinstance(e, MessageEvent) and e.kind == "request"]
    replies = [e for e in t.events if isinstance(e, MessageEvent) and e.kind == "reply"]
    assert len(requests) == 2 and requests[0].id == requests[1].id == match.id
    assert [r.length for r in replies] == [4 + size] * 2 and match.data["sends"] == 2
    (drop,) = [e for e in t.events if e.event == "drop"]
    assert drop.data["msg_offset"] == replies[0].data["offset"]
    assert [e.data["status"] for e in t.events if e.event == "response"] == [101]


@pytest.mark.timeout(60)
def test_corrupted_ws_request_makes_nng_close(sockets: Any) -> None:
    pynng = peers.require_pynng()
    rep = sockets(pynng.Rep0, recv_timeout=3000)
    url = "ws://127.0.0.1:%d/sp" % free_tcp_port()
    rep.listen(url)
    faults = FaultSpec(seed=1, corrupt=1.0, direction="up", limit=1)
    with Tracer("ws://127.0.0.1:0/sp", url, faults=faults) as t:
        req = sockets(pynng.Req0, recv_timeout=3000)
        req.dial(t.url, block=True)
        req.send(b"hi")
        closed = t.wait_for(lambda e: e.layer == "conn" and e.event == "close", timeout=10)
    (fault,) = [e for e in t.events if e.event == "corrupt-header"]
    assert fault.dir == "up" and closed.conn == fault.conn
