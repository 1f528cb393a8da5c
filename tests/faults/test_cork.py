"""Adversarial tests for corked sends (csrc/core/cork.h): a send that comes
back to back with the last one on its ipc pipe may stay queued there, with
those after it, for one system call: an asyncio sender's until its loop's
next turn, a blocking sender's until the queue fills, a thread waits in the
core, or the reactor's short timer fires; a backstop timer writes what no
flush did.  Whatever the path, nothing may be lost, reordered or mangled:
not by a close right after the burst, a peer that stops reading or goes
away, several pullers, or a sender that never flushes.  tcp and lone sends
never cork."""
from __future__ import annotations

import asyncio
import contextlib
import os
import struct
from typing import Any, Iterator, List, Tuple

import pytest

from nngkit._backend.core import ffi, lib
from tests.helpers.impl import nk
from tests.helpers.raw import RawConn
from tests.helpers.spare_ops import stream_through, until_waiting
from tests.helpers.sync import Catcher, dial, listen, send_until_full, wait_for

pytestmark = pytest.mark.nngkit_only  # nngkit's own send path and debug hook

PULL = 0x51
LIMIT = 2048  # stream.c's SMALL_WRITE: larger frames are never corked
TRIES = 60  # runs of sends tried (180 uncorked ones fill no ipc socket buffer)
RUN = 40  # a blocking run long enough to cork (cork.c: from its 16th send)


def numbered(i: int, size: int) -> bytes:
    """A body that says which message it is, padded with bytes of its own."""
    head = struct.pack(">I", i)
    return (head + bytes((i + k) % 251 for k in range(max(0, size - 4))))[:max(size, 4)]


def sizes(n: int) -> List[int]:
    """A cycle of sizes on both sides of the cork limit, and one large."""
    edge = LIMIT - 9
    cycle = [4, 64, 64, 1000, edge - 1, edge, edge + 1, 64, 4096, 64]
    return [70000 if i % 97 == 96 else cycle[i % len(cycle)] for i in range(n)]


def corks() -> int:
    return int(lib.nk_debug_corks())


@pytest.fixture
def any_pace():
    """Every async send counts as back to back (not only those within 4 us
    of the last), so the corked path runs however slowly the test does."""
    lib.nk_debug_cork_gap(10 ** 10)
    yield
    lib.nk_debug_cork_gap(-1)


@contextlib.contextmanager
def cork_timers(soon_us: int, backstop_ms: int) -> Iterator[None]:
    """The reactor's two flush timers set long, to see which flush wrote."""
    lib.nk_debug_cork_timers(soon_us, backstop_ms)
    try:
        yield
    finally:
        lib.nk_debug_cork_timers(-1, -1)


def try_send(sid: int, data: bytes) -> int:
    """One nk_send_try, as asend's first try makes it, but with no flush."""
    op = ffi.new("nk_op *")
    rv = lib.nk_send_try(sid, 0, ffi.NULL, data, len(data), op)
    if op.msg != ffi.NULL:
        lib.nk_msg_free(op.msg)
    return int(rv)


def corked_burst(push: Any, n: int = 3) -> Tuple[List[bytes], List[int]]:
    """Once `push` has its pipe, nk_send_try in runs of `n` until one run
    leaves it corked (NK_QUEUED); bounded by TRIES runs.  Nothing calls
    nk_flush."""
    wait_for(lambda: push.pipes, timeout=10, what="the peer's pipe")
    sent: List[bytes] = []
    results: List[int] = []
    for _ in range(TRIES):
        run = [numbered(len(sent) + k, 64) for k in range(n)]  # made first: a run is quick
        results += [try_send(push.id, data) for data in run]
        sent += run
        assert set(results) <= {0, lib.NK_QUEUED}, results
        if lib.NK_QUEUED in results:
            return sent, results
    raise AssertionError(f"no send was corked in {TRIES} runs of back-to-back sends")


def read_bodies(c: RawConn, n: int, timeout: float = 20) -> List[bytes]:
    return [c.read_frame(timeout=timeout) for _ in range(n)]


@pytest.mark.timeout(60)
async def test_async_burst_over_ipc_corks_and_arrives_whole(sockets, addr, any_pace):
    push = sockets(nk.Push0, send_timeout=10000)
    pull = sockets(nk.Pull0, recv_timeout=10000)
    dial(pull, listen(push, addr("ipc")))
    sent = [numbered(i, n) for i, n in enumerate(sizes(3000))]
    before = corks()
    assert await stream_through(push, pull, sent) == sent
    assert corks() > before


@pytest.mark.timeout(60)
def test_blocking_burst_over_ipc_corks_and_arrives_whole(sockets, addr, any_pace):
    push = sockets(nk.Push0, send_timeout=10000)
    pull = sockets(nk.Pull0, recv_timeout=10000)
    dial(pull, listen(push, addr("ipc")))
    sent = [numbered(i, n) for i, n in enumerate(sizes(3000))]
    before = corks()
    sender = Catcher(lambda: [push.send(data) for data in sent])
    sender.start()
    assert [pull.recv() for _ in sent] == sent
    assert sender.finish(timeout=20).error is None
    assert corks() > before


