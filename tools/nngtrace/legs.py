"""The two framings a bridge joins: whole SP messages out of one side's bytes, and into the other's.

A leg parses what its socket sends into items: ("hdr", protocol of the
sender), ("msg", payload: the SP protocol header and body), ("reply",
bytes the proxy answers on that same socket: a ws upgrade answer, a PONG,
a CLOSE), ("eof", None) after a ws CLOSE, ("bad", reason) for what it cannot
bridge.  ``hello(proto)`` is what the leg sends first once the protocol of
the other side is known (an SP header, or a ws upgrade request naming its
peer); ``encode(payload)`` frames one message.  Whole messages are held, up
to ``limit`` bytes each (a bridge re-frames, it cannot stream a frame).
"""
from __future__ import annotations

import base64
import os
from typing import Any, List, Optional, Tuple

from . import handshake, protocols, wsframes, wshttp

Items = List[Tuple[str, Any]]
LIMIT = 64 << 20
TXFRAME = 1 << 16  # ws fragments, as NNG sends them


class StreamLeg:
    """tcp or ipc framing: the 8-byte SP header, then u64 length (ipc: after a 01 byte) and payload."""

    def __init__(self, ipc: bool, limit: int = LIMIT) -> None:
        self.ipc, self.limit = ipc, limit
        self.buf = bytearray()
        self.got_hdr = False
        self.ready = True
        self.dead = False

    def feed(self, data: bytes) -> Items:
        out: Items = []
        if self.dead:
            return out
        self.buf += data
        if not self.got_hdr:
            if len(self.buf) < handshake.HS_LEN:
                return out
            h = handshake.parse(bytes(self.buf[:8]))
            del self.buf[:8]
            self.got_hdr = True
            if not h.ok:
                self.dead = True
                return [("bad", "; ".join(h.problems))]
            out.append(("hdr", h.proto))
        plen = 9 if self.ipc else 8
        while len(self.buf) >= plen:
            if self.ipc and self.buf[0] != 1:
                self.dead = True
                return out + [("bad", "ipc message type 0x%02x" % self.buf[0])]
            n = int.from_bytes(self.buf[plen - 8:plen], "big")
            if n > self.limit:
                self.dead = True
                return out + [("bad", "a message of %d bytes is over the bridge's limit of %d" % (n, self.limit))]
            if len(self.buf) < plen + n:
                break
            out.append(("msg", bytes(self.buf[plen:plen + n])))
            del self.buf[:plen + n]
        return out

    def hello(self, proto: int) -> bytes:
        return handshake.MAGIC + proto.to_bytes(2, "big") + b"\x00\x00"

    def encode(self, payload: bytes) -> bytes:
        return (b"\x01" if self.ipc else b"") + len(payload).to_bytes(8, "big") + payload


