"""Building the C rivals (c/*.c) at benchmark time.

Each program is compiled once per source text into a private directory
under the system's temporary directory, so the driver and its peer
processes find the same binary without passing paths around.  When there
is no C compiler, or (for the NNG program) no libnng headers and library,
the program is unavailable and the reason says why.

Two builds of the NNG program exist: "nng" links the system's libnng
(Debian's is 1.5.2), and "nng11" links the NNG that pynng's wheel carries
(1.11 today), so that the C NNG of the issue's figures can be measured on
a machine whose distribution ships an older one.  pynng's library is a
Python extension: it exports the whole nng_* API but leaves the Python
C-API symbols of its module glue unresolved, so the program also links
libpython (it never calls into Python).  The headers are the system's; NNG
keeps its 1.x ABI stable, and the program uses only calls present in both.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sysconfig
import tempfile
from typing import Dict, List, Optional, Tuple

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "c")
# -pthread: nng_bench's subscribers are threads of their own
PROGRAMS = {"nng": ("nng_bench.c", ["-lnng", "-pthread"]), "nng11": ("nng_bench.c", None),
            "rawc": ("raw_bench.c", [])}
_cache: Dict[str, Tuple[Optional[str], str]] = {}


def _pynng_libs() -> Tuple[List[str], str]:
    """Link flags for pynng's bundled NNG (with libpython), or ([], why not)."""
    try:
        import pynng._nng as ext  # the extension itself: no pynng start-up cost
    except ImportError as e:
        return [], "no pynng (%s)" % e
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    ver = sysconfig.get_config_var("LDVERSION") or ""
    if not os.path.exists(os.path.join(libdir, "libpython%s.so" % ver)):
        return [], "no shared libpython%s in %r to satisfy pynng's library" % (ver, libdir)
    here = os.path.dirname(ext.__file__)
    return [ext.__file__, "-L" + libdir, "-lpython" + ver, "-pthread",
            "-Wl,-rpath," + here, "-Wl,-rpath," + libdir], ""


def _libs(name: str) -> Tuple[List[str], str]:
    libs = PROGRAMS[name][1]
    return (list(libs), "") if libs is not None else _pynng_libs()


def _target(name: str) -> str:
    src, _ = PROGRAMS[name]
    libs, _ = _libs(name)
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
    src = PROGRAMS[name][0]
    libs, why = _libs(name)
    if why:
        return why
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
