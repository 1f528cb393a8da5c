"""Socket.recv_fd and Socket.send_fd beside pynng's (NNG's own pollables).

Each protocol pair goes through the same steps with both libraries (fresh,
connected, a message sent, received, answered) and, after each, every fd
must be as the table says: "R" polls readable (waited for, up to 5 s, as
the change may come from the core's thread), "-" does not (checked once the
step has settled), "X" raises NotSupported.  The table is what NNG does; the
same test holds pynng to it, so it cannot drift from NNG unnoticed.
"""
from __future__ import annotations

import os
import select
import uuid
from typing import Any, Dict, List, Tuple

import pytest

import nngkit
from tests.helpers import addrs
from tests.helpers.impl import nk
from tests.helpers.sync import wait_for

# step -> (a.recv, a.send, b.recv, b.send)
PAIR = {"fresh": "----", "connected": "-R-R", "sent": "-RRR", "received": "-R-R"}
TABLES: Dict[Tuple[str, str], Dict[str, str]] = {
    ("Pair0", "Pair0"): PAIR,
    ("Pair1", "Pair1"): PAIR,
    ("Bus0", "Bus0"): {"fresh": "-R-R", "connected": "-R-R", "sent": "-RRR", "received": "-R-R"},
    ("Push0", "Pull0"): {"fresh": "X--X", "connected": "XR-X", "sent": "XRRX", "received": "XR-X"},
    ("Pub0", "Sub0"): {"fresh": "XR-X", "connected": "XR-X", "sent": "XRRX", "received": "XR-X"},
    ("Req0", "Rep0"): {"fresh": "----", "connected": "-R--", "sent": "-RR-", "received": "-R-R",
                       "answered": "RR--", "done": "-R--"},
    ("Surveyor0", "Respondent0"): {"fresh": "-R--", "connected": "-R--", "sent": "-RR-",
                                   "received": "-R-R", "answered": "RR--", "done": "-R--"},
}


def _state(mod: Any, sock: Any, attr: str) -> Any:
    try:
        return getattr(sock, attr)
    except mod.NotSupported:
        return None


def check(mod: Any, socks: List[Any], want: str, step: str) -> None:
    fds = [_state(mod, s, a) for s in socks for a in ("recv_fd", "send_fd")]
    for fd, w in zip(fds, want):
        assert (fd is None) == (w == "X"), (mod.__name__, step, want)
    # the raised ones first: once they are up, the step has settled
    for fd, w in zip(fds, want):
        if w == "R":
            assert select.select([fd], [], [], 5.0)[0], (mod.__name__, step, want)
    seen = "".join("X" if fd is None else "R" if select.select([fd], [], [], 0)[0] else "-"
                   for fd in fds)
    assert seen == want, (mod.__name__, step)


def run_steps(mod: Any, names: Tuple[str, str], url: str) -> None:
    table = TABLES[names]
    with getattr(mod, names[0])(recv_timeout=5000) as a, getattr(mod, names[1])(recv_timeout=5000) as b:
        if names[1] == "Sub0":
            b.subscribe(b"")
        check(mod, [a, b], table["fresh"], "fresh")
        a.listen(url)
        b.dial(url, block=True)
        wait_for(lambda: a.pipes and b.pipes, what="both pipes")
        check(mod, [a, b], table["connected"], "connected")
        a.send(b"question")
        check(mod, [a, b], table["sent"], "sent")
        assert b.recv() == b"question"
        check(mod, [a, b], table["received"], "received")
        if "answered" in table:
            b.send(b"answer")
            check(mod, [a, b], table["answered"], "answered")
            assert a.recv() == b"answer"
            check(mod, [a, b], table["done"], "done")


def _url(transport: str) -> str:
    if transport == "inproc":
        return "inproc://fd-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
    return "tcp://127.0.0.1:%d" % addrs.free_tcp_port()


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
@pytest.mark.parametrize("names", list(TABLES), ids=["%s-%s" % n for n in TABLES])
def test_fds_follow_nngs_table(names, transport, pynng_peer, leak_check) -> None:
    run_steps(pynng_peer, names, _url(transport))
    run_steps(nk, names, _url(transport))


