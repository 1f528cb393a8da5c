"""The worked example of docs/testing.md: ShoutService against C NNG (nngcat and libnng)."""
from __future__ import annotations

import pytest

import nngkit
from nngkit.testing import behaviours as b

from .shout import ShoutService


# --8<-- [start:matrix]
@pytest.mark.sp_interop(peers=["nngcat", "libnng"], transports=["tcp"])
def test_c_clients_get_an_answer(sp_peer, sp_impl, sp_url):
    with ShoutService(sp_url()) as service:
        client = sp_peer(sp_impl, "req0", dial=service.url, behaviour=b.request(b"hello"))
        assert client.recv() == b"HELLO"
# --8<-- [end:matrix]


# --8<-- [start:server]
@pytest.mark.sp_interop(peers=["nngcat", "libnng"], transports=["tcp"])
def test_a_c_server_answers_our_client(sp_peer, sp_impl, sp_url):
    server = sp_peer(sp_impl, "rep0", listen=sp_url(), behaviour=b.reply(b"ok"))
    with nngkit.Req0(dial=server.url, recv_timeout=5000) as req:
        req.send(b"status?")
        assert req.recv() == b"ok"
    assert server.recv() == b"status?"
# --8<-- [end:server]


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
