"""Adversarial tests for the performance paths: lent `bytes` bodies, the
body cache, SO_RCVLOWAT on large tcp frames, one-call sync send/recv and the
reactor's timer wakeups."""
from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import resource
import struct
import threading
from typing import Any, List

import pytest

from nngkit._backend import msg as backend_msg
from tests.helpers.impl import IMPL_NAME, nk
from tests.helpers.peers import child_env, python_argv
from tests.helpers.raw import PeerClosed, RawConn, RawListener
from tests.helpers.spare_ops import cancel_while_waiting
from tests.helpers.sync import Catcher, listen, wait_for, recv_within

pytestmark = pytest.mark.nngkit_only  # these exercise nngkit's own core paths

PUSH, PULL = 0x50, 0x51
MIB = 1 << 20


def big(tag: int, size: int = MIB) -> bytes:
    """A large body whose every 4 KiB block differs (catches shifted copies)."""
    block = hashlib.sha256(b"%d" % tag).digest() * 128  # 4 KiB
    reps = size // len(block) + 1
    return b"".join(block[:-4] + struct.pack(">I", i) for i in range(reps))[:size]


def lent_settled() -> bool:
    backend_msg.reclaim()
    return not backend_msg.lent


# ---- lent bodies ---------------------------------------------------------

# A PUSH that queues large `bytes` on a tcp pipe whose peer reads nothing
# (argv[3] == "stall") or everything (the parent), then exits with them still
# lent to the core (argv[2]: "close" closes the socket first, "keep" not).
EXIT_CHILD = r"""
import importlib, sys
mod = importlib.import_module(sys.argv[1])
push = mod.Push0(send_timeout=300, send_buffer_size=16)
push.dial(sys.argv[4], block=True)
sent = 0
for i in range(40):
    try:
        push.send(bytes([i % 251]) * (1 << 20))  # only the core's loan keeps it alive
    except mod.Timeout:
        break
    sent += 1
print("SENT", sent, flush=True)
if sys.argv[2] == "close":
    push.close()
"""


@pytest.mark.timeout(60)
@pytest.mark.parametrize("how", ["keep", "close"])
@pytest.mark.parametrize("peer", ["stall", "drain"])
def test_interpreter_exits_cleanly_with_lent_bodies_queued(procs, how, peer):
    lst = RawListener("tcp")
    try:
        child = procs(python_argv(EXIT_CHILD, IMPL_NAME, how, peer, lst.url), env=child_env())
        conn = lst.accept(timeout=20)
        conn.handshake(PULL)
        got: List[bytes] = []
        if peer == "drain":
            def drain() -> None:
                try:
                    while True:
                        got.append(conn.read_frame(timeout=20)[:1])
                except Exception:
                    pass
            reader = threading.Thread(target=drain, daemon=True)
            reader.start()
        line = child.readline(timeout=30)
        assert line.startswith(b"SENT ")
        rc, _, err = child.finish(timeout=30)
        assert rc == 0, err
        sent = int(line.split()[1])
        if peer == "stall":
            assert sent < 40, "the stalled peer never pushed back: were the sends queued?"
            for _ in range(sent):  # what reached the kernel before exit, then EOF
                try:
                    got.append(conn.read_frame(timeout=5)[:1])
                except PeerClosed:
                    break
            assert got, "none of the bodies written before exit arrived"
        else:
            reader.join(25)
            # All but what was still queued at exit (send_buffer_size 16, the
            # pipe's one and the frame being written) arrived.
            assert len(got) >= max(1, sent - 18), (sent, len(got))
        assert got == [bytes([i % 251]) for i in range(len(got))]  # intact, in order
        conn.close()
    finally:
        lst.close()


def _fork_child(url: str, q: Any) -> None:
    try:
        # the parent's lent bodies are still queued in its core; here a fresh core lends its own
        with nk.Pull0(listen=url, recv_timeout=5000) as pull, \
                nk.Push0(dial=pull.listeners[0].url, send_timeout=5000) as push:
            data = [big(100 + i) for i in range(4)]
            for d in data:
                push.send(d)
            q.put(all(pull.recv() == d for d in data))
    except BaseException as exc:
        q.put(repr(exc))


@pytest.mark.timeout(60)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.skipif("libtsan" in os.environ.get("LD_PRELOAD", ""),
                    reason="TSan cannot follow a fork() of a threaded process")