class WsLeg:
    """ws framing; ``server``: the proxy answers the client's upgrade, else it upgrades to the upstream."""

    def __init__(self, server: bool, host: str = "", port: int = 0, path: str = "/", limit: int = LIMIT) -> None:
        self.server, self.host, self.port, self.path, self.limit = server, host, port, path, limit
        self.buf = bytearray()
        self.ready = False           # upgraded
        self.dead = False
        self.asked: Optional[int] = None   # client leg: the protocol asked of the upstream listener
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.request: Optional[wshttp.Head] = None
        self.msg: Optional[bytearray] = None

    def feed(self, data: bytes) -> Items:
        out: Items = []
        if self.dead:
            return out
        self.buf += data
        if not self.ready:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > wshttp.HEAD_MAX:
                    self.dead = True
                    out.append(("bad", "no end of the HTTP head within 8192 bytes"))
                return out
            head = wshttp.parse(bytes(self.buf[:end]), "request" if self.server else "response")
            del self.buf[:end + 4]
            (self._on_request if self.server else self._on_response)(head, out)
            if not self.ready:
                self.dead = True
                return out
        self._frames(out)
        return out

    def _on_request(self, req: wshttp.Head, out: Items) -> None:
        why = [w for _, w in wshttp.listener_objections(req, "", self.path)]
        proto = wshttp.subprotocol_proto(req.get("Sec-WebSocket-Protocol"))
        dialer = protocols.peer_of(proto) if proto is not None else None
        if why or req.problems or dialer is None:
            out.append(("reply", b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
            out.append(("bad", "; ".join(why or req.problems or ("no SP subprotocol",))))
            return
        self.ready = True
        out.append(("reply", ("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                              "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: %s\r\n\r\n" % (
                                  wshttp.accept_for(req.get("Sec-WebSocket-Key") or ""),
                                  req.get("Sec-WebSocket-Protocol"))).encode("latin-1")))
        out.append(("hdr", dialer))

    def _on_response(self, resp: wshttp.Head, out: Items) -> None:
        bad = wshttp.dialer_objections(self.request, resp) if resp.status == 101 else []
        if resp.status != 101 or bad or resp.problems or self.asked is None:
            why = wshttp.explain(self.request, resp) if resp.status != 101 else "; ".join(bad)
            out.append(("bad", why or "not an HTTP answer"))
            return
        self.ready = True
        out.append(("hdr", self.asked))

    def _frames(self, out: Items) -> None:
        while True:
            parsed = wsframes.parse_frame_head(self.buf)
            if parsed is None:
                return
            size, fin, _rsv, _masked, opcode, length, key, _enc = parsed
            if length > self.limit:
                out.append(("bad", "a ws frame of %d bytes is over the bridge's limit of %d" % (length, self.limit)))
                self.dead = True
                return
            if len(self.buf) < size + length:
                return
            payload = wsframes.unmask(bytes(self.buf[size:size + length]), key, 0)
            del self.buf[:size + length]
            if not self._frame(fin, opcode, payload, out):
                return

    def _frame(self, fin: bool, opcode: int, payload: bytes, out: Items) -> bool:
        if opcode in (0, 2):
            self.msg = (self.msg if opcode == 0 and self.msg is not None else bytearray()) + payload
            if fin:
                out.append(("msg", bytes(self.msg)))
                self.msg = None
        elif opcode == 9:
            out.append(("reply", self._frame_bytes(10, payload)))
        elif opcode == 8:
            out.append(("reply", self._frame_bytes(8, b"\x03\xe8")))
            out.append(("eof", None))
            self.dead = True
            return False
        elif opcode != 10:
            out.append(("bad", "ws opcode %d (NNG sends binary frames)" % opcode))
            self.dead = True
            return False
        return True

    def hello(self, proto: int) -> bytes:
        """Client leg: the upgrade request naming the peer of ``proto`` (the dialing side's protocol)."""
        if self.server:
            return b""
        self.asked = protocols.peer_of(proto)
        name = protocols.name(self.asked) or "0x%04x" % proto
        host = "[%s]" % self.host if ":" in self.host else self.host
        text = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s%s\r\n\r\n" % (
                    self.path, host, self.port, self.key, name, wshttp.SUFFIX))
        self.request = wshttp.parse(text.encode("latin-1")[:-4], "request")
        return text.encode("latin-1")

    def _frame_bytes(self, opcode: int, payload: bytes, fin: bool = True) -> bytes:
        n = len(payload)
        b1 = 0 if self.server else 0x80
        head = bytes([(0x80 if fin else 0) | opcode])
        head += bytes([b1 | n]) if n < 126 else bytes([b1 | 126]) + n.to_bytes(2, "big") if n < 65536 else \
            bytes([b1 | 127]) + n.to_bytes(8, "big")
        if self.server:
            return head + payload
        mask = os.urandom(4)
        return head + mask + wsframes.unmask(payload, mask, 0)

    def encode(self, payload: bytes) -> bytes:
        """One binary message, in fragments of at most 64 KiB (masked from the client leg)."""
        parts = [payload[i:i + TXFRAME] for i in range(0, len(payload), TXFRAME)] or [b""]
        return b"".join(self._frame_bytes(2 if i == 0 else 0, p, i == len(parts) - 1) for i, p in enumerate(parts))
