"""Shared pieces of the hostile-peer, fault and scale tests (tests/faults/test_*).

- ``PROTOCOLS``: every protocol as (listener class, good-peer class, wire
  numbers), and ``good_exchange`` that pushes one message through a listener
  and its good peer in the protocol's natural direction (a full round trip
  for REQ/REP and SURVEYOR/RESPONDENT).
- ``Resources``: fds, live core counts and memory before, and a bounded wait
  for them to come back afterwards.
- ``raised_nofile``: lift RLIMIT_NOFILE (soft) for one test, then restore it.
- ``scaled(full, reduced)``: the slow tests run reduced by default (CI) and at
  full size with NNGKIT_SOAK_FULL=1; NNGKIT_SOAK_SECONDS sets the soak length.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import socket
import time
from typing import Any, Dict, Iterator, NamedTuple, Optional

from tests.helpers.impl import live_counts, nk
from tests.helpers.procfs import open_fd_count, status_kib
from tests.helpers.raw import RawConn, sp_header
from tests.helpers.sync import probe_until_connected, wait_for


class Proto(NamedTuple):
    name: str
    listener: Any      # the class under attack
    peer: Any          # a well-behaved peer class
    number: int        # listener's wire protocol number
    peer_number: int   # what a peer announces in its header


PROTOCOLS = [
    Proto("pair0", nk.Pair0, nk.Pair0, 0x10, 0x10),
    Proto("pair1", nk.Pair1, nk.Pair1, 0x11, 0x11),
    Proto("pub0", nk.Pub0, nk.Sub0, 0x20, 0x21),
    Proto("sub0", nk.Sub0, nk.Pub0, 0x21, 0x20),
    Proto("req0", nk.Req0, nk.Rep0, 0x30, 0x31),
    Proto("rep0", nk.Rep0, nk.Req0, 0x31, 0x30),
    Proto("push0", nk.Push0, nk.Pull0, 0x50, 0x51),
    Proto("pull0", nk.Pull0, nk.Push0, 0x51, 0x50),
    Proto("surveyor0", nk.Surveyor0, nk.Respondent0, 0x62, 0x63),
    Proto("respondent0", nk.Respondent0, nk.Surveyor0, 0x63, 0x62),
    Proto("bus0", nk.Bus0, nk.Bus0, 0x70, 0x70),
]
BY_NAME = {p.name: p for p in PROTOCOLS}

SOAK_FULL = os.environ.get("NNGKIT_SOAK_FULL", "") == "1"
SOAK_SECONDS = float(os.environ.get("NNGKIT_SOAK_SECONDS", "60" if SOAK_FULL else "3"))


def scaled(full: int, reduced: int) -> int:
    return full if SOAK_FULL else reduced


TIMEOUTS = {"recv_timeout": 5000, "send_timeout": 5000}


def open_pair(sockets: Any, proto: Proto, url: str, **listener_opts: Any):
    """A listener of proto at url and a good peer dialed to it; returns (listener, peer, bound url)."""
    opts = dict(TIMEOUTS, **listener_opts)
    if proto.name == "sub0":
        opts["topics"] = b""
    if proto.name == "surveyor0":
        opts["survey_time"] = 5000
    lis = sockets(proto.listener, **opts)
    bound = lis.listen(url).url
    peer_opts = dict(TIMEOUTS)
    if proto.name == "pub0":
        peer_opts["topics"] = b""
    if proto.name == "respondent0":
        peer_opts["survey_time"] = 5000
    peer = sockets(proto.peer, **peer_opts)
    peer.dial(bound, block=True)
    # the listener's side of the connection is attached a moment after the dial returns
    wait_for(lambda: len(lis.pipes) >= 1, timeout=5.0, what=f"{proto.name} listener to attach its peer")
    return lis, peer, bound


def good_exchange(proto: Proto, lis: Any, peer: Any, tag: str = "good") -> None:
    """One message through lis and its good peer (a round trip where the protocol has one)."""
    body = f"{tag}-{proto.name}".encode()
    n = proto.name
    if n in ("pair0", "pair1", "bus0", "pull0", "sub0"):
        peer.send(body)
        got = lis.recv()
        while n == "sub0" and got.startswith(b"__probe__"):
            got = lis.recv()
        assert got == body
    elif n in ("pub0", "push0"):
        if n == "pub0":
            probe_until_connected(lis, peer)  # PUB drops what it sends before SUB is attached
        lis.send(body)
        assert peer.recv() == body
    elif n == "rep0":
        peer.send(body)
        assert lis.recv() == body
        lis.send(body + b"-reply")
        assert peer.recv() == body + b"-reply"
    elif n == "req0":
        lis.send(body)
        assert peer.recv() == body
        peer.send(body + b"-reply")
        assert lis.recv() == body + b"-reply"
    elif n == "respondent0":
        peer.send(body)
        assert lis.recv() == body
        lis.send(body + b"-reply")
        assert peer.recv() == body + b"-reply"
    elif n == "surveyor0":
        lis.send(body)
        assert peer.recv() == body
        peer.send(body + b"-reply")
        assert lis.recv() == body + b"-reply"
    else:
        raise AssertionError(f"no exchange for {n}")


def hostile_conn(url: str, proto: Optional[Proto] = None) -> RawConn:
    """A raw connection; with proto, its header (as the listener's peer) is sent first."""
    c = RawConn.connect(url)
    if proto is not None:
        c.send(sp_header(proto.peer_number))
    return c


def shut_and_expect_closed(c: RawConn, timeout: float = 5.0) -> float:
    """Half-close our side and wait (bounded) for the listener to close the connection."""
    try:
        c.sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # already reset by the listener
    return c.expect_closed(timeout=timeout)


def drain(sock: Any) -> int:
    """Receive and discard what hostile peers left queued (bounded); returns the count."""
    saved = sock.recv_timeout
    sock.recv_timeout = 20
    n = 0
    try:
        while n < 10000:
            sock.recv_msg()
            n += 1
    except (nk.Timeout, nk.BadState, nk.NotSupported):
        return n
    finally:
        sock.recv_timeout = saved
    raise AssertionError("hostile peers left more than 10000 messages")


def expect_closed_draining(c: RawConn, sock: Any, timeout: float = 5.0) -> float:
    """Half-close, then wait for the listener to close the connection while the
    application keeps receiving (a listener whose queue is full stops reading,
    as NNG does, and only sees our EOF once the queue drains)."""
    try:
        c.sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    start = time.monotonic()
    while True:
        try:
            c.expect_closed(timeout=0.05)
            return time.monotonic() - start
        except AssertionError:
            if time.monotonic() - start > timeout:
                raise AssertionError(f"connection still open {timeout}s after our EOF") from None
        drain(sock)


class Resources:
    """fds, live counts and memory now; ``settle`` waits until they come back."""

    def __init__(self, pipes: Optional[int] = None) -> None:
        """With pipes=N, first wait (bounded) until N pipes are live, so that a
        connection closed just before (a warm-up) is not part of the baseline."""
        if pipes is not None and live_counts() is not None:
            wait_for(lambda: (live_counts() or {}).get("pipes") == pipes, timeout=5.0,
                     what=f"{pipes} live pipes before the baseline")
        self.fds = open_fd_count()
        self.counts = live_counts()
        self.rss_kib = status_kib("VmRSS")
        self.vm_kib = status_kib("VmSize")

    def settle(self, timeout: float = 5.0, **expect: int) -> Dict[str, int]:
        """Wait until the fd count and the live counts are back to what they were
        (or to expect[key], e.g. pipes=2); returns the last live counts."""
        wait_for(lambda: open_fd_count() <= self.fds, timeout=timeout,
                 what=f"fd count back to {self.fds} (now {open_fd_count()})")
        if self.counts is None:
            return {}
        want = dict(self.counts, **expect)
        last: Dict[str, int] = {}

        def back() -> bool:
            last.clear()
            last.update(live_counts() or {})
            return all(last[k] == want[k] for k in want)

        try:
            wait_for(back, timeout=timeout, what="live counts")
        except AssertionError:
            raise AssertionError(f"live counts not back within {timeout}s: {last}, want {want}") from None
        return last

    async def asettle(self, timeout: float = 5.0, **expect: int) -> Dict[str, int]:
        """settle() for coroutines: polls with awaits, so the event loop keeps
        draining completions (a cancelled aio is released by its loop)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.settle(timeout=0.0, **expect)
            except AssertionError:
                if time.monotonic() >= deadline:
                    return self.settle(timeout=0.0, **expect)
            await asyncio.sleep(0.005)

    def rss_growth_kib(self) -> int:
        return status_kib("VmRSS") - self.rss_kib

    def vm_growth_kib(self) -> int:
        return status_kib("VmSize") - self.vm_kib


@contextlib.contextmanager
def raised_nofile(want: int) -> Iterator[int]:
    """Raise the soft fd limit towards want (never above the hard limit); restores it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    try:
        yield max(soft, target)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
