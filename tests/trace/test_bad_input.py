"""Bad input through the proxy: garbage, a huge length claim, a stream cut mid-frame, a bad ipc type byte.

Each is reported as such, the relay still passes the bytes on unchanged (so
the real peer reacts as it would without the tracer), and the proxy keeps
serving the next client.
"""
from __future__ import annotations

import socket
from typing import Any

import pytest

import nngkit
from nngtrace import Tracer
from tests.helpers import addrs
from tests.helpers.raw import RawConn

REQ_HS = bytes.fromhex("0053500000300000")


def _raw_client(url: str) -> socket.socket:
    s = RawConn.connect(url).sock  # tcp or ipc, as the tracer listens
    s.settimeout(5)
    return s


def _recv_exact(s: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        assert chunk, "closed after %r" % out
        out += chunk
    return out


def _closed(s: socket.socket) -> bool:
    """The peer closed: FIN, or RST when unread bytes were left (both mean closed, sp-wire-protocol.md 2.4)."""
    try:
        return s.recv(100) == b""
    except ConnectionResetError:
        return True


def _still_serves(t: Tracer, rep: Any, sockets: Any) -> None:
    req = sockets(nngkit.Req0, recv_timeout=5000)
    req.dial(t.url, block=True)
    req.send(b"ok?")
    rep.send(rep.recv())
    assert req.recv() == b"ok?"


@pytest.mark.parametrize("scheme", addrs.STREAM_SCHEMES)
def test_garbage_huge_claim_and_cut(scheme: str, sockets: Any, tracer_loop: str) -> None:
    rep = sockets(nngkit.Rep0, recv_timeout=5000)
    url = str(rep.listen(addrs.make_addr(scheme)).url)
    ipc = scheme == "ipc"
    with Tracer(addrs.make_addr(scheme), url, loop=tracer_loop) as t:
        with _raw_client(t.url) as s:  # garbage instead of a header
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _recv_exact(s, 8) == bytes.fromhex("0053500000310000")  # relayed: the REP's header came back
            assert _closed(s)  # nngkit closed on the bad header, and the proxy passed that on
            verdict = t.wait_for(lambda e: e.event == "verdict")
        t.wait_for(lambda e: e.event == "close" and e.conn == verdict.conn)
        assert "bad magic 47 45 54" in verdict.text and "this looks like HTTP" in verdict.text
        with _raw_client(t.url) as s:  # a huge claim, then the stream ends
            s.sendall(REQ_HS + (b"\x01" if ipc else b"") + (1 << 62).to_bytes(8, "big") + b"abc")
            claim = t.wait_for(lambda e: e.event == "claim")
            s.shutdown(socket.SHUT_WR)
            cut = t.wait_for(lambda e: e.event == "cut")
        assert claim.data["len"] == 1 << 62 and claim.dir == "up"
        assert cut.text == "stream ended inside a frame: 3 of %d bytes" % (1 << 62)
        _still_serves(t, rep, sockets)


def test_bad_ipc_type_byte(sockets: Any, tracer_loop: str) -> None:
    rep = sockets(nngkit.Rep0, recv_timeout=5000)
    url = str(rep.listen(addrs.make_addr("ipc")).url)
    with Tracer(addrs.make_addr("ipc"), url, loop=tracer_loop) as t:
        with _raw_client(t.url) as s:
            s.sendall(REQ_HS + b"\x02" + (4).to_bytes(8, "big") + b"\x80\x00\x00\x01")
            broken = t.wait_for(lambda e: e.event == "broken")
            _recv_exact(s, 8)
            assert _closed(s)  # nngkit closed, as NNG does
        assert broken.text == "ipc message type 0x02, NNG accepts only 0x01" and broken.data["offset"] == 8
        _still_serves(t, rep, sockets)


def test_malformed_backtrace_is_explained(sockets: Any, tracer_loop: str) -> None:
    rep = sockets(nngkit.Rep0, recv_timeout=5000)
    url = str(rep.listen("tcp://127.0.0.1:0").url)
    with Tracer("tcp://127.0.0.1:0", url, loop=tracer_loop) as t:
        with _raw_client(t.url) as s:
            s.sendall(REQ_HS + (6).to_bytes(8, "big") + b"\x00\x00\x00\x01hi")
            msg = t.wait_for(lambda e: e.event == "message")
            _recv_exact(s, 8)
            assert _closed(s)  # nngkit closed on the malformed request
    assert msg.hdr.problem == "backtrace without an end word (no word with the top bit set): NNG closes this connection"
