"""Adversarial tests for an asyncio loop that serves the core's I/O itself
while an operation of it waits (asyncio_queue: nk_poll_fd / nk_poll_step),
beside the core's own thread: cancellation, timeouts, close during an
await, many awaits at once, several loops in several threads, a blocking
receiver in another thread, uvloop."""
from __future__ import annotations

import asyncio
from typing import Any, List

import pytest

from nngkit._backend import asyncio_queue
from tests.helpers.impl import nk
from tests.helpers.spare_ops import until_waiting
from tests.helpers.sync import Catcher, dial, listen

pytestmark = pytest.mark.nngkit_only  # nngkit's own bridge between the core and asyncio

SCHEMES = ("tcp", "ipc")


def _pair(sockets: Any, addr: Any, scheme: str, a: Any, b: Any, **opts: Any) -> Any:
    x = sockets(a, recv_timeout=5000, send_timeout=5000, **opts)
    y = sockets(b, recv_timeout=5000, send_timeout=5000, **opts)
    dial(y, listen(x, addr(scheme)))
    return x, y


async def _echo(rep: Any, n: int) -> None:
    for _ in range(n):
        await rep.asend(await rep.arecv())


async def _trips(req: Any, tag: int, n: int) -> List[bytes]:
    got = []
    for i in range(n):
        body = b"%d:%d" % (tag, i)
        await req.asend(body)
        got.append(await req.arecv())
    return got


@pytest.mark.parametrize("scheme", SCHEMES)
def test_many_round_trips_at_once_on_one_loop(sockets, addr, scheme, leak_check):
    pairs = [_pair(sockets, addr, scheme, nk.Rep0, nk.Req0) for _ in range(20)]

    async def main() -> List[List[bytes]]:
        servers = [asyncio.ensure_future(_echo(rep, 30)) for rep, _ in pairs]
        out = await asyncio.gather(*(_trips(req, k, 30) for k, (_, req) in enumerate(pairs)))
        await asyncio.gather(*servers)
        return out

    out = asyncio.run(main())
    assert out == [[b"%d:%d" % (k, i) for i in range(30)] for k in range(len(pairs))]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_cancelled_receive_loses_no_message(sockets, addr, scheme, leak_check):
    pull, push = _pair(sockets, addr, scheme, nk.Pull0, nk.Push0)

    async def main() -> List[bytes]:
        waiting = asyncio.ensure_future(pull.arecv())
        await until_waiting()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await push.asend(b"after the cancel")
        await push.asend(b"second")
        return [await pull.arecv(), await pull.arecv()]

    assert asyncio.run(main()) == [b"after the cancel", b"second"]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_receive_times_out_and_the_next_one_still_gets_its_message(sockets, addr, scheme, leak_check):
    pull, push = _pair(sockets, addr, scheme, nk.Pull0, nk.Push0)
    pull.recv_timeout = 30

    async def main() -> bytes:
        with pytest.raises(nk.Timeout):
            await pull.arecv()
        pull.recv_timeout = 5000
        later = asyncio.ensure_future(pull.arecv())
        await push.asend(b"late")
        return await later

    assert asyncio.run(main()) == b"late"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_closing_a_socket_during_an_await(sockets, addr, scheme, leak_check):
    pull, push = _pair(sockets, addr, scheme, nk.Pull0, nk.Push0)
    other, other_push = _pair(sockets, addr, scheme, nk.Pull0, nk.Push0)

    async def main() -> bytes:
        waiting = asyncio.ensure_future(pull.arecv())
        still = asyncio.ensure_future(other.arecv())
        await until_waiting(2)
        pull.close()
        with pytest.raises(nk.Closed):
            await waiting
        await other_push.asend(b"the loop still serves the rest")
        return await still

    assert asyncio.run(main()) == b"the loop still serves the rest"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_several_loops_in_several_threads(sockets, addr, scheme, leak_check):
    pairs = [_pair(sockets, addr, scheme, nk.Rep0, nk.Req0) for _ in range(4)]
    results: List[Any] = [None] * len(pairs)

    def run(k: int) -> None:
        rep, req = pairs[k]

        async def main() -> List[bytes]:
            server = asyncio.ensure_future(_echo(rep, 200))
            got = await _trips(req, k, 200)
            await server
            return got
        results[k] = asyncio.run(main())

    threads = [Catcher(lambda k=k: run(k)) for k in range(len(pairs))]
    for t in threads:
        t.start()
    for t in threads:
        assert t.finish(60).error is None, t.error
    assert results == [[b"%d:%d" % (k, i) for i in range(200)] for k in range(len(pairs))]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_blocking_receiver_in_another_thread_is_woken_by_the_loop(sockets, addr, scheme, leak_check):
    """The loop may serve the other thread's connection: its blocking
    receive must still be woken."""
    sync_pull, sync_push = _pair(sockets, addr, scheme, nk.Pull0, nk.Push0)
    pull, push = _pair(sockets, addr, scheme, nk.Pull0, nk.Push0)
    got: List[bytes] = []
    t = Catcher(lambda: got.extend(sync_pull.recv() for _ in range(50)))
    t.start()

    async def main() -> List[bytes]:
        out = []
        for i in range(50):
            waiting = asyncio.ensure_future(pull.arecv())
            await until_waiting()
            sync_push.send(b"s%d" % i)
            await push.asend(b"a%d" % i)
            out.append(await waiting)
        return out

    assert asyncio.run(main()) == [b"a%d" % i for i in range(50)]
    assert t.finish(30).error is None, t.error
    assert got == [b"s%d" % i for i in range(50)]


