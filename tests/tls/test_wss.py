"""wss:// (WebSocket over TLS): nngkit with nngkit and with pynng (NNG 1.11,
mbedTLS 3.6) in both directions for REQ/REP, PUB/SUB and PAIR1 with 0 B,
64 B, 200 KiB (fragmented) and 3 MiB; the TLS options on wss endpoints and
pipes; refusals (untrusted CA, wrong name, cleartext ws at a wss listener
and the other way round), each closing only its own connection; listeners
sharing a port by path.  Listeners bind 'localhost': a ws listener checks
the Host header against its own host (tls-and-ws.md §4)."""
from __future__ import annotations

from typing import Any, Tuple

import pytest

from tests.helpers.addrs import free_tcp_port
from tests.helpers.fanout import until_all_hear
from tests.helpers.impl import nk
from tests.tls.roundtrip import good_round_trip, rejects
from tests.helpers.payloads import payload

T = {"recv_timeout": 10000, "send_timeout": 10000, "recv_max_size": 0}
PAIRS = {"reqrep": ("Req0", "Rep0"), "pubsub": ("Pub0", "Sub0"), "pair1": ("Pair1", "Pair1")}
BODIES = [b"", payload(64, 1), payload(200 * 1024, 2), payload(3 << 20, 3)]
REFUSED = (nk.AuthenticationError, nk.CryptoError, nk.ConnectionShutdown, nk.ConnectionReset,
           nk.ProtocolError, nk.Closed, nk.Timeout)


def rx(s: Any) -> bytes:
    return s.recv_msg().bytes  # pynng's recv() fails on an empty message


def exchange(kind: str, a: Any, b: Any) -> None:
    """a is the first socket of the pair (REQ, PUB, PAIR1)."""
    if kind == "pubsub":
        b.subscribe(b"")
        until_all_hear(a.send, [b])
    for body in BODIES:
        a.send(body)
        assert rx(b) == body
        if kind != "pubsub":
            b.send(body[::-1] + b"!")
            assert rx(a) == body[::-1] + b"!"


def listen_port(sock: Any, path: str = "/sp") -> int:
    listener = sock.listen("wss://localhost:0" + path)
    return int(listener.url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])


def pynng_configs(pynng: Any, pki: Any) -> Tuple[Any, Any]:
    """(server, client) configurations of pynng's own TLSConfig."""
    srv = pynng.TLSConfig(pynng.TLSConfig.MODE_SERVER, own_cert_string=pki.cert_pem(pki.server),
                          own_key_string=pki.key_pem(pki.server))
    cli = pynng.TLSConfig(pynng.TLSConfig.MODE_CLIENT, server_name="localhost", ca_string=pki.ca_pem)
    return srv, cli


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", sorted(PAIRS))
@pytest.mark.parametrize("first_listens", [True, False], ids=["first-listens", "second-listens"])
def test_nngkit_with_nngkit(sockets, leak_check, server_config, client_config, kind, first_listens):
    first, second = PAIRS[kind]
    a_cfg, b_cfg = (server_config(), client_config()) if first_listens else (client_config(), server_config())
    a = sockets(getattr(nk, first), tls_config=a_cfg, **T)
    b = sockets(getattr(nk, second), tls_config=b_cfg, **T)
    srv, cli = (a, b) if first_listens else (b, a)
    cli.dial("wss://localhost:%d/sp" % listen_port(srv), block=True)
    exchange(kind, a, b)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", sorted(PAIRS))
@pytest.mark.parametrize("nk_first", [True, False], ids=["nngkit-first", "pynng-first"])
@pytest.mark.parametrize("nk_listens", [True, False], ids=["nngkit-listens", "pynng-listens"])
def test_with_pynng(sockets, pynng_peer, pki, server_config, client_config, kind, nk_first, nk_listens):
    first, second = PAIRS[kind]
    p_srv, p_cli = pynng_configs(pynng_peer, pki)
    ours = sockets(getattr(nk, first if nk_first else second),
                   tls_config=server_config() if nk_listens else client_config(), **T)
    theirs = sockets.track(getattr(pynng_peer, second if nk_first else first)(
        tls_config=p_cli if nk_listens else p_srv, **T))
    if nk_listens:
        theirs.dial("wss://localhost:%d/sp" % listen_port(ours), block=True)
    else:
        url = "wss://localhost:%d/sp" % free_tcp_port()  # pynng's ws listener says no port it chose
        theirs.listen(url)
        ours.dial(url, block=True)
    a, b = (ours, theirs) if nk_first else (theirs, ours)
    exchange(kind, a, b)


@pytest.fixture
def wss_rep(sockets, server_config):
    srv = sockets(nk.Rep0, tls_config=server_config(), **T)
    return srv, listen_port(srv)


