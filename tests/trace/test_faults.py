"""Fault injection against real NNG peers (pynng): REQ resend, late survey answer, dup, corrupt, close, stall."""
from __future__ import annotations

from typing import Any, List

import pytest

import nngkit
from nngtrace import FaultEvent, FaultSpec, MessageEvent, Options, Tracer
from nngtrace.events import Event
from nngtrace.faults import FaultPlan
from nngtrace.headers import SPHeader
from tests.helpers import peers
from tests.helpers.sync import Catcher


def _req_with_tick(pynng: Any) -> Any:
    class Req(pynng.Req0):
        # NNG checks resend-time on a tick (1 s by default); a fine tick makes 200 ms mean 200 ms.
        resend_tick = pynng.nng.MsOption("req:resend-tick")
    return Req


def _msgs(events: List[Event], kind: str) -> List[MessageEvent]:
    return [e for e in events if isinstance(e, MessageEvent) and e.kind == kind]


@pytest.mark.timeout(60)
def test_dropped_reply_makes_a_real_req_resend(sockets: Any, tracer_loop: str) -> None:
    pynng = peers.require_pynng()
    rep = sockets(pynng.Rep0, recv_timeout=5000, send_timeout=5000)
    rep.listen("tcp://127.0.0.1:0")
    url = str(rep.listeners[0].url)

    def serve_twice() -> List[bytes]:
        got = []
        for _ in range(2):  # the request, then its resend
            got.append(rep.recv())
            rep.send(b"reply:" + got[-1])
        return got

    server = Catcher(serve_twice)
    server.start()
    faults = FaultSpec(seed=1, drop=1.0, direction="down", filter={"kind": "reply"}, limit=1)
    with Tracer("tcp://127.0.0.1:0", url, faults=faults, loop=tracer_loop) as t:
        req = sockets(_req_with_tick(pynng), resend_time=200, recv_timeout=5000)
        req.resend_tick = 10
        req.dial(t.url, block=True)
        req.send(b"once")
        assert req.recv() == b"reply:once"
        match = t.wait_for(lambda e: e.event == "match")
        req.recv_timeout = 300
        with pytest.raises((pynng.Timeout, pynng.BadState)):
            req.recv()  # exactly one reply reached the application
    assert server.finish().result == [b"once", b"once"]
    requests = _msgs(t.events, "request")
    assert len(requests) == 2 and requests[0].id == requests[1].id == match.id
    gap = requests[1].ts - requests[0].ts
    assert 0.15 < gap < 0.6, gap
    resend = [e for e in t.events if e.event == "resend"]
    assert len(resend) == 1 and resend[0].data["after"] == pytest.approx(gap, abs=1e-3)
    drops = [e for e in t.events if isinstance(e, FaultEvent)]
    assert [(d.event, d.data["id"], d.dir) for d in drops] == [("drop", match.id, "down")]
    assert match.data["sends"] == 2 and len(_msgs(t.events, "reply")) == 2  # the proxy saw both, relayed one


@pytest.mark.timeout(60)
def test_delay_past_the_survey_time_is_flagged_late(sockets: Any, tracer_loop: str) -> None:
    pynng = peers.require_pynng()
    surveyor = sockets(pynng.Surveyor0, survey_time=300, recv_timeout=5000)
    surveyor.listen("tcp://127.0.0.1:0")
    faults = FaultSpec(delay_ms=500, direction="up", filter={"kind": "response"})
    with Tracer("tcp://127.0.0.1:0", str(surveyor.listeners[0].url), Options(survey_time=0.3), faults, loop=tracer_loop) as t:
        resp = sockets(pynng.Respondent0, recv_timeout=100)
        resp.dial(t.url, block=True)
        for _ in range(50):  # the surveyor's pipe may lag the proxy's view of the handshake
            surveyor.send(b"who?")
            try:
                resp.recv()
                break
            except pynng.Timeout:
                continue
        resp.send(b"me")
        with pytest.raises((pynng.Timeout, pynng.BadState)):
            surveyor.recv()  # NNG gave up at 300 ms, before the delayed answer
        late = t.wait_for(lambda e: e.event == "late")
    assert late.dir == "up" and 0.45 < late.data["after"] < 2.0
    delays = [e for e in t.events if e.event == "delay"]
    assert len(delays) == 1 and delays[0].data["delay"] == pytest.approx(0.5)


