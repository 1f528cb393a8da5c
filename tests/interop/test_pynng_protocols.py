"""Every protocol against pynng (real libnng) in both directions, tcp and ipc.

Each exchange is written once as a coroutine over a Mode and run sync for
every scheme x direction, and asyncio once per protocol (tcp).  "Direction"
is who listens: nngkit (impl-listens) or pynng (pynng-listens); role swaps
(nngkit as PUB or as SUB, ...) are separate tests.  Fan-out senders that
listened wait with until_all_hear before the checked traffic.
"""
from __future__ import annotations

from typing import Any, List

import pytest

from tests.helpers.fanout import PROBE, drain, until_all_hear
from tests.helpers.impl import nk
from tests.helpers.modes import MODES
from tests.helpers.payloads import payload
from tests.helpers.sync import dial, listen
from tests.interop.test_pynng import TIMEOUTS, impl_listens, peer_recv, peer_send  # noqa: F401

SCHEMES = ["tcp", "ipc"]
SYNC, ASYNC = MODES["sync"], MODES["async"]
BODIES = [b"", b"x", payload(64 * 1024, 7)]


def sides(ours: Any, theirs: List[Any], addr, scheme: str, impl_listens: bool) -> bool:
    """Connect one nngkit socket to each pynng socket; True when nngkit listened."""
    if impl_listens:
        url = listen(ours, addr(scheme))
        for t in theirs:
            dial(t, url)
    else:
        for t in theirs:
            dial(ours, listen(t, addr(scheme)))
    return impl_listens


def pynng_socks(sockets, pynng_peer, name: str, n: int, **kw) -> List[Any]:
    return [sockets.track(getattr(pynng_peer, name)(**TIMEOUTS, **kw)) for _ in range(n)]


def both_modes():
    """Sync for every scheme; asyncio once (tcp)."""
    return pytest.mark.parametrize("scheme,mode", [("tcp", SYNC), ("ipc", SYNC), ("tcp", ASYNC)],
                                   ids=["tcp-sync", "ipc-sync", "tcp-async"])


# -- PAIR1 --------------------------------------------------------------------

@both_modes()
async def test_pair1_nngkit_with_pynng(sockets, addr, pynng_peer, scheme, mode, impl_listens):
    ours = sockets(nk.Pair1, **TIMEOUTS)
    (theirs,) = pynng_socks(sockets, pynng_peer, "Pair1", 1)
    sides(ours, [theirs], addr, scheme, impl_listens)
    for body in BODIES:
        await mode.send(ours, body)
        assert await peer_recv(mode, theirs) == body
        await peer_send(mode, theirs, body + b"!")
        assert await mode.recv(ours) == body + b"!"


async def poly_exchange(mode, hub, peers, send_peer, recv_peer, recv_hub_msg, pipe_send):
    for i, p in enumerate(peers):
        await send_peer(p, b"hello %d" % i)
    msgs = [await recv_hub_msg() for _ in peers]
    pipes = {m.bytes: m.pipe for m in msgs}
    assert sorted(pipes) == [b"hello %d" % i for i in range(len(peers))]
    await pipe_send(pipes[b"hello 1"], b"only for 1")
    for i in range(len(peers)):
        await pipe_send(pipes[b"hello %d" % i], b"marker %d" % i)
    assert await recv_peer(peers[0]) == b"marker 0"
    assert [await recv_peer(peers[1]) for _ in range(2)] == [b"only for 1", b"marker 1"]


async def any_pipe_send(mode, pipe, data):
    if mode.is_async:
        await pipe.asend(data)
    else:
        pipe.send(data)


@both_modes()
async def test_pair1_polyamorous_nngkit_hub_pynng_peers(sockets, addr, pynng_peer, scheme, mode, impl_listens):
    hub = sockets(nk.Pair1, polyamorous=True, **TIMEOUTS)
    peers = pynng_socks(sockets, pynng_peer, "Pair1", 2)
    sides(hub, peers, addr, scheme, impl_listens)
    await poly_exchange(mode, hub, peers, lambda p, d: peer_send(mode, p, d), lambda p: peer_recv(mode, p),
                        lambda: mode.recv_msg(hub), lambda pipe, d: any_pipe_send(mode, pipe, d))


