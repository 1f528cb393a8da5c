"""Pipe addresses as strings, beside pynng (C NNG) doing the same thing.

The same connection is made twice, once between two nngkit sockets and once
between two pynng sockets, and the four addresses (local and remote, on
each end) must read the same: NNG reports the listener's address on both
ends of ipc/abstract/inproc pipes, and ip:port pairs on tcp.  URLs may be
given as bytes, as pynng allows.
"""
from __future__ import annotations

import os
import uuid
from typing import Any, Tuple

import pytest

from tests.helpers import addrs
from tests.helpers.impl import nk
from tests.helpers.sync import wait_for

SCHEMES = ["inproc", "ipc", "abstract", "tcp"]


def _url(scheme: str) -> str:
    tag = "%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
    if scheme == "inproc":
        return "inproc://addr-" + tag
    if scheme == "ipc":
        return "ipc://%s/addr-%s.sock" % (addrs.ipc_dir(), tag)
    if scheme == "abstract":
        return "abstract://nkaddr-" + tag
    return "tcp://127.0.0.1:%d" % addrs.free_tcp_port()


def _addresses(mod: Any, url: str) -> Tuple[str, str, str, str]:
    with mod.Pair0(listen=url.encode()) as a, mod.Pair0(dial=url.encode()) as b:
        wait_for(lambda: a.pipes and b.pipes, what="both pipes")
        pa, pb = a.pipes[0], b.pipes[0]
        return (str(pa.local_address), str(pa.remote_address),
                str(pb.local_address), str(pb.remote_address))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_pipe_addresses_read_as_nng_reports_them(scheme, pynng_peer, leak_check) -> None:
    for mod in (pynng_peer, nk):  # pynng first: it shows what NNG reports
        url = _url(scheme)
        l_local, l_remote, d_local, d_remote = _addresses(mod, url)
        if scheme == "tcp":  # ephemeral ports: the pairing and the shape
            assert l_local == d_remote == url[len("tcp://"):]
            assert l_remote == d_local and l_remote.startswith("127.0.0.1:")
        else:  # every end reports the listener's address
            expected = url[len("ipc://"):] if scheme == "ipc" else url
            assert (l_local, l_remote, d_local, d_remote) == (expected,) * 4, mod.__name__
