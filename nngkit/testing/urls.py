"""Addresses for SP tests: the transport registry and a port allocator safe under pytest-xdist.

Every transport is one entry of ``TRANSPORTS``; asking for one this nngkit
cannot use raises ``TransportUnavailable``.  ws and wss addresses get a path
of their own, so that listeners may share a port by path as NNG's do.  TLS
addresses (tls+tcp, wss) name ``localhost``, the name on the ``sp_tls``
server certificate: NNG 1.5.2's mbedTLS does not match IP addresses.  They
are unavailable where nngkit was built without its TLS engine.

TCP ports come from a band below the kernel's ephemeral range (so no
outgoing connection and no port-0 listener can take them), split into one
slice per xdist worker, starting at a random offset and probed with a bind:
two workers never draw the same port, and a port some other program holds
is passed over.
"""
from __future__ import annotations

import itertools
import os
import random
import socket
import tempfile
import threading
import uuid
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, Optional

#: Implementations that run as separate processes and speak every stream transport NNG 1.x has.
_PROCESS_IMPLS = frozenset({"nngcat", "pynng", "libnng", "nngkit-process"})


class TransportUnavailable(Exception):
    """The transport exists in SP but not (yet) in this nngkit, or not on this host."""


@dataclass(frozen=True)
class Transport:
    name: str
    impls: FrozenSet[str]  # implementations that can be a peer on it
    available: bool = True
    why_not: str = ""


TRANSPORTS: Dict[str, Transport] = {
    "tcp": Transport("tcp", _PROCESS_IMPLS | {"nngkit"}),
    "tcp6": Transport("tcp6", _PROCESS_IMPLS | {"nngkit"}),
    "ipc": Transport("ipc", _PROCESS_IMPLS | {"nngkit"}),
    # inproc lives inside one process: only an in-process nngkit peer can be on the other end.
    "inproc": Transport("inproc", frozenset({"nngkit"})),
    # Debian's nngcat and libnng (1.5.2) and pynng's NNG (1.11) all have ws.
    "ws": Transport("ws", _PROCESS_IMPLS | {"nngkit"}),
    # Peers get their certificates from the session's sp_tls (factory.py); nngcat, libnng and
    # pynng have both (mbedTLS).
    "tls+tcp": Transport("tls+tcp", _PROCESS_IMPLS | {"nngkit"}),
    "wss": Transport("wss", _PROCESS_IMPLS | {"nngkit"}),
}
TLS_TRANSPORTS = frozenset({"tls+tcp", "wss"})

#: What ``@sp_interop`` runs when it names no transports.
DEFAULT_TRANSPORTS = ("tcp", "ipc", "inproc")


def transport(name: str) -> Transport:
    """The registry entry for `name`; raises TransportUnavailable if it cannot be used here."""
    try:
        t = TRANSPORTS[name]
    except KeyError:
        raise ValueError("unknown transport %r (known: %s)" % (name, ", ".join(TRANSPORTS))) from None
    if not t.available:
        raise TransportUnavailable("transport %s is not available in this nngkit (%s)" % (name, t.why_not))
    if name == "tcp6" and not has_ipv6_loopback():
        raise TransportUnavailable("transport tcp6 needs an IPv6 loopback, which this host lacks")
    if name in TLS_TRANSPORTS:
        why = _tls_missing()
        if why:
            raise TransportUnavailable("transport %s is not available in this nngkit (%s)" % (name, why))
    return t


def _tls_missing() -> str:
    """Why this nngkit cannot speak TLS ("" if it can)."""
    from .._backend.tls import engine_error

    return engine_error() or ""


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _ephemeral_range() -> "tuple[int, int]":
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def _band() -> "tuple[int, int]":
    """The ports handed out: [start, end), outside the ephemeral range."""
    lo, hi = _ephemeral_range()
    if lo - 12000 >= 10000:
        return lo - 12000, lo
    if 65535 - hi >= 4000:
        return hi + 1, 65536
    return 0, 0  # no room: fall back on the kernel's choice


def _worker() -> "tuple[int, int]":
    """(index, count) of this pytest-xdist worker; (0, 1) without xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0
    return index % max(count, 1), max(count, 1)


class PortAllocator:
    """Hands out TCP ports that are free now and never twice to this process or its xdist siblings."""

    def __init__(self) -> None:
        start, end = _band()
        index, count = _worker()
        size = (end - start) // count
        self.start, self.size = start + index * size, size
        self._lock = threading.Lock()
        self._next: Iterator[int] = itertools.count(random.randrange(size) if size else 0)

    def port(self, host: str = "127.0.0.1") -> int:
        """A free port on `host` ("localhost": on each loopback address it may resolve to)."""
        hosts = _loopbacks() if host == "localhost" else [host]
        if self.size < 16:
            return _kernel_port(hosts[0])
        with self._lock:
            for _ in range(min(self.size, 512)):
                candidate = self.start + next(self._next) % self.size
                if all(_bindable(h, candidate) for h in hosts):
                    return candidate
        raise RuntimeError("no free TCP port in %d..%d" % (self.start, self.start + self.size - 1))


def _loopbacks() -> "list[str]":
    """The addresses "localhost" resolves to here (an NNG listener binds the first)."""
    try:
        found = socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM)
    except OSError:
        return ["127.0.0.1"]
    return list(dict.fromkeys(str(info[4][0]) for info in found)) or ["127.0.0.1"]


def _family(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _bindable(host: str, port: int) -> bool:
    with socket.socket(_family(host), socket.SOCK_STREAM) as s:
        # as NNG's listeners do: connections in TIME_WAIT do not make a port busy
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _kernel_port(host: str) -> int:
    with socket.socket(_family(host), socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


_ports: Optional[PortAllocator] = None
_counter = itertools.count(1)
IPC_PATH_MAX = 100  # sun_path holds 108 bytes; keep a margin for NNG's own checks


def ports() -> PortAllocator:
    global _ports
    if _ports is None:
        _ports = PortAllocator()
    return _ports


def make_url(name: str, ipc_dir: str) -> str:
    """A fresh address for transport `name`; ipc sockets go in `ipc_dir`."""
    transport(name)
    n = next(_counter)
    if name == "tcp":
        return "tcp://127.0.0.1:%d" % ports().port()
    if name == "tcp6":
        return "tcp://[::1]:%d" % ports().port("::1")
    if name == "ipc":
        return "ipc://%s/sp%d.sock" % (ipc_dir, n)
    if name == "ws":
        return "ws://127.0.0.1:%d/sp-%d-%d-%s" % (ports().port(), os.getpid(), n, uuid.uuid4().hex[:8])
    if name == "tls+tcp":
        return "tls+tcp://localhost:%d" % ports().port("localhost")
    if name == "wss":
        return "wss://localhost:%d/sp-%d-%d-%s" % (ports().port("localhost"), os.getpid(), n, uuid.uuid4().hex[:8])
    if name == "inproc":
        return "inproc://sp-%d-%d-%s" % (os.getpid(), n, uuid.uuid4().hex[:8])
    raise TransportUnavailable("no address scheme for %s yet" % name)


def short_dir(preferred: str) -> "tuple[str, bool]":
    """`preferred` if ipc paths under it fit in sun_path, else a new short directory (True: remove it later)."""
    if len(preferred) + len("/sp000000.sock") <= IPC_PATH_MAX:
        return preferred, False
    return tempfile.mkdtemp(prefix="sp", dir="/tmp"), True
