"""Frames on a byte stream: split, coalesced, empty, ipc type byte, size limits (§3.2-3.3, §4.1)."""
from __future__ import annotations

import struct

import pytest

from tests.helpers.impl import DEFAULT_RECV_MAX, IS_NNGKIT, live_counts, nk
from tests.helpers.procfs import status_kib
from tests.helpers.raw import PAIR0, REP0, REQ0, RawConn, frame, sp_header, word
from tests.helpers.wirecheck import expect_header, raw_pair_roundtrip, raw_req_roundtrip

STREAMS = ["tcp", "ipc"]


def pair_peer(url: str) -> RawConn:
    c = RawConn.connect(url)
    expect_header(c, PAIR0)
    c.send_header(PAIR0)
    return c


@pytest.mark.parametrize("scheme", STREAMS)
def test_header_and_frames_split_byte_by_byte(serve, scheme):
    pair, url = serve(nk.Pair0, scheme)
    ipc = scheme == "ipc"
    with RawConn.connect(url) as c:
        c.send_bytewise(sp_header(PAIR0) + frame(b"hello", ipc) + frame(b"", ipc) + frame(b"world!", ipc))
        expect_header(c, PAIR0)
        assert pair.recv_msg().bytes == b"hello"
        assert pair.recv_msg().bytes == b""
        assert pair.recv_msg().bytes == b"world!"


@pytest.mark.parametrize("scheme", STREAMS)
def test_request_split_byte_by_byte(serve, scheme):
    rep, url = serve(nk.Rep0, scheme)
    with RawConn.connect(url) as c:
        c.send_bytewise(sp_header(REQ0) + frame(word(0x80000abc) + b"slow", scheme == "ipc"))
        expect_header(c, REP0)
        assert rep.recv() == b"slow"
        rep.send(b"fast")
        assert c.read_frame() == word(0x80000abc) + b"fast"


@pytest.mark.parametrize("scheme", STREAMS)
def test_header_and_several_frames_coalesced(serve, scheme):
    pair, url = serve(nk.Pair0, scheme)
    ipc = scheme == "ipc"
    bodies = [b"a", b"bb" * 100, b"", b"c" * 70000, b"dd"]
    with RawConn.connect(url) as c:
        c.send(sp_header(PAIR0) + b"".join(frame(b, ipc) for b in bodies))
        expect_header(c, PAIR0)
        assert [pair.recv_msg().bytes for _ in bodies] == bodies


@pytest.mark.parametrize("scheme", STREAMS)
def test_impl_frames_parse_back_to_back(serve, scheme):
    pair, url = serve(nk.Pair0, scheme)
    bodies = [b"x", b"", b"y" * 5000, bytes(range(256))]
    with pair_peer(url) as c:
        c.send_frame(b"hi")
        assert pair.recv() == b"hi"
        for b in bodies:
            pair.send(b)
        assert [c.read_frame() for _ in bodies] == bodies


@pytest.mark.parametrize("scheme", STREAMS)
def test_zero_length_message_both_ways(serve, scheme):
    pair, url = serve(nk.Pair0, scheme)
    with pair_peer(url) as c:
        c.send((b"\x01" if scheme == "ipc" else b"") + b"\x00" * 8)
        assert pair.recv_msg().bytes == b""
        pair.send(b"")
        raw = c.read_exact(9 if scheme == "ipc" else 8)
        assert raw == (b"\x01" if scheme == "ipc" else b"") + b"\x00" * 8


@pytest.mark.nngkit_only
@pytest.mark.parametrize("scheme", STREAMS)
def test_zero_length_recv_returns_empty_bytes(serve, scheme):
    """pynng's recv() raises on an empty message; nngkit's returns b''."""
    pair, url = serve(nk.Pair0, scheme)
    with pair_peer(url) as c:
        c.send_frame(b"")
        assert pair.recv() == b""


def test_ipc_type_byte_is_01_both_ways(serve):
    pair, url = serve(nk.Pair0, "ipc")
    with pair_peer(url) as c:
        c.send(b"\x01" + struct.pack(">Q", 3) + b"abc")
        assert pair.recv() == b"abc"
        pair.send(b"def")
        assert c.read_exact(12) == b"\x01" + struct.pack(">Q", 3) + b"def"


@pytest.mark.parametrize("type_byte", [0x00, 0x02, 0x81, 0xFF])
def test_ipc_other_type_byte_closes(serve, type_byte):
    rep, url = serve(nk.Rep0, "ipc")
    with RawConn.connect(url) as c:
        expect_header(c, REP0)
        c.send_header(REQ0)
        c.send(b"\x01" + struct.pack(">Q", 6) + word(0x80000001) + b"ok")
        assert rep.recv() == b"ok"   # the pipe is up and type 0x01 is accepted
        c.send(bytes([type_byte]) + struct.pack(">Q", 6) + word(0x80000002) + b"no")
        c.expect_closed(timeout=3.0)
    raw_req_roundtrip(rep, url)