@pytest.mark.timeout(60)
async def test_tcp_never_corks(sockets, addr, any_pace):
    push = sockets(nk.Push0, send_timeout=10000)
    pull = sockets(nk.Pull0, recv_timeout=10000)
    dial(pull, listen(push, addr("tcp")))
    before = corks()
    sent = [numbered(i, 64) for i in range(2000)]
    assert await stream_through(push, pull, sent) == sent
    sender = Catcher(lambda: [push.send(data) for data in sent])
    sender.start()
    assert [pull.recv() for _ in sent] == sent
    assert sender.finish(timeout=20).error is None
    assert corks() == before


def blocking_run(push: Any, c: RawConn) -> List[bytes]:
    """Once `c` has shaken hands with `push`, a run of blocking sends long
    enough to cork (any_pace), then no further call; what was sent."""
    c.handshake(PULL)
    wait_for(lambda: push.pipes, timeout=10, what="the peer's pipe")
    before = corks()
    sent = [numbered(i, 64) for i in range(RUN)]
    for data in sent:
        push.send(data)
    assert corks() > before
    return sent


@pytest.mark.timeout(60)
def test_a_blocking_senders_last_frames_leave_without_another_call(sockets, addr, any_pace):
    """The sender stops calling after its run: the reactor's short timer
    writes the corked tail (the backstop is set too long to)."""
    push = sockets(nk.Push0, send_timeout=10000)
    with RawConn.connect(listen(push, addr("ipc"))) as c, cork_timers(-1, 10 ** 6):
        sent = blocking_run(push, c)
        assert read_bodies(c, len(sent)) == sent


@pytest.mark.timeout(60)
def test_a_wait_in_the_core_writes_what_is_corked(sockets, addr, any_pace):
    """A thread that corked a run, then waits for something else (here a
    receive that times out), writes the run before it waits: the peer may
    be about to answer it.  Both timers are set too long to write it."""
    push = sockets(nk.Push0, send_timeout=10000)
    idle = sockets(nk.Pull0, recv_timeout=200)
    with RawConn.connect(listen(push, addr("ipc"))) as c, cork_timers(10 ** 9, 10 ** 6):
        sent = blocking_run(push, c)
        with pytest.raises(nk.Timeout):
            idle.recv()
        assert read_bodies(c, len(sent)) == sent


@pytest.mark.timeout(60)
def test_a_short_blocking_burst_is_written_at_once(sockets, addr):
    """Fewer back-to-back blocking sends than a run that corks: each is
    written as it is sent (no timer would write it: both are set too long
    to).  At the real pace, each burst starting a run afresh (the gap knob
    resets the run, as a long pause would)."""
    push = sockets(nk.Push0, send_timeout=10000)
    with RawConn.connect(listen(push, addr("ipc"))) as c, cork_timers(10 ** 9, 10 ** 6):
        c.handshake(PULL)
        wait_for(lambda: push.pipes, timeout=10, what="the peer's pipe")
        for k in range(3):
            lib.nk_debug_cork_gap(-1)
            before = corks()
            sent = [numbered(i, 64) for i in range(10)]
            for data in sent:
                push.send(data)
            assert read_bodies(c, len(sent)) == sent
            assert corks() == before


@pytest.mark.timeout(60)
def test_lone_blocking_sends_are_written_at_once(sockets, addr):
    push = sockets(nk.Push0, send_timeout=10000)
    before = corks()
    with RawConn.connect(listen(push, addr("ipc"))) as c:
        c.handshake(PULL)
        for i in range(50):
            push.send(numbered(i, 64))
            assert c.read_frame(timeout=10) == numbered(i, 64)
    assert corks() == before


@pytest.mark.timeout(90)
def test_blocking_sender_to_a_peer_that_stops_reading(sockets, addr, any_pace):
    """Blocking sends cork and fill the kernel until one times out; the
    peer then gets exactly the accepted frames, in order, and no more."""
    push = sockets(nk.Push0, send_timeout=500)
    with RawConn.connect(listen(push, addr("ipc"))) as c:
        c.handshake(PULL)
        wait_for(lambda: push.pipes, timeout=10, what="the peer's pipe")
        before = corks()
        sent = send_until_full(push, (numbered(i, 64) for i in range(400000)))
        assert corks() > before
        assert read_bodies(c, len(sent)) == sent
        with pytest.raises(TimeoutError):  # nothing after them: the refused send stays unsent
            c.read_frame(timeout=0.3)


@pytest.mark.timeout(60)
async def test_lone_async_sends_are_written_at_once(sockets, addr):
    """At the default pace: each send waits for the last to reach the peer,
    so none follows another within 4 us and none waits for a flush."""
    push = sockets(nk.Push0, send_timeout=10000)
    before = corks()
    with RawConn.connect(listen(push, addr("ipc"))) as c:
        c.handshake(PULL)
        for i in range(50):
            await push.asend(numbered(i, 64))
            assert c.read_frame(timeout=10) == numbered(i, 64)
    assert corks() == before