@both_modes()
async def test_pair1_polyamorous_pynng_hub_nngkit_peers(sockets, addr, pynng_peer, scheme, mode, impl_listens):
    (hub,) = pynng_socks(sockets, pynng_peer, "Pair1", 1, polyamorous=True)
    peers = [sockets(nk.Pair1, **TIMEOUTS) for _ in range(2)]
    if impl_listens:
        for p in peers:
            dial(hub, listen(p, addr(scheme)))
    else:
        url = listen(hub, addr(scheme))
        for p in peers:
            dial(p, url)

    async def hub_msg():
        return (await hub.arecv_msg()) if mode.is_async else hub.recv_msg()

    await poly_exchange(mode, hub, peers, lambda p, d: mode.send(p, d), lambda p: mode.recv(p),
                        hub_msg, lambda pipe, d: any_pipe_send(mode, pipe, d))


# -- PUB0 / SUB0 --------------------------------------------------------------

NEWS = (b"weather 1", b"news 1", b"", b"newsy", b"News 2", b"news end")


async def news_received(sub_recv):
    """What a subscriber to b"news" gets of NEWS (it ends with the last item)."""
    got = []
    while not got or got[-1] != b"news end":
        assert len(got) < 10, got
        got.append(await sub_recv())
    return got


@both_modes()
async def test_pub_nngkit_to_sub_pynng(sockets, addr, pynng_peer, scheme, mode, impl_listens):
    pub = sockets(nk.Pub0, **TIMEOUTS)
    subs = pynng_socks(sockets, pynng_peer, "Sub0", 2, topics=[b"news", PROBE])
    if sides(pub, subs, addr, scheme, impl_listens):
        until_all_hear(pub.send, subs)
    for body in NEWS:
        await mode.send(pub, body)
    for s in subs:
        assert await news_received(lambda: peer_recv(mode, s)) == [b"news 1", b"newsy", b"news end"]


@both_modes()
async def test_pub_pynng_to_sub_nngkit(sockets, addr, pynng_peer, scheme, mode, impl_listens):
    (pub,) = pynng_socks(sockets, pynng_peer, "Pub0", 1)
    subs = [sockets(nk.Sub0, topics=[b"news", PROBE], **TIMEOUTS) for _ in range(2)]
    if impl_listens:
        for s in subs:
            dial(pub, listen(s, addr(scheme)))
    else:
        url = listen(pub, addr(scheme))
        for s in subs:
            dial(s, url)
        until_all_hear(pub.send, subs)
    for body in NEWS:
        await peer_send(mode, pub, body)
    for s in subs:
        assert await news_received(lambda: mode.recv(s)) == [b"news 1", b"newsy", b"news end"]


# -- PUSH0 / PULL0 ------------------------------------------------------------

@both_modes()
async def test_push_nngkit_to_pull_pynng(sockets, addr, pynng_peer, scheme, mode, impl_listens):
    push = sockets(nk.Push0, **TIMEOUTS)
    (pull,) = pynng_socks(sockets, pynng_peer, "Pull0", 1)
    sides(push, [pull], addr, scheme, impl_listens)
    for i, body in enumerate(BODIES * 3):
        await mode.send(push, body + b"%d" % i)
    assert [await peer_recv(mode, pull) for _ in range(9)] == [b + b"%d" % i for i, b in enumerate(BODIES * 3)]


@both_modes()
async def test_push_pynng_to_pull_nngkit(sockets, addr, pynng_peer, scheme, mode, impl_listens):
    (push,) = pynng_socks(sockets, pynng_peer, "Push0", 1)
    pull = sockets(nk.Pull0, **TIMEOUTS)
    sides(pull, [push], addr, scheme, impl_listens)
    for i, body in enumerate(BODIES * 3):
        await peer_send(mode, push, body + b"%d" % i)
    assert [await mode.recv(pull) for _ in range(9)] == [b + b"%d" % i for i, b in enumerate(BODIES * 3)]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("pusher", ["nngkit", "pynng"])
