"""REQ/REP through the proxy between every pair of pynng, nngkit and Debian's nngcat, over tcp and ipc.

The trace is checked field by field against what the peers sent, and the
relay must have been byte for byte (the application got exactly the reply).
"""
from __future__ import annotations

from typing import Any, List

import pytest

from nngtrace import HandshakeEvent, MessageEvent, Options, StateEvent, Tracer
from tests.helpers import addrs
from tests.trace import peers as tp


def _listen(scheme: str) -> str:
    return addrs.make_addr(scheme)


@pytest.mark.parametrize("scheme", addrs.STREAM_SCHEMES)
@pytest.mark.parametrize("server", tp.IMPLS)
@pytest.mark.parametrize("client", tp.IMPLS)
def test_reqrep_trace(client: str, server: str, scheme: str, procs: Any, sockets: Any) -> None:
    url, expect, handle = tp.start_rep(server, scheme, procs, sockets)
    with Tracer(_listen(scheme), url, Options(body="hex")) as t:
        assert t.url.startswith(scheme + "://")
        assert tp.req_once(client, t.url, procs, sockets) == expect
        match = t.wait_for(lambda e: isinstance(e, StateEvent) and e.event == "match")
    if server == "nngcat":
        assert handle.finish()[0] == 0
    else:
        assert handle.finish().result == b"ping"
    ev: List[Any] = t.events
    hs = {e.dir: e for e in ev if isinstance(e, HandshakeEvent) and e.event == "handshake"}
    assert (hs["up"].proto, hs["down"].proto) == ("req", "rep")
    assert (hs["up"].data["raw"], hs["down"].data["raw"]) == ("0053500000300000", "0053500000310000")
    verdict = [e for e in ev if e.event == "verdict"]
    assert [(v.ok, v.text) for v in verdict] == [(True, "REQ0 dialed REP0: compatible")]
    msgs = [e for e in ev if isinstance(e, MessageEvent)]
    assert [(m.dir, m.proto, m.kind, m.length) for m in msgs] == [
        ("up", "req", "request", 4 + 4), ("down", "rep", "reply", 4 + len(expect))]
    request, reply = msgs
    assert request.id is not None and request.id & 0x80000000 and reply.id == request.id
    assert request.hdr.hops == () == reply.hdr.hops and request.hdr.problem is None
    assert request.body == {"fmt": "hex", "text": '"\\x70\\x69\\x6e\\x67"', "shown": 4, "len": 4}
    assert reply.body is not None and reply.body["len"] == len(expect)
    assert match.id == request.id and 0 < match.data["rtt"] < 5
    assert request.data["offset"] == 8 and reply.data["offset"] == 8
