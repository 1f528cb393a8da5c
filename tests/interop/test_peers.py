"""nngkit against real NNG peers, every protocol pair, both directions, through nngkit.testing.

The peers: Debian's nngcat (nng-utils), a C program linked with libnng
(libnng-dev), and pynng in a subprocess.  Each test is a matrix cell
(peer x transport, from ``@sp_interop``) and a direction: the peer listens
and nngkit dials (its blocking dial completes the SP handshake), or nngkit
listens and the peer dials (the peer is returned once its dial is done).
Where nngkit listens as a fan-out sender (PUB, BUS, SURVEYOR), it waits for
its own pipe before sending.  Bytes are checked exactly: the peers report
what they received in hex.

The tls+tcp and wss cells are mutual TLS with the session's ``sp_tls``
certificates (conftest.py's ``connect``), except where nngcat listens: NNG's
nngcat never asks a client for its certificate.
"""
from __future__ import annotations

import pytest

from nngkit.testing import behaviours as b
from tests.helpers.impl import nk
from tests.helpers.payloads import payload

PEERS = ["nngcat", "libnng", "pynng"]
pytestmark = pytest.mark.sp_interop(peers=PEERS, transports=["tcp", "ipc", "ws", "tls+tcp", "wss"])
WITH_TCP6 = pytest.mark.sp_interop(peers=PEERS, transports=["tcp", "ipc", "tcp6", "ws", "tls+tcp", "wss"])

TIMEOUTS = {"recv_timeout": 10000, "send_timeout": 10000}
BINARY = b"A\t\n\r\"\\\x01\x7f\xff z"
BIG = bytes(range(256)) * 40  # 10 KiB with every byte value
HUGE = payload(1024 * 1024, 6)


# -- REQ0 / REP0 ------------------------------------------------------------------

@WITH_TCP6
async def test_nngkit_req_peer_rep(connect, sockets, mode) -> None:
    req = sockets(nk.Req0, **TIMEOUTS)
    rep = connect(req, "rep0", b.reply(HUGE))
    for body in (b"", BINARY, BIG, HUGE):
        await mode.send(req, body)
        assert await mode.recv(req) == HUGE
    assert rep.wait_received(4) == [b"", BINARY, BIG, HUGE]


@pytest.mark.sp_interop(peers=PEERS, transports=["tls+tcp", "wss"])
def test_tls_pipe_names_the_verified_peer(connect, sockets, peer_listens) -> None:
    """nngkit checked the peer's certificate, whichever side listened, and names whose it was."""
    req = sockets(nk.Req0, **TIMEOUTS)
    connect(req, "rep0", b.reply(b"ok"))
    req.send(b"who")
    assert req.recv() == b"ok"
    (pipe,) = req.pipes
    assert pipe.tls_verified is True
    assert pipe.tls_peer_cn == ("localhost" if peer_listens else "sp-client")


@WITH_TCP6
async def test_peer_req_nngkit_rep(connect, sockets, mode) -> None:
    rep = sockets(nk.Rep0, **TIMEOUTS)
    req = connect(rep, "req0", b.request(BINARY))
    assert await mode.recv(rep) == BINARY
    await mode.send(rep, HUGE)
    assert req.recv() == HUGE


# -- PAIR0 / PAIR1 ----------------------------------------------------------------

@WITH_TCP6
async def test_pair0(connect, sockets, mode) -> None:
    ours = sockets(nk.Pair0, **TIMEOUTS)
    theirs = connect(ours, "pair0", b.send(b"hi"))
    assert await mode.recv(ours) == b"hi"
    for body in (BINARY, b"", HUGE):
        await mode.send(ours, body)
    assert theirs.wait_received(3) == [BINARY, b"", HUGE]


def test_pair1(connect, sockets) -> None:
    ours = sockets(nk.Pair1, **TIMEOUTS)
    theirs = connect(ours, "pair1", b.send(b"hi"))
    assert ours.recv() == b"hi"
    ours.send(BINARY)
    ours.send(b"second")
    assert theirs.wait_received(2) == [BINARY, b"second"]


# -- PUB0 / SUB0 ------------------------------------------------------------------

def test_nngkit_pub_peer_sub(connect, sockets) -> None:
    pub = sockets(nk.Pub0, **TIMEOUTS)
    sub = connect(pub, "sub0", b.record(), topics=["news"])
    for i in range(3):
        pub.send(b"weather %d" % i)
        pub.send(b"news %d" % i)
    assert sub.wait_received(3) == [b"news 0", b"news 1", b"news 2"]  # in order, and only the topic


def test_peer_pub_nngkit_sub(connect, sockets) -> None:
    sub = sockets(nk.Sub0, topics=b"A", **TIMEOUTS)
    connect(sub, "pub0", b.publish(BINARY))
    assert sub.recv() == BINARY


# -- PUSH0 / PULL0 ----------------------------------------------------------------

def test_nngkit_push_peer_pull(connect, sockets) -> None:
    push = sockets(nk.Push0, **TIMEOUTS)
    pull = connect(push, "pull0", b.record(count=3))
    for body in (b"one", BINARY, b""):  # push waits for the puller: nothing is lost
        push.send(body)
    assert pull.wait_received(3) == [b"one", BINARY, b""]
    pull.wait_done()


def test_peer_push_nngkit_pull(connect, sockets) -> None:
    pull = sockets(nk.Pull0, **TIMEOUTS)
    connect(pull, "push0", b.push(BIG * 2, count=2))
    assert [pull.recv(), pull.recv()] == [BIG * 2, BIG * 2]


# -- SURVEYOR0 / RESPONDENT0 --------------------------------------------------------

def test_nngkit_surveyor_peer_respondent(connect, sockets) -> None:
    sv = sockets(nk.Surveyor0, survey_time=5000, **TIMEOUTS)
    resp = connect(sv, "respondent0", b.reply(b"here"))
    sv.send(BINARY)
    assert sv.recv() == b"here"
    assert resp.recv() == BINARY


def test_peer_surveyor_nngkit_respondent(connect, sockets) -> None:
    resp = sockets(nk.Respondent0, **TIMEOUTS)
    sv = connect(resp, "surveyor0", b.request(b"census"))
    assert resp.recv() == b"census"
    resp.send(BINARY)
    assert sv.recv() == BINARY


# -- BUS0 -------------------------------------------------------------------------

def test_bus(connect, sockets) -> None:
    ours = sockets(nk.Bus0, **TIMEOUTS)
    theirs = connect(ours, "bus0", b.send(b"from the peer"))
    assert ours.recv() == b"from the peer"
    ours.send(BINARY)
    assert theirs.recv() == BINARY
