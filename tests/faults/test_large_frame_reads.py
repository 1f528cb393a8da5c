"""Adversarial tests for large-frame reads: a frame of 64 KiB or more is read
straight into its message up to its end, and after one the next prefix is
read alone (csrc/core/stream.c).  Frame and prefix boundaries are split at
odd places, large and small frames mixed, the type byte sent alone, peers
cut off mid-body, and the pipe paused between frames."""
from __future__ import annotations

import socket
import struct
from typing import List

import pytest

from tests.faults.test_perf_paths import PUSH, big
from tests.helpers.impl import nk
from tests.helpers.raw import RawConn, frame
from tests.helpers.sync import Catcher, listen, wait_for, recv_within

pytestmark = pytest.mark.nngkit_only  # nngkit's own read path

K64 = 64 * 1024
# exactly the threshold, one either side, tiny, empty, large, a 1 MiB one
MIX = [K64, K64 - 1, K64 + 1, 3, 0, K64, (1 << 20) + 7, 64, 2 * K64, 1, K64]
# chunk sizes that split prefixes (and ipc type bytes) at every offset over the run
CHUNKS = [1, 2, 7, 9, 4093, K64 - 5, 8, 3, K64 + 11, 5, 17, 100_003]


def bodies() -> List[bytes]:
    return [big(100 + i, n) for i, n in enumerate(MIX)]


def _send_chunked(c: RawConn, wire: bytes) -> None:
    pos, i = 0, 0
    while pos < len(wire):
        n = CHUNKS[i % len(CHUNKS)]
        c.send(wire[pos:pos + n])
        pos, i = pos + n, i + 1


@pytest.mark.timeout(60)
@pytest.mark.parametrize("how", ["whole", "chunked"])
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_mixed_sizes_arrive_intact_in_order(sockets, addr, scheme, how, leak_check):
    pull = sockets(nk.Pull0, recv_timeout=10000, recv_max_size=4 << 20)
    url = listen(pull, addr(scheme))
    data = bodies() * 2
    with RawConn.connect(url) as c:
        c.handshake(PUSH)
        wire = b"".join(frame(d, c.ipc) for d in data)
        writer = Catcher(lambda: c.send(wire) if how == "whole" else _send_chunked(c, wire))
        writer.start()
        got = [pull.recv() for _ in data]
        assert writer.finish(20).error is None
    assert [len(g) for g in got] == [len(d) for d in data]
    assert got == data


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_prefix_after_a_large_frame_split_byte_by_byte(sockets, addr, scheme, leak_check):
    """After a large frame the next prefix is read alone: it may come a byte
    at a time (the ipc type byte first, alone), and nothing is delivered
    until the frame is whole."""
    pull = sockets(nk.Pull0, recv_timeout=10000)
    url = listen(pull, addr(scheme))
    first, second, third = big(1, K64), big(2, K64 + 9), b"small"
    with RawConn.connect(url) as c:
        c.handshake(PUSH)
        c.send(frame(first, c.ipc))
        assert pull.recv() == first
        wire = frame(second, c.ipc)
        plen = 9 if c.ipc else 8
        for i in range(plen):
            c.send(wire[i:i + 1])
            with pytest.raises(nk.Timeout):
                recv_within(pull, 50)
        c.send(wire[plen:plen + 1000])
        with pytest.raises(nk.Timeout):
            recv_within(pull, 50)
        c.send(wire[plen + 1000:] + frame(third, c.ipc))
        assert pull.recv() == second
        assert pull.recv() == third


@pytest.mark.timeout(30)
def test_bad_type_byte_after_a_large_frame_closes_the_pipe(sockets, addr, leak_check):
    pull = sockets(nk.Pull0, recv_timeout=5000)
    url = listen(pull, addr("ipc"))
    body = big(3, K64)
    with RawConn.connect(url) as c:
        c.handshake(PUSH)
        c.send(frame(body, True))
        assert pull.recv() == body
        c.send(b"\x07")  # the type byte alone, and wrong: judged with its prefix
        c.send(struct.pack(">Q", 5))
        c.expect_closed(5)
    push = sockets(nk.Push0, dial=url)
    push.send(b"next pipe")
    assert pull.recv() == b"next pipe"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_oversized_claim_after_a_large_frame_closes_the_pipe(sockets, addr, scheme, leak_check):
    pull = sockets(nk.Pull0, recv_timeout=5000, recv_max_size=256 * 1024)
    url = listen(pull, addr(scheme))
    body = big(4, 200 * 1024)
    with RawConn.connect(url) as c:
        c.handshake(PUSH)
        c.send(frame(body, c.ipc))
        assert pull.recv() == body
        c.send((b"\x01" if c.ipc else b"") + struct.pack(">Q", 1 << 40) + b"x" * 100)
        c.expect_closed(5)
    wait_for(lambda: len(pull.pipes) == 0, what="the pipe to go")


@pytest.mark.timeout(30)
@pytest.mark.parametrize("cut", ["in_prefix", "in_body", "at_boundary"])
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_peer_cut_off_around_large_frames(sockets, addr, scheme, cut, leak_check):
    """The peer resets the connection after a large frame, inside the next
    prefix or body: what was whole is delivered, the rest is dropped with
    the pipe, and the socket goes on with another pipe."""
    pull = sockets(nk.Pull0, recv_timeout=5000)
    url = listen(pull, addr(scheme))
    done, partial = big(5, K64 + 1), big(6, 3 * K64)
    c = RawConn.connect(url)
    c.handshake(PUSH)
    wire = frame(partial, c.ipc)
    tail = {"in_prefix": wire[:4], "in_body": wire[:K64 + 100], "at_boundary": b""}[cut]
    c.send(frame(done, c.ipc) + tail)
    assert pull.recv() == done
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    wait_for(lambda: len(pull.pipes) == 0, what="the cut pipe to go")
    with pytest.raises(nk.Timeout):
        recv_within(pull, 100)
    push = sockets(nk.Push0, dial=url)
    push.send(b"after")
    assert pull.recv() == b"after"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_mixed_sizes_through_a_paused_pipe(sockets, addr, scheme, leak_check):
    """A one-message receive queue pauses the pipe between and inside frames
    of every size; each still arrives whole, in order."""
    pull = sockets(nk.Pull0, recv_timeout=10000, recv_buffer_size=1, recv_max_size=4 << 20)
    url = listen(pull, addr(scheme))
    data = bodies()
    with RawConn.connect(url) as c:
        c.handshake(PUSH)
        writer = Catcher(lambda: _send_chunked(c, b"".join(frame(d, c.ipc) for d in data)))
        writer.start()
        got = [pull.recv() for _ in data]
        assert writer.finish(20).error is None
    assert got == data
