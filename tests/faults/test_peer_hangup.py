"""A message that arrived before its sender hung up is still delivered
(NNG does the same: it sees the end of the stream only after the message)."""

from __future__ import annotations

import threading

import pytest

import nngkit

PAIRS = [
    (nngkit.Pull0, nngkit.Push0),
    (nngkit.Pair0, nngkit.Pair0),
    (nngkit.Pair1, nngkit.Pair1),
    (nngkit.Rep0, nngkit.Req0),
    (nngkit.Respondent0, nngkit.Surveyor0),
]


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
@pytest.mark.parametrize("recv_cls,send_cls", PAIRS, ids=lambda c: c.__name__)
def test_messages_received_before_the_peer_hung_up_are_kept(recv_cls, send_cls, scheme, tmp_path):
    url = "tcp://127.0.0.1:0" if scheme == "tcp" else "ipc://%s/hangup.sock" % tmp_path
    gone = threading.Event()
    with recv_cls(recv_timeout=5000) as receiver:
        receiver.add_post_pipe_remove_cb(lambda pipe: gone.set())
        url = receiver.listen(url).url
        with send_cls(dial=url) as sender:
            for i in range(3):
                sender.send(b"msg%d" % i)
        assert gone.wait(5), "the receiver never saw the peer go"
        got = [receiver.recv() for _ in range(3)]
    # (a REQ or SURVEYOR abandons each request for the next, but all three
    # went out on the wire)
    assert got == [b"msg0", b"msg1", b"msg2"]
