"""sp_peer's behaviours and Peer API, used directly in this suite (the plugin is installed with nngkit)."""
from __future__ import annotations

import pytest

import nngkit
from nngkit.testing import BehaviourUnsupported, PeerError, TransportUnavailable
from nngkit.testing import behaviours as b
from tests.helpers.sync import wait_for

TIMEOUTS = {"recv_timeout": 5000, "send_timeout": 5000}


def test_reply_with_a_function_in_process(sp_peer, sp_url):
    rep = sp_peer("nngkit", "rep0", listen=sp_url("inproc"), behaviour=b.reply(fn=lambda m: m[::-1]))
    with nngkit.Req0(dial=rep.url, **TIMEOUTS) as req:
        req.send(b"abc")
        assert req.recv() == b"cba"
    assert rep.recv() == b"abc" and rep.pid > 0


@pytest.mark.sp_interop(peers=["libnng", "pynng", "nngkit"], transports=["tcp", "ipc"])
def test_echo_and_prefix(sp_peer, sp_url, sp_impl):
    echo = sp_peer(sp_impl, "pair1", listen=sp_url(), behaviour="echo")
    with nngkit.Pair1(dial=echo.url, **TIMEOUTS) as pair:
        pair.send(b"")
        pair.send(b"\x00\xff")
        assert [pair.recv(), pair.recv()] == [b"", b"\x00\xff"]
    rep = sp_peer(sp_impl, "rep0", listen=sp_url(), behaviour=b.reply(prefix=b"re:"))
    with nngkit.Req0(dial=rep.url, **TIMEOUTS) as req:
        req.send(b"q")
        assert req.recv() == b"re:q"


@pytest.mark.sp_interop(peers=["nngcat", "libnng", "pynng", "nngkit"], transports=["tcp"])
def test_peer_publishes_after_the_subscriber_is_there(sp_peer, sp_url, sp_impl):
    with nngkit.Sub0(topics=b"", **TIMEOUTS) as sub:
        pub = sp_peer(sp_impl, "pub0", listen=sp_url(), behaviour=b.publish(b"tick", count=2))
        sub.dial(pub.url, block=True)
        assert [sub.recv() for _ in range(2)] == [b"tick"] * 2


@pytest.mark.sp_interop(peers=["libnng", "pynng", "nngkit"], transports=["ipc"])
def test_the_test_makes_the_peer_send(sp_peer, sp_url, sp_impl):
    with nngkit.Pull0(**TIMEOUTS) as pull:
        url = pull.listen(sp_url()).url
        push = sp_peer(sp_impl, "push0", dial=url, behaviour=b.push(b"first"))
        assert pull.recv() == b"first"  # the behaviour's send, then the test's: two sources, so in turn
        push.send(b"second")
        assert pull.recv() == b"second"
        push.wait_done()
        assert push.pipes_added == 1


def test_an_nngkit_peer_in_a_subprocess(sp_peer, sp_url):
    with nngkit.Pair0(**TIMEOUTS) as ours:
        url = ours.listen(sp_url("ipc")).url
        peer = sp_peer("nngkit", "pair0", dial=url, behaviour=b.send(b"hello"), subprocess=True)
        assert ours.recv() == b"hello"
        assert peer.pid != nngkit_pid() and one_peer_pid(ours) == peer.pid


def nngkit_pid() -> int:
    import os

    return os.getpid()


def one_peer_pid(sock) -> int:
    return wait_for(lambda: sock.pipes[0] if sock.pipes else None, what="a pipe").peer_pid


def test_what_a_peer_cannot_do(sp_peer, sp_url):
    with pytest.raises(BehaviourUnsupported, match="only with constant data"):
        sp_peer("nngcat", "rep0", listen=sp_url("tcp"), behaviour="echo")
    with pytest.raises(BehaviourUnsupported, match="only the in-process 'nngkit' peer"):
        sp_peer("pynng", "rep0", listen=sp_url("tcp"), behaviour=b.reply(fn=bytes.upper))
    with pytest.raises(BehaviourUnsupported, match="is not a behaviour for pull0"):
        sp_peer("pynng", "pull0", listen=sp_url("tcp"), behaviour=b.publish(b"x"))
    with pytest.raises(TransportUnavailable, match="a libnng peer cannot use inproc"):
        sp_peer("libnng", "pull0", listen=sp_url("inproc"))
    with pytest.raises(TypeError, match="exactly one of listen=URL, dial=URL"):
        sp_peer("pynng", "pull0")
    cat = sp_peer("nngcat", "pull0", listen=sp_url("ipc"))
    with pytest.raises(PeerError, match="cannot be told to send"):
        cat.send(b"x")


def test_a_dial_to_nowhere_fails_with_the_peers_words(sp_peer, sp_url):
    with pytest.raises(PeerError, match=r"ended \(exit status 1\) while waiting for completed dial; stderr: .*refused"):
        sp_peer("libnng", "req0", dial=sp_url("tcp"), behaviour=b.request(b"x"))
