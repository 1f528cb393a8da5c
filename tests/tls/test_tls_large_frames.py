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
