"""Peers for trace tests: a REP server and a REQ client in pynng, nngkit or Debian's nngcat.

In-process servers answer b"pong:" + request once; nngcat answers b"pong".
Readiness comes from real events: a blocking dial, nngcat's -v line.
"""
from __future__ import annotations

from typing import Any, Callable, Tuple

import nngkit
from tests.helpers import addrs, peers
from tests.helpers.sync import Catcher

IMPLS = ("pynng", "nngkit", "nngcat")


def module(impl: str) -> Any:
    return peers.require_pynng() if impl == "pynng" else nngkit


def server_url(impl: str, scheme: str) -> str:
    if scheme == "ipc":
        return addrs.make_addr("ipc")
    if scheme == "ws":  # pynng's listener url keeps a port 0, so it gets a fixed one too
        return "ws://127.0.0.1:%d/sp" % (0 if impl == "nngkit" else addrs.free_tcp_port())
    if impl == "nngcat":
        return "tcp://127.0.0.1:%d" % addrs.free_tcp_port()
    return "tcp://127.0.0.1:0"


def listen_url(scheme: str) -> str:
    """Where the tracer listens: a fresh address (ws: the same path as the servers', which it relays)."""
    return "ws://127.0.0.1:0/sp" if scheme == "ws" else addrs.make_addr(scheme)


def start_rep(impl: str, scheme: str, procs: Callable[..., Any], sockets: Any) -> Tuple[str, bytes, Any]:
    """(url, reply body expected for b"ping", a handle to finish) of a REP serving one request."""
    url = server_url(impl, scheme)
    if impl == "nngcat":
        cat = peers.require_peer("nngcat")
        p = procs(peers.unbuffered([cat, "--rep0", "--listen", url, "--data", "pong", "--count", "1", "-v"]))
        line = p.readline()
        assert line.startswith(b"Listening at"), line
        return url, b"pong", p
    sock = sockets(module(impl).Rep0, recv_timeout=5000, send_timeout=5000)
    bound = str(sock.listen(url).url)

    def serve() -> bytes:
        m = sock.recv()
        sock.send(b"pong:" + m)
        return bytes(m)

    c = Catcher(serve)
    c.start()
    return bound, b"pong:ping", c


def req_once(impl: str, url: str, procs: Callable[..., Any], sockets: Any) -> bytes:
    """Send b"ping" as a REQ dialer; return the reply body."""
    if impl == "nngcat":
        cat = peers.require_peer("nngcat")
        rc, out, err = procs([cat, "--req0", "--dial", url, "--data", "ping", "--raw"]).finish()
        assert rc == 0, err
        return bytes(out)
    sock = sockets(module(impl).Req0, recv_timeout=5000, send_timeout=5000)
    sock.dial(url, block=True)
    sock.send(b"ping")
    return bytes(sock.recv())
