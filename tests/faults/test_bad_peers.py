"""Many bad peers in a row cost nothing lasting: no fds, no pipes, listener still serving."""
from __future__ import annotations

import struct

import pytest

from tests.helpers.impl import nk
from tests.helpers.procfs import open_fd_count
from tests.helpers.raw import PUB0, REQ0, PeerClosed, RawConn, sp_header
from tests.helpers.sync import wait_for
from tests.helpers.wirecheck import raw_req_roundtrip

BAD = [
    b"\x00SQ\x00\x00\x30\x00\x00",          # bad magic
    sp_header(REQ0, version=1),            # bad version
    sp_header(REQ0, reserved=1),           # reserved bytes set
    b"\x00SP",                             # hang up mid-header
    b"GET / HTTP/1.1\r\n\r\n",              # not SP at all
]
WRONG_PROTOCOL = sp_header(PUB0)  # every 50th: valid header, wrong protocol (NNG takes ~100 ms each)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_thousand_bad_handshakes_leak_no_fd(serve, scheme, leak_check):
    rep, url = serve(nk.Rep0, scheme)
    raw_req_roundtrip(rep, url)  # warm up: first-use allocations are not leaks
    before = open_fd_count()
    for i in range(1000):
        bad = WRONG_PROTOCOL if i % 50 == 49 else BAD[i % len(BAD)]
        with RawConn.connect(url) as c:
            c.send(bad)
            if len(bad) >= 8:
                c.expect_closed(timeout=3.0)
            else:
                try:
                    c.read_header(timeout=3.0)
                except PeerClosed:
                    pass
    wait_for(lambda: open_fd_count() <= before, timeout=5.0,
             what=f"fd count to return to {before} (now {open_fd_count()})")
    raw_req_roundtrip(rep, url)


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_repeated_oversize_frames_leak_no_fd(serve, scheme, leak_check):
    rep, url = serve(nk.Rep0, scheme, recv_max_size=1024)
    raw_req_roundtrip(rep, url)
    before = open_fd_count()
    for _ in range(200):
        with RawConn.connect(url) as c:
            c.read_header()
            c.send_header(REQ0)
            c.send((b"\x01" if scheme == "ipc" else b"") + struct.pack(">Q", 1 << 40))
            c.expect_closed(timeout=3.0)
    wait_for(lambda: open_fd_count() <= before, timeout=5.0, what="fd count to return")
    raw_req_roundtrip(rep, url)

