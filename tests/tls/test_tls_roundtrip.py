"""tls+tcp:// round trips: nngkit with nngkit, and with pynng (NNG 1.11 and
mbedTLS 3.6) in both directions; REQ/REP and PAIR1; 0 B, 64 B and 3 MiB;
mutual TLS and what a pipe says about its peer."""
from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import addrs
from tests.helpers.impl import nk
from tests.helpers.payloads import payload

BODIES = [b"", payload(64, 1), payload(3 << 20, 2)]
T = {"recv_timeout": 10000, "send_timeout": 10000}
PAIRS = [("Req0", "Rep0"), ("Pair1", "Pair1")]


def exchange(a: Any, b: Any) -> None:
    """a sends every body, b answers with it reversed; both checked."""
    for body in BODIES:
        a.send(body)
        assert b.recv_msg().bytes == body
        b.send(body[::-1])
        assert a.recv_msg().bytes == body[::-1]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
@pytest.mark.parametrize("first,second", PAIRS, ids=["reqrep", "pair1"])
def test_nngkit_with_nngkit(sockets, leak_check, server_config, client_config, first, second, host):
    srv = sockets(getattr(nk, second), tls_config=server_config(), **T)
    cli = sockets(getattr(nk, first), tls_config=client_config(), **T)
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    cli.dial("tls+tcp://%s:%d" % (host, port), block=True)
    exchange(cli, srv)


@pytest.mark.parametrize("scheme,host", [("tls+tcp4", "127.0.0.1"), ("tls+tcp6", "[::1]")])
def test_family_schemes(sockets, server_config, client_config, scheme, host):
    if scheme == "tls+tcp6" and not addrs.has_ipv6_loopback():
        pytest.skip("no IPv6 loopback on this host")  # the same rule as the addr fixture's tcp6
    srv = sockets(nk.Pair1, tls_config=server_config(), **T)
    cli = sockets(nk.Pair1, tls_config=client_config(), **T)
    port = srv.listen("%s://%s:0" % (scheme, host)).port
    cli.dial("%s://%s:%d" % (scheme, host, port), block=True)
    exchange(cli, srv)


def test_mutual_tls_and_peer_information(sockets, pki, server_config, client_config):
    srv = sockets(nk.Rep0, tls_config=server_config(auth_mode=nk.TLSConfig.AUTH_MODE_REQUIRED,
                                                     ca_string=pki.ca_pem), **T)
    cli = sockets(nk.Req0, tls_config=client_config(own_cert_string=pki.cert_pem(pki.client),
                                                    own_key_string=pki.key_pem(pki.client)), **T)
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    cli.dial("tls+tcp://localhost:%d" % port, block=True)
    cli.send(b"hello")
    req = srv.recv_msg()
    assert req.pipe.tls_verified is True
    assert req.pipe.tls_peer_cn == "nngkit test client"
    assert req.pipe.tls_peer_alt_names == ["client.example"]
    srv.send(b"world")
    reply = cli.recv_msg()
    assert reply.bytes == b"world"
    assert reply.pipe.tls_verified is True
    assert reply.pipe.tls_peer_cn == "nngkit test server"
    assert reply.pipe.tls_peer_alt_names == ["localhost", "127.0.0.1", "::1"]
    assert reply.pipe.get_opt("tcp-nodelay") is True


def test_server_without_client_auth_reports_unverified(sockets, server_config, client_config):
    srv = sockets(nk.Pair1, tls_config=server_config(), **T)
    cli = sockets(nk.Pair1, tls_config=client_config(), **T)
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    cli.dial("tls+tcp://localhost:%d" % port, block=True)
    cli.send(b"x")
    msg = srv.recv_msg()
    assert msg.pipe.tls_verified is False
    with pytest.raises(nk.NoEntry):
        msg.pipe.tls_peer_cn


# ---- pynng (NNG 1.11, mbedTLS 3.6) ----

def pynng_server(pynng: Any, pki: Any) -> Any:
    return pynng.TLSConfig(pynng.TLSConfig.MODE_SERVER, own_cert_string=pki.cert_pem(pki.server),
                           own_key_string=pki.key_pem(pki.server))


def pynng_client(pynng: Any, pki: Any, **kw: Any) -> Any:
    return pynng.TLSConfig(pynng.TLSConfig.MODE_CLIENT, server_name="localhost", ca_string=pki.ca_pem, **kw)


@pytest.mark.parametrize("first,second", PAIRS, ids=["reqrep", "pair1"])
def test_nngkit_listens_pynng_dials(sockets, pynng_peer, pki, server_config, first, second):
    srv = sockets(getattr(nk, second), tls_config=server_config(), **T)
    cli = sockets.track(getattr(pynng_peer, first)(tls_config=pynng_client(pynng_peer, pki), **T))
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    cli.dial("tls+tcp://localhost:%d" % port, block=True)
    exchange(cli, srv)


@pytest.mark.parametrize("first,second", PAIRS, ids=["reqrep", "pair1"])
def test_pynng_listens_nngkit_dials(sockets, pynng_peer, pki, client_config, first, second):
    srv = sockets.track(getattr(pynng_peer, second)(tls_config=pynng_server(pynng_peer, pki), **T))
    cli = sockets(getattr(nk, first), tls_config=client_config(), **T)
    listener = srv.listen("tls+tcp://127.0.0.1:0")
    port = listener.port if hasattr(listener, "port") else int(listener.url.rsplit(":", 1)[1])
    cli.dial("tls+tcp://localhost:%d" % port, block=True)
    exchange(cli, srv)


def test_mutual_tls_with_pynng(sockets, pynng_peer, pki, server_config):
    srv = sockets(nk.Rep0, tls_config=server_config(auth_mode=nk.TLSConfig.AUTH_MODE_REQUIRED,
                                                     ca_string=pki.ca_pem), **T)
    ccfg = pynng_client(pynng_peer, pki, own_cert_string=pki.cert_pem(pki.client),
                        own_key_string=pki.key_pem(pki.client))
    cli = sockets.track(pynng_peer.Req0(tls_config=ccfg, **T))
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    cli.dial("tls+tcp://localhost:%d" % port, block=True)
    cli.send(b"ping")
    msg = srv.recv_msg()
    assert msg.pipe.tls_verified is True and msg.pipe.tls_peer_cn == "nngkit test client"
    srv.send(b"pong")
    assert cli.recv() == b"pong"
