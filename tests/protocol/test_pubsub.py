"""PUB0/SUB0 between impl sockets over inproc, ipc and tcp, sync and asyncio (§7.3).

The publisher always dials its subscribers here, so its pipes are attached
when the dial returns and its first message reaches them.  Each check ends
with a marker message that the subscriber does receive: what arrived before
the marker is exactly what the filter let through.
"""
from __future__ import annotations

import time

import pytest

from tests.helpers.fanout import drain, until_all_hear
from tests.helpers.impl import nk
from tests.helpers.payloads import payload
from tests.helpers.sync import dial
from tests.protocol.helpers_protocols import link, open_sock, star, transport  # noqa: F401


async def send_all(mode, pub, bodies):
    for b in bodies:
        await mode.send(pub, b)


async def recv_through(mode, s, marker, limit=50):
    out = []
    while len(out) < limit:
        out.append(await mode.recv(s))
        if out[-1] == marker:
            return out
    raise AssertionError(f"marker {marker!r} never came: {out!r}")


async def test_several_topics_filter_by_byte_prefix(sockets, addr, transport, mode):
    sub, pub = open_sock(sockets, nk.Sub0), open_sock(sockets, nk.Pub0)
    link(pub, sub, addr, transport)
    sub.subscribe(b"ab")
    sub.subscribe("zz")  # str topics are encoded
    await send_all(mode, pub, [b"abc", b"xyz", b"Abc", b"ab", b"a", b"", b"zz top", b"z", b"zz-end"])
    assert await recv_through(mode, sub, b"zz-end") == [b"abc", b"ab", b"zz top", b"zz-end"]


async def test_empty_topic_receives_everything_including_empty(sockets, addr, transport, mode):
    sub = open_sock(sockets, nk.Sub0, topics=b"")
    pub = open_sock(sockets, nk.Pub0)
    link(pub, sub, addr, transport)
    bodies = [b"", b"x", b"\x00\xff", payload(64 * 1024, 3), b"end"]
    await send_all(mode, pub, bodies)
    assert [await mode.recv(sub) for _ in bodies] == bodies


async def test_no_subscription_receives_nothing(sockets, addr, transport, mode):
    sub = open_sock(sockets, nk.Sub0, recv_timeout=150)
    pub = open_sock(sockets, nk.Pub0)
    link(pub, sub, addr, transport)
    await mode.send(pub, b"nobody asked")
    with pytest.raises(nk.Timeout):
        await mode.recv(sub)
    sub.subscribe(b"")
    await mode.send(pub, b"now")
    assert await mode.recv(sub) == b"now"  # the first message was not kept back


async def test_unsubscribe_stops_a_topic_and_absent_topic_is_noentry(sockets, addr, transport, mode):
    sub, pub = open_sock(sockets, nk.Sub0), open_sock(sockets, nk.Pub0)
    link(pub, sub, addr, transport)
    sub.subscribe(b"a")
    sub.subscribe(b"b")
    await send_all(mode, pub, [b"a1", b"b1"])
    assert await recv_through(mode, sub, b"b1") == [b"a1", b"b1"]
    sub.unsubscribe(b"a")
    await send_all(mode, pub, [b"a2", b"b2"])
    assert await recv_through(mode, sub, b"b2") == [b"b2"]
    with pytest.raises(nk.NoEntry):
        sub.unsubscribe(b"a")  # already gone
    with pytest.raises(nk.NoEntry):
        sub.unsubscribe("never")


async def test_topics_kwarg_single_and_list_str_and_bytes(sockets, addr, transport, mode):
    one = open_sock(sockets, nk.Sub0, topics="solo")
    many = open_sock(sockets, nk.Sub0, topics=[b"b:", "s:"])
    pub = open_sock(sockets, nk.Pub0)
    for s in (one, many):
        link(pub, s, addr, transport)
    await send_all(mode, pub, [b"b:1", b"solo!", b"s:2", b"x:3", b"solo-end", b"s:end"])
    assert await recv_through(mode, one, b"solo-end") == [b"solo!", b"solo-end"]
    assert await recv_through(mode, many, b"s:end") == [b"b:1", b"s:2", b"s:end"]


async def test_three_subscribers_get_their_own_topics(sockets, addr, transport, mode, leak_check):
    pub, subs = star(sockets, addr, transport, nk.Pub0, nk.Sub0, 3)
    for s, topics in zip(subs, ([b"a", b"end"], [b"b", b"end"], [b""])):
        for t in topics:
            s.subscribe(t)
    await send_all(mode, pub, [b"a1", b"b1", b"c1", b"end"])
    assert await recv_through(mode, subs[0], b"end") == [b"a1", b"end"]
    assert await recv_through(mode, subs[1], b"end") == [b"b1", b"end"]
    assert await recv_through(mode, subs[2], b"end") == [b"a1", b"b1", b"c1", b"end"]


