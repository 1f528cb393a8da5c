"""Scale and soak, bounded in time, loopback only.

- 5,000 concurrent connections on one listener (a child process with a raised
  RLIMIT_NOFILE), with the listener's memory per connection;
- 100,000 REQ/REP round trips across 50 reconnect cycles, none lost;
- a mixed-protocol soak whose live counts return to zero.

By default (CI) they run reduced; NNGKIT_SOAK_FULL=1 runs the full figures and
NNGKIT_SOAK_SECONDS sets the soak length (see tests/faults/hostile.py).
"""
from __future__ import annotations

import collections
import os
import select
import signal
import socket
import threading
import time

import pytest

from tests.faults.hostile import SOAK_SECONDS, Resources, raised_nofile, scaled
from tests.helpers.impl import IMPL_NAME, nk
from tests.helpers.peers import child_env, python_argv
from tests.helpers.raw import REP0, REQ0, frame, sp_header, word

CONN_CHILD = r"""
import signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
import gc, importlib, os, resource, time
mod = importlib.import_module(sys.argv[1])
want = int(sys.argv[2])
from nngkit import _debug
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
need = want + 256
if hard != resource.RLIM_INFINITY and hard < need:
    print("SKIP hard RLIMIT_NOFILE %d < %d" % (hard, need), flush=True)
    sys.exit(0)
resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
def rss():  # "VmRSS/VmSize" in KiB
    gc.collect()
    with open("/proc/self/status") as f:
        st = {l.split(":")[0]: l.split()[1] for l in f if l.startswith(("VmRSS:", "VmSize:"))}
    return st["VmRSS"] + "/" + st["VmSize"]
def wait_pipes(n, timeout):
    deadline = time.monotonic() + timeout
    while _debug.live_counts()["pipes"] != n and time.monotonic() < deadline:
        time.sleep(0.01)
    return _debug.live_counts()
rep = mod.Rep0(recv_timeout=10000, send_timeout=10000)
url = rep.listen("tcp://127.0.0.1:0").url
base = rss()
print("URL", url, base, flush=True)
signal.sigwait({signal.SIGUSR1})            # the parent has connected
t0 = time.monotonic()
c = wait_pipes(want, 60)
print("FULL", rss(), c["pipes"], c["fds"], len(os.listdir("/proc/self/fd")), flush=True)
print("GOT", rep.recv().decode(), flush=True)
rep.send(b"served among many")
signal.sigwait({signal.SIGUSR1})            # the parent has disconnected
c = wait_pipes(0, 60)
print("EMPTY", rss(), c["pipes"], c["fds"], c["msgs"], len(os.listdir("/proc/self/fd")), flush=True)
"""


def connect_many(port: int, n: int, timeout: float = 20.0) -> list:
    """n tcp connections to 127.0.0.1:port, connecting in parallel (a lost SYN
    costs one 1 s retransmit for the batch, not for each connection)."""
    conns = []
    try:
        for _ in range(n):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            conns.append(c)
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
        poller = select.poll()
        pending = {c.fileno(): c for c in conns}
        for fd in pending:
            poller.register(fd, select.POLLOUT)
        deadline = time.monotonic() + timeout
        while pending:
            left = deadline - time.monotonic()
            assert left > 0, f"{len(pending)} of {n} connections still pending after {timeout}s"
            for fd, _ in poller.poll(left * 1000):
                c = pending.pop(fd)
                poller.unregister(fd)
                err = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                assert err == 0, f"connect failed: {os.strerror(err)}"
                c.setblocking(True)
        return conns
    except BaseException:
        for c in conns:
            c.close()
        raise


