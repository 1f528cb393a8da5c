"""The transport seam of the proxy: parse a URL, listen on it, dial it.

tcp (tcp://host:port, [v6] literals, port 0 for an ephemeral port), ipc
(ipc:///path, a Unix stream socket) and ws (ws://host:port/path: a TCP
connection whose bytes the proxy relays unchanged, HTTP upgrade included;
the ws decoder reads them); tls+tcp and wss are tcp and ws inside TLS,
which the proxy terminates on each side (tlsside).  Each ``Transport`` in
``TRANSPORTS`` names its key in conn.DECODERS.
"""
from __future__ import annotations

import asyncio
import os
import stat
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Tuple
from urllib.parse import urlsplit

Factory = Callable[[], asyncio.Protocol]


@dataclass(frozen=True)
class Address:
    scheme: str   # tcp, ipc, ws, tls+tcp, wss
    host: str = ""
    port: int = 0
    path: str = ""  # ipc: the socket file; ws: the HTTP path (and query)

    def url(self) -> str:
        if self.scheme == "ipc":
            return "ipc://" + self.path
        host = "[%s]" % self.host if ":" in self.host else self.host
        if self.scheme in ("ws", "wss"):
            return "%s://%s:%d%s" % (self.scheme, host, self.port, self.path)
        return "%s://%s:%d" % (self.scheme, host, self.port)


def parse(url: str) -> Address:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("not a URL: %r" % url)
    if scheme in ("ipc", "unix"):
        if not rest:
            raise ValueError("ipc URL without a path: %r" % url)
        return Address("ipc", path=rest)
    if scheme in ("tcp", "tcp4", "tcp6", "tls+tcp", "tls+tcp4", "tls+tcp6"):
        parts = urlsplit("tcp://" + rest)
        if parts.port is None or parts.hostname is None:
            raise ValueError("%s URL needs host and port: %r" % (scheme, url))
        return Address(scheme.rstrip("46"), parts.hostname, parts.port)
    if scheme in ("ws", "ws4", "ws6", "wss", "wss4", "wss6"):
        return _parse_ws(url, rest, scheme.rstrip("46"))
    raise ValueError("unknown scheme %r" % scheme)


def _parse_ws(url: str, rest: str, scheme: str) -> Address:
    host, slash, path = rest.partition("/")
    if "#" in path:
        raise ValueError("a ws URL has no fragment: %r" % url)
    parts = urlsplit("ws://" + host)
    try:
        port = parts.port if parts.port is not None else 443 if scheme == "wss" else 80
    except ValueError:
        raise ValueError("bad port in %r" % url) from None
    name = parts.hostname or ""
    return Address(scheme, "" if name == "*" else name, port, "/" + path)


async def _listen_tcp(a: Address, factory: Factory) -> Tuple[Any, Address]:
    server = await asyncio.get_running_loop().create_server(factory, a.host or None, a.port)
    port = server.sockets[0].getsockname()[1]
    return server, Address(a.scheme, a.host, port, a.path)


async def _listen_ipc(a: Address, factory: Factory) -> Tuple[Any, Address]:
    try:
        if stat.S_ISSOCK(os.stat(a.path).st_mode):
            os.unlink(a.path)  # a stale socket file (a live listener makes bind fail below anyway)
    except FileNotFoundError:
        pass
    server = await asyncio.get_running_loop().create_unix_server(factory, a.path)
    return server, a


async def _dial_tcp(a: Address, factory: Factory) -> None:
    await asyncio.get_running_loop().create_connection(factory, a.host, a.port)


async def _dial_ipc(a: Address, factory: Factory) -> None:
    await asyncio.get_running_loop().create_unix_connection(factory, a.path)


@dataclass(frozen=True)
class Transport:
    listen: Callable[[Address, Factory], Awaitable[Tuple[Any, Address]]]  # each accepted socket: factory()
    dial: Callable[[Address, Factory], Awaitable[None]]  # the connected socket: factory()
    decoder: str  # key of conn.DECODERS
    tls: bool = False  # the side's socket speaks TLS (tlsside.TlsSide), the decoder reads the plaintext


TRANSPORTS: Dict[str, Transport] = {
    "tcp": Transport(_listen_tcp, _dial_tcp, "tcp"),
    "ipc": Transport(_listen_ipc, _dial_ipc, "ipc"),
    "ws": Transport(_listen_tcp, _dial_tcp, "ws"),
    "tls+tcp": Transport(_listen_tcp, _dial_tcp, "tcp", tls=True),
    "wss": Transport(_listen_tcp, _dial_tcp, "ws", tls=True),
}
