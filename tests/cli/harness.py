"""Running nngcat (NNG's and ours) side by side, and in-process.

- ``cli_argv(kind, args)``: "real" is /usr/bin/nngcat under ``stdbuf -o0``
  (so its -v line reaches a pipe at once), "ours" is ``python -m nngcat``.
- ``CliProc``: a `peers.Proc` that can also feed stdin.
- ``run_ut``: one scenario with nngcat as the process under test and a
  pynng socket as its peer, in either direction; synchronised on the
  "Listening at:" line or on the peer's pipe-connect callback, never on sleeps.
- ``side_by_side``: the same scenario with real and with our nngcat, both at
  once (the slow ones take seconds by design: survey time, --delay...).
- ``run_inproc``: `nngcat.app.run` with in-memory streams.
"""
from __future__ import annotations

import io
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Tuple

from nngcat import app
from tests.helpers import addrs, peers
from tests.helpers.sync import Catcher

KINDS = ("real", "ours")
PEER_TIMEOUTS = {"recv_timeout": 5000, "send_timeout": 5000}


def real_nngcat() -> str:
    return peers.require_peer("nngcat")


def cli_argv(kind: str, args: Sequence[str]) -> List[str]:
    if kind == "real":
        return peers.unbuffered([real_nngcat(), *args])
    return [sys.executable, "-m", "nngcat", *args]


class CliProc(peers.Proc):
    """A `peers.Proc` whose stdin is ``stdin_data`` (then closed), or /dev/null."""

    def __init__(self, argv: Sequence[str], stdin_data: Optional[bytes] = None) -> None:
        self.argv = list(argv)
        self.p = subprocess.Popen(self.argv, stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=peers.child_env())
        assert self.p.stdout is not None and self.p.stderr is not None
        self.stdout, self.stderr = self.p.stdout, self.p.stderr
        self._out = b""
        self.lines: List[bytes] = []
        if stdin_data is not None:
            assert self.p.stdin is not None
            try:  # nngcat reads all of stdin while parsing, before anything else
                self.p.stdin.write(stdin_data)
            except BrokenPipeError:
                pass
            self.p.stdin.close()
            self.p.stdin = None  # so that communicate() does not flush it again

    def output(self, timeout: float = 15.0) -> Tuple[int, bytes, bytes]:
        """Wait for exit: (rc, all of stdout including lines already read, stderr)."""
        rc, rest, err = self.finish(timeout)
        seen = b"".join(line + b"\n" for line in self.lines)
        return rc, seen + rest, err


_handed_out = set()
_handed_out_lock = threading.Lock()


def fixed_url(scheme: str) -> str:
    """A concrete address that nngcat can be told up front.

    tcp ports are never handed out twice in a session: real and ours run at
    the same time and must not be given the same just-freed port.
    """
    if scheme != "tcp":
        return addrs.make_addr(scheme)
    with _handed_out_lock:
        for _ in range(100):
            port = addrs.free_tcp_port()
            if port not in _handed_out:
                _handed_out.add(port)
                return "tcp://127.0.0.1:%d" % port
    raise AssertionError("no fresh tcp port in 100 tries")


def peer_listen(peer: Any, scheme: str) -> str:
    """The pynng peer listens (tcp on port 0); returns the bound url."""
    if scheme != "tcp":
        url = addrs.make_addr(scheme)
        peer.listen(url)
        return url
    listener = peer.listen("tcp://127.0.0.1:0")
    return "tcp://" + str(listener.local_address)  # pynng's .port is in network byte order


class PipeEvents:
    """Counts a pynng socket's pipe connects and removals (its callbacks are the events)."""

    def __init__(self, sock: Any) -> None:
        self._cond = threading.Condition()
        self.added = 0
        self.removed = 0
        sock.add_post_pipe_connect_cb(lambda pipe: self._bump("added"))
        sock.add_post_pipe_remove_cb(lambda pipe: self._bump("removed"))

    def _bump(self, name: str) -> None:
        with self._cond:
            setattr(self, name, getattr(self, name) + 1)
            self._cond.notify_all()

    def wait(self, added: int = 1, removed: int = 0, timeout: float = 10.0) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: self.added >= added and self.removed >= removed, timeout)
        assert ok, f"peer pipes: {self.added} added, {self.removed} removed; wanted {added}/{removed}"


@dataclass
class Outcome:
    rc: int
    out: bytes  # stdout, with the address replaced by <URL>
    err: bytes
    peer: Any = None

    def key(self) -> Tuple[int, bytes, bytes, Any]:
        return (self.rc, self.out, self.err, self.peer)


PeerAction = Callable[[Any, PipeEvents, CliProc], Any]  # (peer, its pipe events, nngcat process)


