"""PAIR1 between impl sockets over inproc, ipc and tcp, sync and asyncio (§7.5).

Monogamous by default (a second peer is refused); ``polyamorous=True`` talks
to many peers, names the pipe of each received message and sends to a
chosen pipe.  The hop-count header itself is checked in tests/wire.
"""
from __future__ import annotations

import pytest

from tests.helpers.impl import nk
from tests.helpers.modes import run_workers
from tests.helpers.payloads import SIZE_IDS, SIZES, payload
from tests.helpers.sync import dial, listen
from tests.protocol.helpers_protocols import collect, open_sock, transport  # noqa: F401


async def pipe_send(mode, pipe, data):
    if mode.is_async:
        await pipe.asend(data)
    else:
        pipe.send(data)


def poly_hub(sockets, addr, transport, n):
    """A polyamorous hub listening, n monogamous peers dialed in."""
    hub = open_sock(sockets, nk.Pair1, polyamorous=True)
    url = listen(hub, addr(transport))
    peers = [open_sock(sockets, nk.Pair1) for _ in range(n)]
    for p in peers:
        dial(p, url)
    return hub, peers


async def greet(mode, hub, peers):
    """Each peer says hello; returns the hub's pipe for each peer, in peer order."""
    for i, p in enumerate(peers):
        await mode.send(p, b"hello %d" % i)
    msgs = [await mode.recv_msg(hub) for _ in peers]
    by_body = {m.bytes: m.pipe for m in msgs}
    assert sorted(by_body) == [b"hello %d" % i for i in range(len(peers))]
    return [by_body[b"hello %d" % i] for i in range(len(peers))]


@pytest.mark.parametrize("size", SIZES[:3], ids=SIZE_IDS[:3])
async def test_roundtrip_exact_bytes(connect, mode, size):
    a, b, _ = connect(nk.Pair1, nk.Pair1)
    there, back = payload(size, 5), payload(size, 6)
    await mode.send(b, there)
    assert await mode.recv(a) == there
    await mode.send(a, back)
    assert await mode.recv(b) == back


async def test_order_kept_both_ways(connect, mode):
    a, b, _ = connect(nk.Pair1, nk.Pair1)
    n = 300

    def sender(s, tag):
        async def run():
            for i in range(n):
                await mode.send(s, b"%s%d" % (tag, i))
        return run

    def receiver(s):
        async def run():
            return await collect(mode, s, n)
        return run

    *_, got_a, got_b = await run_workers(mode, [sender(a, b"A"), sender(b, b"B"), receiver(a), receiver(b)])
    assert got_a == [b"B%d" % i for i in range(n)]
    assert got_b == [b"A%d" % i for i in range(n)]


async def test_monogamous_refuses_a_second_peer(sockets, addr, transport, mode):
    hub = open_sock(sockets, nk.Pair1, recv_timeout=150)
    url = listen(hub, addr(transport))
    first = open_sock(sockets, nk.Pair1)
    dial(first, url)
    second = open_sock(sockets, nk.Pair1, send_timeout=100)
    dial(second, url)  # the handshake completes, then the hub drops it
    await mode.send(first, b"from the first")
    assert await mode.recv(hub) == b"from the first"
    try:
        await mode.send(second, b"from the second")
    except nk.Timeout:
        pass  # its pipe is already gone: no peer, so send waits
    with pytest.raises(nk.Timeout):
        await mode.recv(hub)
    await mode.send(hub, b"still paired")
    assert await mode.recv(first) == b"still paired"


async def test_polyamorous_pipe_identifies_the_peer(sockets, addr, transport, mode, leak_check):
    hub, peers = poly_hub(sockets, addr, transport, 3)
    pipes = await greet(mode, hub, peers)
    assert len(set(pipes)) == 3
    for i, p in enumerate(peers):  # a second message from a peer names the same pipe
        await mode.send(p, b"again %d" % i)
    again = {m.bytes: m.pipe for m in [await mode.recv_msg(hub) for _ in peers]}
    assert [again[b"again %d" % i] for i in range(3)] == pipes


async def test_polyamorous_pipe_send_reaches_only_that_peer(sockets, addr, transport, mode):
    hub, peers = poly_hub(sockets, addr, transport, 3)
    pipes = await greet(mode, hub, peers)
    await pipe_send(mode, pipes[1], b"only for 1")
    for i, pipe in enumerate(pipes):
        await pipe_send(mode, pipe, b"marker %d" % i)
    assert await mode.recv(peers[0]) == b"marker 0"
    assert await collect(mode, peers[1], 2) == [b"only for 1", b"marker 1"]
    assert await mode.recv(peers[2]) == b"marker 2"


