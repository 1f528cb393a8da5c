"""nngtrace's cost: relaying through ``nngtrace proxy --json --out FILE`` against the direct path, in one run.

    python -m benchmarks.nngtrace_relay [--seconds S]

PUSH/PULL throughput at 64 B (messages/s) and 1 MiB (MB/s), and the REQ/REP
round trip (median and p99, us), over tcp with nngkit at both ends; the
proxy is a separate process, as a user would run it.  Targets:
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
from typing import Dict, Iterator, Tuple

import nngkit


def _start_proxy(forward: str, out: str) -> Tuple[subprocess.Popen, str]:
    p = subprocess.Popen([sys.executable, "-m", "nngtrace", "proxy", "--listen", "tcp://127.0.0.1:0",
                          "--forward", forward, "--json", "--out", out], stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(out, encoding="utf-8") as f:
                line = f.readline()
        except FileNotFoundError:
            line = ""
        if line.endswith("\n"):
            return p, json.loads(line)["url"]
        time.sleep(0.01)
    p.kill()
    raise RuntimeError("proxy did not start")


def _throughput(url_for_dialer: str, pull: nngkit.Socket, size: int, seconds: float) -> float:
    push = nngkit.Push0(send_timeout=5000)
    push.dial(url_for_dialer, block=True)
    body = b"x" * size
    got = [0]
    stop = threading.Event()
    try:
        while True:  # what an earlier phase left in flight must not count here
            pull.recv()
    except nngkit.Timeout:
        pass

    def drain() -> None:
        while not stop.is_set():
            try:
                got[0] += len(pull.recv())
            except nngkit.Timeout:
                pass

    t = threading.Thread(target=drain)
    t.start()
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        for _ in range(64):
            push.send(body)
    n0, elapsed = got[0], time.monotonic() - t0
    stop.set()
    t.join()
    push.close()
    return n0 / size / elapsed  # messages/s


def _rtts(url: str, rep: nngkit.Socket, n: int) -> Iterator[float]:
    req = nngkit.Req0(recv_timeout=5000)
    req.dial(url, block=True)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                rep.send(rep.recv())
            except nngkit.Timeout:
                pass

    t = threading.Thread(target=serve)
    t.start()
    for _ in range(n):
        t0 = time.perf_counter()
        req.send(b"ping")
        req.recv()
        yield (time.perf_counter() - t0) * 1e6
    stop.set()
    t.join()
    req.close()


def measure(seconds: float) -> Dict[str, Dict[str, float]]:
    out: Dict[str, Dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in ("direct", "proxy"):
            pull = nngkit.Pull0(recv_timeout=100)
            rep = nngkit.Rep0(recv_timeout=100)
            pull_url = str(pull.listen("tcp://127.0.0.1:0").url)
            rep_url = str(rep.listen("tcp://127.0.0.1:0").url)
            procs = []
            if path == "proxy":
                p1, pull_url = _start_proxy(pull_url, os.path.join(tmp, "pull.jsonl"))
                p2, rep_url = _start_proxy(rep_url, os.path.join(tmp, "rep.jsonl"))
                procs = [p1, p2]
            r = sorted(_rtts(rep_url, rep, 2000))
            out[path] = {"msgs_s_64B": _throughput(pull_url, pull, 64, seconds),
                         "MB_s_1MiB": _throughput(pull_url, pull, 1 << 20, seconds) * (1 << 20) / 1e6,
                         "rtt_median_us": statistics.median(r), "rtt_p99_us": r[int(len(r) * 0.99)]}
            for p in procs:
                p.terminate()
                p.wait(10)
            pull.close()
            rep.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=2.0)
    res = measure(ap.parse_args().seconds)
    print("%-16s %14s %14s %8s" % ("metric", "direct", "via nngtrace", "ratio"))
    for k in res["direct"]:
        d, p = res["direct"][k], res["proxy"][k]
        print("%-16s %14.1f %14.1f %8.2f" % (k, d, p, p / d))


if __name__ == "__main__":
    main()
