"""Message sizes over tls+tcp and wss against C NNG (libnng) and pynng, both ways, both sides listening.

0 B, 64 B, 200 KiB (TLS records of 16 KiB, ws frames of 64 KiB: many of
each) and 3 MiB, each checked byte for byte.  REQ/REP: nngkit's request and
the peer's echo carry every size both ways.  PUSH/PULL: nngkit pushes every
size to the peer, and the peer pushes every size to nngkit.  nngcat is left
out: it reads a whole message as one command-line argument or file and
prints it back as one line, and the matrix in test_peers.py has it on both
transports with messages up to 1 MiB.
"""
from __future__ import annotations

import pytest

from nngkit.testing import behaviours as b
from tests.helpers.impl import nk
from tests.helpers.payloads import payload

pytestmark = pytest.mark.sp_interop(peers=["libnng", "pynng"], transports=["tls+tcp", "wss"])
SIZES = [b"", payload(64, 1), payload(200 * 1024, 2), payload(3 << 20, 3)]
OPTS = {"recv_timeout": 20000, "send_timeout": 20000, "recv_max_size": 0}


def test_req_rep_every_size(connect, sockets) -> None:
    req = sockets(nk.Req0, **OPTS)
    rep = connect(req, "rep0", b.echo())
    for body in SIZES:
        req.send(body)
        assert req.recv_msg().bytes == body
    assert rep.wait_received(len(SIZES), timeout=20) == SIZES


def test_nngkit_pushes_every_size(connect, sockets) -> None:
    push = sockets(nk.Push0, **OPTS)
    pull = connect(push, "pull0", b.record(count=len(SIZES)))
    for body in SIZES:
        push.send(body)
    assert pull.wait_received(len(SIZES), timeout=20) == SIZES


def test_peer_pushes_every_size(connect, sockets) -> None:
    pull = sockets(nk.Pull0, **OPTS)
    push = connect(pull, "push0", b.push(SIZES[0]))
    push.wait_done()  # its own message first: then the ones it is told to send, in order
    for body in SIZES[1:]:
        push.send(body, timeout=20)
    assert [pull.recv_msg().bytes for _ in SIZES] == SIZES
