"""TLS refusals between nngkit and real NNG peers (nngcat, libnng, pynng) over tls+tcp and wss.

An untrusted CA, a server certificate for another name, a client without
the certificate its server requires: whichever side refuses, the dial fails
(nngkit's with the error, a peer's with its exit), and the listener goes on
serving a peer it trusts.  nngkit's own side of these is in tests/tls.

Left out: a listening nngcat with a client that has no certificate.  NNG's
nngcat never asks a client for one (its listeners keep NNG's default,
no client authentication, and it has no flag to change that), so there is
nothing to refuse.
"""
from __future__ import annotations

import re
from typing import Any

import pytest

from nngkit.testing import PeerError
from nngkit.testing import behaviours as b
from tests.helpers.impl import nk

pytestmark = pytest.mark.sp_interop(peers=["nngcat", "libnng", "pynng"], transports=["tls+tcp", "wss"])
T = {"recv_timeout": 10000, "send_timeout": 10000}
REFUSED = (nk.AuthenticationError, nk.CryptoError, nk.ConnectionShutdown, nk.ConnectionReset, nk.Closed)
# What each peer prints when its dial fails in the TLS handshake: NNG's texts of NNG_ECRYPTO and
# NNG_EPEERAUTH (NNG 1.5.2 and 1.11 with mbedTLS answer the failures here with the first).
PEER_REFUSED = re.compile(r"Cryptographic error|Peer could not be authenticated")
# When the *server* refuses the client's certificate, the client may instead see the connection
# end: the server closes after its alert while the client's last handshake records are still
# arriving.  NNG's own server does this every time (pynng 0.9 listening, nngcat 1.5.2 dialing
# without a certificate: "Connection shutdown" in 60 of 60 dials); nngkit's mostly gets the
# alert through, but not always under load.
SERVER_REFUSED = re.compile(PEER_REFUSED.pattern + r"|Connection shutdown")


def round_trip(sockets: Any, url: str, cfg: Any) -> None:
    """A client with `cfg` is answered by the REP at `url`."""
    req = sockets(nk.Req0, **T)
    req.dial(url, block=True, tls_config=cfg)
    req.send(b"still there?")
    assert req.recv() == b"ok"


def served_rep(sockets: Any, url: str, cfg: Any) -> Any:
    rep = sockets(nk.Rep0, **T)
    rep.listen(url, tls_config=cfg)
    return rep


def peer_dial_is_refused(sp_peer: Any, impl: str, url: str, tls: Any, texts: Any = PEER_REFUSED) -> None:
    with pytest.raises(PeerError) as failed:
        sp_peer(impl, "req0", dial=url, behaviour=b.request(b"let me in"), tls=tls)
    assert "exit status 1" in str(failed.value)
    assert texts.search(str(failed.value)), str(failed.value)


def nngkit_serves_a_good_peer(sp_peer: Any, impl: str, rep: Any, url: str) -> None:
    req = sp_peer(impl, "req0", dial=url, behaviour=b.request(b"good"))
    assert rep.recv() == b"good"
    rep.send(b"ok")
    assert req.recv() == b"ok"


# -- the peer listens: nngkit's dial is refused ----------------------------------------------

@pytest.mark.parametrize("kind", ["other-ca", "wrong-name"])
def test_nngkit_refuses_the_peers_server_certificate(sp_peer, sp_impl, sp_url, sp_tls, sockets, kind) -> None:
    theirs = sp_tls.variant(kind)
    rep = sp_peer(sp_impl, "rep0", listen=sp_url(), behaviour=b.reply(b"ok"), tls=theirs)
    req = sockets(nk.Req0, **T)
    with pytest.raises(nk.AuthenticationError):
        req.dial(rep.url, block=True, **sp_tls.dial_options(rep.url))
    round_trip(sockets, rep.url, theirs.client_config())  # a client of its own CA, checking its name
    assert rep.wait_received(1) == [b"still there?"]


@pytest.mark.sp_interop(peers=["libnng", "pynng"], transports=["tls+tcp", "wss"])  # not nngcat: see above
def test_peer_refuses_nngkit_without_a_client_certificate(sp_peer, sp_impl, sp_url, sp_tls, sockets) -> None:
    rep = sp_peer(sp_impl, "rep0", listen=sp_url(), behaviour=b.reply(b"ok"))
    req = sockets(nk.Req0, **T)
    with pytest.raises(REFUSED):
        req.dial(rep.url, block=True, tls_config=sp_tls.variant("no-cert").client_config())
    round_trip(sockets, rep.url, sp_tls.client_config())
    assert rep.wait_received(1) == [b"still there?"]


# -- nngkit listens: the peer's dial is refused ----------------------------------------------

def test_peer_refuses_a_server_of_another_ca(sp_peer, sp_impl, sp_url, sp_tls, sockets) -> None:
    url = sp_url()
    rep = served_rep(sockets, url, sp_tls.server_config(required=True))
    peer_dial_is_refused(sp_peer, sp_impl, url, sp_tls.variant("other-ca"))
    nngkit_serves_a_good_peer(sp_peer, sp_impl, rep, url)


def test_peer_refuses_a_server_certificate_for_another_name(sp_peer, sp_impl, sp_url, sp_tls, sockets) -> None:
    url = sp_url()
    wrong = sp_tls.variant("wrong-name")
    rep = served_rep(sockets, url, wrong.server_config(required=True))
    peer_dial_is_refused(sp_peer, sp_impl, url, sp_tls)  # it checks 'localhost', the URL's host
    req = sockets(nk.Req0, **T)
    req.dial(url, block=True, tls_config=wrong.client_config())  # one that checks 'wrong.example'
    req.send(b"good")
    assert rep.recv() == b"good"


def test_nngkit_refuses_a_peer_without_a_client_certificate(sp_peer, sp_impl, sp_url, sp_tls, sockets) -> None:
    url = sp_url()
    rep = served_rep(sockets, url, sp_tls.server_config(required=True))
    peer_dial_is_refused(sp_peer, sp_impl, url, sp_tls.variant("no-cert"), SERVER_REFUSED)
    nngkit_serves_a_good_peer(sp_peer, sp_impl, rep, url)