def _rep_server(sockets: Any, mod: Any = nngkit) -> Any:
    rep = sockets(mod.Rep0, recv_timeout=5000, send_timeout=5000)
    rep.listen("tcp://127.0.0.1:0")
    return rep, str(rep.listeners[0].url)


def test_dup_reply_is_seen_as_a_second_answer(sockets: Any, tracer_loop: str) -> None:
    rep, url = _rep_server(sockets)
    with Tracer("tcp://127.0.0.1:0", url, faults=FaultSpec(dup=1.0, direction="down"), loop=tracer_loop) as t:
        req = sockets(nngkit.Req0, recv_timeout=5000)
        req.dial(t.url, block=True)
        req.send(b"a")
        rep.send(rep.recv())
        assert req.recv() == b"a"
        second = t.wait_for(lambda e: e.event == "unknown-id")
    assert "second reply" in second.text and [e.event for e in t.events if e.layer == "fault"] == ["dup"]


def test_corrupt_header_makes_real_nng_close(sockets: Any, tracer_loop: str) -> None:
    pynng = peers.require_pynng()
    rep, url = _rep_server(sockets, pynng)
    with Tracer("tcp://127.0.0.1:0", url, faults=FaultSpec(corrupt=1.0, direction="up"), loop=tracer_loop) as t:
        req = sockets(nngkit.Req0, recv_timeout=5000)
        req.dial(t.url, block=True)
        req.send(b"abcd")
        closed = t.wait_for(lambda e: e.event == "close")
    fault = [e for e in t.events if e.event == "corrupt-header"]
    request = _msgs(t.events, "request")[0]
    assert len(fault) == 1 and fault[0].data["id"] == request.id
    assert closed.conn == request.conn  # NNG closed the connection on the broken backtrace


def test_close_after_and_stall_after(sockets: Any, tracer_loop: str) -> None:
    rep, url = _rep_server(sockets)
    with Tracer("tcp://127.0.0.1:0", url, faults=FaultSpec(close_after=1, direction="up"), loop=tracer_loop) as t:
        req = sockets(nngkit.Req0, recv_timeout=5000)
        req.dial(t.url, block=True)
        req.send(b"1")
        rep.send(rep.recv())
        assert req.recv() == b"1"
        req.send(b"2")
        t.wait_for(lambda e: e.event == "close" and e.conn == 1)
    assert [e.event for e in t.events if e.layer == "fault"] == ["close"]
    with Tracer("tcp://127.0.0.1:0", url, faults=FaultSpec(stall_after=0, direction="up"), loop=tracer_loop) as t:
        req2 = sockets(nngkit.Req0, recv_timeout=200)
        req2.dial(t.url, block=True)
        req2.send(b"x")
        t.wait_for(lambda e: e.event == "stall")
        with pytest.raises(nngkit.Timeout):
            req2.recv()


def test_decisions_are_seeded() -> None:
    def run(seed: int) -> List[List[str]]:
        plan = FaultPlan(FaultSpec(seed=seed, drop=0.3, dup=0.3, corrupt=0.3, delay_ms=5, jitter_ms=5))
        ev = MessageEvent(0.0, 1, "up", "msg", "message", "", "req", hdr=SPHeader("request", 4, 0x80000001))
        return [plan.decide("up", ev).faults for _ in range(200)]

    assert run(7) == run(7) != run(8)
    assert any("drop" in f for f in run(7)) and any("dup" in f for f in run(7))
