"""SP connection header: sent unprompted, validated, bad peers dropped (sp-wire-protocol.md §2)."""
from __future__ import annotations

import time

import pytest

from tests.helpers.addrs import ipc_dir
from tests.helpers.impl import nk
from tests.helpers.raw import PAIR0, PUB0, REP0, REQ0, RawConn, RawListener, sp_header
from tests.helpers.sync import Catcher
from tests.helpers.wirecheck import expect_header, raw_pair_roundtrip, raw_req_roundtrip

PROTOS = [(nk.Req0, REQ0), (nk.Rep0, REP0), (nk.Pair0, PAIR0)]
PROTO_IDS = ["req0", "rep0", "pair0"]

BAD_HEADERS = {
    "bad-magic": b"\x00SQ\x00\x00\x30\x00\x00",
    "bad-magic-first-byte": b"\x01SP\x00\x00\x30\x00\x00",
    "version-1": sp_header(REQ0, version=1),
    "reserved-0001": sp_header(REQ0, reserved=0x0001),
    "reserved-0100": sp_header(REQ0, reserved=0x0100),
    "http-request": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
}
WRONG_PROTOCOL = {"pub0": PUB0, "rep0-to-rep0": REP0, "unknown-0abc": 0x0ABC, "zero": 0}


@pytest.mark.parametrize("scheme", ["tcp", "ipc", "tcp6"])
@pytest.mark.parametrize("cls,proto", PROTOS, ids=PROTO_IDS)
def test_listener_sends_header_unprompted(serve, scheme, cls, proto):
    _, url = serve(cls, scheme)
    with RawConn.connect(url) as c:
        # we send nothing at all: the header must still arrive
        assert c.read_header(timeout=2.0) == sp_header(proto)


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
@pytest.mark.parametrize("cls,proto", PROTOS, ids=PROTO_IDS)
def test_dialer_sends_header_unprompted(sockets, scheme, cls, proto):
    lst = RawListener(scheme, ipc_dir())
    try:
        s = sockets(cls)
        s.dial(lst.url, block=False)
        with lst.accept() as c:
            assert c.read_header(timeout=2.0) == sp_header(proto)
    finally:
        lst.close()


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_handshake_accepted_either_order(serve, scheme):
    rep, url = serve(nk.Rep0, scheme)
    # ours first, before reading theirs
    with RawConn.connect(url) as c:
        c.send_header(REQ0)
        expect_header(c, REP0)
        c.send_frame(b"\x80\x00\x00\x05" + b"first")
        assert rep.recv() == b"first"
        rep.send(b"r")
        assert c.read_frame() == b"\x80\x00\x00\x05r"
    # theirs first, then ours
    raw_req_roundtrip(rep, url)


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
@pytest.mark.parametrize("bad", list(BAD_HEADERS), ids=list(BAD_HEADERS))
def test_bad_header_closes_and_listener_keeps_serving(serve, scheme, bad):
    rep, url = serve(nk.Rep0, scheme)
    with RawConn.connect(url) as c:
        expect_header(c, REP0)
        c.send(BAD_HEADERS[bad])
        waited = c.expect_closed(timeout=3.0)
        assert waited < 1.5, f"closed only after {waited:.2f}s"
    raw_req_roundtrip(rep, url)


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
@pytest.mark.parametrize("peer", list(WRONG_PROTOCOL), ids=list(WRONG_PROTOCOL))
def test_wrong_protocol_closes_and_listener_keeps_serving(serve, scheme, peer):
    rep, url = serve(nk.Rep0, scheme)
    with RawConn.connect(url) as c:
        expect_header(c, REP0)
        c.send_header(WRONG_PROTOCOL[peer])
        waited = c.expect_closed(timeout=3.0)
        assert waited < 1.5, f"closed only after {waited:.2f}s"
    raw_req_roundtrip(rep, url)


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_pair0_second_peer_gets_header_then_close(serve, scheme):
    pair, url = serve(nk.Pair0, scheme)
    with RawConn.connect(url) as first:
        expect_header(first, PAIR0)
        first.send_header(PAIR0)
        first.send_frame(b"one")
        assert pair.recv() == b"one"  # the first pipe is attached
        with RawConn.connect(url) as second:
            expect_header(second, PAIR0)
            second.send_header(PAIR0)
            second.expect_closed(timeout=3.0)
        # the first peer keeps working both ways
        pair.send(b"two")
        assert first.read_frame() == b"two"
        first.send_frame(b"three")
        assert pair.recv() == b"three"


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_blocking_dial_to_bad_header_raises_protocol_error(sockets, scheme):
    lst = RawListener(scheme, ipc_dir())
    try:
        req = sockets(nk.Req0)
        dialing = Catcher(lambda: req.dial(lst.url, block=True))
        dialing.start()
        with lst.accept() as c:
            expect_header(c, REQ0)
            c.send(b"\x00SP\x07\x00\x31\x00\x00")  # bad version byte
            dialing.finish(timeout=5.0)
        assert isinstance(dialing.error, nk.ProtocolError), repr(dialing.error)
    finally:
        lst.close()


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_dialer_to_wrong_protocol_is_dropped(sockets, scheme):
    """A valid header of the wrong protocol: the impl (as dialer) closes the connection."""
    lst = RawListener(scheme, ipc_dir())
    try:
        req = sockets(nk.Req0, reconnect_time_min=5000)
        req.dial(lst.url, block=False)
        with lst.accept() as c:
            expect_header(c, REQ0)
            c.send_header(PUB0)
            c.expect_closed(timeout=3.0)
    finally:
        lst.close()


@pytest.mark.nngkit_only
def test_handshake_timeout_default_is_10s(sockets):
    assert sockets(nk.Rep0).handshake_timeout == 10000


@pytest.mark.nngkit_only
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
@pytest.mark.parametrize("sent", [b"", b"\x00SP\x00"], ids=["silent", "half-header"])
def test_silent_peer_dropped_after_handshake_timeout(serve, scheme, sent):
    rep, url = serve(nk.Rep0, scheme, handshake_timeout=300)
    start = time.monotonic()
    with RawConn.connect(url) as c:
        c.send(sent)
        expect_header(c, REP0)
        c.expect_closed(timeout=5.0)
        waited = time.monotonic() - start
    assert waited >= 0.29, f"dropped after {waited:.3f}s, before the 300 ms handshake timeout"
    assert waited < 3.0, f"dropped only after {waited:.3f}s (handshake timeout 300 ms)"
    raw_req_roundtrip(rep, url)


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_pair0_good_peer_after_bad_ones(serve, scheme):
    pair, url = serve(nk.Pair0, scheme)
    for bad in (BAD_HEADERS["version-1"], sp_header(REQ0)):
        with RawConn.connect(url) as c:
            expect_header(c, PAIR0)
            c.send(bad)
            c.expect_closed(timeout=3.0)
    raw_pair_roundtrip(pair, url)

