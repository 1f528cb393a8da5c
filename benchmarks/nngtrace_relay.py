"""nngtrace's cost: relaying through ``nngtrace proxy --json --out FILE`` against the direct path, in one run.

    python -m benchmarks --only nngtrace      (the cases in the suite's table)
    python -m benchmarks.nngtrace_relay [--seconds S] [--slices N] [--loop auto|asyncio|uvloop]

PUSH/PULL throughput at 64 B (messages/s) and 1 MiB (MB/s), and the REQ/REP
round trip (median, us), over tcp with nngkit at both ends.  The PULL and
REP sides run in this process (a thread drains, a thread echoes); the proxy
is a separate process, as a user runs it, decoding everything and writing
JSON Lines to a file.  Direct and proxied runs alternate in short slices
against the same servers, so a change in the machine's load hits both; the
ratio via/direct is the median of the slices' ratios.  Targets:
>= 50 000 msg/s at 64 B, >= 500 MB/s at 1 MiB, RTT through the proxy <= 2x
direct.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import nngkit

KINDS = ("rtt", "64B", "1MiB")
START_TIMEOUT = 30.0


def _start_proxy(forward: str, out: str, loop: str) -> Tuple[subprocess.Popen, str]:
    p = subprocess.Popen([sys.executable, "-m", "nngtrace", "proxy", "--listen", "tcp://127.0.0.1:0",
                          "--forward", forward, "--json", "--out", out, "--loop", loop], stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and p.poll() is None:
        try:
            with open(out, encoding="utf-8") as f:
                line = f.readline()
        except FileNotFoundError:
            line = ""
        if line.endswith("\n"):
            return p, json.loads(line)["url"]
        time.sleep(0.01)
    p.kill()
    p.wait(10)
    raise RuntimeError("nngtrace proxy did not start (exit %s)" % p.returncode)


class Bench:
    """Servers in this process, one proxy process in front of each, a client socket per path."""

    def __init__(self, loop: str = "auto") -> None:
        self.loop = loop
        self.pull = nngkit.Pull0(recv_timeout=50)
        self.rep = nngkit.Rep0(recv_timeout=50)
        self.counts: Dict[int, int] = {}  # messages received per path tag (first body byte)
        self._stop = threading.Event()
        self._threads: List[threading.Thread] = []
        self._procs: List[subprocess.Popen] = []
        self._tmp = tempfile.TemporaryDirectory()
        self.clients: Dict[str, Tuple[Any, Any, int]] = {}  # path -> (push, req, tag)

    def __enter__(self) -> "Bench":
        try:
            pull_url = str(self.pull.listen("tcp://127.0.0.1:0").url)
            rep_url = str(self.rep.listen("tcp://127.0.0.1:0").url)
            for fn in (self._drain, self._echo):
                self._threads.append(threading.Thread(target=fn, daemon=True))
                self._threads[-1].start()
            p1, via_pull = _start_proxy(pull_url, os.path.join(self._tmp.name, "pull.jsonl"), self.loop)
            self._procs.append(p1)
            p2, via_rep = _start_proxy(rep_url, os.path.join(self._tmp.name, "rep.jsonl"), self.loop)
            self._procs.append(p2)
            for tag, (path, urls) in enumerate((("direct", (pull_url, rep_url)), ("via", (via_pull, via_rep))), 1):
                push = nngkit.Push0(send_timeout=20000)
                push.dial(urls[0], block=True)
                req = nngkit.Req0(recv_timeout=20000)
                req.dial(urls[1], block=True)
                self.clients[path] = (push, req, tag)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(10)
        for p in self._procs:  # ended by the PIDs started here
            p.terminate()
            p.wait(10)
        for push, req, _ in self.clients.values():
            push.close()
            req.close()
        self.pull.close()
        self.rep.close()
        self._tmp.cleanup()

    def _drain(self) -> None:
        while not self._stop.is_set():
            try:
                tag = self.pull.recv()[0]
            except nngkit.Timeout:
                continue
            self.counts[tag] = self.counts.get(tag, 0) + 1

    def _echo(self) -> None:
        while not self._stop.is_set():
            try:
                self.rep.send(self.rep.recv())
            except nngkit.Timeout:
                pass

    def rtt(self, path: str, seconds: float) -> float:
        """Median round trip (us) of 64 B requests for about `seconds`."""
        req = self.clients[path][1]
        body, times = b"x" * 64, []
        end = time.perf_counter() + seconds
        while len(times) < 1_000_000:
            t0 = time.perf_counter()
            req.send(body)
            req.recv()
            t1 = time.perf_counter()
            times.append(t1 - t0)
            if t1 >= end:
                break
        return statistics.median(times) * 1e6

    def throughput(self, path: str, size: int, seconds: float) -> float:
        """Messages per second: sent for `seconds`, timed until the last one has arrived."""
        push, _, tag = self.clients[path]
        body = bytes([tag]) + b"x" * (size - 1)
        base, sent = self.counts.get(tag, 0), 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            for _ in range(16):
                push.send(body)
            sent += 16
        deadline = time.perf_counter() + 30
        while self.counts.get(tag, 0) - base < sent:
            if time.perf_counter() > deadline:
                raise RuntimeError("%d of %d messages arrived" % (self.counts.get(tag, 0) - base, sent))
            time.sleep(0.0005)
        return sent / (time.perf_counter() - t0)

    def one(self, kind: str, path: str, seconds: float) -> float:
        """us for "rtt"; msg/s for "64B"; MB/s for "1MiB"."""
        if kind == "rtt":
            return self.rtt(path, seconds)
        if kind == "64B":
            return self.throughput(path, 64, seconds)
        return self.throughput(path, 1 << 20, seconds) * (1 << 20) / 1e6


def measure(kind: str, seconds: float, slices: int = 4, warm: float = 0.1, loop: str = "auto",
            bench: Optional[Bench] = None) -> Dict[str, float]:
    """{"direct", "via", "ratio"} for `kind`: `slices` alternations of the two paths, `seconds` in all per path."""
    if bench is None:
        with Bench(loop) as b:
            return measure(kind, seconds, slices, warm, loop, b)
    for path in ("direct", "via"):
        bench.one(kind, path, warm)
    runs: Dict[str, List[float]] = {"direct": [], "via": []}
    for i in range(slices):
        for path in (("direct", "via") if i % 2 == 0 else ("via", "direct")):
            runs[path].append(bench.one(kind, path, seconds / slices))
    ratios = [v / d for v, d in zip(runs["via"], runs["direct"])]
    return {"direct": statistics.median(runs["direct"]), "via": statistics.median(runs["via"]),
            "ratio": statistics.median(ratios)}


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.nngtrace_relay")
    ap.add_argument("--seconds", type=float, default=2.0, help="measured time per path and metric")
    ap.add_argument("--slices", type=int, default=8, help="alternations of direct and proxied runs")
    ap.add_argument("--loop", default="auto", choices=("auto", "asyncio", "uvloop"), help="the proxy's --loop")
    a = ap.parse_args()
    print("%-6s %14s %14s %8s" % ("metric", "direct", "via nngtrace", "via/direct"))
    with Bench(a.loop) as b:
        for kind in KINDS:
            r = measure(kind, a.seconds, max(1, a.slices), bench=b)
            print("%-6s %14.1f %14.1f %8.2f" % (kind, r["direct"], r["via"], r["ratio"]), flush=True)


if __name__ == "__main__":
    main()
