"""What a TLS endpoint refuses, and that a refusal closes only that one
connection: an untrusted or misnamed server, a client without the required
certificate, a revoked certificate, a cleartext peer at a TLS listener, a
TLS peer at a tcp listener, a peer that never speaks.  After each, the same
listener still serves a good peer, and each refusal is counted (rejects) on
the listener that refused and, for a failed verification, on the dialer."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.helpers.impl import nk
from tests.tls.roundtrip import good_round_trip, rejects

T = {"recv_timeout": 5000, "send_timeout": 5000}
REFUSED = (nk.AuthenticationError, nk.CryptoError, nk.ConnectionShutdown, nk.ConnectionReset,
           nk.ProtocolError, nk.Closed)


@pytest.fixture
def tls_rep(sockets, server_config):
    srv = sockets(nk.Rep0, tls_config=server_config(), **T)
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    return srv, port


def test_untrusted_server_is_refused(sockets, pki, tls_rep, client_config):
    srv, port = tls_rep
    cli = sockets(nk.Req0, tls_config=client_config(ca_string=pki.other_ca_pem), **T)
    with pytest.raises(nk.AuthenticationError):
        cli.dial("tls+tcp://localhost:%d" % port, block=True)
    good_round_trip(srv, "tls+tcp://localhost:%d" % port, client_config(), sockets, T)
    rejects(cli, 1)
    rejects(srv, 1, listener=True)  # the client's alert (unknown CA) ended the server's handshake


def test_wrong_server_name_is_refused(sockets, tls_rep, client_config):
    srv, port = tls_rep
    cli = sockets(nk.Req0, tls_config=client_config(server_name="other.example"), **T)
    with pytest.raises(nk.AuthenticationError):
        cli.dial("tls+tcp://127.0.0.1:%d" % port, block=True)
    d = sockets(nk.Req0, tls_config=client_config(), **T)
    with pytest.raises(nk.AuthenticationError):  # the dialer's own name, set by option
        d.dial("tls+tcp://localhost:%d" % port, block=True, tls_server_name="not-localhost")
    good_round_trip(srv, "tls+tcp://localhost:%d" % port, client_config(), sockets, T)
    rejects(cli, 1)
    rejects(d, 1)
    rejects(srv, 2, listener=True)


def test_client_without_required_certificate(sockets, pki, server_config, client_config):
    srv = sockets(nk.Rep0, tls_config=server_config(auth_mode=nk.TLSConfig.AUTH_MODE_REQUIRED,
                                                     ca_string=pki.ca_pem), **T)
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    cli = sockets(nk.Req0, tls_config=client_config(), **T)
    with pytest.raises(REFUSED):
        cli.dial("tls+tcp://localhost:%d" % port, block=True)
    good = client_config(own_cert_string=pki.cert_pem(pki.client), own_key_string=pki.key_pem(pki.client))
    good_round_trip(srv, "tls+tcp://localhost:%d" % port, good, sockets, T)
    rejects(srv, 1, listener=True)


def test_client_certificate_from_an_untrusted_ca(sockets, pki, server_config, client_config):
    srv = sockets(nk.Rep0, tls_config=server_config(auth_mode=nk.TLSConfig.AUTH_MODE_REQUIRED,
                                                     ca_string=pki.ca_pem), **T)
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    stranger = pki.other_ca.issue_cert("client.example")
    cli = sockets(nk.Req0, tls_config=client_config(own_cert_string=pki.cert_pem(stranger),
                                                    own_key_string=pki.key_pem(stranger)), **T)
    with pytest.raises(REFUSED):
        cli.dial("tls+tcp://localhost:%d" % port, block=True)
    rejects(srv, 1, listener=True)


def test_cleartext_peer_at_a_tls_listener(sockets, tls_rep, client_config):
    srv, port = tls_rep
    plain = sockets(nk.Req0, **T)
    with pytest.raises(REFUSED):
        plain.dial("tcp://127.0.0.1:%d" % port, block=True)
    good_round_trip(srv, "tls+tcp://localhost:%d" % port, client_config(), sockets, T)
    rejects(srv, 1, listener=True)  # an SP header is no TLS record


def test_tls_peer_at_a_tcp_listener(sockets, client_config):
    srv = sockets(nk.Rep0, **T)
    port = srv.listen("tcp://127.0.0.1:0").port
    cli = sockets(nk.Req0, tls_config=client_config(), **T)
    with pytest.raises(REFUSED):
        cli.dial("tls+tcp://localhost:%d" % port, block=True)
    good_round_trip(srv, "tcp://127.0.0.1:%d" % port, None, sockets, T)
    rejects(srv, 1, listener=True)  # a ClientHello is no SP header


def test_silent_peer_is_dropped_within_the_handshake_timeout(sockets, server_config, client_config):
    srv = sockets(nk.Rep0, tls_config=server_config(), **T)
    srv.handshake_timeout = 300
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        start = time.monotonic()
        assert raw.recv(1) == b""  # closed by the listener, not by the 5 s timeout
        assert 0.2 < time.monotonic() - start < 3.0
    srv.handshake_timeout = 10000  # a slow (sanitized) handshake of the good peer is not the point here
    good_round_trip(srv, "tls+tcp://localhost:%d" % port, client_config(), sockets, T)
    st, ls = srv.stats(), srv.listeners[0].stats()
    assert (st.handshake_timeouts, ls.handshake_timeouts, st.rejects, ls.rejects) == (1, 1, 0, 0)


def test_revoked_server_certificate(sockets, pki, tmp_path, client_config):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    import datetime
    leaf = pki.ca.issue_cert("localhost")
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    ca_key = serialization.load_pem_private_key(pki.ca.private_key_pem.bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(pki.ca.cert_pem.bytes())
    now = datetime.datetime.now(datetime.timezone.utc)
    revoked = x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(now).build()
    crl = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject).last_update(now)
           .next_update(now + datetime.timedelta(days=1)).add_revoked_certificate(revoked)
           .sign(ca_key, hashes.SHA256()))
    crl_pem = crl.public_bytes(serialization.Encoding.PEM).decode()
    srv = sockets(nk.Rep0, tls_config=nk.TLSConfig(nk.TLSConfig.MODE_SERVER, own_cert_string=pki.cert_pem(leaf),
                                                    own_key_string=pki.key_pem(leaf)), **T)
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    cfg = nk.TLSConfig(nk.TLSConfig.MODE_CLIENT)
    cfg.set_ca_chain(pki.ca_pem, crl_pem)
    cli = sockets(nk.Req0, tls_config=cfg, **T)
    with pytest.raises(nk.AuthenticationError):
        cli.dial("tls+tcp://localhost:%d" % port, block=True)
    good_round_trip(srv, "tls+tcp://localhost:%d" % port, client_config(), sockets, T)
    rejects(cli, 1)
    rejects(srv, 1, listener=True)  # the client's alert (certificate revoked)


def test_server_closing_in_the_handshake_fails_the_dial(sockets, client_config):
    """A server that reads the ClientHello and closes (FIN, no alert): the
    dial fails at once, not after the handshake timeout (the stream's end
    was once a write of 0 bytes, retried for ever on the reactor)."""
    with socket.socket() as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        ls.settimeout(10)

        def serve() -> None:
            conn, _ = ls.accept()
            with conn:
                conn.settimeout(10)
                conn.recv(65536)

        server = threading.Thread(target=serve)
        server.start()
        cli = sockets(nk.Req0, tls_config=client_config(), **T)
        start = time.monotonic()
        with pytest.raises(REFUSED):
            cli.dial("tls+tcp://localhost:%d" % ls.getsockname()[1], block=True)
        assert time.monotonic() - start < 5.0
        server.join(10)
        assert not server.is_alive()
