"""Adversarial tests for the one-call sync send/recv paths and the reactor's
timer wakeups (the body paths are in test_perf_paths.py)."""
from __future__ import annotations

import time
from typing import Any

import pytest

from tests.helpers.impl import IMPL_NAME, nk
from tests.helpers.peers import child_env, python_argv
from tests.helpers.sync import Catcher, listen, wait_for, wait_thread_in_call

pytestmark = pytest.mark.nngkit_only  # these exercise nngkit's own core paths


@pytest.mark.timeout(60)
def test_many_blocked_threads_then_close_from_another(sockets, addr):
    pull = sockets(nk.Pull0, recv_timeout=-1)
    push = sockets(nk.Push0, send_timeout=-1, send_buffer_size=0)
    listen(pull, addr("inproc"))
    listen(push, addr("inproc"))  # no peer: every send blocks
    blocked = [Catcher(pull.recv) for _ in range(20)] + [Catcher(lambda: push.send(b"x")) for _ in range(20)]
    for t in blocked:
        t.start()
    for t in blocked:
        wait_thread_in_call(t.ident, ("recv", "send"))
    pull.close()
    push.close()
    for t in blocked:
        assert isinstance(t.finish(10).error, nk.Closed)


@pytest.mark.timeout(60)
def test_32_threads_blocking_send_and_recv_on_one_socket(sockets, addr):
    a = sockets(nk.Pair0, recv_timeout=20000, send_timeout=20000)
    b = sockets(nk.Pair0, recv_timeout=20000, send_timeout=20000)
    url = listen(a, addr("tcp"))
    b.dial(url, block=True)
    n, each = 32, 50
    senders = [Catcher(lambda k=k: [b.send(b"%d:%d" % (k, i)) for i in range(each)]) for k in range(n)]
    receivers = [Catcher(lambda: [a.recv() for _ in range(each)]) for _ in range(n)]
    for t in senders + receivers:
        t.start()
    got = sorted(m for t in receivers for m in t.finish(40).result)
    for t in senders:
        t.finish(10)
    assert got == sorted(b"%d:%d" % (k, i) for k in range(n) for i in range(each))


SIGINT_CHILD = r"""
import importlib, signal, sys
# a child of a background (non job-control) shell inherits SIGINT ignored
signal.signal(signal.SIGINT, signal.default_int_handler)
mod = importlib.import_module(sys.argv[1])
pull = mod.Pull0(recv_timeout=20000, dial=sys.argv[2])
print("waiting", flush=True)
try:
    pull.recv()
    print("no interrupt", flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
print("got", pull.recv().decode(), flush=True)
"""


def _proc_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


@pytest.mark.timeout(60)
def test_sigint_during_one_call_recv_loses_nothing(procs, sockets, addr):
    push = sockets(nk.Push0, send_timeout=10000)
    url = listen(push, addr("tcp"))
    child = procs(python_argv(SIGINT_CHILD, IMPL_NAME, url), env=child_env())
    assert child.readline(timeout=20) == b"waiting"
    wait_for(lambda: len(push.pipes) == 1, what="the child's pipe")
    # no event says "blocked in recv" across processes: poll the child's main thread until it sleeps
    wait_for(lambda: _proc_state(child.p.pid) == "S", what="the child to block")
    child.p.send_signal(2)
    assert child.readline(timeout=10) == b"interrupted"
    push.send(b"after")
    assert child.readline(timeout=10) == b"got after"
    assert child.finish(timeout=10)[0] == 0


@pytest.mark.timeout(60)
async def test_many_short_timers_all_fire(sockets, addr):
    import asyncio
    socks = [sockets(nk.Pull0, recv_timeout=1 + i % 50) for i in range(100)]
    for s in socks:
        listen(s, addr("inproc"))

    async def one(s: Any) -> float:
        t0 = time.monotonic()
        with pytest.raises(nk.Timeout):
            await s.arecv()
        return time.monotonic() - t0 - s.recv_timeout / 1000

    late = await asyncio.gather(*(one(s) for s in socks))
    assert max(late) < 0.5, late  # a bound, not a figure: no timer waits for the 1 s sleep cap

    def sync_one(s: Any) -> float:
        t0 = time.monotonic()
        with pytest.raises(nk.Timeout):
            s.recv()
        return time.monotonic() - t0 - s.recv_timeout / 1000

    threads = [Catcher(lambda s=s: sync_one(s)) for s in socks[:30]]
    for t in threads:
        t.start()
    assert max(t.finish(10).result for t in threads) < 0.5
