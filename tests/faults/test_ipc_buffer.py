"""An ipc connection holds up to 1 MiB on its way (SO_SNDBUF, stream.c's
LOCAL_SNDBUF) rather than Linux's default 208 KiB, so that a sender of large
frames does not stop for its reader every third 64 KiB frame.  A reader
that stops must still stop the sender once that much is queued, and get
exactly what was accepted once it reads again."""
from __future__ import annotations

import pytest

from tests.helpers.impl import nk
from tests.helpers.raw import RawConn
from tests.helpers.sync import listen, send_until_full, wait_for

pytestmark = pytest.mark.nngkit_only  # nngkit's own socket setting

PULL = 0x51
LOCAL_SNDBUF = 1 << 20
FRAME = 64 * 1024


def wmem_max() -> int:
    with open("/proc/sys/net/core/wmem_max") as f:
        return int(f.read())


@pytest.mark.timeout(60)
def test_a_stalled_reader_holds_about_a_mib_then_gets_it_all(sockets, addr):
    push = sockets(nk.Push0, send_timeout=300)
    with RawConn.connect(listen(push, addr("ipc"))) as c:
        c.handshake(PULL)
        wait_for(lambda: push.pipes, timeout=10, what="the raw peer's pipe")
        # 12.5 MiB: far more than any buffer holds
        sent = send_until_full(push, (bytes([i % 251]) * FRAME for i in range(200)))
        held = len(sent) * FRAME
        # The kernel doubles what was asked and caps it at wmem_max; less
        # its bookkeeping, at least 3/4 of the smaller of the two is held.
        assert held >= min(LOCAL_SNDBUF, wmem_max()) * 3 // 4
        assert [c.read_frame(timeout=20) for _ in sent] == sent
