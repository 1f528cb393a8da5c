"""Bridging: the proxy listens on one transport and forwards to another, re-framing whole SP messages.
REQ/REP from pynng and Debian's nngcat to nngkit and pynng across ws, tcp, ipc and tls+tcp: the client's
wire decoded in full (messages, ids, state), the upstream's opening said as the upstream leg's, a line at
each connection's start saying messages are re-framed; what cannot be bridged is said and closed."""
from __future__ import annotations

from typing import Any, List

import pytest

from nngtrace import FaultSpec, MessageEvent, StateEvent, TlsOptions, Tracer
from nngtrace.events import Event
from tests.helpers.sync import Catcher
from tests.helpers.ws import WsClient
from tests.trace import peers as tp

PAIRS = [("ws", "tcp"), ("tcp", "ws"), ("tcp", "ipc"), ("ipc", "tcp"), ("ws", "ipc"), ("ipc", "ws"),
         ("wss", "tcp"), ("tcp", "wss"), ("tls+tcp", "ws")]
OPENING = {"tcp": "REQ0 dialed REP0: compatible", "ipc": "REQ0 dialed REP0: compatible",
           "tls+tcp": "REQ0 dialed REP0: compatible", "ws": "REQ0 dialed REP0 over ws: upgraded",
           "wss": "REQ0 dialed REP0 over ws: upgraded"}


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tp.Certs:
    return tp.make_certs(str(tmp_path_factory.mktemp("bridge-pki")))


def _verdicts(events: List[Event]) -> List[Any]:
    return [(e.data.get("leg", "client"), e.text) for e in events if e.event == "verdict"]


@pytest.mark.parametrize("listen, forward", PAIRS, ids=["%s-to-%s" % p for p in PAIRS])
@pytest.mark.parametrize("client, server", [("pynng", "nngkit"), ("nngcat", "pynng")])
def test_bridge_reqrep(listen: str, forward: str, client: str, server: str, certs: tp.Certs, procs: Any,
                       sockets: Any) -> None:
    tls = "tls+tcp" in (listen, forward) or "wss" in (listen, forward)
    url, expect, handle = tp.start_rep(server, forward, procs, sockets, certs if tls else None)
    with Tracer(tp.listen_url(listen), url, tls=TlsOptions(certs.cert, certs.key, certs.ca)) as t:
        assert t.events[0].data["bridge"] is True and "whole SP messages are re-framed" in t.events[0].text
        assert tp.req_once(client, t.url, procs, sockets, certs if tls else None) == expect
        match = t.wait_for(lambda e: isinstance(e, StateEvent) and e.event == "match")
    assert handle.finish().result == b"ping"
    (bridge,) = [e for e in t.events if e.event == "bridge"]
    assert (bridge.conn, bridge.data["listen"], bridge.data["forward"]) == (1, listen, forward)
    assert bridge.text == "bridging %s (clients) to %s (upstream): whole SP messages are re-framed, not relayed" \
        " byte for byte" % (listen, forward)
    assert _verdicts(t.events) in ([("client", OPENING[listen]), ("upstream", "upstream leg: " + OPENING[forward])],
                                   [("upstream", "upstream leg: " + OPENING[forward]), ("client", OPENING[listen])])
    msgs = [e for e in t.events if isinstance(e, MessageEvent)]
    assert [(m.dir, m.proto, m.kind, m.length) for m in msgs] == [
        ("up", "req", "request", 8), ("down", "rep", "reply", 4 + len(expect))]
    assert msgs[0].id == msgs[1].id == match.id and msgs[0].body is not None and msgs[0].body["text"] == '"ping"'
    assert not [e for e in t.events if e.layer == "error"], [e.text for e in t.events if e.layer == "error"]


