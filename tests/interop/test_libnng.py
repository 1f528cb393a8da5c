"""nngkit against a C program linked with Debian's libnng (libnng-dev).

The program (tests/interop/c/nng_peer.c) is compiled once per session with
the system C compiler; the tests skip only if the compiler or libnng-dev is
missing, and fail instead under NNGKIT_REQUIRE_PEERS=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Iterator, List

import pytest

import nngkit

from ..helpers.peers import _missing

SRC = os.path.join(os.path.dirname(__file__), "c", "nng_peer.c")


@pytest.fixture(scope="module")
def nng_peer(tmp_path_factory: pytest.TempPathFactory) -> str:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or not os.path.exists("/usr/include/nng/nng.h"):
        _missing("a C compiler and libnng-dev")
    exe = str(tmp_path_factory.mktemp("libnng") / "nng_peer")
    res = subprocess.run([cc, "-O1", "-o", exe, SRC, "-lnng"], capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        _missing("libnng-dev (compiling against it failed: %s)" % res.stderr.strip()[:300])
    return exe


def _url(scheme: str, tmp_path) -> str:
    return "tcp://127.0.0.1:0" if scheme == "tcp" else "ipc://%s/libnng.sock" % tmp_path


def _start_listener(argv: List[str]) -> "tuple[subprocess.Popen, str]":
    """Start a listening C peer; returns it and the URL it listens on."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout is not None
    line = p.stdout.readline().split()  # "ready URL" once the C side listens
    assert line[:1] == ["ready"], (line, p.stderr.read() if p.poll() is not None else "")
    return p, line[1]


def _finish(p: subprocess.Popen) -> Iterator[str]:
    try:
        out, err = p.communicate(timeout=15)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    return iter(out.splitlines())


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_nngkit_req_against_libnng_rep(nng_peer: str, scheme: str, tmp_path) -> None:
    p, url = _start_listener([nng_peer, "rep", _url(scheme, tmp_path), "3"])
    with nngkit.Req0(dial=url, recv_timeout=5000) as req:
        for i in range(3):
            req.send(b"q%d" % i)
            assert req.recv() == b"re:q%d" % i
    list(_finish(p))


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_libnng_req_against_nngkit_rep(nng_peer: str, scheme: str, tmp_path) -> None:
    with nngkit.Rep0(listen=_url(scheme, tmp_path), recv_timeout=10000) as rep:
        url = rep.listeners[0].url
        p = subprocess.Popen([nng_peer, "req", url, "hello from C"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        assert rep.recv() == b"hello from C"
        rep.send(b"hello from nngkit")
        assert list(_finish(p)) == ["hello from nngkit"]


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_nngkit_push_to_libnng_pull(nng_peer: str, scheme: str, tmp_path) -> None:
    p, url = _start_listener([nng_peer, "pull", _url(scheme, tmp_path), "5"])
    with nngkit.Push0(dial=url, send_timeout=5000) as push:
        for i in range(5):
            push.send(b"job%d" % i)
        assert list(_finish(p)) == ["job%d" % i for i in range(5)]


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_nngkit_pub_to_libnng_sub(nng_peer: str, scheme: str, tmp_path) -> None:
    p, url = _start_listener([nng_peer, "sub", _url(scheme, tmp_path), "3"])
    with nngkit.Pub0(dial=url) as pub:  # dialing: the pipe is up when dial returns
        for i in range(3):
            pub.send(b"news%d" % i)
        assert list(_finish(p)) == ["news%d" % i for i in range(3)]