def test_fork_with_lent_bodies_queued(sockets, addr):
    lst = RawListener("tcp")
    try:
        push = sockets(nk.Push0, send_timeout=2000, send_buffer_size=8)
        push.dial(lst.url, block=False)
        conn = lst.accept(timeout=10)
        conn.handshake(PULL)
        wait_for(lambda: len(push.pipes) == 1, what="the pipe")
        data = [big(i) for i in range(6)]
        for d in data:
            push.send(d)  # queued: the raw peer reads nothing yet
        ctx = mp.get_context("fork")
        q = ctx.Queue()
        proc = ctx.Process(target=_fork_child, args=("tcp://127.0.0.1:0", q))
        proc.start()
        try:
            assert q.get(timeout=30) is True
        finally:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
        assert proc.exitcode == 0
        try:
            for d in data:
                assert conn.read_frame(timeout=10) == d
        finally:
            conn.close()
    finally:
        lst.close()


@pytest.mark.parametrize("scheme", ["tcp", "ipc", "inproc"])
def test_one_bytes_object_published_to_many_and_on_bus(sockets, addr, scheme, leak_check):
    data = big(7, 300 * 1024)
    digest = hashlib.sha256(data).digest()
    pub = sockets(nk.Pub0)
    url = listen(pub, addr(scheme))
    subs = [sockets(nk.Sub0, recv_timeout=5000) for _ in range(6)]
    for s in subs:
        s.subscribe(b"")
        s.dial(url, block=True)
    wait_for(lambda: len(pub.pipes) == len(subs), what="every subscriber")
    for _ in range(3):
        pub.send(data)
    for s in subs:
        for _ in range(3):
            assert s.recv() == data
    bus = [sockets(nk.Bus0, recv_timeout=5000) for _ in range(3)]
    burl = listen(bus[0], addr(scheme))
    for b in bus[1:]:
        b.dial(burl, block=True)
    wait_for(lambda: len(bus[0].pipes) == 2, what="bus mesh")
    bus[0].send(data)
    assert [b.recv() for b in bus[1:]] == [data, data]
    assert hashlib.sha256(data).digest() == digest  # the lender's bytes were never written
    wait_for(lent_settled, what="every loan returned")


def test_raw_device_forwarding_lent_requests_never_writes_them(sockets, addr, leak_check):
    """REQ -tcp-> raw REP | device | raw REQ -inproc-> REP: the raw paths move the
    request id between header and body; the client's `bytes` must stay as sent."""
    front = sockets(nk.Rep0, raw=True)
    back = sockets(nk.Req0, raw=True)
    furl, burl = listen(front, addr("tcp")), listen(back, addr("inproc"))
    dev = threading.Thread(target=nk.device, args=(front, back), daemon=True)
    dev.start()
    rep = sockets(nk.Rep0, recv_timeout=5000, dial=burl)
    req = sockets(nk.Req0, recv_timeout=5000, dial=furl)
    wait_for(lambda: len(back.pipes) == 1 and len(front.pipes) == 1, what="device pipes")
    for i in range(4):
        data = big(i, 200 * 1024)
        digest = hashlib.sha256(data).digest()
        req.send(data)
        got = rep.recv()
        assert got == data
        rep.send(got[::-1][:100 * 1024] + got)  # a large reply, lent too
        assert req.recv() == got[::-1][:100 * 1024] + got
        assert hashlib.sha256(data).digest() == digest
    front.close()
    back.close()
    dev.join(5)
    wait_for(lent_settled, what="every loan returned")


def test_buffers_other_than_exact_bytes_are_copied(sockets, addr):
    class B(bytes):
        pass

    pull = sockets(nk.Pull0, recv_timeout=5000)
    url = listen(pull, addr("tcp"))
    push = sockets(nk.Push0, dial=url)
    wait_for(lent_settled, what="no loans from earlier tests")
    ba = bytearray(big(3, 128 * 1024))
    for obj in (B(big(1, 128 * 1024)), memoryview(big(2, 128 * 1024)), ba):
        push.send(obj)
        assert not backend_msg.lent, f"{type(obj).__name__} was lent"
        assert pull.recv() == bytes(obj)


# ---- body cache, SO_RCVLOWAT --------------------------------------------

@pytest.mark.timeout(90)
def test_many_threads_large_varied_bodies_intact(sockets, addr, leak_check):
    sizes = [64 * 1024 - 1, 64 * 1024, 100_000, 300_000, MIB - 7, MIB, 2 * MIB + 3, 150_000]
    pairs = []
    for scheme in ("tcp", "ipc", "tcp", "ipc"):
        pull = sockets(nk.Pull0, recv_timeout=20000)
        url = listen(pull, addr(scheme))
        pairs.append((sockets(nk.Push0, send_timeout=20000, dial=url), pull))

    def run(k: int) -> bool:
        push, pull = pairs[k]
        msgs = [big(k * 100 + j, sizes[(j + k) % len(sizes)]) for j in range(12)]
        sender = Catcher(lambda: [push.send(m) for m in msgs])
        sender.start()
        ok = all(hashlib.sha256(pull.recv()).digest() == hashlib.sha256(m).digest() for m in msgs)
        sender.finish(30)
        return ok

    workers = [Catcher(lambda k=k: run(k)) for k in range(len(pairs))]
    for w in workers:
        w.start()
    assert [w.finish(60).result for w in workers] == [True] * len(pairs)


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


