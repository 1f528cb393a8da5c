"""sp_trace between nngkit and real NNG peers on every relayed transport: on ws and wss the
tracer listens on the peer's path; on tls+tcp and wss it ends TLS on both sides with the
session's certificates (the listening peers require the client's)."""
from __future__ import annotations

import pytest

import nngkit
from nngkit.testing import behaviours as b


@pytest.mark.sp_interop(peers=["nngcat", "libnng", "pynng"], transports=["tcp", "ws", "tls+tcp", "wss"])
def test_a_traced_round_trip_through_a_peer(sp_peer, sp_impl, sp_url, sp_trace, sp_tls, sp_transport):
    rep = sp_peer(sp_impl, "rep0", listen=sp_url(), behaviour=b.reply(b"pong"))
    tracer = sp_trace(rep)
    assert tracer.url.split("://")[0] == sp_transport
    with nngkit.Req0(recv_timeout=5000) as req:
        req.dial(tracer.url, block=True, **sp_tls.dial_options(tracer.url))
        req.send(b"ping")
        assert req.recv() == b"pong"
    assert rep.recv() == b"ping"
    verdict = tracer.wait_for(lambda e: e.event == "verdict")
    assert verdict.ok and verdict.text.startswith("REQ0 dialed REP0")
    request = tracer.wait_for(lambda e: e.layer == "msg" and e.dir == "up")
    reply = tracer.wait_for(lambda e: e.layer == "msg" and e.dir == "down")
    assert request.hdr.kind == "request" and reply.hdr.kind == "reply"
    assert request.hdr.id == reply.hdr.id and request.length == reply.length == 8
    if sp_transport in ("tls+tcp", "wss"):
        sessions = [e for e in tracer.events if e.layer == "tls" and e.event == "session"]
        assert len(sessions) == 2  # the test's side and the peer's side
        assert all(e.data.get("verified") for e in sessions if e.dir == "down")
    if sp_transport in ("ws", "wss"):
        assert tracer.wait_for(lambda e: e.layer == "ws" and e.event == "response").data["status"] == 101
