"""Constants, addresses, statistics and /proc readings shared by the suite."""

from __future__ import annotations

import itertools
import math
import os
import socket
import statistics
import tempfile
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

STOP = b"!stop"  # REQ/REP: the last request of a run (its reply ends the run)
END = b"!"  # PUSH/PULL and PUB/SUB: end of the stream (payloads are >= 64 B)
RECV_MAX = 4 << 20  # receive limit set on every socket (1 MiB payloads fit)
IO_TIMEOUT_MS = 5000  # no single send or receive of a run waits longer
MAX_OPS = 20_000_000  # no loop of a run goes round more often than this

_counter = itertools.count(1)
_ipc_dir: Optional[str] = None


def ipc_dir() -> str:
    """A short private directory for ipc socket files (made once per process)."""
    global _ipc_dir
    if _ipc_dir is None:
        _ipc_dir = tempfile.mkdtemp(prefix="nkb", dir="/tmp")
    return _ipc_dir


def make_url(transport: str) -> str:
    """A fresh listen address; tcp uses port 0 (the listener reports the bound one)."""
    n = next(_counter)
    if transport == "tcp":
        return "tcp://127.0.0.1:0"
    if transport == "ipc":
        return "ipc://%s/b%d.sock" % (ipc_dir(), n)
    if transport == "inproc":
        return "inproc://nkbench-%d-%d" % (os.getpid(), n)
    if transport in ("ws", "tls+tcp"):  # a port picked now: pynng's listener url keeps ":0"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if transport == "tls+tcp":
            return "tls+tcp://127.0.0.1:%d" % port
        return "ws://127.0.0.1:%d/nkb%d" % (port, n)
    raise ValueError("unknown transport %r" % transport)


def split_url(url: str) -> Tuple[int, Any]:
    """(address family, address) for a tcp:// or ipc:// url, as socket wants them."""
    if url.startswith("tcp://"):
        host, _, port = url[len("tcp://"):].rpartition(":")
        return socket.AF_INET, (host, int(port))
    if url.startswith("ipc://"):
        return socket.AF_UNIX, url[len("ipc://"):]
    raise ValueError("raw sockets speak tcp:// and ipc:// only, not %r" % url)


def unlink_ipc(url: str) -> None:
    if url.startswith("ipc://"):
        try:
            os.unlink(url[len("ipc://"):])
        except OSError:
            pass


def proc_status() -> Dict[str, int]:
    """VmRSS (KiB) and Threads of this process, from /proc/self/status."""
    out: Dict[str, int] = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "Threads"):
                out[key] = int(rest.split()[0])
    return out


def raise_fd_limit(need: int) -> None:
    """Lift the soft fd limit towards `need` (never above the hard limit)."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = need if hard == resource.RLIM_INFINITY else min(need, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of already sorted values, nearest rank."""
    if not sorted_values:
        return math.nan
    k = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return float(sorted_values[k])


def summary(values: List[float]) -> Dict[str, float]:
    """Median and range of the runs that produced a number (NaN = failed run)."""
    good = [v for v in values if not math.isnan(v)]
    if not good:
        return {"median": math.nan, "min": math.nan, "max": math.nan, "n": 0}
    return {"median": statistics.median(good), "min": min(good), "max": max(good), "n": len(good)}


class Meter:
    """Counts messages after a warm-up; the rate runs from the first counted
    message to the last one."""

    def __init__(self, warm: float) -> None:
        self.warm = warm
        self.first: Optional[float] = None
        self.start: Optional[float] = None
        self.last = 0.0
        self.count = 0
        self.nbytes = 0
        self.received = 0  # every message, the warm-up's included

    def add(self, n: int) -> None:
        self.received += 1
        if self.start is None:
            now = time.perf_counter()
            if self.first is None:
                self.first = now
            if now - self.first < self.warm:
                return
            self.start = now
            return  # the first counted message marks the start
        self.count += 1
        self.nbytes += n

    def stop(self) -> None:
        self.last = time.perf_counter()

    def result(self) -> Dict[str, float]:
        span = self.last - self.start if self.start is not None else 0.0
        if span <= 0 or self.count == 0:
            return {"msgs_per_s": float("nan"), "mb_per_s": float("nan"), "count": 0.0,
                    "received": float(self.received)}
        return {"msgs_per_s": self.count / span, "mb_per_s": self.nbytes / span / 1e6,
                "count": float(self.count), "received": float(self.received)}


def rtt_result(times: List[int]) -> Dict[str, float]:
    times.sort()
    return {"rtt_median_us": percentile(times, 0.5) / 1000.0,
            "rtt_p99_us": percentile(times, 0.99) / 1000.0, "trips": float(len(times))}


def sub_summary(per_sub: List[Dict[str, float]]) -> Dict[str, float]:
    """The median subscriber's rate, the slowest one's, and the median count
    of messages a subscriber received (the driver turns it into a fraction
    of those published: delivered()).

    A subscriber whose measured window stayed empty (its warm-up outlasted
    the publisher, as a late-scheduled thread's can on a loaded machine)
    has no rate: it is left out of the rates, and `subs_measured` says how
    many had one, rather than one such thread blanking the whole row."""
    rates = [r["msgs_per_s"] for r in per_sub if not math.isnan(r["msgs_per_s"])]
    if not rates:
        return {"per_sub_msgs_per_s": math.nan, "slowest_sub": math.nan, "received": math.nan,
                "subs_measured": 0.0}
    return {"per_sub_msgs_per_s": statistics.median(rates), "slowest_sub": min(rates),
            "received": statistics.median(r["received"] for r in per_sub),
            "subs_measured": float(len(rates))}


def delivered(out: Dict[str, float], published: Dict[str, Any]) -> Dict[str, float]:
    """`out` of a PUB/SUB run with the fraction of the published messages
    that the median subscriber received (a publisher drops what a slow
    subscriber's queue cannot take)."""
    sent = float(published.get("sent") or 0)
    got = out.get("received", math.nan)
    return dict(out, delivered=got / sent if sent > 0 and not math.isnan(got) else math.nan)