async def test_polyamorous_message_with_pipe_reaches_only_that_peer(sockets, addr, transport, mode):
    hub, peers = poly_hub(sockets, addr, transport, 3)
    pipes = await greet(mode, hub, peers)
    await mode.send_msg(hub, nk.Message(b"to 2", pipes[2]))
    await mode.send_msg(hub, nk.Message(b"to 0", pipes[0]))
    for i, pipe in enumerate(pipes):
        await mode.send_msg(hub, nk.Message(b"marker %d" % i, pipe))
    assert await collect(mode, peers[0], 2) == [b"to 0", b"marker 0"]
    assert await mode.recv(peers[1]) == b"marker 1"
    assert await collect(mode, peers[2], 2) == [b"to 2", b"marker 2"]


async def test_polyamorous_send_without_pipe_reaches_exactly_one_peer(sockets, addr, transport, mode):
    hub, peers = poly_hub(sockets, addr, transport, 3)
    pipes = await greet(mode, hub, peers)
    await mode.send(hub, b"anyone")
    for i, pipe in enumerate(pipes):
        await mode.send_msg(hub, nk.Message(b"marker %d" % i, pipe))
    firsts = [await mode.recv(p) for p in peers]
    assert sum(f == b"anyone" for f in firsts) == 1, firsts


async def test_polyamorous_send_to_a_departed_pipe_is_dropped(sockets, addr, transport, mode):
    hub, peers = poly_hub(sockets, addr, transport, 2)
    pipes = await greet(mode, hub, peers)
    peers[0].close()
    hub.send_timeout = 500
    await mode.send_msg(hub, nk.Message(b"to the departed", pipes[0]))  # no error, no block
    await mode.send_msg(hub, nk.Message(b"to the other", pipes[1]))
    assert await mode.recv(peers[1]) == b"to the other"


async def test_monogamous_applies_back_pressure_to_a_stalled_peer(connect, mode):
    stalled, sender, _ = connect(nk.Pair1, nk.Pair1, send_timeout=100)
    big = payload(64 * 1024, 8)
    sent = 0
    with pytest.raises(nk.Timeout):
        while sent < 2000:  # kernel buffers hold a few MiB at most
            await mode.send(sender, big)
            sent += 1
    assert await mode.recv(stalled) == big


@pytest.mark.parametrize("addressed", [True, False], ids=["with-pipe", "without-pipe"])
async def test_polyamorous_send_never_blocks_on_a_stalled_peer(sockets, addr, transport, mode, addressed):
    """NNG 1.5.2 and 1.11: a polyamorous PAIR1 drops instead of blocking, pipe set or not."""
    hub, (peer,) = poly_hub(sockets, addr, transport, 1)
    (pipe,) = await greet(mode, hub, [peer])
    hub.send_timeout = 100
    big = payload(64 * 1024, 9)
    for i in range(300):  # nobody reads meanwhile
        msg = nk.Message(b"%04d" % i + big, pipe if addressed else None)
        await mode.send_msg(hub, msg)
    got = []
    peer.recv_timeout = 150
    while len(got) < 300:
        try:
            got.append((await mode.recv(peer))[:4])
        except nk.Timeout:
            break
    assert 0 < len(got) < 300 and got == sorted(got)


async def test_send_blocks_without_peer(sockets, addr, transport, mode):
    lonely = open_sock(sockets, nk.Pair1, send_timeout=100)
    lonely.listen(addr(transport))
    with pytest.raises(nk.Timeout):
        await mode.send(lonely, b"no peer")


@pytest.mark.nngkit_only  # NNG 1.11 answers NotSupported when reading pair1:polyamorous
def test_polyamorous_option_reads_back(sockets):
    assert sockets(nk.Pair1).polyamorous is False
    assert sockets(nk.Pair1, polyamorous=True).polyamorous is True


def test_options(sockets):
    mono = sockets(nk.Pair1)
    assert (mono.protocol, mono.peer, mono.protocol_name, mono.peer_name) == (0x11, 0x11, "pair1", "pair1")
    assert mono.ttl_max == 8
    mono.ttl_max = 15
    assert mono.ttl_max == 15
    mono.ttl_max = 1
    assert mono.ttl_max == 1
    with pytest.raises(nk.NotSupported):  # no contexts on PAIR1
        sockets.track(mono.new_context())
    for bad in (0, 16, 256):
        with pytest.raises(nk.InvalidOperation):
            mono.ttl_max = bad
    assert mono.ttl_max == 1
    with pytest.raises(nk.NotSupported):  # no contexts on PAIR1
        sockets.track(mono.new_context())


def test_buffer_options_exist(sockets):
    """NNG 1.5.2 and 1.11 both have recv-buffer and send-buffer on PAIR1 (default 0)."""
    pair = sockets(nk.Pair1)
    assert (pair.recv_buffer_size, pair.send_buffer_size) == (0, 0)
    pair.recv_buffer_size = 4
    pair.send_buffer_size = 4
    assert (pair.recv_buffer_size, pair.send_buffer_size) == (4, 4)
