"""Adversarial tests for the small-write path of stream pipes: over ipc,
frames up to a couple of KiB are copied into one buffer and sent with one
send() call, larger ones go out with writev (as everything does over tcp,
which runs the same cases as the reference).  Sizes straddle that limit (it
counts the prefix and header too), queues mix both kinds, and partial
writes, a stalled peer and a close right after a burst must lose, reorder
or mangle nothing."""
from __future__ import annotations

from typing import List

import pytest

from tests.helpers.impl import nk
from tests.helpers.spare_ops import stream_through
from tests.helpers.raw import RawConn, frame
from tests.helpers.sync import Catcher, listen, send_until_full

pytestmark = pytest.mark.nngkit_only  # these exercise nngkit's own core paths

PUSH, PULL, REQ, REP = 0x50, 0x51, 0x30, 0x31
MIB = 1 << 20
LIMIT = 2048  # the copy limit in csrc/core/stream.c (SMALL_WRITE)


def body(i: int, size: int) -> bytes:
    """A body whose bytes depend on both its index and position."""
    return bytes((i * 7 + k) % 251 for k in range(min(size, 4096))) * (size // 4096 + 1) if size else b""


def sized(i: int, size: int) -> bytes:
    return body(i, size)[:size]


def boundary_sizes(pfx: int, hdr: int = 0) -> List[int]:
    """Body sizes whose whole frame is just under, at and just over the limit."""
    edge = LIMIT - pfx - hdr
    return [0, 1, 64, edge - 1, edge, edge + 1, LIMIT, 4096, MIB, 0, 64, edge]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_frames_around_the_copy_limit_are_exact_on_the_wire(sockets, addr, scheme):
    push = sockets(nk.Push0, send_timeout=5000)
    url = listen(push, addr(scheme))
    with RawConn.connect(url) as c:
        c.handshake(PULL)
        sizes = boundary_sizes(9 if scheme == "ipc" else 8)
        sent = [sized(i, n) for i, n in enumerate(sizes)]
        sender = Catcher(lambda: [push.send(b) for b in sent])
        sender.start()
        wire = b"".join(frame(b, ipc=scheme == "ipc") for b in sent)
        assert c.read_exact(len(wire), timeout=20) == wire
        assert sender.finish(timeout=20).error is None


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_request_header_and_body_copied_together(sockets, addr, scheme):
    """A REQ frame has three parts (prefix, request id, body): all of them
    land in the one buffer, in order."""
    req = sockets(nk.Req0, send_timeout=5000, resend_time=0)
    url = listen(req, addr(scheme))
    with RawConn.connect(url) as c:
        c.handshake(REP)
        for i, n in enumerate(boundary_sizes(9 if scheme == "ipc" else 8, 4)):
            data = sized(i, n)
            req.send(data)
            got = c.read_frame(timeout=20)
            assert len(got) == 4 + n and got[0] & 0x80 and got[4:] == data
            c.send_frame(got[:4] + b"re" + data[:3])
            assert req.recv() == b"re" + data[:3]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_peer_that_stops_reading_gets_every_accepted_frame_in_order(sockets, addr, scheme):
    """Fill the connection until a send times out (small and large frames,
    so partial writes end inside copied and gathered writes alike); once
    the peer reads again, exactly what was accepted arrives, in order."""
    push = sockets(nk.Push0, send_timeout=300, send_buffer_size=1)
    url = listen(push, addr(scheme))
    with RawConn.connect(url) as c:
        c.handshake(PULL)
        sent = send_until_full(push, (sized(i, (0, 13, 700, 2000, 2039, 2040, 5000)[i % 7] if i % 50 else 70000)
                                      for i in range(20000)))
        for i, data in enumerate(sent):
            assert c.read_frame(timeout=20) == data, f"frame {i} of {len(sent)}"
        push.send(b"after")
        assert c.read_frame(timeout=20) == b"after"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_close_right_after_a_burst_loses_nothing(sockets, addr, scheme):
    """Small sends the kernel took at once are all delivered after the
    sender closes (nothing waits in nngkit for a later write)."""
    push = sockets(nk.Push0, send_timeout=5000)
    url = listen(push, addr(scheme))
    with RawConn.connect(url) as c:
        c.handshake(PULL)
        sent = [sized(i, (i * 37) % 1500) for i in range(40)]
        for data in sent:
            push.send(data)
        push.close()
        for data in sent:
            assert c.read_frame(timeout=20) == data
        c.expect_closed(timeout=20)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
async def test_async_burst_of_mixed_sizes_keeps_order(sockets, addr, scheme, leak_check):
    pull = sockets(nk.Pull0, recv_timeout=20000)
    url = listen(pull, addr(scheme))
    push = sockets(nk.Push0, dial=url, send_timeout=20000)
    sizes = [0, 64, MIB, LIMIT - 9, LIMIT - 8, 3] * 6
    sent = [sized(i, n) for i, n in enumerate(sizes)]
    got = await stream_through(push, pull, sent)
    assert [len(b) for b in got] == sizes
    assert got == sent