def run_ut(kind: str, ut_args: Sequence[str], scheme: str, ut_listens: bool, peer_cls: Any,
           action: PeerAction, stdin_data: Optional[bytes] = None, peer_setup: Optional[Callable[[Any], None]] = None,
           timeout: float = 15.0) -> Outcome:
    """nngcat (``kind``) with ``ut_args`` against one pynng socket running ``action``.

    When nngcat listens it gets ``-v``, and the peer dials once the
    "Listening at:" line is out; otherwise the peer listens first.  The
    action starts once the peer's pipe is up.
    """
    peer = peer_cls(**PEER_TIMEOUTS)
    events = PipeEvents(peer)
    proc: Optional[CliProc] = None
    url = "-"
    try:
        if peer_setup is not None:
            peer_setup(peer)
        if ut_listens:
            url = fixed_url(scheme)
            proc = CliProc(cli_argv(kind, [*ut_args, "--listen", url, "-v"]), stdin_data)
            line = proc.readline(timeout=10.0)
            assert line == b"Listening at: " + url.encode(), line
            peer.dial(url, block=True)
        else:
            url = peer_listen(peer, scheme)
            proc = CliProc(cli_argv(kind, [*ut_args, "--dial", url]), stdin_data)
        events.wait(added=1)
        observed = action(peer, events, proc)
        rc, out, err = proc.output(timeout)
    finally:
        peer.close()
        if proc is not None:
            proc.stop()
    return Outcome(rc, out.replace(url.encode(), b"<URL>"), err.replace(url.encode(), b"<URL>"), observed)


def side_by_side(scenario: Callable[[str], Outcome], timeout: float = 30.0) -> Tuple[Outcome, Outcome]:
    """Run ``scenario("real")`` and ``scenario("ours")`` concurrently; return both outcomes."""
    real_nngcat()  # skip (or fail under NNGKIT_REQUIRE_PEERS=1) before starting anything
    runs = [Catcher(lambda k=kind: scenario(k)) for kind in KINDS]
    for r in runs:
        r.start()
    for r in runs:
        r.finish(timeout)
    for kind, r in zip(KINDS, runs):
        if r.error is not None:
            raise AssertionError(f"with {kind} nngcat: {r.error!r}") from r.error
    return runs[0].result, runs[1].result


def assert_same(real: Outcome, ours: Outcome) -> None:
    assert ours.rc == real.rc, (ours, real)
    assert ours.err == real.err
    assert ours.out == real.out, _first_difference(real.out, ours.out)
    assert ours.peer == real.peer


def _first_difference(a: bytes, b: bytes) -> str:
    i = next((n for n, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"stdout differs at byte {i} (real {len(a)} bytes, ours {len(b)}): real {a[i:i + 40]!r} ours {b[i:i + 40]!r}"


# -- peer actions -----------------------------------------------------------------

def recv_bytes(sock: Any) -> bytes:
    return sock.recv_msg().bytes  # pynng's recv() raises on an empty message


def send_all(messages: Sequence[bytes]) -> PeerAction:
    def act(peer: Any, events: PipeEvents, proc: CliProc) -> None:
        for m in messages:
            peer.send(m)
    return act


def collect(n: int) -> PeerAction:
    def act(peer: Any, events: PipeEvents, proc: CliProc) -> List[bytes]:
        return [recv_bytes(peer) for _ in range(n)]
    return act


def ask(requests: Sequence[bytes]) -> PeerAction:
    """REQ or SURVEYOR peer: each request, then its one answer."""
    def act(peer: Any, events: PipeEvents, proc: CliProc) -> List[bytes]:
        answers = []
        for r in requests:
            peer.send(r)
            answers.append(recv_bytes(peer))
        return answers
    return act


def answer(replies: Sequence[bytes]) -> PeerAction:
    """REP, RESPONDENT, PAIR or BUS peer: receive one message, send the next reply."""
    def act(peer: Any, events: PipeEvents, proc: CliProc) -> List[bytes]:
        got = []
        for r in replies:
            got.append(recv_bytes(peer))
            peer.send(r)
        return got
    return act


# -- in-process -------------------------------------------------------------------

@dataclass
class InProc:
    rc: int
    out: bytes
    err: str


def run_inproc(argv: Sequence[str], stdin: bytes = b"") -> InProc:
    out, err = io.BytesIO(), io.StringIO()
    rc = app.run(list(argv), io.BytesIO(stdin), out, err)
    return InProc(rc, out.getvalue(), err.getvalue())


def run_real(argv: Sequence[str], stdin: bytes = b"", timeout: float = 10.0) -> InProc:
    """Real nngcat as a plain subprocess (for quick error cases)."""
    p = subprocess.run([real_nngcat(), *argv], input=stdin, capture_output=True, timeout=timeout)
    return InProc(p.returncode, p.stdout, p.stderr.decode("utf-8", "replace"))
