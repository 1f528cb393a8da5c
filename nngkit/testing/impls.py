"""The peer implementations: where each one is, how to install it, building the C peer.

``locate(impl)`` returns what is needed to start a peer of that kind (a
binary's path, the Python module name) or raises ``PeerMissing`` with the
install hint; the plugin turns that into a skip, or a failure when peers are
required (``--sp-require-peers``, ``NNGKIT_REQUIRE_PEERS=1``).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import threading
from typing import Dict, Optional

IMPLS = ("nngcat", "pynng", "libnng", "nngkit")
HINTS: Dict[str, str] = {
    "nngcat": "apt-get install nng-utils",
    "pynng": "pip install pynng",
    "libnng": "apt-get install libnng-dev gcc",
    "nngkit": "pip install nngkit",
}
NNGCAT_ENV = "NNGKIT_SP_NNGCAT"  # where NNG's nngcat is, when not in /usr/bin or on PATH
CPEER_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cpeer.c")
_build_lock = threading.Lock()


class PeerMissing(Exception):
    def __init__(self, impl: str, why: str) -> None:
        super().__init__("sp_peer %r is not available: %s (install: %s)" % (impl, why, HINTS.get(impl, "?")))
        self.impl = impl


def _is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def native_binary(name: str) -> Optional[str]:
    """The C program `name`: /usr/bin first, and only ELF files count.

    nngkit installs its own Python ``nngcat``, which may come first on PATH;
    it is not the real NNG tool.
    """
    candidates = [os.path.join(d, name) for d in ("/usr/bin", "/usr/local/bin", "/bin")]
    found = shutil.which(name)
    if found:
        candidates.append(found)
    for path in candidates:
        if os.access(path, os.X_OK) and _is_elf(path):
            return path
    return None


def compiler() -> Optional[str]:
    return shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc") or shutil.which("cc")


def build_cpeer(cache_dir: str) -> str:
    """The C peer, compiled into `cache_dir` once (concurrent builders each rename a finished file in place)."""
    cc = compiler()
    if cc is None:
        raise PeerMissing("libnng", "no C compiler")
    if not os.path.exists("/usr/include/nng/nng.h") and not os.path.exists("/usr/local/include/nng/nng.h"):
        raise PeerMissing("libnng", "no nng/nng.h (libnng-dev)")
    with open(CPEER_SOURCE, "rb") as f:
        tag = hashlib.sha1(f.read() + cc.encode()).hexdigest()[:12]
    exe = os.path.join(cache_dir, "nngkit-cpeer-" + tag)
    with _build_lock:
        if os.access(exe, os.X_OK):
            return exe
        os.makedirs(cache_dir, exist_ok=True)
        tmp = "%s.%d.tmp" % (exe, os.getpid())
        res = subprocess.run([cc, "-O1", "-o", tmp, CPEER_SOURCE, "-lnng", "-pthread"],
                             capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise PeerMissing("libnng", "compiling the C peer against libnng failed: " + res.stderr.strip()[-400:])
        os.replace(tmp, exe)
    return exe


def locate(impl: str, cache_dir: str) -> str:
    """What starts a peer of `impl`: a binary's path, or the Python module to import."""
    if impl == "nngcat":
        forced = os.environ.get(NNGCAT_ENV)
        path = native_binary("nngcat") if forced is None else (forced if _is_elf(forced) else None)
        if path is None:
            raise PeerMissing(impl, "no native nngcat binary" + (" at %s=%s" % (NNGCAT_ENV, forced) if forced else ""))
        return path
    if impl == "pynng":
        if importlib.util.find_spec("pynng") is None:
            raise PeerMissing(impl, "the pynng package is not importable")
        return "pynng"
    if impl == "libnng":
        return build_cpeer(cache_dir)
    if impl == "nngkit":
        return "nngkit"
    raise ValueError("unknown peer implementation %r (known: %s)" % (impl, ", ".join(IMPLS)))