def test_a_loop_that_ends_with_a_receive_pending_stops_watching(sockets, addr, leak_check):
    """asyncio.run cancels the waiting task at its end: the loop's queue
    must give the core's I/O back then, not when it is next collected."""
    pull, push = _pair(sockets, addr, "tcp", nk.Pull0, nk.Push0)
    seen = []

    async def main() -> None:
        seen.append(asyncio_queue.queue_for(asyncio.get_running_loop()))
        asyncio.ensure_future(pull.arecv())
        await until_waiting()
        assert seen[0]._watching

    asyncio.run(main())
    assert not seen[0]._watching
    push.send(b"read by the core's thread")  # and a blocking receive gets it
    assert pull.recv() == b"read by the core's thread"


def test_a_loop_closed_while_watching_leaves_the_next_loop_working(sockets, addr, leak_check):
    pull, push = _pair(sockets, addr, "ipc", nk.Pull0, nk.Push0)

    async def abandon() -> None:
        asyncio.ensure_future(pull.arecv())  # still waiting when the loop ends
        await until_waiting()

    asyncio.run(abandon())

    async def again() -> bytes:
        waiting = asyncio.ensure_future(pull.arecv())
        await until_waiting()
        await push.asend(b"new loop")
        return await waiting

    assert asyncio.run(again()) == b"new loop"


def test_uvloop_round_trips(sockets, addr, leak_check):
    import uvloop  # a test dependency: missing, the test fails
    rep, req = _pair(sockets, addr, "tcp", nk.Rep0, nk.Req0)

    async def main() -> List[bytes]:
        server = asyncio.ensure_future(_echo(rep, 100))
        got = await _trips(req, 7, 100)
        await server
        return got

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        assert runner.run(main()) == [b"7:%d" % i for i in range(100)]


def test_threads_start_and_finish_loops_concurrently(sockets, addr, leak_check):
    """Queues made and released by loops in several threads at once."""
    pairs = [_pair(sockets, addr, "tcp", nk.Pull0, nk.Push0) for _ in range(6)]

    def run(pull: Any, push: Any) -> None:
        for i in range(5):
            async def one() -> bytes:
                waiting = asyncio.ensure_future(pull.arecv())
                await until_waiting()
                push.send(b"%d" % i)
                return await waiting
            assert asyncio.run(one()) == b"%d" % i

    threads = [Catcher(lambda p=p: run(*p)) for p in pairs]
    for t in threads:
        t.start()
    for t in threads:
        assert t.finish(60).error is None, t.error
