"""tls+tcp:// streams of large and small frames back to back: the stream
reads a large frame's rest straight into its message and the next prefix
alone (csrc/core/stream.c), which over TLS leaves decoded bytes inside the
engine between reads; every frame must still arrive whole, in order."""
from __future__ import annotations

import pytest

from tests.faults.test_large_frame_reads import bodies
from tests.helpers.impl import nk
from tests.helpers.sync import Catcher

pytestmark = pytest.mark.nngkit_only


@pytest.mark.timeout(60)
@pytest.mark.parametrize("recv_buffer", [0, 1])
def test_mixed_sizes_over_tls_arrive_intact_in_order(sockets, leak_check, server_config,
                                                     client_config, recv_buffer):
    data = bodies() * 2
    pull = sockets(nk.Pull0, tls_config=server_config(), recv_timeout=10000,
                   recv_max_size=4 << 20, recv_buffer_size=recv_buffer)
    push = sockets(nk.Push0, tls_config=client_config(), send_timeout=10000)
    port = pull.listen("tls+tcp://127.0.0.1:0").port
    push.dial("tls+tcp://localhost:%d" % port, block=True)

    def send_all() -> None:
        for d in data:
            push.send(d)
    writer = Catcher(send_all)
    writer.start()
    got = [pull.recv() for _ in data]
    assert writer.finish(20).error is None
    assert got == data


@pytest.mark.timeout(60)
def test_a_partial_record_read_ahead_does_not_spin_the_reactor(sockets, server_config, client_config):
    """1 MiB messages with both ends in one process (one reactor): OpenSSL's
    read-ahead often ends inside a record, which SSL_has_pending counts;
    the stream once took that for bytes to read, read again at once, and
    kept the reactor so busy that the sender and every timer starved (the
    stream stalled for good, recv_timeout never fired).  The whole stream
    arrives."""
    import os
    body = os.urandom(1 << 20)
    n = 200
    pull = sockets(nk.Pull0, tls_config=client_config(), recv_timeout=10000, recv_max_size=4 << 20)
    push = sockets(nk.Push0, tls_config=server_config(), send_timeout=10000)
    port = push.listen("tls+tcp://127.0.0.1:0").port
    pull.dial("tls+tcp://localhost:%d" % port, block=True)
    writer = Catcher(lambda: [push.send(body) for _ in range(n)])
    writer.start()
    got = sum(pull.recv() == body for _ in range(n))
    assert writer.finish(20).error is None
    assert got == n
