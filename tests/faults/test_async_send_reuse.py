"""Adversarial tests for the sends' reuse of their nk_op (ops._spare):
only clean ones are kept, failed and cancelled sends keep none with a
message in it, many tasks in many threads never share one, and blocking
sends keep to the same rule."""
from __future__ import annotations

import asyncio
import threading
from typing import Dict, List

import pytest

from nngkit._backend import ops
from tests.helpers.impl import nk
from tests.helpers.spare_ops import cancel_while_waiting, spare_clean, stream_through
from tests.helpers.sync import listen

pytestmark = pytest.mark.nngkit_only  # nngkit's own backend


@pytest.mark.parametrize("scheme", ["inproc", "tcp", "ipc"])
async def test_spare_ops_are_clean_after_a_burst(sockets, addr, scheme, leak_check):
    pull = sockets(nk.Pull0, recv_timeout=10000)
    push = sockets(nk.Push0, dial=listen(pull, addr(scheme)), send_timeout=10000)
    before = len(ops._spare)
    sent = [b"%d" % i * (i % 300) for i in range(500)]
    assert await stream_through(push, pull, sent) == sent
    assert spare_clean()
    assert len(ops._spare) <= before + 1  # one sending task: one send at a time


async def test_failed_and_cancelled_sends_keep_no_message(sockets, leak_check):
    s = sockets(nk.Pair0)  # no peer: nothing can be sent
    s.send_timeout = 0
    for _ in range(50):
        with pytest.raises((nk.TryAgain, nk.Timeout)):
            await s.asend(b"never")
    s.send_timeout = -1
    await cancel_while_waiting(lambda: s.asend(b"cancelled"))
    assert spare_clean()
    s.close()
    with pytest.raises(nk.Closed):
        await s.asend(b"closed")
    assert spare_clean()


@pytest.mark.timeout(120)
def test_many_tasks_in_many_threads_deliver_everything_in_order(sockets, addr):
    """8 threads, each with a loop of 4 tasks sending numbered messages at
    once: every message arrives once, each sender's in its own order."""
    pull = sockets(nk.Pull0, recv_timeout=20000)
    url = listen(pull, addr("ipc"))
    push = sockets(nk.Push0, dial=url, send_timeout=20000)
    per_task, threads_n, tasks_n = 300, 8, 4

    async def sender(tag: str) -> None:
        for i in range(per_task):
            await push.asend(b"%s:%d" % (tag.encode(), i))

    async def loop_main(t: int) -> None:
        await asyncio.gather(*(sender(f"{t}.{k}") for k in range(tasks_n)))

    errors: List[BaseException] = []

    def run(t: int) -> None:
        try:
            asyncio.run(loop_main(t))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(t,), daemon=True) for t in range(threads_n)]
    for th in threads:
        th.start()
    seen: Dict[str, List[int]] = {}
    for _ in range(per_task * threads_n * tasks_n):
        tag, num = pull.recv().split(b":")
        seen.setdefault(tag.decode(), []).append(int(num))
    for th in threads:
        th.join(20)
        assert not th.is_alive()
    assert not errors
    assert len(seen) == threads_n * tasks_n
    assert all(nums == list(range(per_task)) for nums in seen.values())
    assert spare_clean()


@pytest.mark.parametrize("scheme", ["inproc", "ipc"])
def test_blocking_sends_reuse_clean_ops_only(sockets, addr, scheme, leak_check):
    """Blocking sends share the spare list too: a burst (sizes 0 B to
    1 MiB, so some wait for the reader) leaves only clean ops, and a send
    that times out or is refused keeps none with a message in it."""
    pull = sockets(nk.Pull0, recv_timeout=10000)
    push = sockets(nk.Push0, dial=listen(pull, addr(scheme)), send_timeout=10000)
    sent = [bytes([i % 251]) * size for i, size in enumerate([0, 1, 64, 4096, 1 << 20] * 20)]
    reader = threading.Thread(target=lambda: got.extend(pull.recv() for _ in sent), daemon=True)
    got: List[bytes] = []
    reader.start()
    for data in sent:
        push.send(data)
    reader.join(30)
    assert got == sent and spare_clean()
    lone = sockets(nk.Push0, send_timeout=50)
    with pytest.raises(nk.Timeout):
        lone.send(b"nobody takes this")  # no puller: the send times out
    with pytest.raises(nk.TryAgain):
        lone.send(b"nor this", block=False)
    assert spare_clean()
