"""Unique addresses per transport scheme, and what the host supports."""
from __future__ import annotations

import functools
import itertools
import os
import shutil
import socket
import tempfile
import uuid

SCHEMES = ("inproc", "ipc", "tcp", "tcp6")
STREAM_SCHEMES = ("ipc", "tcp")  # the ones with bytes on a wire

_counter = itertools.count(1)
_ipc_dir = None


def ipc_dir() -> str:
    """One short private directory for ipc socket files (sun_path is 108 bytes)."""
    global _ipc_dir
    if _ipc_dir is None:
        _ipc_dir = tempfile.mkdtemp(prefix="nkt", dir="/tmp")
    return _ipc_dir


def cleanup_ipc_dir() -> None:
    global _ipc_dir
    if _ipc_dir is not None:
        shutil.rmtree(_ipc_dir, ignore_errors=True)
        _ipc_dir = None


@functools.lru_cache(maxsize=None)
def has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def make_addr(scheme: str) -> str:
    """A fresh address; tcp ones use port 0 (read the bound url from the listener)."""
    n = next(_counter)
    if scheme == "inproc":
        return f"inproc://nkt-{os.getpid()}-{n}-{uuid.uuid4().hex[:8]}"
    if scheme == "ipc":
        return f"ipc://{ipc_dir()}/s{n}.sock"
    if scheme == "tcp":
        return "tcp://127.0.0.1:0"
    if scheme == "tcp6":
        return "tcp://[::1]:0"
    raise ValueError(f"unknown scheme {scheme!r}")


def free_tcp_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (for peers that need a fixed port)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def ipc_path(url: str) -> str:
    assert url.startswith("ipc://"), url
    return url[len("ipc://"):]


def split_tcp(url: str):
    """'tcp://127.0.0.1:5555' or 'tcp://[::1]:5555' -> (family, host, port)."""
    assert url.startswith("tcp://"), url
    hostport = url[len("tcp://"):].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if host.startswith("["):
        return socket.AF_INET6, host[1:-1], int(port)
    return socket.AF_INET, host, int(port)
