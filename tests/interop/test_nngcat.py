"""nngkit against the real C NNG: Debian's nngcat (nng-utils 1.5.2) as REQ, REP and PAIR0.

nngcat does not flush its -v line on a pipe, so it runs under ``stdbuf -o0``
and the test waits for "Listening at:" before dialing (no sleeps).
"""
from __future__ import annotations

import os

import pytest

from tests.helpers.addrs import free_tcp_port
from tests.helpers.impl import nk
from tests.helpers.peers import unbuffered
from tests.helpers.sync import dial, dial_retry, listen

TIMEOUTS = {"recv_timeout": 10000, "send_timeout": 10000}


def fixed_url(scheme: str, addr) -> str:
    """nngcat needs a concrete address: a port picked by binding port 0 first."""
    if scheme == "tcp":
        return f"tcp://127.0.0.1:{free_tcp_port()}"
    if scheme == "tcp6":
        addr("tcp6")  # skips without IPv6 loopback
        return f"tcp://[::1]:{free_tcp_port('::1')}"
    return addr(scheme)


def start_listening_nngcat(procs, argv, url, dialer=None):
    """Start nngcat with -v and return once its listener is up.

    With stdbuf the "Listening at:" line is the event; without it (its stdout
    stays buffered) a bounded blocking-dial retry from `dialer` is.
    """
    argv = unbuffered(argv)
    p = procs(argv)
    if "stdbuf" in os.path.basename(argv[0]):
        line = p.readline(timeout=10.0)
        assert line == b"Listening at: " + url.encode(), line
        if dialer is not None:
            dial(dialer, url)
    else:
        assert dialer is not None, "needs stdbuf or a dialer"
        dial_retry(dialer, url, timeout=10.0)
    return p


@pytest.mark.parametrize("scheme", ["tcp", "ipc", "tcp6"])
async def test_nngcat_rep_answers_impl_req(require_peer, procs, sockets, addr, mode, scheme):
    nngcat = require_peer("nngcat")
    url = fixed_url(scheme, addr)
    req = sockets(nk.Req0, **TIMEOUTS)
    p = start_listening_nngcat(procs, [nngcat, "--rep0", "--listen", url, "--data", "pong",
                                       "--count", "1", "-v", "--raw"], url, dialer=req)
    await mode.send(req, b"ping")
    assert await mode.recv(req) == b"pong"
    rc, out, err = p.finish(timeout=10.0)
    assert (rc, out) == (0, b"ping"), err


@pytest.mark.parametrize("scheme", ["tcp", "ipc", "tcp6"])
async def test_nngcat_req_asks_impl_rep(require_peer, procs, sockets, addr, mode, scheme):
    nngcat = require_peer("nngcat")
    rep = sockets(nk.Rep0, **TIMEOUTS)
    url = listen(rep, addr(scheme))
    p = procs([nngcat, "--req0", "--dial", url, "--data", "ping", "--raw"])
    assert await mode.recv(rep) == b"ping"
    await mode.send(rep, b"pong")
    rc, out, err = p.finish(timeout=10.0)
    assert (rc, out) == (0, b"pong"), err


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_nngcat_req_binary_body_and_impl_rep_reply(require_peer, procs, sockets, addr, tmp_path, scheme):
    nngcat = require_peer("nngcat")
    body = bytes(range(256)) * 40  # 10 KiB with every byte value
    src = tmp_path / "body.bin"
    src.write_bytes(body)
    rep = sockets(nk.Rep0, **TIMEOUTS)
    url = listen(rep, addr(scheme))
    p = procs([nngcat, "--req0", "--dial", url, "--file", str(src), "--hex"])
    assert rep.recv() == body
    rep.send(b"\x00\x01\xfe\xff")
    rc, out, err = p.finish(timeout=10.0)
    assert (rc, out) == (0, b'"\\x00\\x01\\xfe\\xff"\n'), err


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_nngcat_pair0_with_impl_pair0(require_peer, procs, sockets, addr, scheme):
    nngcat = require_peer("nngcat")
    url = fixed_url(scheme, addr)
    # sends "hi" once a peer is there, then prints what it gets until 1 s of silence
    ours = sockets(nk.Pair0, **TIMEOUTS)
    p = start_listening_nngcat(procs, [nngcat, "--pair0", "--listen", url, "--data", "hi",
                                       "--recv-timeout", "1", "--raw", "-v"], url, dialer=ours)
    assert ours.recv() == b"hi"
    ours.send(b"yo")
    rc, out, err = p.finish(timeout=10.0)
    assert (rc, out) == (0, b"yo"), err
