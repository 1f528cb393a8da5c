"""The other process of a benchmark, and the driver's handle on it.

A peer process serves one implementation ("nngkit", "pynng" or "raw") for
the whole suite.  The driver writes one JSON command per line on its stdin
(a role and its parameters); the peer answers on stdout with JSON lines:
``{"ready": url}`` once it listens, ``{"done": {...}}`` when its part of the
run is over, ``{"error": "..."}`` if it failed, and ``{"idle": true}``
when it may take the next command.  The driver says ``go`` (publishers
start) and ``close`` (close the sockets: anything still queued has arrived)
as bare words.  Every wait on either side is bounded.

A C rival's peer runs its program as a child (c_impl.py).

``python -m benchmarks.peer --conns IMPL URL N`` is the 1,000-connection
probe: a fresh process that opens N connected REQ sockets and prints its
RSS and thread count before and after.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import select
import subprocess
import sys
import time
import traceback
from typing import Any, Dict, List, Optional

from .common import proc_status, raise_fd_limit

CTL_TIMEOUT = 120.0  # longest a peer waits for the driver's next word
# nngkit, pynng (C NNG under Python), C NNG itself, the Python floor (SP
# framing on plain sockets / asyncio streams), the C floor, plain asyncio
IMPLS = ("nngkit", "pynng", "nng", "nng11", "raw", "rawc", "asyncio")
C_IMPLS = ("nng", "nng11", "rawc")


def load(impl: str) -> Any:
    """The role module for `impl` and what its roles take first (a library,
    a C program's name, or None)."""
    if impl == "raw":
        from . import raw_impl
        return raw_impl, None
    if impl == "asyncio":
        from . import aio_impl
        return aio_impl, None
    if impl in C_IMPLS:
        from . import c_impl
        return c_impl, impl
    from . import sp_impl
    return sp_impl, importlib.import_module(impl)


def role_fn(impl: str, role: str) -> Any:
    """serve_<role> bound to its library, as fn(url, mode, ctl, **params)."""
    mod, lib = load(impl)
    fn = getattr(mod, "serve_" + role)
    if lib is None:
        return fn
    return lambda url, *a, **kw: fn(lib, url, *a, **kw)


class PipeCtl:
    """A server role's line to the driver, over this process's stdin/stdout."""

    def ready(self, url: str) -> None:
        _say({"ready": url})

    def done(self, result: Dict[str, Any]) -> None:
        _say({"done": result})

    def wait(self, word: str, timeout: float = CTL_TIMEOUT) -> None:
        got = _stdin.line(timeout)
        if got != word:
            raise RuntimeError("expected %r from the driver, got %r" % (word, got))


def _say(obj: Dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class LineReader:
    """Lines from a file descriptor, each wait bounded (select on the fd
    itself, so nothing hides in a stdio buffer)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = b""

    def line(self, timeout: float) -> Optional[str]:
        """The next line (stripped); None on timeout or end of file."""
        deadline = time.monotonic() + timeout
        for _ in range(100_000):
            nl = self.buf.find(b"\n")
            if nl >= 0:
                out, self.buf = self.buf[:nl], self.buf[nl + 1:]
                return out.decode().strip()
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        return None


_stdin = LineReader(0)


def serve(impl: str) -> int:
    """The peer's command loop: one role at a time until stdin closes."""
    try:
        load(impl)  # import the library before the first timed run
    except Exception as e:  # the driver reports this instead of waiting in vain
        _say({"error": "cannot import %s: %s: %s" % (impl, type(e).__name__, e)})
        return 1
    raise_fd_limit(1 << 30)  # the hold role accepts --conns sockets; soft up to hard
    _say({"idle": True})
    for _ in range(1_000_000):
        line = _stdin.line(3600)
        if not line:
            return
        cmd = json.loads(line)
        try:
            role_fn(impl, cmd.pop("role"))(cmd.pop("url"), ctl=PipeCtl(), **cmd)
        except Exception as e:  # report, stay up for the next command
            traceback.print_exc(file=sys.stderr)
            _say({"error": "%s: %s" % (type(e).__name__, e)})
        _say({"idle": True})
    return 0


def probe_conns(impl: str, url: str, n: int) -> Dict[str, Any]:
    """RSS and threads of this (fresh) process before and after n REQ sockets."""
    raise_fd_limit(1 << 30)  # soft up to hard, in this process only
    mod, lib = load(impl)
    hold = (lambda u, k: mod.hold_conns(u, k)) if lib is None else (lambda u, k: mod.hold_conns(lib, u, k))
    first = hold(url, 1)  # the library's threads and pools exist from here on
    gc.collect()
    before = proc_status()
    t0 = time.perf_counter()
    rest = hold(url, n - 1)
    elapsed = time.perf_counter() - t0
    gc.collect()
    after = proc_status()
    socks: List[Any] = first + rest
    out = {"conns": len(socks), "rss_kib_before": before["VmRSS"], "rss_kib": after["VmRSS"],
           "kib_per_conn": (after["VmRSS"] - before["VmRSS"]) / max(1, n - 1),
           "threads": after["Threads"], "open_s": elapsed,
           "fds": len(os.listdir("/proc/self/fd"))}
    for s in socks:
        s.close()
    return out


class PeerError(RuntimeError):
    pass


class Peer:
    """The driver's handle on one peer process (ended by its PID on close)."""

    def __init__(self, impl: str, root: str) -> None:
        self.impl = impl
        self.root = root
        self.proc: Optional[subprocess.Popen] = None
        self.out: Optional[LineReader] = None
        self._start()

    def _start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.peer", "--serve", self.impl],
                                     cwd=self.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        assert self.proc.stdout is not None
        self.out = LineReader(self.proc.stdout.fileno())
        self._expect("idle", 60)

    def _expect(self, key: str, timeout: float) -> Any:
        assert self.out is not None
        line = self.out.line(timeout)
        if line is None:
            assert self.proc is not None
            if self.proc.poll() is not None:  # end of file: it is gone
                raise PeerError("%s peer exited (status %s) before %r" % (
                    self.impl, self.proc.wait(), key))
            raise PeerError("%s peer: no %r within %.0f s" % (self.impl, key, timeout))
        msg = json.loads(line)
        if "error" in msg:
            self.out.line(10)  # its "idle", or end of file if it gave up
            raise PeerError("%s peer: %s" % (self.impl, msg["error"]))
        if key not in msg:
            raise PeerError("%s peer: expected %r, got %r" % (self.impl, key, msg))
        return msg[key]

    def _send(self, text: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def start(self, role: str, url: str, timeout: float = 30, **params: Any) -> str:
        """Start a server role; returns the url to dial once it listens."""
        self._send(json.dumps(dict(role=role, url=url, **params)))
        return str(self._expect("ready", timeout))

    def say(self, word: str) -> None:
        self._send(word)

    def finish(self, timeout: float) -> Dict[str, Any]:
        """Wait for the role's result, let it close, wait until idle."""
        result = self._expect("done", timeout)
        self.say("close")
        self._expect("idle", 30)
        return dict(result)

    def restart(self) -> None:
        """After a failed run: end the process (by PID) and start afresh."""
        self.close()
        self._start()

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=5)
        except Exception:
            proc.kill()
            proc.wait(timeout=10)


def run_probe(impl: str, root: str, url: str, n: int, timeout: float) -> Dict[str, Any]:
    """Run probe_conns in a fresh process (killed by PID if it overruns)."""
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.peer", "--conns", impl, url, str(n)],
                            cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
        raise PeerError("%s: %d connections took over %.0f s" % (impl, n, timeout))
    if proc.returncode != 0:
        raise PeerError("%s connection probe failed (exit %s)" % (impl, proc.returncode))
    return dict(json.loads(out.strip().splitlines()[-1]))


def main(argv: List[str]) -> int:
    if len(argv) == 2 and argv[0] == "--serve" and argv[1] in IMPLS:
        return serve(argv[1])
    if len(argv) == 4 and argv[0] == "--conns" and argv[1] in IMPLS:
        print(json.dumps(probe_conns(argv[1], argv[2], int(argv[3]))), flush=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
