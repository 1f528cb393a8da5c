"""An async task whose calls all complete at once still lets other tasks run.

A PUB send never waits, so a publisher that loops "until every subscriber has
heard" only ends if its asend yields to the event loop now and then (pynng's
always does; nngkit's does every few calls).  Under asyncio and trio.
"""
from __future__ import annotations

import pytest

from tests.helpers.impl import nk
from tests.helpers.modes import MODES, run_workers
from tests.helpers.sync import dial, listen

SAFE = {"recv_timeout": 5000, "send_timeout": 5000}
BOUND = 100_000  # sends before the publisher gives up


@pytest.mark.parametrize("mode", ["async", "trio"])
@pytest.mark.parametrize("scheme", ["inproc", "tcp"])
async def test_publisher_loop_lets_subscribers_run(sockets, addr, mode, scheme) -> None:
    pub = sockets(nk.Pub0, **SAFE)
    subs = [sockets(nk.Sub0, **SAFE) for _ in range(2)]
    url = listen(pub, addr(scheme))
    for sub in subs:
        sub.subscribe(b"")
        dial(sub, url)
    heard = [False] * len(subs)

    def subscriber(i: int):
        async def run() -> None:
            await subs[i].arecv()
            heard[i] = True
        return run

    async def publisher() -> int:
        for n in range(BOUND):
            if all(heard):
                return n
            await pub.asend(b"news")
        return BOUND

    *_, sent = await run_workers(MODES[mode], [subscriber(0), subscriber(1), publisher])
    assert sent < BOUND and all(heard)
