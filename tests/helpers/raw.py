"""A plain-socket SP peer: hand-built handshakes and frames (see sp-wire-protocol.md).

TCP: after the 8-byte header ``00 53 50 00 <proto u16 BE> 00 00`` each frame is
a u64 BE length and the payload.  IPC adds a type byte 0x01 before the length.
"""
from __future__ import annotations

import os
import select
import socket
import struct
import time
from typing import Optional

from .addrs import ipc_path, split_tcp

PAIR0, PUB0, REQ0, REP0 = 0x10, 0x20, 0x30, 0x31
PAIR1, SUB0 = 0x11, 0x21


def sp_header(proto: int, version: int = 0, reserved: int = 0, magic: bytes = b"\x00SP") -> bytes:
    return magic + bytes([version]) + struct.pack(">HH", proto, reserved)


def frame(payload: bytes, ipc: bool = False, type_byte: int = 1) -> bytes:
    head = bytes([type_byte]) if ipc else b""
    return head + struct.pack(">Q", len(payload)) + payload


def word(value: int) -> bytes:
    return struct.pack(">I", value)


class PeerClosed(Exception):
    """The other end closed (EOF or reset)."""


class RawConn:
    """One stream connection speaking SP bytes by hand."""

    def __init__(self, sock: socket.socket, ipc: bool) -> None:
        self.sock = sock
        self.ipc = ipc
        self._buf = b""

    # -- setup -------------------------------------------------------------
    @classmethod
    def connect(cls, url: str, timeout: float = 5.0) -> "RawConn":
        if url.startswith("ipc://"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(ipc_path(url))
            s.settimeout(None)
            return cls(s, ipc=True)
        fam, host, port = split_tcp(url)
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(timeout)
        s.connect((host, port))
        s.settimeout(None)
        return cls(s, ipc=False)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "RawConn":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------
    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data from peer in time")
        r, _, _ = select.select([self.sock], [], [], remaining)
        if not r:
            raise TimeoutError("no data from peer in time")
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError) as e:
            raise PeerClosed(str(e)) from e
        if not chunk:
            raise PeerClosed("EOF")
        self._buf += chunk

    def read_exact(self, n: int, timeout: float = 5.0) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self._buf) < n:
            self._fill(deadline)
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def read_header(self, timeout: float = 5.0) -> bytes:
        return self.read_exact(8, timeout)

    def read_frame(self, timeout: float = 5.0) -> bytes:
        deadline = time.monotonic() + timeout
        if self.ipc:
            t = self.read_exact(1, max(0.0, deadline - time.monotonic()))
            assert t == b"\x01", f"ipc message type byte {t.hex()}"
        (length,) = struct.unpack(">Q", self.read_exact(8, max(0.0, deadline - time.monotonic())))
        return self.read_exact(length, max(0.0, deadline - time.monotonic()))

    def expect_closed(self, timeout: float = 3.0) -> float:
        """Read and discard until the peer closes; return seconds waited."""
        start = time.monotonic()
        deadline = start + timeout
        self._buf = b""
        while True:
            try:
                self._fill(deadline)
            except PeerClosed:
                return time.monotonic() - start
            except TimeoutError:
                raise AssertionError(f"connection still open after {timeout}s") from None
            self._buf = b""

    def assert_open(self, window: float) -> None:
        """No EOF/reset during `window` seconds (data, if any, is kept)."""
        deadline = time.monotonic() + window
        while time.monotonic() < deadline:
            try:
                self._fill(deadline)
            except TimeoutError:
                return
            except PeerClosed:
                raise AssertionError("peer closed the connection") from None

    # -- writing -----------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_header(self, proto: int) -> None:
        self.send(sp_header(proto))

    def send_frame(self, payload: bytes) -> None:
        self.send(frame(payload, self.ipc))

    def send_bytewise(self, data: bytes) -> None:
        for i in range(len(data)):
            self.sock.sendall(data[i:i + 1])

    def handshake(self, proto: int, timeout: float = 5.0) -> bytes:
        """Read the peer's header (sent unprompted), then send ours."""
        hdr = self.read_header(timeout)
        self.send_header(proto)
        return hdr


class RawListener:
    """A plain listening socket for impl dialers to connect to."""

    def __init__(self, scheme: str, path_dir: Optional[str] = None) -> None:
        self.path: str
        if scheme == "ipc":
            assert path_dir is not None
            self.path = os.path.join(path_dir, f"raw{os.getpid()}-{id(self)}.sock")
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(self.path)
            self.url = "ipc://" + self.path
            self.ipc = True
        else:
            fam, host = (socket.AF_INET6, "::1") if scheme == "tcp6" else (socket.AF_INET, "127.0.0.1")
            self.sock = socket.socket(fam, socket.SOCK_STREAM)
            self.sock.bind((host, 0))
            port = self.sock.getsockname()[1]
            self.url = f"tcp://[{host}]:{port}" if fam == socket.AF_INET6 else f"tcp://{host}:{port}"
            self.path = ""
            self.ipc = False
        self.sock.listen(16)

    def accept(self, timeout: float = 5.0) -> RawConn:
        r, _, _ = select.select([self.sock], [], [], timeout)
        assert r, f"no connection to {self.url} within {timeout}s"
        conn, _ = self.sock.accept()
        if not self.ipc:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return RawConn(conn, self.ipc)

    def close(self) -> None:
        self.sock.close()
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)