def test_push_balances_over_two_pullers_of_the_other_kind(sockets, addr, pynng_peer, scheme, pusher):
    if pusher == "nngkit":
        push, pulls = sockets(nk.Push0, **TIMEOUTS), pynng_socks(sockets, pynng_peer, "Pull0", 2)
    else:
        (push,) = pynng_socks(sockets, pynng_peer, "Push0", 1)
        pulls = [sockets(nk.Pull0, **TIMEOUTS) for _ in range(2)]
    for p in pulls:  # the pusher dials, so both pipes are ready on its side
        dial(push, listen(p, addr(scheme)))
    n = 20
    for i in range(n):  # small messages: kernel buffers take them all without a reader
        push.send(b"%02d" % i)
    got = [drain(p, wait_ms=150) for p in pulls]
    assert all(got), f"one puller got nothing: {got}"
    assert sorted(got[0] + got[1]) == [b"%02d" % i for i in range(n)]


# -- SURVEYOR0 / RESPONDENT0 --------------------------------------------------

async def survey_round(mode, sv_send, sv_recv, respondents, r_recv, r_send):
    await sv_send(b"census")
    for i, r in enumerate(respondents):
        assert await r_recv(r) == b"census"
        await r_send(r, b"resident %d" % i)
    got = sorted([await sv_recv() for _ in respondents])
    assert got == [b"resident %d" % i for i in range(len(respondents))]


@both_modes()
async def test_surveyor_nngkit_respondents_pynng(sockets, addr, pynng_peer, scheme, mode, impl_listens):
    sv = sockets(nk.Surveyor0, survey_time=5000, **TIMEOUTS)
    rs = pynng_socks(sockets, pynng_peer, "Respondent0", 2)
    if sides(sv, rs, addr, scheme, impl_listens):
        until_all_hear(sv.send, rs)
    await survey_round(mode, lambda b: mode.send(sv, b), lambda: mode.recv(sv), rs,
                       lambda r: peer_recv(mode, r), lambda r, b: peer_send(mode, r, b))


@both_modes()
async def test_surveyor_pynng_respondents_nngkit(sockets, addr, pynng_peer, scheme, mode, impl_listens):
    (sv,) = pynng_socks(sockets, pynng_peer, "Surveyor0", 1, survey_time=5000)
    rs = [sockets(nk.Respondent0, **TIMEOUTS) for _ in range(2)]
    if impl_listens:
        for r in rs:
            dial(sv, listen(r, addr(scheme)))
    else:
        url = listen(sv, addr(scheme))
        for r in rs:
            dial(r, url)
        until_all_hear(sv.send, rs)
    await survey_round(mode, lambda b: peer_send(mode, sv, b), lambda: peer_recv(mode, sv), rs,
                       lambda r: mode.recv(r), lambda r, b: mode.send(r, b))


# -- BUS0 -----------------------------------------------------------------------

@both_modes()
async def test_bus_nngkit_with_pynng(sockets, addr, pynng_peer, scheme, mode, impl_listens):
    ours = sockets(nk.Bus0, **TIMEOUTS)
    (theirs,) = pynng_socks(sockets, pynng_peer, "Bus0", 1)
    sides(ours, [theirs], addr, scheme, impl_listens)
    listener_send = ours.send if impl_listens else theirs.send
    until_all_hear(listener_send, [theirs if impl_listens else ours])
    for body in BODIES:
        await mode.send(ours, body)
        assert await peer_recv(mode, theirs) == body
        await peer_send(mode, theirs, body + b"?")
        assert await mode.recv(ours) == body + b"?"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("hub_kind", ["nngkit-hub", "pynng-hub"])
def test_bus_mixed_star_does_not_forward(sockets, addr, pynng_peer, scheme, hub_kind):
    if hub_kind == "nngkit-hub":
        hub, spokes = sockets(nk.Bus0, **TIMEOUTS), pynng_socks(sockets, pynng_peer, "Bus0", 2)
    else:
        (hub,) = pynng_socks(sockets, pynng_peer, "Bus0", 1)
        spokes = [sockets(nk.Bus0, **TIMEOUTS) for _ in range(2)]
    url = listen(hub, addr(scheme))
    for s in spokes:
        dial(s, url)
    until_all_hear(hub.send, spokes)
    spokes[0].send(b"spoke 0 speaks")
    assert hub.recv_msg().bytes == b"spoke 0 speaks"
    hub.send(b"hub marker")
    assert spokes[1].recv_msg().bytes == b"hub marker"  # spoke 0's message was not forwarded
    assert spokes[0].recv_msg().bytes == b"hub marker"
