"""A REP process killed while holding a request: the REQ re-sends it to the next REP."""
from __future__ import annotations

import pytest

from tests.helpers.impl import IMPL_NAME, nk
from tests.helpers.peers import child_env, python_argv, require_pynng
from tests.helpers.sync import dial, listen

REP_CHILD = r"""
import importlib, sys, threading
mod = importlib.import_module(sys.argv[1])
rep = mod.Rep0(recv_timeout=20000)
print("LISTENING", rep.listen(sys.argv[2]).url, flush=True)
msg = rep.recv_msg()
print("GOT", msg.bytes.hex(), flush=True)
threading.Event().wait(30)   # hold the request until killed
"""


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
@pytest.mark.parametrize("child_impl", [IMPL_NAME, "pynng"], ids=["impl-child", "pynng-child"])
def test_req_resends_after_rep_process_killed(procs, sockets, addr, scheme, child_impl, leak_check):
    if child_impl == "pynng":
        require_pynng()
    child = procs(python_argv(REP_CHILD, child_impl, addr(scheme)), env=child_env())
    tag, url = child.readline(timeout=20).decode().split()
    assert tag == "LISTENING"
    req = sockets(nk.Req0, recv_timeout=5000, send_timeout=5000,
                  reconnect_time_min=20, reconnect_time_max=100)
    dial(req, url)
    req.send(b"mid-request")
    assert child.readline(timeout=10) == b"GOT " + b"mid-request".hex().encode()
    child.kill()
    rep = sockets(nk.Rep0, recv_timeout=5000)
    listen(rep, url)  # same address (stale ipc file / recently used port)
    assert rep.recv() == b"mid-request"
    rep.send(b"answered after the kill")
    assert req.recv() == b"answered after the kill"