@pytest.mark.nngkit_only  # reads nngkit's live counts in the child
@pytest.mark.timeout(240)
def test_many_concurrent_connections_on_one_listener(procs):
    n = scaled(5000, 1000)
    child = procs(python_argv(CONN_CHILD, IMPL_NAME, str(n)), env=child_env())
    first = child.readline(timeout=20).decode().split()
    if first[0] == "SKIP":
        pytest.skip(" ".join(first[1:]))
    _, url, base_rss = first
    port = int(url.rsplit(":", 1)[1])
    with raised_nofile(n + 512) as limit:
        if limit < n + 256:
            pytest.skip(f"this process may open only {limit} fds (hard RLIMIT_NOFILE)")
        conns = []
        t0 = time.monotonic()
        try:
            for start in range(0, n, 100):  # within the listen backlog (128)
                batch = connect_many(port, min(100, n - start))
                conns += batch
                for c in batch:  # at once: the 10 s handshake timeout runs from accept
                    c.sendall(sp_header(REQ0))
            connect_s = time.monotonic() - t0
            child.p.send_signal(signal.SIGUSR1)
            full = child.readline(timeout=90).decode().split()
            assert full[0] == "FULL", full
            full_mem, (pipes, _core_fds, proc_fds) = full[1], map(int, full[2:])
            assert pipes == n, f"{pipes} of {n} connections became pipes"
            last = conns[-1]  # the newest connection is served like the first
            last.settimeout(10)
            assert last.recv(8, socket.MSG_WAITALL) == sp_header(REP0)
            last.sendall(frame(word(0x80000001) + b"one of many"))
            assert child.readline(timeout=20) == b"GOT one of many"
            want = frame(word(0x80000001) + b"served among many")
            assert last.recv(len(want), socket.MSG_WAITALL) == want
        finally:
            for c in conns:
                c.close()
    child.p.send_signal(signal.SIGUSR1)
    empty = child.readline(timeout=90).decode().split()
    assert empty[0] == "EMPTY", empty
    end_mem, (pipes_after, core_fds_after, msgs_after, proc_fds_after) = empty[1], map(int, empty[2:])
    (rss0, vm0), (rss1, vm1) = (map(int, m.split("/")) for m in (base_rss, full_mem))
    per_conn, vm_per_conn = (rss1 - rss0) / n, (vm1 - vm0) / n
    print(f"{n} connections: connect {connect_s:.2f}s; listener VmRSS/VmSize {base_rss} -> {full_mem} KiB "
          f"({per_conn:.1f} KiB RSS, {vm_per_conn:.1f} KiB virtual per connection), process fds {proc_fds}; "
          f"after close {end_mem} KiB, pipes {pipes_after}, core fds {core_fds_after}, msgs {msgs_after}, "
          f"process fds {proc_fds_after}")
    assert (pipes_after, msgs_after, core_fds_after) == (0, 0, 1)
    assert per_conn < 160, f"{per_conn:.1f} KiB per connection"


@pytest.mark.timeout(240)
@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_round_trips_across_reconnect_cycles_none_lost(sockets, addr, scheme, leak_check):
    """Each cycle ends with a REP closed while it holds a request: the REQ
    re-sends it to the next REP, so every request gets its own answer."""
    cycles, per_cycle = scaled(50, 10), scaled(2000, 300)
    req = sockets(nk.Req0, recv_timeout=10000, send_timeout=10000,
                  reconnect_time_min=5, reconnect_time_max=50)
    req.resend_time = 2000  # a backstop; the move to a new pipe should come first
    url = None
    answered, t0 = 0, time.monotonic()
    for cycle in range(cycles):
        rep = nk.Rep0(recv_timeout=10000, send_timeout=10000)
        try:
            bound = rep.listen(url or addr(scheme)).url
            if url is None:
                url = bound
                req.dial(url, block=True)
            for k in range(per_cycle):
                i = cycle * per_cycle + k
                if cycle == 0 or k > 0:  # at k == 0 the held request comes back by itself
                    req.send(b"q%d" % i)
                got = rep.recv()
                assert got == b"q%d" % i, f"cycle {cycle}: expected q{i}, got {got!r}"
                rep.send(b"a%d" % i)
                assert req.recv() == b"a%d" % i
                answered += 1
            if cycle < cycles - 1:  # end the cycle holding the next request
                nxt = b"q%d" % ((cycle + 1) * per_cycle)
                req.send(nxt)
                assert rep.recv() == nxt
        finally:
            rep.close()
    total = cycles * per_cycle
    elapsed = time.monotonic() - t0
    print(f"{answered} of {total} round trips over {scheme} across {cycles} reconnect cycles "
          f"in {elapsed:.1f}s ({answered / elapsed:.0f}/s)")
    assert answered == total


