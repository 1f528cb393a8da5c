"""nngkit.device: relaying between two raw sockets in the core, until one closes.

REQ/REP broker:  client Req0 -> raw Rep0 | device | raw Req0 -> server Rep0
PUB/SUB hub:     Pub0 -> raw Sub0 | device | raw Pub0 -> 3 x Sub0
BUS reflector:   device(raw Bus0, same raw Bus0)

pynng 0.9 has no device() (nor raw sockets), so these are nngkit-only.
Senders dial their receivers, so nothing is lost to a pipe not yet attached.
"""
from __future__ import annotations

import pytest

from tests.helpers.fanout import until_all_hear
from tests.helpers.gate import Gate
from tests.helpers.impl import nk
from tests.helpers.modes import run_workers
from tests.helpers.rawproto import REP0, REQ0, TOP, impl_dials_raw, split_word
from tests.helpers.sync import dial, listen
from tests.protocol.helpers_protocols import bg, collect, open_sock, transport  # noqa: F401

pytestmark = pytest.mark.nngkit_only


def broker(sockets, addr, transport):
    """(client Req0, server Rep0, front raw Rep0, back raw Req0, device thread)."""
    front = open_sock(sockets, nk.Rep0, raw=True)
    back = open_sock(sockets, nk.Req0, raw=True)
    client = open_sock(sockets, nk.Req0)
    server = open_sock(sockets, nk.Rep0)
    dial(client, listen(front, addr(transport)))
    dial(server, listen(back, addr(transport)))
    dev = bg(lambda: nk.device(front, back))
    return client, server, front, back, dev


def fanout_hub(sockets, addr, transport, topics):
    """(Pub0, raw Sub0, raw Pub0, subscribers, device thread)."""
    rsub = open_sock(sockets, nk.Sub0, raw=True)
    rpub = open_sock(sockets, nk.Pub0, raw=True)
    pub = open_sock(sockets, nk.Pub0)
    dial(pub, listen(rsub, addr(transport)))
    subs = []
    for t in topics:
        s = open_sock(sockets, nk.Sub0, topics=t)
        dial(rpub, listen(s, addr(transport)))
        subs.append(s)
    dev = bg(lambda: nk.device(rsub, rpub))
    return pub, rsub, rpub, subs, dev


async def test_reqrep_through_a_device(sockets, addr, transport, mode, leak_check):
    client, server, front, back, dev = broker(sockets, addr, transport)
    await mode.send(client, b"via the broker")
    m = await mode.recv_msg(server)
    assert m.bytes == b"via the broker"
    await mode.send(server, b"answered")
    assert await mode.recv(client) == b"answered"
    front.close()
    dev.finish(timeout=3.0)


async def test_eight_client_contexts_through_a_device(sockets, addr, transport, mode):
    client, server, *_ = broker(sockets, addr, transport)
    n = 8
    cctx = [sockets.track(client.new_context()) for _ in range(n)]
    sctx = [sockets.track(server.new_context()) for _ in range(n)]
    gate = Gate(n, mode.is_async)

    def ask(ctx, i):
        async def run():
            await mode.send(ctx, b"q%d" % i)
            return await mode.recv(ctx)
        return run

    def answer(ctx):
        async def run():
            q = await mode.recv(ctx)
            await gate.wait()  # all eight requests are inside the broker at once
            await mode.send(ctx, b"re:" + q)
        return run

    results = await run_workers(mode, [ask(c, i) for i, c in enumerate(cctx)] + [answer(c) for c in sctx])
    assert results[:n] == [b"re:q%d" % i for i in range(n)]


async def test_pubsub_fan_out_through_a_device(sockets, addr, transport, mode, leak_check):
    pub, rsub, rpub, subs, dev = fanout_hub(sockets, addr, transport, [b"a", b"b", b""])
    for body in (b"a1", b"b1", b"c1", b"a2"):
        await mode.send(pub, body)
    assert await collect(mode, subs[0], 2) == [b"a1", b"a2"]
    assert await collect(mode, subs[1], 1) == [b"b1"]
    assert await collect(mode, subs[2], 4) == [b"a1", b"b1", b"c1", b"a2"]
    rsub.close()
    dev.finish(timeout=3.0)


