"""The C rivals' roles: C NNG (c/nng_bench.c, as "nng" on the system libnng and
as "nng11" on pynng's NNG 1.11) and the C floor ("rawc", c/raw_bench.c, blocking sockets without framing).

Each role runs the program as a child process: a server role relays its
"ready URL" and result lines to the driver and passes "close" on; a
client role returns the JSON line it prints.  C has no asyncio: an asyncio
row compares nngkit's asyncio figure with the same C program.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any, Dict

from .cbuild import binary
from .peer import LineReader

GROUPS = ("reqrep", "pushpull")
TRANSPORTS = ("tcp", "ipc")
RUN_SLACK = 60.0


def supports(case: Any) -> bool:
    return case.group in GROUPS and case.transport in TRANSPORTS


def _prog(name: str) -> str:
    path, why = binary(name)
    if path is None:
        raise RuntimeError("%s unavailable: %s" % (name, why))
    return path


def _serve(name: str, argv: Any, ctl: Any, seconds: float) -> None:
    proc = subprocess.Popen([_prog(name)] + [str(a) for a in argv], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, bufsize=1)
    assert proc.stdin is not None and proc.stdout is not None
    out = LineReader(proc.stdout.fileno())
    try:
        line = out.line(30) or ""
        if not line.startswith("ready "):
            raise RuntimeError("%s %s: no ready line (%r)" % (name, argv[0], line))
        ctl.ready(line[len("ready "):])
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
