"""PAIR1, SURVEYOR/RESPONDENT and PUB/SUB through the proxy (pynng <-> nngkit, tcp and ipc);
a protocol mismatch judged in words; --recv-max; a late survey answer.
"""
from __future__ import annotations

import threading
from typing import Any

import pytest

import nngkit
from nngtrace import MessageEvent, Options, Tracer
from tests.helpers import addrs, peers

PAIRS = [("pynng", "nngkit"), ("nngkit", "pynng")]


def mod(impl: str) -> Any:
    return peers.require_pynng() if impl == "pynng" else nngkit


def _msgs(t: Tracer) -> list:
    return [e for e in t.events if isinstance(e, MessageEvent)]


@pytest.mark.parametrize("scheme", addrs.STREAM_SCHEMES)
@pytest.mark.parametrize("client, server", PAIRS)
def test_pair1_hop_count(client: str, server: str, scheme: str, sockets: Any) -> None:
    srv = sockets(mod(server).Pair1, recv_timeout=5000)
    url = str(srv.listen(addrs.make_addr(scheme)).url)
    with Tracer(addrs.make_addr(scheme), url) as t:
        cli = sockets(mod(client).Pair1, recv_timeout=5000)
        cli.dial(t.url, block=True)
        cli.send(b"from-client")
        assert srv.recv() == b"from-client"
        srv.send(b"back")
        assert cli.recv() == b"back"
        t.wait_for(lambda e: isinstance(e, MessageEvent) and e.dir == "down")
    got = [(m.dir, m.proto, m.kind, m.hdr.hop_count, m.hdr.size, m.length, m.body["text"]) for m in _msgs(t)]
    assert got == [("up", "pair1", "pair1", 1, 4, 15, '"from-client"'), ("down", "pair1", "pair1", 1, 4, 8, '"back"')]


@pytest.mark.parametrize("scheme", addrs.STREAM_SCHEMES)
@pytest.mark.parametrize("client, server", PAIRS)
def test_survey_ids_and_a_late_answer(client: str, server: str, scheme: str, sockets: Any) -> None:
    surveyor = sockets(mod(server).Surveyor0, survey_time=5000, recv_timeout=5000)
    url = str(surveyor.listen(addrs.make_addr(scheme)).url)
    with Tracer(addrs.make_addr(scheme), url, Options(survey_time=0.0)) as t:
        resp = sockets(mod(client).Respondent0, recv_timeout=5000)
        resp.dial(t.url, block=True)
        t.wait_for(lambda e: e.event == "verdict")
        _send_until_received(surveyor, resp, b"who?")
        resp.send(b"me")
        assert surveyor.recv() == b"me"
        late = t.wait_for(lambda e: e.event == "late")
    survey = [m for m in _msgs(t) if m.kind == "survey"][-1]
    response = [m for m in _msgs(t) if m.kind == "response"][0]
    assert (survey.proto, survey.dir, response.proto, response.dir) == ("surveyor", "down", "respondent", "up")
    assert survey.id == response.id == late.id and survey.id & 0x80000000
    assert "past the survey time 0.000 s: NNG drops it" in late.text


def _send_until_received(surveyor: Any, resp: Any, body: bytes) -> None:
    """The surveyor's pipe may not exist yet when the proxy saw both headers: survey until one arrives."""
    resp.recv_timeout = 100
    for _ in range(50):
        surveyor.send(body)
        try:
            assert resp.recv() == body
            break
        except (nngkit.Timeout, peers.require_pynng().Timeout):
            continue
    else:
        raise AssertionError("no survey reached the respondent")
    resp.recv_timeout = 5000


@pytest.mark.parametrize("scheme", addrs.STREAM_SCHEMES)
def test_pubsub_has_no_header_and_no_subscription_traffic(scheme: str, sockets: Any) -> None:
    pub = sockets(nngkit.Pub0)
    connected = threading.Event()
    pub.add_post_pipe_connect_cb(lambda pipe: connected.set())
    url = str(pub.listen(addrs.make_addr(scheme)).url)
    with Tracer(addrs.make_addr(scheme), url) as t:
        sub = sockets(peers.require_pynng().Sub0, recv_timeout=5000, topics=b"a")
        sub.dial(t.url, block=True)
        assert connected.wait(5)
        for body in (b"xyz", b"alpha"):
            pub.send(body)
        assert sub.recv() == b"alpha"
        t.wait_for(lambda e: isinstance(e, MessageEvent) and e.length == 5)
    assert [(m.dir, m.proto, m.kind, m.hdr.size, m.length) for m in _msgs(t)] == [
        ("down", "pub", "none", 0, 3), ("down", "pub", "none", 0, 5)]


@pytest.mark.parametrize("scheme", addrs.STREAM_SCHEMES)
def test_protocol_mismatch_verdict_against_real_nng(scheme: str, sockets: Any) -> None:
    pub = sockets(peers.require_pynng().Pub0)
    url = str(pub.listen(addrs.make_addr(scheme)).url)
    with Tracer(addrs.make_addr(scheme), url) as t:
        req = sockets(nngkit.Req0)
        req.dial(t.url, block=False)
        v = t.wait_for(lambda e: e.event == "verdict")
        closed = t.wait_for(lambda e: e.event == "close")
    assert (v.ok, v.text) == (False, "REQ0 dialed PUB0: NNG closes this connection (protocol mismatch)")
    assert closed.conn == v.conn


def test_recv_max_flags_the_frame(sockets: Any) -> None:
    rep = sockets(nngkit.Rep0, recv_timeout=5000)
    url = str(rep.listen("tcp://127.0.0.1:0").url)
    with Tracer("tcp://127.0.0.1:0", url, Options(recv_max=1024)) as t:
        req = sockets(nngkit.Req0, recv_timeout=5000)
        req.dial(t.url, block=True)
        req.send(b"x" * 1020)
        assert len(rep.recv()) == 1020
        req.send(b"x" * 1021)
        over = t.wait_for(lambda e: e.event == "over-recv-max")
    assert over.data["len"] == 1025 and over.dir == "up"
    assert over.text == "frame of 1025 bytes over --recv-max 1024: NNG closes this connection after the prefix"
    assert [e.data["len"] for e in t.events if e.event == "over-recv-max"] == [1025]