@pytest.mark.nngkit_only  # pynng 0.9 contexts have no subscribe(); NNG 1.11 behaves the same via nng_ctx_set
async def test_sub_contexts_each_have_their_own_subscriptions(sockets, addr, transport, mode, leak_check):
    sub, pub = open_sock(sockets, nk.Sub0), open_sock(sockets, nk.Pub0)
    link(pub, sub, addr, transport)
    c1, c2 = sockets.track(sub.new_context()), sockets.track(sub.new_context())
    c1.subscribe(b"a")
    c2.subscribe("b")
    sub.subscribe(b"c")  # the socket's own subscriptions are separate again
    for c in (c1, c2):
        c.subscribe(b"end")
    await send_all(mode, pub, [b"a1", b"b1", b"c1", b"ab", b"end"])
    assert await recv_through(mode, c1, b"end") == [b"a1", b"ab", b"end"]
    assert await recv_through(mode, c2, b"end") == [b"b1", b"end"]
    assert await mode.recv(sub) == b"c1"
    c1.unsubscribe(b"a")
    with pytest.raises(nk.NoEntry):
        c2.unsubscribe(b"a")  # never subscribed on this context
    await send_all(mode, pub, [b"a2", b"b2", b"end"])
    assert await recv_through(mode, c1, b"end") == [b"end"]
    assert await recv_through(mode, c2, b"end") == [b"b2", b"end"]


@pytest.mark.nngkit_only  # uses context subscriptions (see above); NNG 1.5.2 and 1.11 checked by hand
async def test_unsubscribe_discards_queued_messages_of_that_topic(sockets, addr, transport, mode):
    """NNG re-filters the receive queue on unsubscribe: queued messages that no longer
    match any subscription are dropped, not delivered later."""
    sub, pub = open_sock(sockets, nk.Sub0), open_sock(sockets, nk.Pub0)
    link(pub, sub, addr, transport)
    witness = sockets.track(sub.new_context())
    witness.subscribe(b"a")
    sub.subscribe(b"a")
    sub.subscribe(b"b")
    await mode.send(pub, b"a1")
    assert await mode.recv(witness) == b"a1"  # a1 arrived, so it is queued on the socket too
    sub.unsubscribe(b"a")
    await mode.send(pub, b"b1")
    assert await mode.recv(sub) == b"b1"


async def test_pub_never_blocks_without_subscribers(sockets, mode, addr, transport):
    pub = open_sock(sockets, nk.Pub0, send_timeout=100)
    url = pub.listen(addr(transport)).url
    t0 = time.monotonic()
    for i in range(300):
        await mode.send(pub, b"into the void %d" % i)
    assert time.monotonic() - t0 < 2.0
    # Dropped, not kept for later: a subscriber that joins now hears probes
    # first (until_all_hear fails on anything else), then what follows.
    sub = open_sock(sockets, nk.Sub0, topics=b"")
    dial(sub, url)
    until_all_hear(pub.send, [sub])
    await mode.send(pub, b"after")
    assert await mode.recv(sub) == b"after"


async def test_pub_drops_for_a_stalled_subscriber_keeping_the_newest(sockets, addr, transport, mode):
    sub = open_sock(sockets, nk.Sub0, topics=b"", recv_buffer_size=4)
    pub = open_sock(sockets, nk.Pub0, send_timeout=100)
    link(pub, sub, addr, transport)
    big = payload(64 * 1024, 9)
    n = 300
    t0 = time.monotonic()
    for i in range(n):  # nobody reads meanwhile
        await mode.send(pub, b"%04d" % i + big)
    assert time.monotonic() - t0 < 5.0, "PUB applied back-pressure"
    got = [m[:4] for m in drain(sub, wait_ms=150)]
    assert 0 < len(got) < n, len(got)
    assert got[-1] == b"%04d" % (n - 1), "the newest message must survive"
    assert got == sorted(got)


async def test_sub_cannot_send_and_pub_cannot_recv(sockets, mode):
    with pytest.raises(nk.NotSupported):
        await mode.send(open_sock(sockets, nk.Sub0), b"x")
    with pytest.raises(nk.NotSupported):
        await mode.recv(open_sock(sockets, nk.Pub0))


def test_defaults_and_names(sockets):
    pub, sub = sockets(nk.Pub0), sockets(nk.Sub0)
    assert (pub.protocol, pub.peer, pub.protocol_name, pub.peer_name) == (0x20, 0x21, "pub", "sub")
    assert (sub.protocol, sub.peer, sub.protocol_name, sub.peer_name) == (0x21, 0x20, "sub", "pub")
    assert pub.send_buffer_size == 16
    assert sub.recv_buffer_size == 128
    sub.recv_buffer_size = 7
    assert sub.recv_buffer_size == 7
    with pytest.raises(nk.NotSupported):  # only SUB has contexts here
        sockets.track(pub.new_context())


@pytest.mark.parametrize("cls,opt", [(nk.Pub0, "send_buffer_size"), (nk.Sub0, "recv_buffer_size")])
def test_queue_sizes_range_from_1_to_8192(sockets, cls, opt):
    s = sockets(cls)
    for good in (1, 8192):
        setattr(s, opt, good)
        assert getattr(s, opt) == good
    for bad in (0, -1, 8193):  # NNG 1.5.2 and 1.11 refuse these
        with pytest.raises(nk.InvalidOperation):
            setattr(s, opt, bad)
    assert getattr(s, opt) == 8192


async def test_a_burst_to_several_subscribers_then_close_reaches_them_all(sockets, addr, transport, mode):
    """Messages for several pipes are written in batches: a burst longer than
    the send buffer (16) loses nothing while the connections take it, and
    what was sent just before the publisher closes still goes out."""
    pub, subs = star(sockets, addr, transport, nk.Pub0, nk.Sub0, 3, spoke_opts={"topics": b""})
    bodies = [b"burst %03d" % i for i in range(40)]
    await send_all(mode, pub, bodies)
    pub.close()
    for s in subs:
        assert [await mode.recv(s) for _ in bodies] == bodies
