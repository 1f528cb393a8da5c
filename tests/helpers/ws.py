"""A plain-socket WebSocket client for ws:// tests: hand-built upgrade
requests and frames (RFC 6455), every read bounded by a deadline."""
from __future__ import annotations

import base64
import hashlib
import os
import select
import socket
import struct
import time
from typing import Any, List, Optional, Tuple

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WsClient:
    """One TCP connection to 127.0.0.1:port, speaking as a ws client."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.port = port
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.key = base64.b64encode(os.urandom(16)).decode()

    def close(self) -> None:
        self.s.close()

    def send_raw(self, data: bytes, tolerate_reset: bool = False) -> None:
        try:
            self.s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            if not tolerate_reset:
                raise

    def send_request(self, method: str = "GET", path: str = "/sp", version: str = "HTTP/1.1",
                     host: Optional[str] = None, proto: Optional[str] = "rep.sp.nanomsg.org",
                     key: Optional[str] = None, extra: str = "", body: bytes = b"") -> None:
        lines = [f"{method} {path} {version}", f"Host: {host or '127.0.0.1'}:{self.port}",
                 "Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key or self.key}",
                 "Sec-WebSocket-Version: 13"]
        if proto is not None:
            lines.append(f"Sec-WebSocket-Protocol: {proto}")
        self.send_raw(("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode() + body)

    def _fill(self, deadline: float) -> bool:
        """Reads more; False at EOF or reset."""
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self.s], [], [], left)[0]:
            raise TimeoutError("no data from the listener in time")
        try:
            data = self.s.recv(65536)
        except ConnectionResetError:
            return False
        self.buf += data
        return bool(data)

    def _take(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise EOFError("closed after %d of %d bytes" % (len(self.buf), n))
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self, timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            if not self._fill(deadline):
                raise EOFError("closed before the end of the head: %r" % self.buf)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head.decode() + "\r\n\r\n"

    def status(self) -> int:
        return int(self.head().split(" ", 2)[1])

    def accept_ok(self, head: str) -> bool:
        want = base64.b64encode(hashlib.sha1(self.key.encode() + GUID).digest()).decode()
        return f"\r\nSec-WebSocket-Accept: {want}\r\n" in head

    def upgrade(self, **kw: Any) -> None:
        self.send_request(**kw)
        head = self.head()
        assert head.startswith("HTTP/1.1 101 ") and self.accept_ok(head), head

    def send_frame(self, payload: bytes, opcode: int = 2, fin: bool = True) -> None:
        mask = os.urandom(4)
        n = len(payload)
        ext = b"" if n < 126 else struct.pack(">H", n) if n < 65536 else struct.pack(">Q", n)
        l7 = n if n < 126 else 126 if n < 65536 else 127
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.send_raw(bytes([(0x80 if fin else 0) | opcode, 0x80 | l7]) + ext + mask + masked)

    def read_frame(self, timeout: float = 5.0) -> Tuple[bool, int, bytes]:
        deadline = time.monotonic() + timeout
        b0, b1 = self._take(2, deadline)
        assert not b1 & 0x80, "a server frame must not be masked"
        n = b1 & 0x7F
        if n >= 126:
            n = int.from_bytes(self._take(2 if n == 126 else 8, deadline), "big")
        return bool(b0 & 0x80), b0 & 0x0F, self._take(n, deadline)

    def read_message(self) -> List[Tuple[int, int]]:
        """(opcode, length) of each frame of the next message."""
        frames = []
        while True:
            fin, op, data = self.read_frame()
            frames.append((op, len(data)))
            if fin:
                return frames

    def read_close(self) -> int:
        fin, op, data = self.read_frame()
        assert (fin, op, len(data)) == (True, 8, 2), (fin, op, data)
        return int.from_bytes(data, "big")

    def closed_within(self, timeout: float, expect_no_answer: bool = False) -> bool:
        """True once the listener closed (EOF or reset) within timeout."""
        deadline = time.monotonic() + timeout
        got = b""
        while True:
            try:
                if not self._fill(deadline):
                    break
            except TimeoutError:
                return False
            got, self.buf = got + self.buf, b""
        assert not (expect_no_answer and got), got[:100]
        return True


def good_round_trip(rep: Any, port: int, pynng_peer: Any, sockets: Any) -> None:
    """A well-behaved pynng REQ still gets an answer from the nngkit REP."""
    req = sockets.track(pynng_peer.Req0(recv_timeout=5000, send_timeout=5000))
    req.dial(f"ws://127.0.0.1:{port}/sp", block=True)
    req.send(b"still serving?")
    assert rep.recv() == b"still serving?"
    rep.send(b"yes")
    assert req.recv() == b"yes"
    req.close()