async def test_bus_reflector_echoes_to_all_but_the_sender(sockets, addr, transport, mode):
    raw = open_sock(sockets, nk.Bus0, raw=True)
    url = listen(raw, addr(transport))
    nodes = [open_sock(sockets, nk.Bus0) for _ in range(3)]
    for node in nodes:
        dial(node, url)
    until_all_hear(raw.send, nodes)  # the raw bus listened: wait until it reaches every node
    bg(lambda: nk.device(raw, raw))
    await mode.send(nodes[0], b"from 0")
    assert await mode.recv(nodes[1]) == b"from 0"
    assert await mode.recv(nodes[2]) == b"from 0"
    await mode.send(nodes[1], b"from 1")
    assert await mode.recv(nodes[0]) == b"from 1"  # node 0 did not get its own message back
    assert await mode.recv(nodes[2]) == b"from 1"


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_device_adds_a_hop_to_the_backtrace_on_the_wire(sockets, addr, scheme):
    front = open_sock(sockets, nk.Rep0, raw=True)
    back = open_sock(sockets, nk.Req0, raw=True)
    client = open_sock(sockets, nk.Req0)
    dial(client, listen(front, addr(scheme)))
    with impl_dials_raw(back, scheme, REP0, REQ0) as server:
        bg(lambda: nk.device(front, back))
        client.send(b"deep")
        request = server.read_frame()
        hop_id, rest = split_word(request)
        req_id, body = split_word(rest)
        assert not hop_id & TOP and req_id & TOP and body == b"deep", request.hex()
        server.send_frame(request[:8] + b"shallow")  # backtrace verbatim, as a REP does
        assert client.recv() == b"shallow"


@pytest.mark.parametrize("side", ["front", "back"])
def test_reqrep_device_ends_when_either_socket_closes(sockets, addr, transport, side, leak_check):
    client, server, front, back, dev = broker(sockets, addr, transport)
    client.send(b"warm up")
    assert server.recv() == b"warm up"
    server.send(b"ok")
    assert client.recv() == b"ok"
    (front if side == "front" else back).close()
    dev.finish(timeout=3.0)
    assert dev.error is None, dev.error


def test_pubsub_device_ends_when_the_raw_sub_closes(sockets, addr, transport, leak_check):
    pub, rsub, rpub, subs, dev = fanout_hub(sockets, addr, transport, [b""])
    pub.send(b"through")
    assert subs[0].recv() == b"through"
    rsub.close()
    dev.finish(timeout=3.0)


def test_pubsub_device_ends_when_the_raw_pub_closes(sockets, addr, transport):
    """nng_device's documented contract: the device runs until *either* socket closes.

    NNG 1.x differs: its only path here is SUB->PUB, which notices a closed
    PUB at the next relayed message at the earliest (nng_close of that PUB
    even blocks until the device ends).
    """
    pub, rsub, rpub, subs, dev = fanout_hub(sockets, addr, transport, [b""])
    pub.send(b"through")
    assert subs[0].recv() == b"through"
    rpub.close()
    dev.finish(timeout=1.0)


@pytest.mark.parametrize("pair", ["cooked", "mismatched", "same-cooked"])
def test_device_refuses_unsuitable_sockets(sockets, pair):
    a, b = {
        "cooked": (lambda: sockets(nk.Rep0), lambda: sockets(nk.Req0)),
        "mismatched": (lambda: sockets(nk.Rep0, raw=True), lambda: sockets(nk.Pub0, raw=True)),
        "same-cooked": (lambda: sockets(nk.Bus0), None),
    }[pair]
    first = a()
    second = b() if b is not None else first
    with pytest.raises(nk.InvalidOperation):  # NNG: NNG_EINVAL
        nk.device(first, second)
