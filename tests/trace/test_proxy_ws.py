"""REQ/REP over ws through the proxy between every pair of pynng, nngkit and Debian's nngcat, and real
listeners' refusals explained: the upgrade, the verdict, each message's frames, ids and bodies and the closes
are checked against what the peers sent; the relay must be byte for byte (the application got its reply).
"""
from __future__ import annotations

from typing import Any, Dict, List

import pytest

import nngkit
from nngtrace import MessageEvent, Options, StateEvent, Tracer
from nngtrace.events import WsEvent
from tests.helpers.ws import WsClient
from tests.trace import peers as tp


def _ws(t: Tracer, event: str) -> List[WsEvent]:
    return [e for e in t.events if isinstance(e, WsEvent) and e.event == event]


@pytest.mark.parametrize("server", tp.IMPLS)
@pytest.mark.parametrize("client", tp.IMPLS)
def test_ws_reqrep_trace(client: str, server: str, procs: Any, sockets: Any, tracer_loop: str) -> None:
    url, expect, handle = tp.start_rep(server, "ws", procs, sockets)
    with Tracer(tp.listen_url("ws"), url, Options(body="hex"), loop=tracer_loop) as t:
        assert t.url.startswith("ws://127.0.0.1:") and t.url.endswith("/sp")
        assert tp.req_once(client, t.url, procs, sockets) == expect
        match = t.wait_for(lambda e: isinstance(e, StateEvent) and e.event == "match")
    assert (handle.finish()[0] == 0) if server == "nngcat" else handle.finish().result == b"ping"
    (req,), (resp,) = _ws(t, "request"), _ws(t, "response")
    port = t.url.split(":")[2].split("/")[0]
    assert (req.dir, req.proto, req.data["method"], req.data["target"], req.data["version"], req.data["protocol"],
            req.data["problems"]) == ("up", "req", "GET", "/sp", "HTTP/1.1", "rep.sp.nanomsg.org", [])
    assert req.data["host"] in ("127.0.0.1:" + port, "127.0.0.1")
    assert (resp.dir, resp.proto, resp.data["status"], resp.data["protocol"]) == (
        "down", "rep", 101, "rep.sp.nanomsg.org")
    verdict = [(e.data["ok"], e.text) for e in t.events if e.event == "verdict"]
    assert verdict == [(True, "REQ0 dialed REP0 over ws: upgraded")]
    msgs = [e for e in t.events if isinstance(e, MessageEvent)]
    assert [(m.dir, m.proto, m.kind, m.length) for m in msgs] == [
        ("up", "req", "request", 8), ("down", "rep", "reply", 4 + len(expect))]
    request, reply = msgs
    assert request.data["ws"] == {"frames": 1, "masked": True, "enc": 7, "opcode": 2}
    assert reply.data["ws"] == {"frames": 1, "masked": False, "enc": 7, "opcode": 2}
    assert request.id is not None and request.id & 0x80000000 and reply.id == request.id
    assert request.body == {"fmt": "hex", "text": '"\\x70\\x69\\x6e\\x67"', "shown": 4, "len": 4}
    assert request.data["offset"] == req.data["end"] and reply.data["offset"] == resp.data["end"]
    assert match.id == request.id and 0 < match.data["rtt"] < 5


def test_ws_fragments_and_sizes(sockets: Any) -> None:
    """A 200 000-byte reply from nngkit goes as 64 KiB fragments: one message event, its frame count, and a
    frame event for each fragment with its length encoding (64-bit for 65536, 16-bit for the 3392 left)."""
    rep = sockets(nngkit.Rep0, recv_timeout=5000, send_timeout=5000)
    url = str(rep.listen("ws://127.0.0.1:0/sp").url)
    req = sockets(nngkit.Req0, recv_timeout=5000, send_timeout=5000)
    with Tracer(tp.listen_url("ws"), url) as t:
        req.dial(t.url, block=True)
        req.send(b"big?")
        rep.send(b"x" * 200000 if rep.recv() == b"big?" else b"")
        assert len(req.recv()) == 200000
        t.wait_for(lambda e: isinstance(e, StateEvent) and e.event == "match")
        req.close()
        t.wait_for(lambda e: e.event == "close" and e.layer == "conn")
    reply = [e for e in t.events if isinstance(e, MessageEvent) and e.dir == "down"][0]
    assert (reply.length, reply.data["ws"]["frames"], reply.data["ws"]["enc"]) == (200004, 4, 64)
    frames = [(e.data["opcode"], e.data["fin"], e.data["len"], e.data["enc"]) for e in _ws(t, "frame")
              if e.dir == "down"]
    assert frames == [(2, False, 65536, 64), (0, False, 65536, 64), (0, False, 65536, 64), (0, True, 3396, 16)]
    closes = [(e.dir, e.data["code"], e.data["masked"], e.data["problems"]) for e in _ws(t, "close")]
    assert closes[0] == ("up", 1000, True, [])  # the REQ closed first; NNG answers a close with 1000
    assert closes[1:] in ([], [("down", 1000, False, [])])


def _refused(url: str, **request: Any) -> Dict[str, Any]:
    """Send one hand-built upgrade request through a tracer to ``url``; the trace's verdict and response."""
    with Tracer(tp.listen_url("ws"), url) as t:
        c = WsClient(int(t.url.split(":")[2].split("/")[0]))
        try:
            c.send_request(**request)
            verdict = t.wait_for(lambda e: e.event == "verdict")
            t.wait_for(lambda e: e.event == "response")
        finally:
            c.close()
    (resp,) = _ws(t, "response")
    return {"ok": verdict.data["ok"], "text": verdict.text, "status": resp.data["status"]}


@pytest.mark.parametrize("impl", ("nngkit", "pynng"))
@pytest.mark.parametrize("request_, status, why", [
    ({"proto": "req.sp.nanomsg.org"}, 400, "the listener is not REQ0 (protocol mismatch"),
    ({"proto": None}, 400, "no Sec-WebSocket-Protocol"),
    ({"proto": "x-nanomsg-rep"}, 400, "names no SP protocol"),
    ({"path": "/other"}, 404, "path /other is not the listener's path /sp"),
    ({"host": "localhost"}, 404, "Host 'localhost:"),
    ({"method": "POST"}, 405, "method POST, not GET"),
    ({"version": "HTTP/1.0"}, 505, "version HTTP/1.0, NNG wants exactly HTTP/1.1"),
])
def test_ws_refusals_explained(impl: str, request_: Dict[str, Any], status: int, why: str, sockets: Any) -> None:
    """Real listeners (nngkit, and NNG in pynng) refuse; the tracer says which answer and why."""
    url = tp.server_url(impl, "ws")
    bound = str(sockets(tp.module(impl).Rep0).listen(url).url)
    url = bound if impl == "nngkit" else url  # pynng's url keeps the port 0 (its server_url has a fixed port)
    got = _refused(url, **request_)
    assert (got["ok"], got["status"]) == (False, status)
    assert got["text"].startswith("the listener answered %d " % status) and why in got["text"], got["text"]
