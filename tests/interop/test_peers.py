"""nngkit against real NNG peers, every protocol pair, both directions, through nngkit.testing.

The peers: Debian's nngcat (nng-utils), a C program linked with libnng
(libnng-dev), and pynng in a subprocess.  Each test is a matrix cell
(peer x transport, from ``@sp_interop``) and a direction: the peer listens
and nngkit dials (its blocking dial completes the SP handshake), or nngkit
listens and the peer dials (the peer is returned once its dial is done).
Where nngkit listens as a fan-out sender (PUB, BUS, SURVEYOR), it waits for
its own pipe before sending.  Bytes are checked exactly: the peers report
what they received in hex.

The tls+tcp cells are mutual TLS with the session's ``sp_tls`` certificates:
a listening peer requires nngkit's client certificate, and a listening
nngkit requires the peer's, which it then names (``tls_peer_cn``).
"""
from __future__ import annotations

from typing import Any

import pytest

from nngkit.testing import behaviours as b
from tests.helpers.impl import nk
from tests.helpers.payloads import payload
from tests.helpers.sync import wait_for

PEERS = ["nngcat", "libnng", "pynng"]
pytestmark = pytest.mark.sp_interop(peers=PEERS, transports=["tcp", "ipc", "ws"])
WITH_TCP6 = pytest.mark.sp_interop(peers=PEERS, transports=["tcp", "ipc", "tcp6", "ws"])
WITH_TLS = pytest.mark.sp_interop(peers=PEERS, transports=["tcp", "ipc", "ws", "tls+tcp"])
WITH_TCP6_TLS = pytest.mark.sp_interop(peers=PEERS, transports=["tcp", "ipc", "tcp6", "ws", "tls+tcp"])
TLS = ("tls+tcp", "wss")

TIMEOUTS = {"recv_timeout": 10000, "send_timeout": 10000}
BINARY = b"A\t\n\r\"\\\x01\x7f\xff z"
BIG = bytes(range(256)) * 40  # 10 KiB with every byte value
HUGE = payload(1024 * 1024, 6)


@pytest.fixture(params=["peer-listens", "nngkit-listens"])
def peer_listens(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "peer-listens")


def tls_config(sp_tls: Any, server: bool) -> Any:
    """nngkit's side of mutual TLS: a server that requires the client's certificate, or a client with one."""
    if not server:
        return sp_tls.client_config()
    cfg = sp_tls.server_config()
    cfg.set_auth_mode(nk.TLSConfig.AUTH_MODE_REQUIRED)
    return cfg


@pytest.fixture
def connect(request: pytest.FixtureRequest, sp_peer: Any, sp_impl: str, sp_transport: str, sp_url: Any,
            peer_listens: bool) -> Any:
    """connect(ours, protocol, behaviour, **peer_kw) -> the peer, connected to `ours`.

    When nngkit listens, the peer's dial is done on return, and so is ours
    to see: its pipe is listed (fan-out senders would drop messages sent
    before that).  On a TLS transport, `ours` is given its certificates first.
    """
    def make(ours: Any, protocol: str, behaviour: Any, **kw: Any) -> Any:
        if sp_transport in TLS:
            ours.tls_config = tls_config(request.getfixturevalue("sp_tls"), server=not peer_listens)
        if peer_listens:
            peer = sp_peer(sp_impl, protocol, listen=sp_url(), behaviour=behaviour, **kw)
            ours.dial(peer.url, block=True)
            return peer
        asked = sp_url()
        url = ours.listen(asked).url
        if sp_transport in TLS:
            url = asked  # by name: the bound URL has the address, and NNG 1.5.2's mbedTLS does not check IP SANs
        peer = sp_peer(sp_impl, protocol, dial=url, behaviour=behaviour, **kw)
        wait_for(lambda: len(ours.pipes) == 1, timeout=10, what="nngkit's pipe to the peer")
        return peer

    return make


# -- REQ0 / REP0 ------------------------------------------------------------------

@WITH_TCP6_TLS
async def test_nngkit_req_peer_rep(connect, sockets, mode) -> None:
    req = sockets(nk.Req0, **TIMEOUTS)
    rep = connect(req, "rep0", b.reply(HUGE))
    for body in (b"", BINARY, BIG, HUGE):
        await mode.send(req, body)
        assert await mode.recv(req) == HUGE
    assert rep.wait_received(4) == [b"", BINARY, BIG, HUGE]


@pytest.mark.sp_interop(peers=PEERS, transports=["tls+tcp"])
def test_mutual_tls_names_the_peer(connect, sockets, peer_listens) -> None:
    """Both ends checked a certificate: nngkit's pipe says the peer's was verified, and whose it was."""
    req = sockets(nk.Req0, **TIMEOUTS)
    connect(req, "rep0", b.reply(b"ok"))
    req.send(b"who")
    assert req.recv() == b"ok"
    (pipe,) = req.pipes
    assert pipe.tls_verified is True
    assert pipe.tls_peer_cn == ("localhost" if peer_listens else "sp-client")


@WITH_TCP6_TLS
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


@WITH_TLS
def test_pair1(connect, sockets) -> None:
    ours = sockets(nk.Pair1, **TIMEOUTS)
    theirs = connect(ours, "pair1", b.send(b"hi"))
    assert ours.recv() == b"hi"
    ours.send(BINARY)
    ours.send(b"second")
    assert theirs.wait_received(2) == [BINARY, b"second"]


# -- PUB0 / SUB0 ------------------------------------------------------------------

@WITH_TLS
def test_nngkit_pub_peer_sub(connect, sockets) -> None:
    pub = sockets(nk.Pub0, **TIMEOUTS)
    sub = connect(pub, "sub0", b.record(), topics=["news"])
    for i in range(3):
        pub.send(b"weather %d" % i)
        pub.send(b"news %d" % i)
    assert sub.wait_received(3) == [b"news 0", b"news 1", b"news 2"]  # in order, and only the topic


@WITH_TLS
def test_peer_pub_nngkit_sub(connect, sockets) -> None:
    sub = sockets(nk.Sub0, topics=b"A", **TIMEOUTS)
    connect(sub, "pub0", b.publish(BINARY))
    assert sub.recv() == BINARY


# -- PUSH0 / PULL0 ----------------------------------------------------------------

@WITH_TLS
def test_nngkit_push_peer_pull(connect, sockets) -> None:
    push = sockets(nk.Push0, **TIMEOUTS)
    pull = connect(push, "pull0", b.record(count=3))
    for body in (b"one", BINARY, b""):  # push waits for the puller: nothing is lost
        push.send(body)
    assert pull.wait_received(3) == [b"one", BINARY, b""]
    pull.wait_done()


@WITH_TLS
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
