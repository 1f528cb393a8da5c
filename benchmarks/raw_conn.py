"""SP-framed connections over plain sockets (`Conn`) and asyncio streams
(`AConn`), for the raw floor in raw_impl.py.

Each connection exchanges the 8-byte SP header, then every message is a
u64 big-endian length (ipc: a 0x01 type byte first) and the body.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any, List, Tuple

from .common import IO_TIMEOUT_MS, MAX_OPS, RECV_MAX, split_url

PROTO = {"req": 0x30, "rep": 0x31, "push": 0x50, "pull": 0x51, "pub": 0x20, "sub": 0x21}
BIG = 65536  # bodies at least this long are read straight into their own buffer
TIMEOUT_S = IO_TIMEOUT_MS / 1000.0


def _sp_header(role: str) -> bytes:
    return b"\x00SP\x00" + PROTO[role].to_bytes(2, "big") + b"\x00\x00"


def _prefix(ipc: bool, n: int) -> bytes:
    return (b"\x01" + n.to_bytes(8, "big")) if ipc else n.to_bytes(8, "big")


class Conn:
    """A blocking SP-framed connection."""

    def __init__(self, sock: socket.socket, ipc: bool, role: str) -> None:
        self.sock = sock
        self.ipc = ipc
        self.plen = 9 if ipc else 8
        self.buf = bytearray()
        self.pos = 0
        sock.settimeout(TIMEOUT_S)
        if not ipc:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(_sp_header(role))
        self._take(8)

    def send(self, body: bytes) -> None:
        if len(body) < BIG:
            self.sock.sendall(_prefix(self.ipc, len(body)) + body)
        else:
            self.sock.sendall(_prefix(self.ipc, len(body)))
            self.sock.sendall(body)

    def recv(self) -> Any:
        head = self._take(self.plen)
        return self._take(int.from_bytes(head[-8:], "big"))

    def _take(self, n: int) -> Any:
        for _ in range(MAX_OPS):
            if len(self.buf) - self.pos >= n:
                out = bytes(memoryview(self.buf)[self.pos:self.pos + n])
                self.pos += n
                return out
            del self.buf[:self.pos]
            self.pos = 0
            if n >= BIG:
                return self._take_big(n)
            chunk = self.sock.recv(262144)
            if not chunk:
                raise EOFError("peer closed")
            self.buf += chunk
        raise RuntimeError("unreachable")

    def _take_big(self, n: int) -> bytearray:
        out = bytearray(n)
        got = len(self.buf)
        out[:got] = self.buf
        self.buf.clear()
        view = memoryview(out)
        while got < n:
            k = self.sock.recv_into(view[got:])
            if k == 0:
                raise EOFError("peer closed")
            got += k
        return out

    def close(self) -> None:
        self.sock.close()


def listen(url: str) -> Tuple[socket.socket, str]:
    fam, addr = split_url(url)
    s = socket.socket(fam, socket.SOCK_STREAM)
    if fam == socket.AF_INET:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr)
    s.listen(1024)
    s.settimeout(TIMEOUT_S * 2)
    if fam == socket.AF_INET:
        return s, "tcp://127.0.0.1:%d" % s.getsockname()[1]
    return s, url


def dial(url: str, role: str) -> Conn:
    fam, addr = split_url(url)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT_S)
    s.connect(addr)
    return Conn(s, fam == socket.AF_UNIX, role)


def accept(lsock: socket.socket, role: str) -> Conn:
    s, _ = lsock.accept()
    return Conn(s, lsock.family == socket.AF_UNIX, role)


class AConn:
    """An SP-framed connection over asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ipc: bool) -> None:
        self.reader, self.writer, self.ipc = reader, writer, ipc
        self.plen = 9 if ipc else 8

    async def handshake(self, role: str) -> "AConn":
        self.writer.write(_sp_header(role))
        await self.reader.readexactly(8)
        return self

    async def send(self, body: bytes) -> None:
        self.writer.write(_prefix(self.ipc, len(body)) + body if len(body) < BIG else
                          _prefix(self.ipc, len(body)))
        if len(body) >= BIG:
            self.writer.write(body)
        await self.writer.drain()

    async def flush(self) -> None:
        """Wait until everything written has gone to the kernel."""
        self.writer.transport.set_write_buffer_limits(high=0)
        await self.writer.drain()

    async def recv(self) -> bytes:
        head = await self.reader.readexactly(self.plen)
        return await self.reader.readexactly(int.from_bytes(head[-8:], "big"))

    def close(self) -> None:
        self.writer.close()


async def adial(url: str, role: str) -> AConn:
    fam, addr = split_url(url)
    if fam == socket.AF_UNIX:
        r, w = await asyncio.open_unix_connection(addr, limit=RECV_MAX)
    else:
        r, w = await asyncio.open_connection(addr[0], addr[1], limit=RECV_MAX)  # type: ignore[index]
    return await AConn(r, w, fam == socket.AF_UNIX).handshake(role)


async def aserve(url: str, role: str, want: int, on_ready: Any) -> Tuple[Any, List[AConn]]:
    """Listen, call on_ready(url), and return once `want` peers connected."""
    conns: List[AConn] = []
    full = asyncio.get_running_loop().create_future()

    async def accepted(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        conns.append(await AConn(r, w, url.startswith("ipc://")).handshake(role))
        if len(conns) == want and not full.done():
            full.set_result(None)
    fam, addr = split_url(url)
    if fam == socket.AF_UNIX:
        server = await asyncio.start_unix_server(accepted, addr, limit=RECV_MAX)
        on_ready(url)
    else:
        server = await asyncio.start_server(accepted, addr[0], 0, limit=RECV_MAX)  # type: ignore[index]
        on_ready("tcp://127.0.0.1:%d" % server.sockets[0].getsockname()[1])
    await asyncio.wait_for(full, TIMEOUT_S * 2)
    return server, conns
