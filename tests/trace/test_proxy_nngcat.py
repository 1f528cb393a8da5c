"""PUB/SUB and SURVEYOR/RESPONDENT through the proxy with Debian's nngcat on one side and nngkit or pynng on
the other, over tcp and ipc: headers, verdicts, message kinds, ids and bodies checked against what was sent.

nngcat (NNG's C tool) publishes and surveys once a second (--interval takes whole seconds), so those peers
answer or receive whatever comes first after they are connected; readiness is nngcat's -v "Listening at"
line, a blocking dial, or a pipe callback.
"""
from __future__ import annotations

import threading
from typing import Any, List, Tuple

import pytest

from nngtrace import HandshakeEvent, MessageEvent, Tracer
from tests.helpers import addrs, peers
from tests.helpers.sync import Catcher
from tests.trace import peers as tp

OTHERS = ("nngkit", "pynng")


def _nngcat(procs: Any, *args: str) -> Any:
    return procs(peers.unbuffered([peers.require_peer("nngcat"), *args]))


def _listening(procs: Any, scheme: str, *args: str) -> Tuple[str, Any]:
    url = tp.server_url("nngcat", scheme)
    p = _nngcat(procs, *args, "--listen", url, "-v")
    line = p.readline()
    assert line.startswith(b"Listening at"), line
    return url, p


def _connected(sock: Any) -> threading.Event:
    ev = threading.Event()
    sock.add_post_pipe_connect_cb(lambda pipe: ev.set())
    return ev


def _shape(t: Tracer) -> Tuple[List[Tuple[Any, ...]], List[Tuple[Any, ...]]]:
    """(each side's header: dir, proto, raw; the verdicts: ok, text)."""
    hs = sorted((e.dir, e.proto, e.data["raw"]) for e in t.events
                if isinstance(e, HandshakeEvent) and e.event == "handshake")
    return hs, [(e.data["ok"], e.text) for e in t.events if e.event == "verdict"]


def _msgs(t: Tracer) -> List[MessageEvent]:
    return [e for e in t.events if isinstance(e, MessageEvent)]


@pytest.mark.parametrize("scheme", addrs.STREAM_SCHEMES)
@pytest.mark.parametrize("other", OTHERS)
def test_nngcat_publisher(other: str, scheme: str, procs: Any, sockets: Any) -> None:
    url, _ = _listening(procs, scheme, "--pub0", "--data", "news", "--interval", "1")
    with Tracer(addrs.make_addr(scheme), url) as t:
        sub = sockets(tp.module(other).Sub0, recv_timeout=5000, topics=b"")
        sub.dial(t.url, block=True)
        assert sub.recv() == b"news"
        t.wait_for(lambda e: isinstance(e, MessageEvent))
    assert _shape(t) == ([("down", "pub", "0053500000200000"), ("up", "sub", "0053500000210000")],
                         [(True, "SUB0 dialed PUB0: compatible")])
    first = _msgs(t)[0]
    assert (first.dir, first.proto, first.kind, first.hdr.size, first.length, first.body) == (
        "down", "pub", "none", 0, 4, {"fmt": "quoted", "text": '"news"', "shown": 4, "len": 4})
    assert first.data["offset"] == 8 and not [m for m in _msgs(t) if m.dir == "up"]  # SUB sends nothing


@pytest.mark.parametrize("scheme", addrs.STREAM_SCHEMES)
@pytest.mark.parametrize("other", OTHERS)
def test_nngcat_subscriber(other: str, scheme: str, procs: Any, sockets: Any) -> None:
    pub = sockets(tp.module(other).Pub0)
    connected = _connected(pub)
    url = str(pub.listen(addrs.make_addr(scheme)).url)
    with Tracer(addrs.make_addr(scheme), url) as t:
        cat = _nngcat(procs, "--sub0", "--dial", t.url, "--subscribe", "", "--quoted", "--count", "2")
        assert connected.wait(10)
        pub.send(b"one")
        pub.send(b"two\n")
        rc, out, err = cat.finish()
        assert (rc, out) == (0, b'"one"\n"two\\n"\n'), err
        t.wait_for(lambda e: isinstance(e, MessageEvent) and e.length == 4)
    assert _shape(t) == ([("down", "pub", "0053500000200000"), ("up", "sub", "0053500000210000")],
                         [(True, "SUB0 dialed PUB0: compatible")])
    prefix = 9 if scheme == "ipc" else 8  # ipc frames start with a 01 type byte
    assert [(m.dir, m.kind, m.length, m.data["offset"], m.body["text"] if m.body else None) for m in _msgs(t)] == [
        ("down", "none", 3, 8, '"one"'), ("down", "none", 4, 8 + prefix + 3, '"two\\n"')]


