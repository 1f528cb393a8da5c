"""Statistics and pipe options against real NNG peers (pynng's libnng, nngcat; as processes via sp_peer).

What a real peer sent or received is known exactly, so nngkit's counters
must match it: messages, and bytes as header + body (NNG's REQ puts a
4-byte request id in front of each body).
"""
from __future__ import annotations

import os

import pytest

from nngkit.testing import behaviours as b
from tests.helpers.impl import nk
from tests.helpers.payloads import payload
from tests.helpers.sync import dial, listen, wait_for

pytestmark = pytest.mark.nngkit_only

TIMEOUTS = {"recv_timeout": 5000, "send_timeout": 5000}

BODIES = [b"", b"x", b"0123456789", payload(1000, 1), payload(64 * 1024, 2)]


def one_pipe(sock):
    return wait_for(lambda: sock.pipes[0] if len(sock.pipes) == 1 else None, what="one pipe")


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_counts_what_pynng_sends(sockets, addr, pynng_peer, scheme):
    pull = sockets(nk.Pull0, **TIMEOUTS)
    push = sockets.track(pynng_peer.Push0(**TIMEOUTS))
    dial(push, listen(pull, addr(scheme)))
    for body in BODIES:
        push.send(body)
    for body in BODIES:
        assert pull.recv_msg().bytes == body
    s, p = pull.stats(), one_pipe(pull).stats()
    assert (s.msgs_in, s.bytes_in) == (len(BODIES), sum(map(len, BODIES)))
    assert (p.msgs_in, p.bytes_in, p.msgs_out) == (s.msgs_in, s.bytes_in, 0)


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_counts_what_pynng_receives(sockets, addr, pynng_peer, scheme):
    push = sockets(nk.Push0, **TIMEOUTS)
    pull = sockets.track(pynng_peer.Pull0(**TIMEOUTS))
    dial(push, listen(pull, addr(scheme)))
    for body in BODIES:
        push.send(body)
    assert [pull.recv_msg().bytes for _ in BODIES] == BODIES
    s = push.stats()
    assert (s.msgs_out, s.bytes_out, s.msgs_in) == (len(BODIES), sum(map(len, BODIES)), 0)
    assert push.dialers[0].stats().connects == 1


def test_request_id_bytes_from_pynng_req(sockets, addr, pynng_peer):
    rep = sockets(nk.Rep0, **TIMEOUTS)
    req = sockets.track(pynng_peer.Req0(**TIMEOUTS))
    dial(req, listen(rep, addr("tcp")))
    req.send(b"0123456789")
    assert rep.recv() == b"0123456789"
    rep.send(b"abc")
    assert req.recv() == b"abc"
    s = rep.stats()
    assert (s.msgs_in, s.bytes_in, s.msgs_out, s.bytes_out) == (1, 14, 1, 7)
    assert one_pipe(rep).peer_name == "req"


def test_pynng_peer_refused_for_the_wrong_protocol(sockets, addr, pynng_peer):
    rep = sockets(nk.Rep0, **TIMEOUTS)
    url = listen(rep, addr("tcp"))
    wrong = sockets.track(pynng_peer.Pub0())
    wrong.dial(url, block=False)
    wait_for(lambda: rep.stats().rejects >= 1, what="the PUB peer to be refused")
    assert rep.stats().pipes_added == 0 and rep.listeners[0].stats().rejects >= 1


def test_nngcat_push_counts(sockets, sp_url, sp_peer):
    pull = sockets(nk.Pull0, **TIMEOUTS)
    url = listen(pull, sp_url("tcp"))
    p = sp_peer("nngcat", "push0", dial=url, behaviour=b.push(b"0123456789", count=3))
    assert [pull.recv() for _ in range(3)] == [b"0123456789"] * 3
    p.wait_done()
    s = pull.stats()
    assert (s.msgs_in, s.bytes_in, s.pipes_added) == (3, 30, 1)


def test_peer_pid_of_a_waiting_nngcat(sockets, sp_url, sp_peer):
    push = sockets(nk.Push0, **TIMEOUTS)
    p = sp_peer("nngcat", "pull0", listen=sp_url("ipc"), behaviour=b.record(count=1))
    dial(push, p.url)
    assert one_pipe(push).peer_pid == p.pid
    push.send(b"done")
    assert p.recv() == b"done"
    p.wait_done()


def test_ipc_peer_pid_of_a_pynng_process(sockets, sp_url, sp_peer):
    ours = sockets(nk.Pair0, **TIMEOUTS)
    url = listen(ours, sp_url("ipc"))
    child = sp_peer("pynng", "pair0", dial=url, behaviour=b.record(count=1))
    assert one_pipe(ours).peer_pid == child.pid != os.getpid()
    ours.send(b"bye")
    assert child.recv() == b"bye"
