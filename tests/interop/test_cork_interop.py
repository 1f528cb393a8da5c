"""Corked sends on the wire to real NNG peers: a PUSH sending back to back
over ipc, from asyncio or with blocking calls, leaves runs of frames for one
write (csrc/core/cork.h), so NNG's receivers meet many frames per read,
sizes on both sides of the cork limit among them.  Every body arrives, in
order and exact.  tcp, which does not cork, runs the same burst as the
reference."""
from __future__ import annotations

import pytest

from nngkit.testing import behaviours as b
from tests.helpers.impl import IS_NNGKIT, nk
from tests.helpers.payloads import payload

pytestmark = pytest.mark.sp_interop(peers=["nngcat", "libnng", "pynng"], transports=["ipc", "tcp"])

SIZES = [0, 1, 64, 64, 1000, 2038, 2039, 2040, 64, 5000]  # 2039 B + 9 B of prefix: the cork limit


@pytest.fixture
def lib():
    """nngkit's core, with every send counted as back to back, so
    that the corked path runs however slowly the test does; None under
    another implementation."""
    if not IS_NNGKIT:
        yield None
        return
    from nngkit._backend.core import lib as core

    core.nk_debug_cork_gap(10 ** 10)
    yield core
    core.nk_debug_cork_gap(-1)


async def test_nngkit_async_push_burst_to_peer_pull(connect, sockets, sp_transport, lib) -> None:
    push = sockets(nk.Push0, send_timeout=10000)
    before = lib.nk_debug_corks() if lib else 0
    sent = [payload(SIZES[i % len(SIZES)], i) for i in range(400)]
    pull = connect(push, "pull0", b.record(count=len(sent)))
    for body in sent:
        await push.asend(body)
    assert pull.wait_received(len(sent), timeout=30) == sent
    pull.wait_done()
    if lib:  # the path under test ran over ipc, and only there
        assert (lib.nk_debug_corks() > before) == (sp_transport == "ipc")


def test_nngkit_blocking_push_burst_to_peer_pull(connect, sockets, sp_transport, lib) -> None:
    push = sockets(nk.Push0, send_timeout=10000)
    before = lib.nk_debug_corks() if lib else 0
    sent = [payload(SIZES[i % len(SIZES)], i) for i in range(400)]
    pull = connect(push, "pull0", b.record(count=len(sent)))
    for body in sent:
        push.send(body)
    assert pull.wait_received(len(sent), timeout=30) == sent
    pull.wait_done()
    if lib:
        assert (lib.nk_debug_corks() > before) == (sp_transport == "ipc")
