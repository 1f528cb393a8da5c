"""trio support: what the shared "trio" mode of the protocol tests does not show.

The protocol tests already run every async body under trio too (mode
"trio"); these check the framework plumbing itself: detection, cancellation
without losing messages, clean-up when a run ends, pipe events, and trio
beside asyncio in the same process.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any, List

import anyio
import pytest
import sniffio
import trio  # a test dependency (pip install -e .[test]): these tests never skip
import trio.testing

from tests.helpers.impl import nk
from tests.helpers.sync import dial, listen


async def test_mode_runs_under_its_framework(mode: Any) -> None:
    """The conftest hook really runs "trio" bodies under trio (and the rest under asyncio)."""
    expected = "trio" if mode.name == "trio" else "asyncio"
    assert sniffio.current_async_library() == expected


def _pair(sockets: Any, addr: Any, scheme: str = "inproc", **options: Any) -> Any:
    options.setdefault("recv_timeout", 5000)
    options.setdefault("send_timeout", 5000)
    a = sockets(nk.Pair0, **options)
    b = sockets(nk.Pair0, **options)
    url = listen(a, addr(scheme))
    dial(b, url)
    return a, b


@pytest.mark.nngkit_only  # NNG drops a message whose receive is cancelled as it completes
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("scheme", ["inproc", "tcp"])
def test_cancelled_receives_lose_no_message(sockets, addr, scheme, backend, leak_check) -> None:
    """Receives cancelled at every point of their life: each message still arrives once, in order."""
    a, b = _pair(sockets, addr, scheme)
    n = 300

    async def main() -> List[bytes]:
        got: List[bytes] = []
        async with anyio.create_task_group() as tg:
            async def sender() -> None:
                for i in range(n):
                    await b.asend(b"%d" % i)
                    if i % 3 == 0:
                        await anyio.sleep(0)  # let receives park between messages

            tg.start_soon(sender)
            with anyio.fail_after(20):
                while len(got) < n:
                    with anyio.CancelScope() as scope:
                        # Cancel some receives while parked, some as they complete.
                        tg.start_soon(_cancel_soon, scope, len(got) % 4)
                        got.append(await a.arecv())
        return got

    got = anyio.run(main, backend=backend)
    assert got == [b"%d" % i for i in range(n)]


async def _cancel_soon(scope: Any, yields: int) -> None:
    for _ in range(yields):
        await anyio.sleep(0)
    scope.cancel()


def test_run_ending_with_parked_receive_frees_everything(sockets, addr, leak_check) -> None:
    a, _ = _pair(sockets, addr, recv_timeout=-1)

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(a.arecv)
            await trio.testing.wait_all_tasks_blocked()  # the receive is parked
            nursery.cancel_scope.cancel()

    trio.run(main)
    # The receive was cancelled and its aio freed with the run's queue: leak_check checks it.


@pytest.mark.nngkit_only  # async for is an nngkit extension
def test_async_for_and_contexts(sockets, addr, leak_check) -> None:
    rep = sockets(nk.Rep0, recv_timeout=5000, send_timeout=5000)
    req = sockets(nk.Req0, recv_timeout=5000, send_timeout=5000)
    url = listen(rep, addr("tcp"))
    dial(req, url)

    async def server() -> None:
        count = 0
        async for request in rep:
            await rep.asend(request.upper())
            count += 1
            if count == 8:
                return

    async def client(i: int, out: List[bytes]) -> None:
        ctx = req.new_context()
        try:
            await ctx.asend(b"hello %d" % i)
            out.append(await ctx.arecv())
        finally:
            ctx.close()

    async def main() -> List[bytes]:
        out: List[bytes] = []
        with trio.fail_after(10):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(server)
                for i in range(8):
                    nursery.start_soon(client, i, out)
        return out

    assert sorted(trio.run(main)) == sorted(b"HELLO %d" % i for i in range(8))


@pytest.mark.nngkit_only
def test_pipe_event_stream_under_trio(addr, leak_check) -> None:
    url = addr("tcp")

    async def main() -> List[Any]:
        with nk.Pair0(listen=url) as server:
            events = server.pipe_events()
            client = nk.Pair0(dial=server.listeners[0].url)
            with trio.fail_after(5):
                first = await events.__anext__()
                client.close()
                second = await events.__anext__()
            await events.aclose()
            return [first[0], second[0], first[1] == second[1]]

    assert trio.run(main) == [nk.PIPE_EV_ADD_POST, nk.PIPE_EV_REM_POST, True]


def test_trio_and_asyncio_side_by_side(sockets, addr, leak_check) -> None:
    """A trio run and an asyncio loop in two threads talk to each other."""
    a, b = _pair(sockets, addr, "inproc")
    n = 200
    errors: List[BaseException] = []

    async def echo_asyncio() -> None:
        for _ in range(n):
            await a.asend(await a.arecv())

    def asyncio_thread() -> None:
        try:
            asyncio.run(asyncio.wait_for(echo_asyncio(), 20))
        except BaseException as e:  # noqa: BLE001 - re-raised below
            errors.append(e)

    async def trio_side() -> int:
        ok = 0
        with trio.fail_after(20):
            for i in range(n):
                await b.asend(b"%d" % i)
                ok += await b.arecv() == b"%d" % i
        return ok

    t = threading.Thread(target=asyncio_thread)
    t.start()
    try:
        assert trio.run(trio_side) == n
    finally:
        t.join(20)
    assert not t.is_alive() and not errors


@pytest.mark.nngkit_only  # pynng checks the name only when it is used
def test_async_backend_names() -> None:
    for backend in (None, "asyncio", "trio"):
        nk.Pair0(async_backend=backend).close()
    with pytest.raises(ValueError):
        nk.Pair0(async_backend="curio")