@pytest.mark.parametrize("scheme", STREAMS)
def test_recv_max_size_boundary_pair0(serve, scheme):
    pair, url = serve(nk.Pair0, scheme, recv_max_size=1024)
    with pair_peer(url) as c:
        c.send_frame(b"m" * 1024)
        assert pair.recv() == b"m" * 1024
        # then only a length prefix: the close must not wait for the payload
        c.send((b"\x01" if scheme == "ipc" else b"") + struct.pack(">Q", 1025))
        waited = c.expect_closed(timeout=3.0)
        assert waited < 1.0, f"oversize frame closed only after {waited:.2f}s"
    raw_pair_roundtrip(pair, url)


@pytest.mark.parametrize("scheme", STREAMS)
def test_recv_max_size_counts_protocol_header(serve, scheme):
    """Limit 1024 covers request id + body: 4 + 1020 is accepted, 4 + 1021 is not."""
    rep, url = serve(nk.Rep0, scheme, recv_max_size=1024)
    bystander = RawConn.connect(url)
    with bystander:
        expect_header(bystander, REP0)
        bystander.send_header(REQ0)
        with RawConn.connect(url) as c:
            expect_header(c, REP0)
            c.send_header(REQ0)
            c.send_frame(word(0x80000001) + b"k" * 1020)
            assert rep.recv() == b"k" * 1020
            rep.send(b"fits")
            assert c.read_frame() == word(0x80000001) + b"fits"
            c.send_frame(word(0x80000002) + b"k" * 1021)
            c.expect_closed(timeout=3.0)
        # the other pipe on the same socket is unaffected
        bystander.send_frame(word(0x80000010) + b"still here")
        assert rep.recv() == b"still here"
        rep.send(b"yes")
        assert bystander.read_frame() == word(0x80000010) + b"yes"
    raw_req_roundtrip(rep, url)


def test_default_recv_max_size(sockets):
    for cls in (nk.Req0, nk.Rep0, nk.Pair0):
        assert sockets(cls).recv_max_size == DEFAULT_RECV_MAX


@pytest.mark.parametrize("scheme", STREAMS)
def test_claimed_8gib_over_limit_closes_without_allocating(serve, scheme):
    # nngkit: the default limit (1 GiB) applies; NNG 1.x has none, so set it there.
    opts = {} if IS_NNGKIT else {"recv_max_size": 1 << 30}
    rep, url = serve(nk.Rep0, scheme, **opts)
    vm_before = status_kib("VmSize")
    with RawConn.connect(url) as c:
        expect_header(c, REP0)
        c.send_header(REQ0)
        c.send((b"\x01" if scheme == "ipc" else b"") + struct.pack(">Q", 8 << 30))
        waited = c.expect_closed(timeout=3.0)
        assert waited < 1.0, f"8 GiB claim closed only after {waited:.2f}s"
    grown = status_kib("VmSize") - vm_before
    assert grown < 256 * 1024, f"virtual memory grew by {grown} KiB for a claimed 8 GiB frame"
    raw_req_roundtrip(rep, url)


@pytest.mark.nngkit_only
@pytest.mark.parametrize("scheme", STREAMS)
def test_claimed_8gib_under_limit_allocates_nothing(serve, scheme):
    """With a 16 GiB limit, an 8 GiB claim keeps the pipe open and costs no memory."""
    rep, url = serve(nk.Rep0, scheme, recv_max_size=16 << 30)
    vm_before, rss_before = status_kib("VmSize"), status_kib("VmRSS")
    with RawConn.connect(url) as c:
        expect_header(c, REP0)
        c.send_header(REQ0)
        c.send((b"\x01" if scheme == "ipc" else b"") + struct.pack(">Q", 8 << 30) + word(0x80000001) + b"z" * 60)
        c.assert_open(0.3)
        vm_grown = status_kib("VmSize") - vm_before
        rss_grown = status_kib("VmRSS") - rss_before
        counts = live_counts()
        assert vm_grown < 256 * 1024, f"virtual memory grew by {vm_grown} KiB for a claimed 8 GiB frame"
        assert rss_grown < 64 * 1024, f"RSS grew by {rss_grown} KiB for a claimed 8 GiB frame"
        assert counts is not None and counts["msgs"] <= 1, counts
    raw_req_roundtrip(rep, url)


@pytest.mark.parametrize("scheme", STREAMS)
def test_recv_max_size_set_after_listen_applies(serve, scheme):
    rep, url = serve(nk.Rep0, scheme)
    rep.recv_max_size = 1024  # set on the socket after the listener started
    with RawConn.connect(url) as c:
        expect_header(c, REP0)
        c.send_header(REQ0)
        c.send((b"\x01" if scheme == "ipc" else b"") + struct.pack(">Q", 1025))
        c.expect_closed(timeout=3.0)
    raw_req_roundtrip(rep, url)
