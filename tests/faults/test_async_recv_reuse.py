"""Adversarial tests for the async receive's reuse of its nk_op (the spare
list it shares with asend, ops._spare): a reused op never carries a message
or an aio into the next receive, whatever ended the last one (a message, "not
now", an error, a cancellation), and receivers in many tasks and threads each
get whole, distinct messages."""
from __future__ import annotations

import asyncio
import threading
from typing import List

import pytest

from tests.helpers.impl import nk
from tests.helpers.spare_ops import cancel_while_waiting, spare_clean, stream_through
from tests.helpers.sync import listen

pytestmark = pytest.mark.nngkit_only  # nngkit's own backend


@pytest.mark.parametrize("scheme", ["inproc", "tcp", "ipc"])
async def test_receives_of_every_size_come_whole_through_reused_ops(sockets, addr, scheme, leak_check):
    pull = sockets(nk.Pull0, recv_timeout=10000)
    push = sockets(nk.Push0, dial=listen(pull, addr(scheme)), send_timeout=10000)
    sizes = [0, 1, 64, 1000, 70000, 3, 1 << 20, 0, 64]
    sent = [bytes([i % 251]) * n + b"%d" % i for i, n in enumerate(sizes * 20)]
    assert await stream_through(push, pull, sent) == sent
    assert spare_clean()


async def test_empty_failed_and_cancelled_receives_leave_clean_ops(sockets, leak_check):
    s = sockets(nk.Pull0, recv_timeout=0)
    for _ in range(50):
        with pytest.raises((nk.TryAgain, nk.Timeout)):
            await s.arecv()  # "not now", then the queue's timeout
    s.recv_timeout = -1
    await cancel_while_waiting(s.arecv)
    assert spare_clean()
    s.close()
    with pytest.raises(nk.Closed):
        await s.arecv()
    assert spare_clean()


@pytest.mark.timeout(120)
def test_receivers_in_many_threads_each_get_distinct_whole_messages(sockets, addr):
    """8 threads, each a loop of 4 receiving tasks, share one Pull0: the
    messages they got are exactly those sent, each once and intact."""
    pull = sockets(nk.Pull0, recv_timeout=20000)
    push = sockets(nk.Push0, dial=listen(pull, addr("ipc")), send_timeout=20000)
    per_task, threads_n, tasks_n = 200, 8, 4
    total = per_task * threads_n * tasks_n
    got: List[bytes] = []
    errors: List[BaseException] = []
    lock = threading.Lock()

    async def receiver() -> None:
        mine = [await pull.arecv() for _ in range(per_task)]
        with lock:
            got.extend(mine)

    async def loop_main() -> None:
        await asyncio.gather(*(receiver() for _ in range(tasks_n)))

    def run() -> None:
        try:
            asyncio.run(loop_main())
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(threads_n)]
    for th in threads:
        th.start()
    sent = [b"%d:" % i + bytes([i % 251]) * (i % 200) for i in range(total)]
    for data in sent:
        push.send(data)
    for th in threads:
        th.join(30)
        assert not th.is_alive()
    assert not errors
    assert sorted(got) == sorted(sent)
    assert spare_clean()