def _levels(mod: Any) -> List[bool]:
    """Send-buffer fill and topic filtering, read as levels."""
    def up(fd: int) -> bool:
        return bool(select.select([fd], [], [], 0)[0])

    out = []
    with mod.Push0(send_buffer_size=2) as push:
        for _ in range(2):
            out.append(up(push.send_fd))
            push.send(b"held")
        out.append(up(push.send_fd))  # the buffer is full: a send would wait
    url = "inproc://fdsub-%s" % uuid.uuid4().hex[:8]
    with mod.Sub0(listen=url, recv_timeout=5000) as sub, mod.Pub0(dial=url) as pub:
        sub.subscribe(b"x")
        wait_for(lambda: pub.pipes, what="the subscriber")
        pub.send(b"y-dropped")
        pub.send(b"x1")
        pub.send(b"x2")
        wait_for(lambda: up(sub.recv_fd), what="a message")
        sub.recv()
        # x2 still waits: readable once it has arrived (the publisher's two
        # sends reach the subscriber in turn, so not necessarily yet)
        out.append(bool(wait_for(lambda: up(sub.recv_fd), what="x2")))
        sub.recv()
        out.append(up(sub.recv_fd))
    return out


def test_fds_are_levels_as_nngs(pynng_peer, leak_check) -> None:
    assert _levels(nk) == _levels(pynng_peer) == [True, True, False, True, False]


def test_one_fd_per_socket_closed_with_it(pynng_peer, leak_check) -> None:
    for mod in (pynng_peer, nk):
        sock = mod.Pair0()
        fds = (sock.recv_fd, sock.send_fd)
        assert fds == (sock.recv_fd, sock.send_fd) and fds[0] != fds[1]
        with pytest.raises(mod.ReadOnly):
            sock.recv_fd = 5
        sock.close()
        for fd in fds:
            with pytest.raises(OSError):
                os.fstat(fd)
    with nk.Req0() as req:
        assert not hasattr(req.new_context(), "recv_fd")  # as pynng's Context


def test_fd_drives_a_nonblocking_receive(leak_check) -> None:
    url = _url("inproc")
    with nk.Pull0(listen=url) as pull, nk.Push0(dial=url) as push:
        for i in range(3):
            push.send(b"%d" % i)
        got = []
        while len(got) < 3 and select.select([pull.recv_fd], [], [], 5.0)[0]:
            got.append(pull.recv(block=False))
        assert got == [b"0", b"1", b"2"]
        assert not select.select([pull.recv_fd], [], [], 0)[0]
        with pytest.raises(nngkit.TryAgain):
            pull.recv(block=False)


def test_fd_reflects_a_lost_peer_and_an_ended_survey(leak_check) -> None:
    # NNG leaves these raised (a send would then wait, a receive fails);
    # nngkit lowers them (docs/migrating-from-pynng.md)
    url = _url("inproc")
    with nk.Pair0(listen=url) as a:
        with nk.Pair0(dial=url):
            assert select.select([a.send_fd], [], [], 5.0)[0]
        wait_for(lambda: not select.select([a.send_fd], [], [], 0)[0], what="the peer's going")
    url = _url("inproc")
    with nk.Surveyor0(listen=url, survey_time=100) as surveyor, nk.Respondent0(dial=url) as resp:
        wait_for(lambda: surveyor.pipes, what="the respondent")
        surveyor.send(b"survey")
        resp.recv()
        resp.send(b"vote")
        assert select.select([surveyor.recv_fd], [], [], 5.0)[0]
        wait_for(lambda: not select.select([surveyor.recv_fd], [], [], 0)[0], what="the survey's end")


def _raw(mod: Any, name: str) -> Any:
    if mod is nk:
        return getattr(nk, name)(raw=True)
    return mod.Socket(opener=getattr(mod.lib, "nng_%s_open_raw" % name.lower()))


def _raw_states(mod: Any, names: Tuple[str, str], url: str) -> List[str]:
    def state(s: Any) -> str:
        return "".join("X" if fd is None else "R" if select.select([fd], [], [], 0)[0] else "-"
                       for fd in (_state(mod, s, "recv_fd"), _state(mod, s, "send_fd")))

    a, b = _raw(mod, names[0]), _raw(mod, names[1])
    try:
        out = [state(a) + state(b)]
        a.listen(url)
        b.dial(url, block=True)
        wait_for(lambda: a.pipes and b.pipes, what="both pipes")
        wait_for(lambda: "R" in state(a), what="a's send side")  # every raw sender has one
        out.append(state(a) + state(b))
        return out
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("names", list(TABLES), ids=["%s-%s" % n for n in TABLES])
def test_raw_sockets_fds_as_nngs(names, pynng_peer, leak_check) -> None:
    assert _raw_states(nk, names, _url("inproc")) == _raw_states(pynng_peer, names, _url("inproc"))