@pytest.mark.timeout(60)
def test_backstop_writes_what_no_flush_wrote(sockets, addr, any_pace):
    """Sends left corked by a caller that never flushes still leave, in
    order (the reactor's backstop timer), and the first corked one said
    that a flush was owed."""
    push = sockets(nk.Push0, send_timeout=10000)
    with RawConn.connect(listen(push, addr("ipc"))) as c:
        c.handshake(PULL)
        sent, results = corked_burst(push)
        assert results.count(lib.NK_QUEUED) >= 1
        assert read_bodies(c, len(sent)) == sent


@pytest.mark.timeout(60)
def test_close_right_after_a_corked_burst_loses_nothing(sockets, addr, any_pace):
    push = sockets(nk.Push0, send_timeout=10000)
    with RawConn.connect(listen(push, addr("ipc"))) as c:
        c.handshake(PULL)
        sent, _ = corked_burst(push, n=40)
        push.close()
        assert read_bodies(c, len(sent)) == sent
        c.expect_closed(timeout=10)


@pytest.mark.timeout(60)
async def test_peer_gone_while_corked_leaves_the_socket_working(sockets, addr, any_pace):
    push = sockets(nk.Push0, send_timeout=10000)
    url = listen(push, addr("ipc"))
    with RawConn.connect(url) as c:
        c.handshake(PULL)
        corked_burst(push)
    lib.nk_flush()  # writes to a peer that has gone: only that pipe fails
    wait_for(lambda: not push.pipes, timeout=10, what="the dead pipe to close")
    pull = sockets(nk.Pull0, recv_timeout=10000)
    dial(pull, url)
    sent = [numbered(i, 64) for i in range(500)]
    assert await stream_through(push, pull, sent) == sent


@pytest.mark.timeout(90)
async def test_peer_that_stops_reading_gets_every_accepted_frame_in_order(sockets, addr, any_pace):
    """The kernel fills while sends are corked and written: the sender then
    waits (the pipe is busy for real), and once the peer reads, exactly
    what was accepted arrives, in order."""
    push = sockets(nk.Push0, send_timeout=20000)
    with RawConn.connect(listen(push, addr("ipc"))) as c:
        c.handshake(PULL)
        sent = [numbered(i, 64) for i in range(60000)]

        async def produce() -> None:
            for data in sent:
                await push.asend(data)

        before = corks()
        task = asyncio.ensure_future(produce())
        await until_waiting()  # the socket buffer is full: a send waits
        assert not task.done() and corks() > before
        reader = Catcher(lambda: read_bodies(c, len(sent)))
        reader.start()
        await asyncio.wait_for(task, 60)
        assert reader.finish(timeout=60).result == sent


@pytest.mark.timeout(60)
async def test_pullers_share_a_corked_burst_exactly_once(sockets, addr, any_pace):
    push = sockets(nk.Push0, send_timeout=10000)
    url = listen(push, addr("ipc"))
    pulls = [sockets(nk.Pull0, recv_timeout=10000) for _ in range(3)]
    for pull in pulls:
        dial(pull, url)
    n = 3000
    got: List[List[int]] = [[] for _ in pulls]
    done = asyncio.Event()

    async def drain(k: int) -> None:
        while not done.is_set():
            try:
                data = await asyncio.wait_for(pulls[k].arecv(), 0.5)
            except asyncio.TimeoutError:
                continue
            got[k].append(struct.unpack(">I", data[:4])[0])
            if sum(map(len, got)) == n:
                done.set()

    drains = [asyncio.ensure_future(drain(k)) for k in range(3)]
    before = corks()
    for i in range(n):
        await push.asend(numbered(i, 64))
    await asyncio.wait_for(done.wait(), 30)
    await asyncio.gather(*drains)
    assert sorted(sum(got, [])) == list(range(n))
    assert all(ids == sorted(ids) for ids in got)  # each pipe keeps its order
    assert min(map(len, got)) >= n // 5  # still round robin, not one pipe's run
    assert corks() > before


def test_fork_child_starts_with_no_corked_pipes(sockets, addr, any_pace):
    """A fork() child forgets the parent's corked pipes: flushing there
    touches nothing of the parent's, its own sockets work, and the parent's
    corked sends still leave from the parent."""
    push = sockets(nk.Push0, send_timeout=10000)
    with RawConn.connect(listen(push, addr("ipc"))) as c:
        c.handshake(PULL)
        sent, _ = corked_burst(push)
        child_url = addr("ipc")
        pid = os.fork()
        if pid == 0:  # the child: flush, then a socket of its own
            code = 1
            try:
                lib.nk_flush()
                with nk.Pair0(listen=child_url) as mine:
                    code = 0 if mine.id > 0 else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        assert read_bodies(c, len(sent)) == sent

