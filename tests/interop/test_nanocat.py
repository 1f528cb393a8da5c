"""nngkit against legacy nanomsg: nanocat (nanomsg-utils 1.1.5), PUB/SUB and REQ/REP.

Same TCP/IPC wire as NNG for these protocols.  Both directions over tcp and
ipc: "nanocat-binds" (nngkit dials, retried while nanocat is not up yet:
nanocat prints no "listening" line) and "nngkit-listens" (nanocat connects
in the background; nngkit's REQ waits for it, its PUB publishes until
nanocat prints).  nanocat's --quoted output is one C-escaped line per message.
"""
from __future__ import annotations

import pytest

from tests.helpers.cliout import feed_until_lines, line_or_none
from tests.helpers.impl import nk
from tests.helpers.peers import unbuffered
from tests.helpers.sync import dial_retry, listen

SCHEMES = ["tcp", "ipc"]
TIMEOUTS = {"recv_timeout": 10000, "send_timeout": 10000}
BINARY = b"A\t\n\r\"\\\x01\x7f\xff z"
NANO_QUOTED = b'"A\\x09\\n\\r\\"\\\\\\x01\\x7f\\xff z"'  # nanocat writes a tab as \x09 (nngcat: \t)


@pytest.fixture(params=["nanocat-binds", "nngkit-listens"])
def direction(request):
    return request.param


@pytest.fixture
def nanocat(require_peer):
    return require_peer("nanocat")


def start(procs, nanocat, direction, args, ours, scheme, addr, sp_url):
    """Run nanocat binding (then `ours` dials) or connecting to `ours` (listening now).

    A binding nanocat needs a concrete address: sp_url gives one (a free port for tcp).
    """
    if direction == "nanocat-binds":
        url = sp_url(scheme)
        p = procs(unbuffered([nanocat, *args, "--bind", url]))
        dial_retry(ours, url, timeout=10.0)
        return p
    url = listen(ours, addr(scheme))
    return procs(unbuffered([nanocat, *args, "--connect", url]))


# -- REQ / REP ----------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
def test_nngkit_req_nanocat_rep(procs, nanocat, sockets, addr, sp_url, scheme, direction):
    req = sockets(nk.Req0, **TIMEOUTS)
    p = start(procs, nanocat, direction, ["--rep", "--data", "pong", "--quoted"], req, scheme, addr, sp_url)
    for body in (b"ping", BINARY):
        req.send(body)  # waits for nanocat's pipe when nngkit listens
        assert req.recv() == b"pong"
    assert p.readline(timeout=10.0) == b'"ping"'
    assert p.readline(timeout=10.0) == NANO_QUOTED


@pytest.mark.parametrize("scheme", SCHEMES)
def test_nanocat_req_nngkit_rep(procs, nanocat, sockets, addr, sp_url, scheme, direction):
    rep = sockets(nk.Rep0, **TIMEOUTS)
    p = start(procs, nanocat, direction, ["--req", "--data", "ping", "--quoted"], rep, scheme, addr, sp_url)
    assert rep.recv() == b"ping"
    rep.send(BINARY)
    rc, out, err = p.finish(timeout=10.0)  # one request, one reply, exit 0
    assert (rc, out) == (0, NANO_QUOTED + b"\n"), err


# -- PUB / SUB ------------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
def test_nngkit_pub_nanocat_sub(procs, nanocat, sockets, addr, sp_url, scheme, direction):
    pub = sockets(nk.Pub0, **TIMEOUTS)
    p = start(procs, nanocat, direction, ["--sub", "--subscribe", "news", "--quoted"], pub, scheme, addr, sp_url)

    def publish(i):
        pub.send(b"weather %d" % i)
        pub.send(b"news %d" % i)

    lines = feed_until_lines(publish, p, 3)
    assert all(line.startswith(b'"news ') and line.endswith(b'"') for line in lines), lines
    numbers = [int(line[6:-1]) for line in lines]
    assert numbers == list(range(numbers[0], numbers[0] + 3)), lines


@pytest.mark.parametrize("scheme", SCHEMES)
def test_nanocat_pub_nngkit_sub(procs, nanocat, sockets, addr, sp_url, tmp_path, scheme, direction):
    sub = sockets(nk.Sub0, topics=b"A", **TIMEOUTS)
    src = tmp_path / "body.bin"
    src.write_bytes(BINARY)
    # nanocat publishes the file every 50 ms until stopped, so joining late is fine
    start(procs, nanocat, direction, ["--pub", "--file", str(src), "--interval", "0.05"], sub, scheme, addr, sp_url)
    assert sub.recv() == BINARY
    assert sub.recv() == BINARY


def test_line_or_none_is_none_while_nanocat_is_quiet(procs, nanocat, sp_url):
    """The helper the PUB tests rely on: a quiet, running peer gives None, not a failure."""
    p = procs(unbuffered([nanocat, "--sub", "--bind", sp_url("tcp"), "--quoted"]))
    assert line_or_none(p, 0.05) is None
