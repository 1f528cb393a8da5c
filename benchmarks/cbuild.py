"""Building the C rivals (c/*.c) at benchmark time.

Each program is compiled once per source text into a private directory
under the system's temporary directory, so the driver and its peer
processes find the same binary without passing paths around.  When there
is no C compiler, or (for the NNG program) no libnng headers and library,
the program is unavailable and the reason says why.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from typing import Dict, Optional, Tuple

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "c")
PROGRAMS = {"nng": ("nng_bench.c", ["-lnng"]), "rawc": ("raw_bench.c", [])}
_cache: Dict[str, Tuple[Optional[str], str]] = {}


def _target(name: str) -> str:
    src, libs = PROGRAMS[name]
    h = hashlib.sha256()
    for part in (src, "bench.h"):
        with open(os.path.join(HERE, part), "rb") as f:
            h.update(f.read())
    h.update(" ".join(libs).encode())
    where = os.path.join(tempfile.gettempdir(), "nkbench-c-%d" % os.getuid())
    return os.path.join(where, "%s-%s" % (name, h.hexdigest()[:16]))


def _compile(name: str, out: str) -> str:
    """Build `name` into `out` (atomically); '' on success, else the reason."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return "no C compiler"
    src, libs = PROGRAMS[name]
    os.makedirs(os.path.dirname(out), mode=0o700, exist_ok=True)
    tmp = "%s.%d" % (out, os.getpid())
    try:
        proc = subprocess.run([cc, "-O2", "-o", tmp, os.path.join(HERE, src)] + libs,
                              capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "%s failed: %s" % (cc, e)
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["?"])[0]
        return ("no libnng-dev (%s)" % first) if libs else ("cc failed: %s" % first)
    os.replace(tmp, out)
    return ""


def binary(name: str) -> Tuple[Optional[str], str]:
    """(path, "") for a built program, or (None, why it is unavailable)."""
    if name not in _cache:
        out = _target(name)
        why = "" if os.access(out, os.X_OK) else _compile(name, out)
        _cache[name] = (None, why) if why else (out, "")
    return _cache[name]
