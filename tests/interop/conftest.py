"""Fixtures of the nngkit.testing matrix tests: which side listens, and connecting nngkit to a peer.

On a TLS address (tls+tcp, wss) both sides use the session's ``sp_tls``
certificates, mutually: the peer's come from sp_peer, nngkit's from
``sp_tls.listen_options()`` / ``dial_options()`` (a listening nngkit
requires the peer's certificate).
"""
from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.sync import wait_for


@pytest.fixture(params=["peer-listens", "nngkit-listens"])
def peer_listens(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "peer-listens")


@pytest.fixture
def connect(sp_peer: Any, sp_impl: str, sp_url: Any, sp_tls: Any, peer_listens: bool) -> Any:
    """connect(ours, protocol, behaviour, **peer_kw) -> the peer, connected to `ours`.

    When nngkit listens, the peer's dial is done on return, and so is ours
    to see: its pipe is listed (fan-out senders would drop messages sent
    before that).
    """
    def make(ours: Any, protocol: str, behaviour: Any, **kw: Any) -> Any:
        if peer_listens:
            peer = sp_peer(sp_impl, protocol, listen=sp_url(), behaviour=behaviour, **kw)
            ours.dial(peer.url, block=True, **sp_tls.dial_options(peer.url))
            return peer
        url = sp_url()
        url = ours.listen(url, **sp_tls.listen_options(url)).url
        peer = sp_peer(sp_impl, protocol, dial=url, behaviour=behaviour, **kw)
        wait_for(lambda: len(ours.pipes) == 1, timeout=10, what="nngkit's pipe to the peer")
        return peer

    return make
