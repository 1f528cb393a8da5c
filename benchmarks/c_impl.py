"""The C rivals' roles: C NNG (c/nng_bench.c, as "nng" on the system libnng and
as "nng11" on pynng's NNG 1.11) and the C floor ("rawc", c/raw_bench.c, blocking sockets without framing).

Each role runs the program as a child process: a server role relays its
"ready URL" and result lines to the driver and passes "close" on; a
client role returns the JSON line it prints.  C has no asyncio: an asyncio
row compares nngkit's asyncio figure with the same C program.
"""

from __future__ import annotations

import json
import math
import subprocess
from typing import Any, Dict

from .cbuild import binary
from .common import sub_summary
from .peer import LineReader

GROUPS = ("reqrep", "pushpull", "pubsub")
TRANSPORTS = ("tcp", "ipc")
FANOUT = ("nng", "nng11")  # the C floor has no publisher
RUN_SLACK = 60.0


def supports(case: Any, name: str = "nng") -> bool:
    if case.group == "pubsub" and name not in FANOUT:
        return False
    return case.group in GROUPS and case.transport in TRANSPORTS


def _prog(name: str) -> str:
    path, why = binary(name)
    if path is None:
        raise RuntimeError("%s unavailable: %s" % (name, why))
    return path


def _serve(name: str, argv: Any, ctl: Any, seconds: float, go: bool = False) -> None:
    proc = subprocess.Popen([_prog(name)] + [str(a) for a in argv], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, bufsize=1)
    assert proc.stdin is not None and proc.stdout is not None
    out = LineReader(proc.stdout.fileno())
    try:
        line = out.line(30) or ""
        if not line.startswith("ready "):
            raise RuntimeError("%s %s: no ready line (%r)" % (name, argv[0], line))
        ctl.ready(line[len("ready "):])
        if go:  # a publisher starts when the driver says so
            ctl.wait("go")
            proc.stdin.write("go\n")
            proc.stdin.flush()
        result = out.line(seconds + RUN_SLACK)
        if result is None:
            raise RuntimeError("%s %s: no result" % (name, argv[0]))
        ctl.done(json.loads(result))
        ctl.wait("close")
        proc.stdin.write("close\n")
        proc.stdin.close()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _client(name: str, argv: Any, seconds: float) -> Dict[str, float]:
    proc = subprocess.run([_prog(name)] + [str(a) for a in argv], capture_output=True, text=True,
                          timeout=seconds + RUN_SLACK)
    if proc.returncode != 0:
        raise RuntimeError("%s %s failed: %s" % (name, argv[0], proc.stderr.strip()))
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def serve_rep(name: str, url: str, mode: str, ctl: Any, seconds: float = 1.0, **unused: Any) -> None:
    _serve(name, ["rep", url], ctl, seconds)


def serve_push(name: str, url: str, mode: str, ctl: Any, size: int = 64, seconds: float = 1.0,
               **unused: Any) -> None:
    _serve(name, ["push", url, size, seconds], ctl, seconds)


def rtt(name: str, url: str, mode: str, seconds: float) -> Dict[str, float]:
    return _client(name, ["rtt", url, seconds], seconds)


def pull(name: str, url: str, mode: str, warm: float, limit: float, size: int = 64) -> Dict[str, float]:
    last = limit if name != "rawc" else size  # nng_bench stops at END; raw_bench needs the size
    return _client(name, ["pull", url, warm, last], limit)


def serve_pub(name: str, url: str, mode: str, ctl: Any, size: int = 64, seconds: float = 1.0,
              **unused: Any) -> None:
    _serve(name, ["pub", url, size, seconds], ctl, seconds, go=True)


def subs(name: str, url: str, mode: str, n: int, warm: float, go: Any, limit: float) -> Dict[str, float]:
    """`n` subscriber threads in one C process; `go()` once they have dialled."""
    proc = subprocess.Popen([_prog(name), "sub", url, str(n), str(warm)], stdout=subprocess.PIPE,
                            text=True, bufsize=1)
    assert proc.stdout is not None
    out = LineReader(proc.stdout.fileno())
    try:
        if out.line(30) != "dialled":
            raise RuntimeError("%s sub: did not dial" % name)
        go()
        line = out.line(limit + RUN_SLACK)
        if line is None:
            raise RuntimeError("%s sub: no result" % name)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    per_sub = json.loads(line)["subs"]
    return sub_summary([dict(r, msgs_per_s=r["msgs_per_s"] or math.nan) for r in per_sub])