@pytest.mark.parametrize("recv_max", [0, 1 << 30])
def test_huge_length_prefix_then_close_allocates_nothing_big(sockets, addr, recv_max, leak_check):
    pull = sockets(nk.Pull0, recv_timeout=5000, recv_max_size=recv_max)
    url = listen(pull, addr("tcp"))
    before = _rss_kib()
    for _ in range(5):
        with RawConn.connect(url) as c:
            c.handshake(PUSH)
            c.send(struct.pack(">Q", 1 << 30) + b"x" * 1000)
    push = sockets(nk.Push0, dial=url)
    push.send(b"still here")
    assert pull.recv() == b"still here"
    assert _rss_kib() - before < 64 * 1024  # 5 x 1 GiB announced, about 5 KiB sent


@pytest.mark.timeout(30)
def test_large_frame_stalled_midway(sockets, addr, leak_check):
    """300 KiB of a 1 MiB frame, then nothing: timeouts fire, other pipes
    deliver, and the pipe goes when its peer closes."""
    pull = sockets(nk.Pull0, recv_timeout=300)
    url = listen(pull, addr("tcp"))
    c = RawConn.connect(url)
    c.handshake(PUSH)
    data = big(5)
    c.send(struct.pack(">Q", len(data)) + data[:300 * 1024])
    with pytest.raises(nk.Timeout):
        pull.recv()
    push = sockets(nk.Push0, dial=url)
    wait_for(lambda: len(pull.pipes) == 2, what="second pipe")
    push.send(b"other pipe")
    assert pull.recv() == b"other pipe"
    c.close()
    wait_for(lambda: len(pull.pipes) == 1, what="the stalled pipe to close")
    with pytest.raises(nk.Timeout):
        pull.recv()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("pattern", ["trickle", "remainder", "interleaved"])
def test_large_frame_odd_arrivals(sockets, addr, pattern, leak_check):
    pull = sockets(nk.Pull0, recv_timeout=10000)
    url = listen(pull, addr("tcp"))
    data = big(9, MIB + 123)
    wire = struct.pack(">Q", len(data)) + data
    with RawConn.connect(url) as c:
        c.handshake(PUSH)
        if pattern == "trickle":
            c.send_bytewise(wire[:4096])
            c.send(wire[4096:])
        elif pattern == "remainder":
            # all but a few bytes (well under any low-water mark), then the rest
            c.send(wire[:-5])
            with pytest.raises(nk.Timeout):
                recv_within(pull, 300)
            c.send(wire[-5:])
        else:
            small = struct.pack(">Q", 3) + b"abc"
            c.send(small + wire[:200_000])
            assert pull.recv() == b"abc"
            c.send(wire[200_000:700_000])
            c.send(wire[700_000:] + small)
        assert pull.recv() == data
        if pattern == "interleaved":
            assert pull.recv() == b"abc"


@pytest.mark.timeout(60)
async def test_failed_and_cancelled_sends_of_lent_bytes_return_their_loans(sockets, leak_check):
    s = sockets(nk.Pair0)  # no peer: nothing can be sent
    data = big(11, 200 * 1024)
    for timeout in (0, 5):
        s.send_timeout = timeout
        for _ in range(20):
            with pytest.raises((nk.TryAgain, nk.Timeout)):
                s.send(data)
            with pytest.raises((nk.TryAgain, nk.Timeout)):
                await s.asend(data)
    s.send_timeout = -1
    await cancel_while_waiting(lambda: s.asend(data), times=20)
    s.close()
    wait_for(lent_settled, what="every loan returned")


@pytest.mark.timeout(60)
def test_large_frames_through_a_paused_pipe(sockets, addr, leak_check):
    """A full receive queue pauses the pipe mid-frame (low-water mark reset);
    every frame still arrives intact once the reader catches up."""
    pull = sockets(nk.Pull0, recv_timeout=10000, recv_buffer_size=1)
    url = listen(pull, addr("tcp"))
    data = [big(20 + i, MIB + 1000 * i) for i in range(6)]
    with RawConn.connect(url) as c:
        c.handshake(PUSH)
        writer = Catcher(lambda: c.send(b"".join(struct.pack(">Q", len(d)) + d for d in data)))
        writer.start()
        wait_for(lambda: len(pull.pipes) == 1, what="the pipe")
        got = []
        for _ in data:
            got.append(pull.recv())
        assert writer.finish(20).error is None
        assert got == data
