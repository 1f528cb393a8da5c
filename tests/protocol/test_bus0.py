"""BUS0 between impl sockets over inproc, ipc and tcp, sync and asyncio (§7.6).

A bus node sends to every directly connected peer and never forwards.  The
"no forwarding" check is ordered, not timed: if the middle node forwarded
A's message, it would sit on the pipe to C before the marker it sends later.
"""
from __future__ import annotations

import time

import pytest

from tests.helpers.fanout import drain, until_all_hear
from tests.helpers.impl import nk
from tests.helpers.sync import dial, listen
from tests.protocol.helpers_protocols import collect, open_sock, star, transport  # noqa: F401


def chain(sockets, addr, transport):
    """A - B - C: A dials B, C dials B; B hears and is heard by both."""
    a, b, c = (open_sock(sockets, nk.Bus0) for _ in range(3))
    url = listen(b, addr(transport))
    dial(a, url)
    dial(c, url)
    until_all_hear(b.send, [a, c])  # B listened: wait until its pipes to A and C are attached
    return a, b, c


async def test_three_nodes_no_forwarding(sockets, addr, transport, mode, leak_check):
    a, b, c = chain(sockets, addr, transport)
    await mode.send(a, b"A to its neighbours")
    assert await mode.recv(b) == b"A to its neighbours"
    await mode.send(b, b"marker from B")
    assert await mode.recv(c) == b"marker from B"  # A's message was not passed on to C
    assert await mode.recv(a) == b"marker from B"  # nor echoed back to A


async def test_send_reaches_every_connected_peer(sockets, addr, transport, mode):
    hub, spokes = star(sockets, addr, transport, nk.Bus0, nk.Bus0, 3)
    await mode.send(hub, b"to all")
    for s in spokes:
        assert await mode.recv(s) == b"to all"
    for i, s in enumerate(spokes):
        await mode.send(s, b"from %d" % i)
    assert sorted(await collect(mode, hub, 3)) == [b"from 0", b"from 1", b"from 2"]


async def test_full_mesh_everyone_hears_everyone_once(sockets, addr, transport, mode):
    nodes = [open_sock(sockets, nk.Bus0) for _ in range(3)]
    urls = [listen(n, addr(transport)) for n in nodes]
    for i, n in enumerate(nodes):  # i dials every j > i: one link per pair
        for url in urls[i + 1:]:
            dial(n, url)
    for i, n in enumerate(nodes):
        until_all_hear(n.send, [m for m in nodes if m is not n], prefix=b"__probe%d__" % i)
    for i, n in enumerate(nodes):
        await mode.send(n, b"from %d" % i)
    for i, n in enumerate(nodes):
        got = sorted(await collect(mode, n, 2))
        assert got == [b"from %d" % j for j in range(3) if j != i]
    for n in nodes:
        n.recv_timeout = 100
        with pytest.raises(nk.Timeout):
            await mode.recv(n)


async def test_send_never_blocks_without_peers(sockets, addr, transport, mode):
    lonely = open_sock(sockets, nk.Bus0, send_timeout=100)
    url = listen(lonely, addr(transport))
    t0 = time.monotonic()
    for i in range(200):
        await mode.send(lonely, b"lost %d" % i)
    assert time.monotonic() - t0 < 2.0
    # Dropped, not kept for later: a peer that joins now hears probes first
    # (until_all_hear fails on anything else), then what is sent after it.
    late = open_sock(sockets, nk.Bus0)
    dial(late, url)
    until_all_hear(lonely.send, [late])
    await mode.send(lonely, b"after")
    assert await mode.recv(late) == b"after"


async def test_send_does_not_block_on_a_stalled_peer(sockets, addr, transport, mode):
    hub, (stalled,) = star(sockets, addr, transport, nk.Bus0, nk.Bus0, 1)
    t0 = time.monotonic()
    for i in range(300):
        await mode.send(hub, b"%04d" % i + b"x" * 65536)
    assert time.monotonic() - t0 < 5.0, "BUS applied back-pressure"
    # Some arrived, in order, and the rest were dropped once the queues
    # towards the peer were full (nngkit keeps the newest, NNG the first
    # ones); the pipe still works.
    got = [int(body[:4]) for body in drain(stalled, wait_ms=500)]
    assert got and got == sorted(set(got)), got[:20]
    assert len(got) < 300, "nothing was dropped: the sends must have waited"
    await mode.send(hub, b"after")
    assert await mode.recv(stalled) == b"after"


def test_defaults_and_names(sockets):
    bus = sockets(nk.Bus0)
    assert (bus.protocol, bus.peer, bus.protocol_name, bus.peer_name) == (0x70, 0x70, "bus", "bus")
    assert bus.recv_buffer_size == 16
    assert bus.send_buffer_size == 16
    with pytest.raises(nk.NotSupported):  # no contexts on BUS
        sockets.track(bus.new_context())
