"""A peer that stops inside a TLS record, alive and silent, must not stall
nngkit.  OpenSSL reads ahead: the start of a record sits in its buffer and
SSL_has_pending() says so, but a read wants the rest from the fd.  The
engine once called that "pending" bytes, so the pipe read again at once,
for ever, on the reactor with the core's lock held: every other pipe,
every timer (the handshake timeout too) and every close (which takes that
lock) waited behind it.  Found as a hang in a pytest teardown.

Each test first proves that the stalled pipe does not hold up anything else,
then that closing returns.  Before the fix, each of these hung."""
from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from typing import Any, Callable

import pytest

from tests.helpers.impl import nk
from tests.tls.roundtrip import good_round_trip

T = {"recv_timeout": 5000, "send_timeout": 5000}
RECORD_START = b"\x16\x03\x01"  # a handshake record's type and version: its length never comes
REQ0_HEADER = b"\x00SP\x00\x00\x30\x00\x00"  # SP header of a REQ0 peer


def returns_within(fn: Callable[[], Any], seconds: float) -> bool:
    """Runs fn in a thread: a call stuck in a frozen core cannot take the test with it."""
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    t.join(seconds)
    return not t.is_alive()


@pytest.mark.parametrize("scheme", ["tls+tcp", "wss"])
def test_listener_with_a_client_stopped_inside_the_first_record(sockets, server_config, client_config, scheme):
    srv = sockets(nk.Rep0, tls_config=server_config(), **T)
    srv.handshake_timeout = 500
    url = srv.listen("%s://localhost:0%s" % (scheme, "/sp" if scheme == "wss" else "")).url
    port = int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(RECORD_START)
        start = time.monotonic()
        assert raw.recv(1) == b""  # dropped by the handshake timeout, which runs on the reactor
        assert time.monotonic() - start < 3.0
    srv.handshake_timeout = 10000  # from here, a stalled client stays while the good one's handshake runs
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(RECORD_START)
        assert returns_within(lambda: good_round_trip(srv, url, client_config(), sockets, T), 10)
        assert returns_within(srv.close, 5)


def test_dialer_with_a_server_stopped_inside_the_first_record(sockets, client_config):
    with socket.socket() as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        ls.settimeout(10)
        done = threading.Event()

        def serve() -> None:
            conn, _ = ls.accept()
            with conn:
                conn.sendall(RECORD_START)
                done.wait(10)

        server = threading.Thread(target=serve)
        server.start()
        cli = sockets(nk.Req0, tls_config=client_config(), **T)
        cli.handshake_timeout = 500
        start = time.monotonic()
        with pytest.raises((nk.Timeout, nk.ConnectionShutdown, nk.CryptoError)):
            cli.dial("tls+tcp://localhost:%d" % ls.getsockname()[1], block=True)
        assert time.monotonic() - start < 5.0
        assert returns_within(cli.close, 5)
        done.set()
        server.join(10)
        assert not server.is_alive()


class MemoryTLSClient:
    """A TLS client whose records the test writes to the socket itself, in pieces if it likes."""

    def __init__(self, port: int, ca_pem: str) -> None:
        ctx = ssl.create_default_context(cadata=ca_pem)
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname="localhost")
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self._until(self.tls.do_handshake)

    def _until(self, step: Callable[[], Any]) -> Any:
        for _ in range(100):  # a handshake takes a few rounds; each waits at most the socket's timeout
            try:
                result = step()
                self.flush()
                return result
            except ssl.SSLWantReadError:
                self.flush()
                data = self.sock.recv(65536)
                assert data, "the server closed the connection"
                self.incoming.write(data)
        raise AssertionError("no progress after 100 rounds")

    def flush(self) -> None:
        if self.outgoing.pending:
            self.sock.sendall(self.outgoing.read())

    def read(self, n: int) -> bytes:
        return bytes(self._until(lambda: self.tls.read(n)))

    def record(self, data: bytes) -> bytes:
        """`data` as the TLS records to send, not sent yet."""
        self.tls.write(data)
        return self.outgoing.read()


def test_established_pipe_stopped_inside_a_record(sockets, pki, server_config, client_config):
    srv = sockets(nk.Rep0, tls_config=server_config(), **T)
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    client = MemoryTLSClient(port, pki.ca_pem)
    try:
        client.sock.sendall(client.record(REQ0_HEADER))
        assert client.read(8) == b"\x00SP\x00\x00\x31\x00\x00"  # REP0's header: the SP handshake is done
        body = b"held back"
        wire = client.record(struct.pack(">QI", 4 + len(body), 0x80000001) + body)
        client.sock.sendall(wire[:-1])  # all but the record's last byte
        assert returns_within(lambda: good_round_trip(srv, "tls+tcp://localhost:%d" % port, client_config(),
                                                      sockets, T), 10)
        client.sock.sendall(wire[-1:])
        assert srv.recv() == body  # the rest came by the fd, and the record was read then
    finally:
        client.sock.close()
    assert returns_within(srv.close, 5)
