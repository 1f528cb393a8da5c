"""Blocking send and recv: one core call each (nk_send_wait / nk_recv_wait, nngkit only).

An operation that completes within the first wait slice runs on a spare aio
of the core; one that takes longer is handed to Python, which waits for it
as before.  Both ends, and many threads at once, must keep every message
and leave no aio or message behind.
"""
from __future__ import annotations

import threading

import pytest

from tests.helpers.impl import nk
from tests.helpers.payloads import payload
from tests.protocol.helpers_protocols import link, open_sock

pytestmark = pytest.mark.nngkit_only

THREADS = 24  # more than the core keeps spare aios (16)


def test_many_threads_receive_at_once(sockets, addr, leak_check):
    pairs = []
    for _ in range(THREADS):
        a = open_sock(sockets, nk.Pair0)
        b = open_sock(sockets, nk.Pair0)
        link(a, b, addr, "inproc")
        pairs.append((a, b))
    got = [None] * THREADS
    start = threading.Barrier(THREADS + 1, timeout=10)

    def receive(i: int) -> None:
        start.wait()
        got[i] = pairs[i][1].recv()

    threads = [threading.Thread(target=receive, args=(i,), daemon=True) for i in range(THREADS)]
    for t in threads:
        t.start()
    start.wait()  # every receiver is about to block: the sends below meet waiting receives
    for i, (a, _) in enumerate(pairs):
        a.send(b"to %d" % i)
    for t in threads:
        t.join(10)
    assert got == [b"to %d" % i for i in range(THREADS)]


@pytest.mark.parametrize("size", [0, 100, 64 * 1024, 300 * 1024])
def test_sizes_and_buffer_types(sockets, addr, size, leak_check):
    push = open_sock(sockets, nk.Push0)
    pull = open_sock(sockets, nk.Pull0)
    link(push, pull, addr, "tcp")
    body = payload(size, 5)
    for data in (body, bytearray(body), memoryview(body)):
        push.send(data)
        assert pull.recv() == body


def test_a_send_that_outlasts_the_first_slice_times_out_and_frees_its_message(sockets, leak_check):
    push = open_sock(sockets, nk.Push0, send_timeout=250)  # no puller: nothing takes it
    with pytest.raises(nk.Timeout):
        push.send(b"nobody")
    with pytest.raises(nk.Timeout):
        push.send(payload(128 * 1024, 6))


def test_a_recv_that_outlasts_the_first_slice_still_gets_the_message(sockets, addr, leak_check):
    a = open_sock(sockets, nk.Pair0)
    b = open_sock(sockets, nk.Pair0, recv_timeout=5000)
    link(a, b, addr, "tcp")
    got = []
    receiver = threading.Thread(target=lambda: got.append(b.recv()), daemon=True)
    receiver.start()
    receiver.join(0.3)  # bounded: the receive is past its first slice when the send comes
    assert receiver.is_alive()
    a.send(b"late")
    receiver.join(10)
    assert got == [b"late"]


def test_non_blocking_calls_fail_at_once_and_keep_nothing(sockets, leak_check):
    pair = open_sock(sockets, nk.Pair0)
    with pytest.raises(nk.TryAgain):
        pair.recv(block=False)
    with pytest.raises(nk.TryAgain):
        pair.send(b"no peer", block=False)
    ctx_sock = open_sock(sockets, nk.Rep0)
    ctx = sockets.track(ctx_sock.new_context())
    with pytest.raises(nk.TryAgain):
        ctx.recv(block=False)


def test_closed_socket_and_context(sockets):
    req = open_sock(sockets, nk.Req0)
    ctx = sockets.track(req.new_context())
    ctx.close()
    with pytest.raises(nk.Closed):
        ctx.send(b"x")
    req.close()
    with pytest.raises(nk.Closed):
        req.send(b"x")
    with pytest.raises(nk.Closed):
        req.recv()