class Soak:
    """Worker threads that loop until stop, counting; errors before stop are kept."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.counts: collections.Counter = collections.Counter()
        self.errors: list = []
        self.threads: list = []

    def loop(self, key: str, fn) -> None:
        def run() -> None:
            while not self.stop.is_set():
                try:
                    if fn():
                        self.counts[key] += 1
                except nk.Timeout:
                    continue
                except Exception as e:  # noqa: BLE001 - reported by the test
                    if not self.stop.is_set():
                        self.errors.append(f"{key}: {e!r}")
                    return

        t = threading.Thread(target=run, name=key, daemon=True)
        t.start()
        self.threads.append(t)

    def finish(self, timeout: float = 10.0) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout)
        stuck = [t.name for t in self.threads if t.is_alive()]
        assert not stuck, f"soak workers still running: {stuck}"


@pytest.mark.timeout(SOAK_SECONDS + 90)
def test_mixed_protocol_soak(sockets, addr, leak_check):
    t_ms = {"recv_timeout": 200, "send_timeout": 200}
    soak, res = Soak(), Resources()
    rep, req = sockets(nk.Rep0, **t_ms), sockets(nk.Req0, recv_timeout=5000, send_timeout=1000)
    rep_url = rep.listen(addr("tcp")).url
    req.dial(rep_url, block=True)
    pub, sub = sockets(nk.Pub0, **t_ms), sockets(nk.Sub0, topics=b"", **t_ms)
    sub.dial(pub.listen(addr("ipc")).url, block=True)
    push, pull = sockets(nk.Push0, **t_ms), sockets(nk.Pull0, **t_ms)
    push.dial(pull.listen(addr("tcp")).url, block=True)
    surveyor = sockets(nk.Surveyor0, survey_time=1000, **t_ms)
    respondent = sockets(nk.Respondent0, **t_ms)
    respondent.dial(surveyor.listen(addr("inproc")).url, block=True)
    bus_a, bus_b = sockets(nk.Bus0, **t_ms), sockets(nk.Bus0, **t_ms)
    bus_b.dial(bus_a.listen(addr("ipc")).url, block=True)
    seq = {"req": 0, "churn": 0}

    def reqrep_client() -> bool:
        seq["req"] += 1
        body = b"r%d" % seq["req"]
        req.send(body)
        assert req.recv() == b"re:" + body
        return True

    def rep_server() -> bool:
        rep.send(b"re:" + rep.recv())
        return True

    def churn() -> bool:  # connect, one round trip, disconnect
        seq["churn"] += 1
        with nk.Req0(recv_timeout=5000, send_timeout=5000) as c:
            c.dial(rep_url, block=True)
            c.send(b"c%d" % seq["churn"])
            assert c.recv() == b"re:c%d" % seq["churn"]
        return True

    def survey() -> bool:
        surveyor.send(b"survey")
        return surveyor.recv() == b"answer"

    def respond() -> bool:
        respondent.recv()
        respondent.send(b"answer")
        return True

    soak.loop("req", reqrep_client)
    soak.loop("rep", rep_server)
    soak.loop("churn", churn)
    soak.loop("pub", lambda: pub.send(b"news") or True)
    soak.loop("sub", lambda: bool(sub.recv()))
    soak.loop("push", lambda: push.send(b"job") or True)
    soak.loop("pull", lambda: bool(pull.recv()))
    soak.loop("survey", survey)
    soak.loop("respond", respond)
    soak.loop("bus_send", lambda: bus_a.send(b"bus") or True)
    soak.loop("bus_recv", lambda: bool(bus_b.recv()))
    deadline = time.monotonic() + SOAK_SECONDS
    while time.monotonic() < deadline and not soak.errors:
        soak.stop.wait(min(0.25, max(0.0, deadline - time.monotonic())))  # the soak's length, not a sync
    soak.finish()
    assert not soak.errors, soak.errors[:5]
    pulled = soak.counts["pull"]
    pull.recv_timeout = 2000
    while pulled < soak.counts["push"]:  # still in buffers when the workers stopped (bounded: a count)
        pull.recv()
        pulled += 1
    c = soak.counts
    assert pulled == c["push"], f"push/pull lost messages: {c['push']} sent, {pulled} received"
    assert c["rep"] >= c["req"] + c["churn"] - 1  # at most one answer cut off by the stop
    assert c["sub"] <= c["pub"] and c["bus_recv"] <= c["bus_send"]
    for key in ("req", "churn", "sub", "pull", "survey", "bus_recv"):
        assert c[key] > 0, f"no {key} traffic in {SOAK_SECONDS}s"
    rss = res.rss_growth_kib()
    sockets.close_all()
    counts = res.settle(timeout=10, sockets=0, pipes=0, msgs=0, endpoints=0, fds=0)
    print(f"soak {SOAK_SECONDS:.0f}s: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items()))
          + f"; RSS {rss:+d} KiB while running; live counts after close {counts}")
