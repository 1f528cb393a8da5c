"""REQ0/REP0 headers on the wire: request ids, resend, backtraces (§7.1)."""
from __future__ import annotations

import time

import pytest

from tests.helpers.impl import nk
from tests.helpers.raw import REP0, REQ0, RawConn, word
from tests.helpers.wirecheck import expect_header, raw_req_roundtrip

STREAMS = ["tcp", "ipc"]
TOP = 0x80000000


def req_peer(url: str) -> RawConn:
    c = RawConn.connect(url)
    expect_header(c, REP0)
    c.send_header(REQ0)
    return c


def rep_peer(url: str) -> RawConn:
    c = RawConn.connect(url)
    expect_header(c, REQ0)
    c.send_header(REP0)
    return c


def split_id(payload: bytes):
    return int.from_bytes(payload[:4], "big"), payload[4:]


@pytest.mark.parametrize("scheme", STREAMS)
def test_req_ids_have_top_bit_and_increment(serve, scheme):
    req, url = serve(nk.Req0, scheme)
    ids = []
    with rep_peer(url) as c:
        for i in range(6):
            body = b"q%d" % i
            req.send(body)
            rid, got = split_id(c.read_frame())
            assert got == body
            assert rid & TOP, f"request id {rid:#010x} lacks the top bit"
            ids.append(rid)
            c.send_frame(word(rid) + b"a%d" % i)
            assert req.recv() == b"a%d" % i
    for prev, nxt in zip(ids, ids[1:]):
        assert nxt == (prev + 1 if prev != 0xFFFFFFFF else TOP), [hex(i) for i in ids]


@pytest.mark.parametrize("scheme", STREAMS)
def test_req_drops_unknown_and_stale_replies(serve, scheme):
    req, url = serve(nk.Req0, scheme)
    with rep_peer(url) as c:
        req.send(b"one")
        rid, _ = split_id(c.read_frame())
        c.send_frame(word(rid ^ 0x5A5A) + b"unknown id")   # dropped, pipe kept
        c.send_frame(word(rid) + b"right")
        assert req.recv() == b"right"
        req.send(b"two")
        rid2, _ = split_id(c.read_frame())
        c.send_frame(word(rid) + b"stale")                # old id: dropped
        c.send_frame(word(rid2) + b"right2")
        assert req.recv() == b"right2"


@pytest.mark.parametrize("scheme", STREAMS)
def test_req_resends_same_bytes_after_resend_time(serve, scheme):
    req, url = serve(nk.Req0, scheme, resend_time=300)
    with rep_peer(url) as c:
        req.send(b"again?")
        first = c.read_frame()
        t0 = time.monotonic()
        second = c.read_frame(timeout=3.0)
        waited = time.monotonic() - t0
        assert second == first, f"resend {second.hex()} != original {first.hex()}"
        assert waited >= 0.25, f"resent after {waited:.3f}s, before resend_time 300 ms"
        c.send_frame(second[:4] + b"finally")
        assert req.recv() == b"finally"


@pytest.mark.parametrize("scheme", STREAMS)
def test_rep_echoes_multiword_backtrace_verbatim(serve, scheme):
    rep, url = serve(nk.Rep0, scheme)
    bt = bytes.fromhex("00000007 00001234 80000002")
    with req_peer(url) as c:
        c.send_frame(bt + b"hop")
        assert rep.recv() == b"hop"
        rep.send(b"hop-reply")
        assert c.read_frame() == bt + b"hop-reply"


@pytest.mark.parametrize("scheme", STREAMS)
def test_rep_accepts_ttl_max_words_and_drops_longer(serve, scheme):
    rep, url = serve(nk.Rep0, scheme)
    hops = b"".join(word(h) for h in range(1, 9))      # 8 hop words + id = 9 words
    with req_peer(url) as c:
        c.send_frame(hops + word(0x80000009) + b"too far")
        eight = b"".join(word(h) for h in range(1, 8)) + word(0x80000008)
        c.send_frame(eight + b"just fits")
        assert rep.recv() == b"just fits"              # the 9-word one never arrives
        rep.send(b"ok")
        assert c.read_frame() == eight + b"ok"         # and the pipe was kept


MALFORMED = {
    "no-top-bit-word": bytes.fromhex("00000007 00000008"),
    "trailing-partial-word": bytes.fromhex("00000007") + b"hi",
    "three-bytes": b"\x80\x00\x00",
    "empty": b"",
}


@pytest.mark.parametrize("scheme", STREAMS)
@pytest.mark.parametrize("payload", list(MALFORMED), ids=list(MALFORMED))
def test_rep_closes_pipe_on_malformed_backtrace(serve, scheme, payload):
    rep, url = serve(nk.Rep0, scheme)
    with req_peer(url) as c:
        c.send_frame(MALFORMED[payload])
        c.expect_closed(timeout=3.0)
    raw_req_roundtrip(rep, url)


@pytest.mark.parametrize("scheme", STREAMS)
def test_rep_routes_replies_to_their_pipes(serve, scheme):
    rep, url = serve(nk.Rep0, scheme)
    with req_peer(url) as a, req_peer(url) as b:
        a.send_frame(word(0x80000aaa) + b"from a")
        got = rep.recv()
        assert got == b"from a"
        b.send_frame(word(0x80000bbb) + b"from b")
        rep.send(b"to a")
        assert rep.recv() == b"from b"
        rep.send(b"to b")
        assert a.read_frame() == word(0x80000aaa) + b"to a"
        assert b.read_frame() == word(0x80000bbb) + b"to b"
