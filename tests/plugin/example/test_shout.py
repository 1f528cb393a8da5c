"""The worked example of docs/testing.md: ShoutService against C NNG (nngcat and libnng) over tcp
and tls+tcp, and a publisher's C subscribers over ws."""
from __future__ import annotations

import threading

import pytest

import nngkit
from nngkit.testing import behaviours as b

from .shout import ShoutService


# --8<-- [start:matrix]
@pytest.mark.sp_interop(peers=["nngcat", "libnng"], transports=["tcp", "tls+tcp"])
def test_c_clients_get_an_answer(sp_peer, sp_impl, sp_url, sp_tls):
    url = sp_url()
    # on tls+tcp: the service's certificate, and it requires the client's; on tcp: nothing
    with ShoutService(url, **sp_tls.listen_options(url)) as service:
        client = sp_peer(sp_impl, "req0", dial=service.url, behaviour=b.request(b"hello"))
        assert client.recv() == b"HELLO"
# --8<-- [end:matrix]


# --8<-- [start:server]
@pytest.mark.sp_interop(peers=["nngcat", "libnng"], transports=["tcp", "tls+tcp"])
def test_a_c_server_answers_our_client(sp_peer, sp_impl, sp_url, sp_tls):
    server = sp_peer(sp_impl, "rep0", listen=sp_url(), behaviour=b.reply(b"ok"))
    with nngkit.Req0(recv_timeout=5000) as req:
        req.dial(server.url, block=True, **sp_tls.dial_options(server.url))
        req.send(b"status?")
        assert req.recv() == b"ok"
    assert server.recv() == b"status?"
# --8<-- [end:server]


# --8<-- [start:pubsub]
@pytest.mark.sp_interop(peers=["nngcat", "libnng"], transports=["ws"])
def test_c_subscribers_get_their_topic(sp_peer, sp_impl, sp_url):
    with nngkit.Pub0() as pub:
        joined = threading.Event()
        pub.add_post_pipe_connect_cb(lambda pipe: joined.set())
        url = pub.listen(sp_url()).url
        sub = sp_peer(sp_impl, "sub0", dial=url, topics=["news"])
        assert joined.wait(5)  # PUB sends to the subscribers it has: wait for this one
        pub.send(b"weather: rain")
        pub.send(b"news: SP over ws")
        assert sub.recv() == b"news: SP over ws"  # and nothing else
        assert sub.received == [b"news: SP over ws"]
# --8<-- [end:pubsub]


# --8<-- [start:trace]
def test_the_wire_shows_one_round_trip(sp_peer, sp_url, sp_trace):
    with ShoutService(sp_url("tcp")) as service:
        tracer = sp_trace(service.url)  # nngtrace listens, and relays to the service
        client = sp_peer("nngcat", "req0", dial=tracer.url, behaviour=b.request(b"hi"))
        assert client.recv() == b"HI"
        handshake = tracer.wait_for(lambda e: e.event == "verdict")
        assert handshake.text == "REQ0 dialed REP0: compatible"
        match = tracer.wait_for(lambda e: e.event == "match")  # the reply matched its request id
        assert match.data["sends"] == 1
# --8<-- [end:trace]
