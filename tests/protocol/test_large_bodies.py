"""Large messages in mixed sizes: bodies recycled through the core's body cache stay intact.

Freed bodies of 64 KiB or more are reused for later messages (msg.c), and a
stream pipe reads a frame straight into a cached body when one is large
enough (stream.c).  These sequences make every such reuse happen: bigger,
smaller and equal sizes after each other, frames larger than anything
cached, both directions, and several threads or tasks at once.
"""
from __future__ import annotations

import pytest

from tests.helpers.impl import nk
from tests.helpers.modes import run_workers
from tests.helpers.payloads import payload
from tests.protocol.helpers_protocols import collect, link, open_sock, transport  # noqa: F401

KIB = 1024
# grows, shrinks within and beyond half of a cached body, repeats, then jumps past all of them
SIZES = [64 * KIB, 1024 * KIB, 700 * KIB, 300 * KIB, 1024 * KIB, 64 * KIB - 1, 64 * KIB,
         2 * 1024 * KIB + 3, 1024 * KIB, 129 * KIB, 128 * KIB, 3 * 1024 * KIB]


async def test_mixed_large_sizes_arrive_intact(sockets, addr, transport, mode, leak_check):
    push = open_sock(sockets, nk.Push0)
    pull = open_sock(sockets, nk.Pull0, recv_max_size=8 << 20)
    link(push, pull, addr, transport)
    sent = [payload(size, seed) for seed, size in enumerate(SIZES * 2)]

    async def produce():
        for body in sent:
            await mode.send(push, body)

    async def consume():
        return await collect(mode, pull, len(sent))

    _, got = await run_workers(mode, [produce, consume])
    assert [len(g) for g in got] == [len(s) for s in sent]
    assert got == sent


async def test_large_echo_both_ways_from_several_workers(sockets, addr, transport, mode, leak_check):
    a = open_sock(sockets, nk.Pair1, recv_max_size=8 << 20)
    b = open_sock(sockets, nk.Pair1, recv_max_size=8 << 20)
    link(a, b, addr, transport)
    rounds = 6

    def sender(s, seed):
        async def run():
            for i in range(rounds):
                await mode.send(s, payload(SIZES[(i + seed) % len(SIZES)], seed * 100 + i))
        return run

    def receiver(s):
        async def run():
            return await collect(mode, s, 2 * rounds)
        return run

    results = await run_workers(mode, [sender(a, 1), sender(a, 2), sender(b, 3), sender(b, 4),
                                       receiver(a), receiver(b)])
    got_a, got_b = results[4], results[5]

    def expected(seeds):
        return sorted(payload(SIZES[(i + s) % len(SIZES)], s * 100 + i) for s in seeds for i in range(rounds))

    assert sorted(got_b) == expected([1, 2])
    assert sorted(got_a) == expected([3, 4])


@pytest.mark.parametrize("size", [64 * KIB, 1024 * KIB])
def test_request_id_split_off_a_cached_body_leaves_the_body_intact(sockets, addr, size, leak_check):
    rep = open_sock(sockets, nk.Rep0, recv_max_size=8 << 20)
    req = open_sock(sockets, nk.Req0, recv_max_size=8 << 20)
    link(req, rep, addr, "tcp")
    for seed in range(4):
        body = payload(size + seed, seed)
        req.send(body)
        msg = rep.recv_msg()
        assert msg.bytes == body  # the request id was split off the front of a cached body
        rep.send(msg.bytes[::-1])
        assert req.recv() == body[::-1]
