"""Which asyncio waits lend the loop to the core's reading (asyncio_queue,
ops._arecv_queued).  A socket that only receives (PULL, SUB) and whose last
message was large (32 KiB up to 256 KiB) waits without lending, so that the
core's thread reads the next message while the loop copies out this one;
small messages, huge ones, and sockets whose messages are answered (REQ)
keep lending.  Whatever the path, every message arrives, whole and in
order."""
from __future__ import annotations

import asyncio
from typing import Any, List, Tuple

import pytest

from nngkit._backend import asyncio_queue
from nngkit._backend.ops import LARGE_STREAM, LARGE_STREAM_MAX
from tests.helpers.impl import nk
from tests.helpers.spare_ops import stream_through, until_waiting
from tests.helpers.sync import dial, listen

pytestmark = pytest.mark.nngkit_only  # nngkit's own bridge between the core and asyncio


def _body(i: int, size: int) -> bytes:
    return (b"%08d" % i + bytes(range(256)) * (size // 256 + 1))[:size]


async def _lent_while_waiting(receiver: Any, sender: Any, body: bytes) -> Tuple[bool, bytes]:
    """Whether the loop lent itself while `receiver` waited for `body`."""
    queue = asyncio_queue.queue_for(asyncio.get_running_loop())
    task = asyncio.ensure_future(receiver.arecv())
    await until_waiting()
    lent = queue._lent
    await sender.asend(body)
    return lent, await asyncio.wait_for(task, 10)


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
@pytest.mark.parametrize("kind", ["pull", "sub"])
def test_a_stream_of_large_messages_stops_lending(sockets, addr, scheme, kind):
    if kind == "pull":
        rx, tx = sockets(nk.Pull0, recv_timeout=10000), sockets(nk.Push0, send_timeout=10000)
    else:
        rx, tx = sockets(nk.Sub0, topics=b"", recv_timeout=10000), sockets(nk.Pub0)
    dial(rx, listen(tx, addr(scheme)))
    sizes = [64, LARGE_STREAM, 64 * 1024, LARGE_STREAM_MAX - 1, LARGE_STREAM_MAX, 1000, 64 * 1024]

    async def main() -> List[Tuple[bool, bytes]]:
        if kind == "sub":  # the subscription has reached the publisher once one arrives
            while True:
                await tx.asend(b"probe")
                try:
                    await asyncio.wait_for(rx.arecv(), 0.2)
                    break
                except asyncio.TimeoutError:
                    continue
        return [await _lent_while_waiting(rx, tx, _body(i, n)) for i, n in enumerate(sizes)]

    out = asyncio.run(main())
    assert [got for _, got in out] == [_body(i, n) for i, n in enumerate(sizes)]
    # each wait lends unless the message before it was large, not huge
    expected = [False] + [LARGE_STREAM <= n < LARGE_STREAM_MAX for n in sizes[:-1]]
    assert [not lent for lent, _ in out] == expected


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_large_replies_keep_lending(sockets, addr, scheme):
    """A REQ's wait is for an answer: the wake-up lending saves is its
    latency, whatever the size."""
    req, rep = sockets(nk.Req0, recv_timeout=10000), sockets(nk.Rep0, recv_timeout=10000)
    dial(req, listen(rep, addr(scheme)))
    big = _body(0, 64 * 1024)

    async def main() -> List[bool]:
        queue = asyncio_queue.queue_for(asyncio.get_running_loop())
        lent = []
        for _ in range(3):
            await req.asend(b"q")
            task = asyncio.ensure_future(req.arecv())
            await until_waiting()
            lent.append(queue._lent)
            assert await rep.arecv() == b"q"
            await rep.asend(big)
            assert await asyncio.wait_for(task, 10) == big
        return lent

    assert asyncio.run(main()) == [True, True, True]


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_a_large_stream_without_lending_arrives_whole_and_in_order(sockets, addr, scheme):
    pull, push = sockets(nk.Pull0, recv_timeout=10000), sockets(nk.Push0, send_timeout=10000)
    dial(pull, listen(push, addr(scheme)))
    sent = [_body(i, (40 + i % 7 * 30) * 1024) for i in range(300)]

    assert asyncio.run(stream_through(push, pull, sent)) == sent
