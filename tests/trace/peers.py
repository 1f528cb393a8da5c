"""Peers for trace tests: a REP server and a REQ client in pynng, nngkit or Debian's nngcat.

In-process servers answer b"pong:" + request once; nngcat answers b"pong".
Readiness comes from real events: a blocking dial, nngcat's -v line.
Over tls+tcp and wss (``certs`` given) servers show the test server
certificate and clients trust the test CA; every TLS URL names 'localhost'
(mbedTLS 2.28 in Debian's nngcat does not match IP addresses, and a ws
listener checks the Host header against its own host).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

import nngkit
from tests.helpers import addrs, peers
from tests.helpers.sync import Catcher

IMPLS = ("pynng", "nngkit", "nngcat")
TLS_SCHEMES = ("tls+tcp", "wss")


@dataclass(frozen=True)
class Certs:
    """PEM texts and files of the run's test PKI (tests/tls/pki.py)."""

    ca_pem: str
    cert_pem: str
    key_pem: str
    ca: str        # files
    other_ca: str  # a CA that signed nothing here
    cert: str
    key: str
    both: str      # certificate then key, in one file (nngcat's --cert alone)


def make_certs(directory: str) -> Certs:
    from tests.tls.pki import make_pki

    pki = make_pki(directory)
    cert, key = pki.cert_pem(pki.server), pki.key_pem(pki.server)
    return Certs(pki.ca_pem, cert, key, pki.file("ca.pem", pki.ca_pem), pki.file("other.pem", pki.other_ca_pem),
                 pki.file("cert.pem", cert), pki.file("key.pem", key), pki.file("both.pem", cert + key))


def tls_config(impl: str, certs: Certs, server: bool) -> Any:
    m = module(impl)
    if server:
        return m.TLSConfig(m.TLSConfig.MODE_SERVER, own_cert_string=certs.cert_pem, own_key_string=certs.key_pem)
    return m.TLSConfig(m.TLSConfig.MODE_CLIENT, server_name="localhost", ca_string=certs.ca_pem)


def _cat_tls(certs: Optional[Certs], server: bool) -> List[str]:
    if certs is None:
        return []
    return ["--cert", certs.both] if server else ["--cacert", certs.ca]


def _sock_tls(impl: str, certs: Optional[Certs], server: bool) -> Any:
    return {} if certs is None else {"tls_config": tls_config(impl, certs, server)}


def module(impl: str) -> Any:
    return peers.require_pynng() if impl == "pynng" else nngkit


def server_url(impl: str, scheme: str) -> str:
    if scheme == "ipc":
        return addrs.make_addr("ipc")
    if scheme in ("ws", "wss"):  # pynng's listener url keeps a port 0, so it gets a fixed one too
        host = "localhost" if scheme == "wss" else "127.0.0.1"
        return "%s://%s:%d/sp" % (scheme, host, 0 if impl == "nngkit" else addrs.free_tcp_port())
    if scheme == "tls+tcp":
        return "tls+tcp://localhost:%d" % (0 if impl == "nngkit" else addrs.free_tcp_port())
    if impl == "nngcat":
        return "tcp://127.0.0.1:%d" % addrs.free_tcp_port()
    return "tcp://127.0.0.1:0"


def listen_url(scheme: str) -> str:
    """Where the tracer listens: a fresh address (ws: the same path as the servers', which it relays)."""
    return {"ws": "ws://127.0.0.1:0/sp", "wss": "wss://localhost:0/sp",
            "tls+tcp": "tls+tcp://localhost:0"}.get(scheme) or addrs.make_addr(scheme)


def start_rep(impl: str, scheme: str, procs: Callable[..., Any], sockets: Any,
              certs: Optional[Certs] = None) -> Tuple[str, bytes, Any]:
    """(url, reply body expected for b"ping", a handle to finish) of a REP serving one request."""
    url = server_url(impl, scheme)
    if impl == "nngcat":
        cat = peers.require_peer("nngcat")
        p = procs(peers.unbuffered([cat, "--rep0", "--listen", url, "--data", "pong", "--count", "1", "-v",
                                    *_cat_tls(certs, True)]))
        line = p.readline()
        assert line.startswith(b"Listening at"), line
        return url, b"pong", p
    sock = sockets(module(impl).Rep0, recv_timeout=5000, send_timeout=5000, **_sock_tls(impl, certs, True))
    listener = sock.listen(url)
    bound = str(listener.url) if impl == "nngkit" or scheme in ("tcp", "ipc") else url  # (pynng keeps a ws port 0)

    def serve() -> bytes:
        m = sock.recv()
        sock.send(b"pong:" + m)
        return bytes(m)

    c = Catcher(serve)
    c.start()
    return bound, b"pong:ping", c


def req_once(impl: str, url: str, procs: Callable[..., Any], sockets: Any, certs: Optional[Certs] = None) -> bytes:
    """Send b"ping" as a REQ dialer; return the reply body."""
    if impl == "nngcat":
        cat = peers.require_peer("nngcat")
        argv = [cat, "--req0", "--dial", url, "--data", "ping", "--raw", *_cat_tls(certs, False)]
        rc, out, err = procs(argv).finish()
        assert rc == 0, err
        return bytes(out)
    sock = sockets(module(impl).Req0, recv_timeout=5000, send_timeout=5000, **_sock_tls(impl, certs, False))
    sock.dial(url, block=True)
    sock.send(b"ping")
    return bytes(sock.recv())