@pytest.mark.parametrize("listen, forward", [("tcp", "tls+tcp"), ("wss", "ws")])
def test_tls_on_one_side_only_is_no_bridge(listen: str, forward: str, certs: tp.Certs, procs: Any,
                                           sockets: Any) -> None:
    """The same framing inside and outside TLS: the plaintext is relayed byte for byte, nothing re-framed (so a
    ws listener behind a wss one must have the host clients dial, as its Host check sees their header)."""
    if forward == "ws":
        url, expect, handle = _localhost_ws_rep(sockets)
    else:
        url, expect, handle = tp.start_rep("nngkit", forward, procs, sockets, certs)
    with Tracer(tp.listen_url(listen), url, tls=TlsOptions(certs.cert, certs.key, certs.ca)) as t:
        assert "bridge" not in t.events[0].data
        assert tp.req_once("pynng", t.url, procs, sockets, certs if listen == "wss" else None) == expect
        t.wait_for(lambda e: isinstance(e, StateEvent) and e.event == "match")
    assert handle.finish().result == b"ping"
    assert not [e for e in t.events if e.event == "bridge"]
    assert [e.dir for e in t.events if e.layer == "tls"] == ["down" if forward == "tls+tcp" else "up"]
    assert _verdicts(t.events) == [("client", OPENING[forward])]


def _localhost_ws_rep(sockets: Any) -> Any:
    rep = sockets(tp.module("nngkit").Rep0, recv_timeout=5000)
    url = str(rep.listen("ws://localhost:0/sp").url)

    def serve() -> bytes:
        m = rep.recv()
        rep.send(b"pong:" + m)
        return bytes(m)

    c = Catcher(serve)
    c.start()
    return url, b"pong:ping", c


def test_bridge_carries_large_messages_as_fragments(sockets: Any) -> None:
    pynng = tp.module("pynng")
    rep = sockets(tp.module("nngkit").Rep0, recv_timeout=5000)
    url = str(rep.listen("tcp://127.0.0.1:0").url)
    with Tracer(tp.listen_url("ws"), url) as t:
        req = sockets(pynng.Req0, recv_timeout=5000)
        req.dial(t.url, block=True)
        req.send(b"q" * 300_000)
        rep.send(rep.recv()[::-1] + b"!")
        assert req.recv() == b"q" * 300_000 + b"!"
        t.wait_for(lambda e: e.event == "match")
    reply = [e for e in t.events if isinstance(e, MessageEvent) and e.dir == "down"][0]
    assert (reply.length, reply.data["ws"]["frames"]) == (4 + 300_001, 5)  # 64 KiB fragments, as NNG's


def test_bridge_refuses_a_bad_upgrade_itself(sockets: Any) -> None:
    rep = sockets(tp.module("nngkit").Rep0)
    url = str(rep.listen("tcp://127.0.0.1:0").url)
    with Tracer(tp.listen_url("ws"), url) as t:
        c = WsClient(int(t.url.split(":")[2].split("/")[0]))
        try:
            c.send_request(proto=None)
            assert c.status() == 400
            err = t.wait_for(lambda e: e.event == "bridge" and e.layer == "error")
        finally:
            c.close()
    assert err.text == "cannot bridge: no Sec-WebSocket-Protocol (an SP dialer names its peer's protocol, e.g." \
        " rep.sp.nanomsg.org); closing both sides"


def test_bridge_says_why_the_upstream_refused(sockets: Any) -> None:
    rep = sockets(tp.module("nngkit").Rep0)
    url = str(rep.listen("ws://127.0.0.1:0/other").url).replace("/other", "/sp")
    req = sockets(tp.module("nngkit").Req0)
    with Tracer(tp.listen_url("tcp"), url) as t:
        req.dial(t.url, block=False)
        err = t.wait_for(lambda e: e.event == "bridge" and e.layer == "error")
    assert err.text.startswith("cannot bridge: the listener answered 404 Not Found: no listener at path /sp")


def test_faults_and_pcap_need_one_transport(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="fault injection needs the same transport on both sides"):
        Tracer("ws://127.0.0.1:0/sp", "tcp://127.0.0.1:1", faults=FaultSpec(drop=1.0)).__enter__()
    with open(tmp_path / "x.pcap", "wb") as f, pytest.raises(ValueError, match="--pcap needs the same transport"):
        Tracer("tcp://127.0.0.1:0", "ipc:///tmp/x", record=f).__enter__()
