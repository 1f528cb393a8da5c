"""PAIR0 between two impl sockets over every transport, sync and asyncio."""
from __future__ import annotations

import time

import pytest

from tests.helpers.impl import DEFAULT_RECV_MAX, IS_NNGKIT, nk
from tests.helpers.modes import run_workers
from tests.helpers.payloads import SIZE_IDS, SIZES, payload
from tests.helpers.sync import dial, probe_until_connected


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_roundtrip_exact_bytes(connect, mode, size):
    a, b, _ = connect(nk.Pair0, nk.Pair0)
    there, back = payload(size, 3), payload(size, 4)
    await mode.send(b, there)
    assert await mode.recv(a) == there
    await mode.send(a, back)
    assert await mode.recv(b) == back


async def test_thousand_messages_in_order_each_way(connect, mode):
    a, b, _ = connect(nk.Pair0, nk.Pair0)
    n = 1000

    def sender(s, tag):
        async def run():
            for i in range(n):
                await mode.send(s, b"%s%d" % (tag, i))
        return run

    def receiver(s):
        async def run():
            return [await mode.recv(s) for _ in range(n)]
        return run

    _, _, got_a, got_b = await run_workers(mode, [sender(a, b"A"), sender(b, b"B"), receiver(a), receiver(b)])
    assert got_a == [b"B%d" % i for i in range(n)]
    assert got_b == [b"A%d" % i for i in range(n)]


async def test_message_objects(connect, mode):
    a, b, _ = connect(nk.Pair0, nk.Pair0)
    await mode.send_msg(b, nk.Message(b"msg"))
    got = await mode.recv_msg(a)
    assert got.bytes == b"msg"
    assert got.pipe is not None


async def test_timeouts_raise_timeout(sockets, addr, transport, mode):
    a = sockets(nk.Pair0, recv_timeout=50, send_timeout=50)
    a.listen(addr(transport))
    t0 = time.monotonic()
    with pytest.raises(nk.Timeout):
        await mode.recv(a)
    assert time.monotonic() - t0 >= 0.04
    with pytest.raises(nk.Timeout):
        await mode.send(a, b"no peer: send blocks")


async def test_use_after_close_raises_closed(connect, mode, leak_check):
    a, b, _ = connect(nk.Pair0, nk.Pair0)
    a.close()
    with pytest.raises(nk.Closed):
        await mode.send(a, b"x")
    with pytest.raises(nk.Closed):
        await mode.recv(a)
    a.close()


async def test_second_peer_rejected_first_keeps_working(connect, sockets, mode):
    a, b, url = connect(nk.Pair0, nk.Pair0)
    await mode.send(b, b"hello")
    assert await mode.recv(a) == b"hello"   # b's pipe is attached on a's side
    c = sockets(nk.Pair0, recv_timeout=200, reconnect_time_min=5000)
    c.dial(url, block=True)  # the SP handshake completes, then a's PAIR0 turns c away
    for i in range(3):
        await mode.send(a, b"to b %d" % i)
        assert await mode.recv(b) == b"to b %d" % i
        await mode.send(b, b"to a %d" % i)
        assert await mode.recv(a) == b"to a %d" % i
    with pytest.raises(nk.Timeout):
        await mode.recv(c)


async def test_dialer_reconnects_after_listener_restart(sockets, addr, transport, mode):
    a1 = sockets(nk.Pair0, recv_timeout=5000, send_timeout=5000)
    url = a1.listen(addr(transport)).url
    b = sockets(nk.Pair0, recv_timeout=5000, send_timeout=5000, reconnect_time_min=20, reconnect_time_max=100)
    dial(b, url)
    await mode.send(b, b"before")
    assert await mode.recv(a1) == b"before"
    a1.close()
    a2 = sockets(nk.Pair0, recv_timeout=5000, send_timeout=5000)
    a2.listen(url)
    probe_until_connected(b, a2)            # a send before b noticed the close would be lost
    await mode.send(b, b"after")
    assert await mode.recv(a2) == b"after"
    await mode.send(a2, b"back")
    assert await mode.recv(b) == b"back"


def test_option_defaults_and_names(sockets):
    p = sockets(nk.Pair0)
    assert (p.protocol, p.protocol_name, p.peer, p.peer_name) == (16, "pair", 16, "pair")
    assert (p.recv_timeout, p.send_timeout) == (-1, -1)
    assert p.recv_max_size == DEFAULT_RECV_MAX
    assert (p.reconnect_time_min, p.reconnect_time_max) == (1000, 0)
    p.recv_timeout = 321
    p.recv_max_size = 1 << 20
    p.name = "pair-under-test"
    assert (p.recv_timeout, p.recv_max_size, p.name) == (321, 1 << 20, "pair-under-test")


async def test_a_sent_message_is_handed_over(connect, mode):
    # as in pynng: a successful send hands the Message over
    a, b, _ = connect(nk.Pair0, nk.Pair0)
    msg = nk.Message(b"once")
    await mode.send_msg(b, msg)
    assert await mode.recv(a) == b"once"
    with pytest.raises(nk.MessageStateError):
        await mode.send_msg(b, msg)
    # pynng 0.9.0 fails here with a TypeError; later pynng and nngkit say MessageStateError
    with pytest.raises(nk.MessageStateError if IS_NNGKIT else (nk.MessageStateError, TypeError)):
        msg.bytes
    # a send that fails leaves the message usable
    lone = nk.Pair0(send_timeout=0)
    try:
        unsent = nk.Message(b"kept")
        with pytest.raises((nk.Timeout, nk.TryAgain)):
            lone.send_msg(unsent)
        assert unsent.bytes == b"kept"
    finally:
        lone.close()
