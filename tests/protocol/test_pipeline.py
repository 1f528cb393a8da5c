"""PUSH0/PULL0 between impl sockets over inproc, ipc and tcp, sync and asyncio (§7.7)."""
from __future__ import annotations

import time

import pytest

from tests.helpers.impl import nk
from tests.helpers.modes import run_workers
from tests.helpers.payloads import payload
from tests.helpers.sync import dial, listen
from tests.protocol.helpers_protocols import collect, link, open_sock, star, transport  # noqa: F401


async def recv_until_quiet(mode, s, quiet_ms=200, limit=10000):
    """Receive until nothing arrives for quiet_ms (sync or asyncio)."""
    s.recv_timeout = quiet_ms
    out = []
    while len(out) < limit:
        try:
            out.append(await mode.recv(s))
        except nk.Timeout:
            return out
    raise AssertionError("receive limit reached")


async def test_balances_over_two_pullers(sockets, addr, transport, mode, leak_check):
    push, pulls = star(sockets, addr, transport, nk.Push0, nk.Pull0, 2)
    n = 40

    async def produce():
        for i in range(n):
            await mode.send(push, b"%03d" % i)

    def consumer(p):
        async def run():
            return await recv_until_quiet(mode, p)
        return run

    _, *got = await run_workers(mode, [produce] + [consumer(p) for p in pulls])
    assert all(got), f"one puller got nothing: {[len(g) for g in got]}"
    assert sorted(got[0] + got[1]) == [b"%03d" % i for i in range(n)]
    for g in got:
        assert g == sorted(g), "each puller sees its share in order"


async def test_order_kept_over_one_puller(connect, mode):
    pull, push, _ = connect(nk.Pull0, nk.Push0)
    n = 500

    async def produce():
        for i in range(n):
            await mode.send(push, b"m%d" % i)

    async def consume():
        return await collect(mode, pull, n)

    _, got = await run_workers(mode, [produce, consume])
    assert got == [b"m%d" % i for i in range(n)]


async def test_exact_bytes(connect, mode):
    pull, push, _ = connect(nk.Pull0, nk.Push0)
    for body in (b"", b"\x00", payload(64 * 1024, 1), payload(1024 * 1024, 2)):
        await mode.send(push, body)
        assert await mode.recv(pull) == body


async def test_pull_fair_queues_two_pushers(sockets, addr, transport, mode):
    pull = open_sock(sockets, nk.Pull0)
    url = listen(pull, addr(transport))
    pushers = [open_sock(sockets, nk.Push0) for _ in range(2)]
    for p in pushers:
        dial(p, url)
    n = 30

    def producer(p, tag):
        async def run():
            for i in range(n):
                await mode.send(p, b"%s%02d" % (tag, i))
        return run

    async def consumer():
        return await collect(mode, pull, 2 * n)

    *_, got = await run_workers(mode, [producer(pushers[0], b"A"), producer(pushers[1], b"B"), consumer])
    for tag in (b"A", b"B"):
        assert [m for m in got if m.startswith(tag)] == [b"%s%02d" % (tag, i) for i in range(n)]


async def test_push_blocks_without_puller(sockets, addr, transport, mode):
    push = open_sock(sockets, nk.Push0, send_timeout=100)
    push.listen(addr(transport))
    t0 = time.monotonic()
    with pytest.raises(nk.Timeout):
        await mode.send(push, b"nobody pulls")
    assert time.monotonic() - t0 >= 0.08


async def test_push_applies_back_pressure_when_puller_stops(sockets, addr, transport, mode):
    pull = open_sock(sockets, nk.Pull0)
    push = open_sock(sockets, nk.Push0, send_timeout=100)
    link(push, pull, addr, transport)
    big = payload(64 * 1024, 4)
    sent = 0
    with pytest.raises(nk.Timeout):
        while sent < 2000:  # kernel buffers hold a few MiB at most
            await mode.send(push, big)
            sent += 1
    assert sent < 2000
    assert await mode.recv(pull) == big  # what went out is still there


async def test_push_send_buffer_holds_messages_until_a_puller_comes(sockets, addr, transport, mode):
    push = open_sock(sockets, nk.Push0, send_timeout=100, send_buffer_size=2)
    assert push.send_buffer_size == 2
    await mode.send(push, b"first")
    await mode.send(push, b"second")
    with pytest.raises(nk.Timeout):
        await mode.send(push, b"third does not fit")
    pull = open_sock(sockets, nk.Pull0)
    link(push, pull, addr, transport)
    assert await collect(mode, pull, 2) == [b"first", b"second"]


async def test_push_cannot_recv_and_pull_cannot_send(sockets, mode):
    with pytest.raises(nk.NotSupported):
        await mode.recv(open_sock(sockets, nk.Push0))
    with pytest.raises(nk.NotSupported):
        await mode.send(open_sock(sockets, nk.Pull0), b"x")


def test_defaults_and_names(sockets):
    push, pull = sockets(nk.Push0), sockets(nk.Pull0)
    assert (push.protocol, push.peer, push.protocol_name, push.peer_name) == (0x50, 0x51, "push", "pull")
    assert (pull.protocol, pull.peer, pull.protocol_name, pull.peer_name) == (0x51, 0x50, "pull", "push")
    assert push.send_buffer_size == 0
    for s in (push, pull):
        with pytest.raises(nk.NotSupported):  # no contexts in the pipeline protocols
            sockets.track(s.new_context())