def test_pipe_tls_information_and_endpoint_options(sockets, pki, server_config):
    """tls-ca-file and tls-server-name given to the dialer as options; the
    pipe says the server was verified and names it."""
    leaf = pki.ca.issue_cert("localhost", common_name="wss test server")
    srv = sockets(nk.Rep0, **T)
    srv.listen("wss://localhost:0/p", tls_cert_key_file=pki.file("both.pem", pki.cert_pem(leaf) + pki.key_pem(leaf)))
    port = int(srv.listeners[0].url.rsplit(":", 1)[1].split("/")[0])
    cli = sockets(nk.Req0, **T)
    d = cli.dial("wss://localhost:%d/p" % port, block=True, tls_ca_file=pki.file("ca.pem", pki.ca_pem),
                 tls_server_name="localhost")
    assert d.tls_server_name == "localhost"
    cli.send(b"q")
    assert srv.recv() == b"q"
    pipe = cli.pipes[0]
    assert pipe.tls_verified is True
    assert pipe.tls_peer_cn == "wss test server"
    assert srv.pipes[0].tls_verified is False  # the server asked for no client certificate


def test_untrusted_server_is_refused(sockets, pki, wss_rep, client_config):
    srv, port = wss_rep
    cli = sockets(nk.Req0, tls_config=client_config(ca_string=pki.other_ca_pem), **T)
    with pytest.raises(nk.AuthenticationError):
        cli.dial("wss://localhost:%d/sp" % port, block=True)
    good_round_trip(srv, "wss://localhost:%d/sp" % port, client_config(), sockets, T)
    rejects(cli, 1)
    rejects(srv, 1, listener=True)


def test_wrong_server_name_is_refused(sockets, wss_rep, client_config):
    srv, port = wss_rep
    cli = sockets(nk.Req0, tls_config=client_config(server_name="other.example"), **T)
    with pytest.raises(nk.AuthenticationError):
        cli.dial("wss://localhost:%d/sp" % port, block=True)
    good_round_trip(srv, "wss://localhost:%d/sp" % port, client_config(), sockets, T)
    rejects(cli, 1)
    rejects(srv, 1, listener=True)


def test_cleartext_ws_peer_at_a_wss_listener(sockets, wss_rep, client_config):
    srv, port = wss_rep
    plain = sockets(nk.Req0, **T)
    with pytest.raises(REFUSED):
        plain.dial("ws://localhost:%d/sp" % port, block=True)
    good_round_trip(srv, "wss://localhost:%d/sp" % port, client_config(), sockets, T)
    rejects(srv, 1, listener=True)  # an HTTP request is no TLS record


def test_wss_peer_at_a_ws_listener(sockets, client_config):
    srv = sockets(nk.Rep0, **T)
    port = int(srv.listen("ws://localhost:0/sp").url.rsplit(":", 1)[1].split("/")[0])
    cli = sockets(nk.Req0, tls_config=client_config(), **T)
    cli.handshake_timeout = 3000  # the ws listener waits 2 s for an HTTP head that never comes
    with pytest.raises(REFUSED):
        cli.dial("wss://localhost:%d/sp" % port, block=True)
    good_round_trip(srv, "ws://localhost:%d/sp" % port, None, sockets, T)
    st = srv.stats()  # a ClientHello is no HTTP head: dropped at the end of the head's time, or when it is
    assert st.rejects + st.handshake_timeouts == 1, st  # too large, whichever comes first


def test_listeners_share_a_port_by_path(sockets, server_config, client_config):
    """Two wss listeners on one port with the same TLSConfig: one TLS server
    serves both paths."""
    cfg = server_config()
    one, two = sockets(nk.Rep0, tls_config=cfg, **T), sockets(nk.Rep0, tls_config=cfg, **T)
    port = listen_port(one, "/one")
    two.listen("wss://localhost:%d/two" % port)
    good_round_trip(one, "wss://localhost:%d/one" % port, client_config(), sockets, T)
    good_round_trip(two, "wss://localhost:%d/two" % port, client_config(), sockets, T)


def test_one_tls_configuration_per_shared_port(sockets, server_config):
    """A second listener bringing a different configuration is refused
    (Busy); a ws listener cannot share a wss listener's port."""
    one = sockets(nk.Rep0, tls_config=server_config(), **T)
    port = listen_port(one, "/one")
    other = sockets(nk.Rep0, tls_config=server_config(), **T)
    with pytest.raises(nk.Busy):
        other.listen("wss://localhost:%d/two" % port)
    plain = sockets(nk.Rep0, **T)
    with pytest.raises(nk.AddressInUse):
        plain.listen("ws://localhost:%d/three" % port)