@pytest.mark.parametrize("scheme", addrs.STREAM_SCHEMES)
@pytest.mark.parametrize("other", OTHERS)
def test_nngcat_surveyor(other: str, scheme: str, procs: Any, sockets: Any) -> None:
    url, cat = _listening(procs, scheme, "--surveyor0", "--data", "who?", "--interval", "1", "--quoted")
    with Tracer(addrs.make_addr(scheme), url) as t:
        resp = sockets(tp.module(other).Respondent0, recv_timeout=5000)
        resp.dial(t.url, block=True)

        def answer() -> int:
            for n in range(1, 11):  # every survey until nngcat has printed an answer (it drops late ones)
                assert resp.recv() == b"who?"
                resp.send(b"me")
                if done.is_set():
                    return n
            raise AssertionError("nngcat printed no answer to 10 surveys")

        done = threading.Event()
        answering = Catcher(answer)
        answering.start()
        assert cat.readline() == b'"me"'
        done.set()  # the thread answers the next survey (a second away at most) and ends
        match = t.wait_for(lambda e: e.event == "match")
        assert answering.finish(10).error is None
    assert _shape(t) == ([("down", "surveyor", "0053500000620000"), ("up", "respondent", "0053500000630000")],
                         [(True, "RESPONDENT0 dialed SURVEYOR0: compatible")])
    survey = [m for m in _msgs(t) if m.kind == "survey" and m.id == match.id]
    response = [m for m in _msgs(t) if m.kind == "response" and m.id == match.id]
    assert len(survey) == len(response) == 1 and match.id is not None and match.id & 0x80000000
    assert (survey[0].dir, survey[0].proto, survey[0].length, survey[0].body["text"]) == ("down", "surveyor", 8,
                                                                                          '"who?"')
    assert (response[0].dir, response[0].proto, response[0].length) == ("up", "respondent", 6)
    assert match.dir == "up" and 0 < match.data["rtt"] < 5


@pytest.mark.parametrize("scheme", addrs.STREAM_SCHEMES)
@pytest.mark.parametrize("other", OTHERS)
def test_nngcat_respondent(other: str, scheme: str, procs: Any, sockets: Any) -> None:
    surveyor = sockets(tp.module(other).Surveyor0, survey_time=5000, recv_timeout=5000)
    connected = _connected(surveyor)
    url = str(surveyor.listen(addrs.make_addr(scheme)).url)
    with Tracer(addrs.make_addr(scheme), url) as t:
        cat = _nngcat(procs, "--respondent0", "--dial", t.url, "--data", "here", "--quoted")
        assert connected.wait(10)
        surveyor.send(b"anyone?")
        assert surveyor.recv() == b"here"
        assert cat.readline() == b'"anyone?"'
        match = t.wait_for(lambda e: e.event == "match")
    assert _shape(t) == ([("down", "surveyor", "0053500000620000"), ("up", "respondent", "0053500000630000")],
                         [(True, "RESPONDENT0 dialed SURVEYOR0: compatible")])
    assert [(m.dir, m.kind, m.id, m.length, m.hdr.size) for m in _msgs(t)] == [
        ("down", "survey", match.id, 4 + 7, 4), ("up", "response", match.id, 4 + 4, 4)]
    assert match.id is not None and match.id & 0x80000000 and 0 < match.data["rtt"] < 5
