"""Hostile framing: truncated and oversize frames, 8 GiB length claims, one byte at a time.

After each attack: no crash, no leaked fd, live counts back, socket still
serving.  The limit is checked on the length prefix before any payload is
read, and receive buffers grow only as bytes arrive, so a claim costs nothing.
"""
from __future__ import annotations

import struct

import pytest

from tests.faults.hostile import Resources, shut_and_expect_closed
from tests.helpers.impl import nk
from tests.helpers.raw import PAIR1, REP0, REQ0, RawConn, frame, sp_header, word
from tests.helpers.wirecheck import expect_header, raw_req_roundtrip

GIB = 1 << 30


def prefix(length: int, ipc: bool) -> bytes:
    return (b"\x01" if ipc else b"") + struct.pack(">Q", length)


def req_conn(url: str) -> RawConn:
    c = RawConn.connect(url)
    expect_header(c, REP0)
    c.send_header(REQ0)
    return c


def nothing_queued(rep) -> bool:
    saved = rep.recv_timeout
    rep.recv_timeout = 50
    try:
        rep.recv()
    except nk.Timeout:
        return True
    finally:
        rep.recv_timeout = saved
    return False


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_truncated_frames_deliver_nothing_and_leak_nothing(serve, scheme, leak_check):
    rep, url = serve(nk.Rep0, scheme)
    raw_req_roundtrip(rep, url)
    res = Resources(pipes=0)
    ipc = scheme == "ipc"
    variants = [
        prefix(100, ipc) + word(0x80000001) + b"only part",   # payload cut short
        prefix(100, ipc)[:5],                                 # prefix cut short
        prefix(0x10000, ipc) + b"x" * 30000,                  # a big payload cut short
        (b"\x01" if ipc else b""),                            # nothing after the type byte
        frame(word(0x80000001) + b"complete", ipc) + prefix(50, ipc) + b"cut",  # one whole, one cut
    ]
    for i in range(100):
        v = i % len(variants)
        with req_conn(url) as c:
            c.send(variants[v])
            if v == 4:  # the whole request is delivered; REP reads on only after it is taken
                assert rep.recv() == b"complete"
            shut_and_expect_closed(c, timeout=5.0)
    assert nothing_queued(rep), "a truncated frame was delivered"
    res.settle(pipes=0, msgs=0)
    raw_req_roundtrip(rep, url)


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_oversize_frame_closes_only_its_pipe(serve, scheme, leak_check):
    """At recv_max_size=1024: 1024 bytes pass, 1025 close that connection; a good
    connection open alongside keeps working."""
    rep, url = serve(nk.Rep0, scheme, recv_max_size=1024)
    raw_req_roundtrip(rep, url)
    res = Resources(pipes=0)
    ipc = scheme == "ipc"
    with req_conn(url) as good:
        for n in range(50):
            with req_conn(url) as bad:
                at_limit = word(0x80000001) + b"a" * 1020
                bad.send(frame(at_limit, ipc))
                assert rep.recv() == b"a" * 1020
                bad.send(frame(word(0x80000002) + b"b" * 1021, ipc))  # 1025 bytes
                bad.expect_closed(timeout=5.0)
            good.send_frame(word(0x80000100 + n) + b"still here")
            assert rep.recv() == b"still here"
            rep.send(b"yes")
            assert good.read_frame() == word(0x80000100 + n) + b"yes"
    res.settle(pipes=0, msgs=0)


@pytest.mark.nngkit_only  # NNG 1.x has no default limit and reserves what is claimed
@pytest.mark.timeout(60)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_8gib_claim_is_dropped_at_the_default_limit_without_allocating(serve, scheme, leak_check):
    rep, url = serve(nk.Rep0, scheme)
    assert rep.recv_max_size == GIB
    raw_req_roundtrip(rep, url)
    res = Resources(pipes=0)
    waits = []
    for _ in range(100):
        with req_conn(url) as c:
            c.send(prefix(8 * GIB, scheme == "ipc"))  # and nothing else
            waits.append(c.expect_closed(timeout=5.0))
    counts = res.settle(pipes=0, msgs=0)
    assert res.vm_growth_kib() < 256 * 1024, f"VmSize grew {res.vm_growth_kib()} KiB"
    assert res.rss_growth_kib() < 32 * 1024, f"VmRSS grew {res.rss_growth_kib()} KiB"
    assert max(waits) < 2.0, f"slowest drop {max(waits):.3f}s"
    raw_req_roundtrip(rep, url)
    print(f"8 GiB x100 at 1 GiB limit: dropped in <= {max(waits) * 1000:.1f} ms; "
          f"RSS {res.rss_growth_kib():+d} KiB, VmSize {res.vm_growth_kib():+d} KiB, counts {counts}")


@pytest.mark.nngkit_only
@pytest.mark.timeout(60)
def test_8gib_claims_under_a_higher_limit_cost_only_the_bytes_that_arrive(serve, leak_check):
    """recv_max_size = 16 GiB: 100 peers each claim 8 GiB (800 GiB in all) and
    send nothing; the connections stay open but the memory stays flat."""
    rep, url = serve(nk.Rep0, "tcp", recv_max_size=16 * GIB)
    raw_req_roundtrip(rep, url)
    res = Resources(pipes=0)
    conns = []
    try:
        conns += (req_conn(url) for _ in range(100))
        for c in conns:
            c.send(prefix(8 * GIB, False))
        conns[-1].send(word(0x80000001) + b"z" * (1 << 20))  # one of them sends 1 MiB of it
        conns[0].assert_open(0.2)
        rss, vm = res.rss_growth_kib(), res.vm_growth_kib()
        assert vm < 512 * 1024, f"VmSize grew {vm} KiB for 800 GiB claimed"
        assert rss < 64 * 1024, f"VmRSS grew {rss} KiB for 800 GiB claimed + 1 MiB sent"
        assert nothing_queued(rep)
    finally:
        for c in conns:
            c.close()
    counts = res.settle(pipes=0, msgs=0)
    print(f"8 GiB x100 under a 16 GiB limit: RSS {rss:+d} KiB, VmSize {vm:+d} KiB while open; "
          f"after close {counts}")


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_one_byte_at_a_time(serve, scheme, leak_check):
    """Header and frames arrive one byte per write; every request is answered."""
    rep, url = serve(nk.Rep0, scheme)
    raw_req_roundtrip(rep, url)
    res = Resources(pipes=0)
    with RawConn.connect(url) as c:
        c.send_bytewise(sp_header(REQ0))
        expect_header(c, REP0)
        for i in range(5):
            body = bytes(range(i * 40, i * 40 + 40)) * (i + 1)
            req_id = 0x80000001 + i
            c.send_bytewise(frame(word(req_id) + body, c.ipc))
            assert rep.recv() == body
            rep.send(body[::-1])
            assert c.read_frame() == word(req_id) + body[::-1]
    res.settle(pipes=0, msgs=0)


def test_one_byte_at_a_time_pair1_hops(serve, leak_check):
    pair, url = serve(nk.Pair1, "tcp")
    res = Resources(pipes=0)
    with RawConn.connect(url) as c:
        c.send_bytewise(sp_header(PAIR1))
        expect_header(c, PAIR1)
        c.send_bytewise(frame(word(1) + b"hop by hop"))
        assert pair.recv() == b"hop by hop"
        pair.send(b"back")
        assert c.read_frame() == word(1) + b"back"
        c.send_bytewise(frame(word(0x100) + b"bad hop count"))  # > 255: closes the pipe
        shut_and_expect_closed(c)
    res.settle(pipes=0, msgs=0)
