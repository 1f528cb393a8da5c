"""Incremental decoder for one direction of SP over WebSocket: the HTTP head, then RFC 6455 frames.

Feed it whatever arrived, in any pieces; it returns what it recognised: the
upgrade head (``Upgrade``), each frame's facts (``WsFrame``), control
frames' payloads (``Control``: a close code, a ping), and each SP message
reassembled from its frames (``WsMessage``: one WebSocket message is one SP
message, the protocol header and body, no length prefix).  Memory is
bounded: the head is at most 8192 bytes (NNG's limit), of a message only the
first ``keep`` bytes are kept (unmasked), of a control frame at most 125;
a length claim, up to 2^63, costs nothing.  Each frame is judged as NNG's
ws transport would (close 1002, 1003, 1009: sp-wire-protocol.md section 5).
After a refused upgrade, or bytes that are no HTTP head, it only counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, NamedTuple, Optional, Tuple, Union

from . import framing, wshttp

OPCODES = {0: "cont", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}
CLOSE_CODES = {
    1000: "normal", 1001: "going away", 1002: "protocol error", 1003: "unsupported data", 1005: "no status",
    1006: "abnormal", 1007: "invalid payload", 1008: "policy violation", 1009: "message too big",
    1010: "extension required", 1011: "internal error", 1012: "service restart", 1013: "try again later",
    1015: "TLS handshake failed",
}
RXFRAME_MAX = 1 << 20  # NNG's default ws:rxframe-max
CONTROL_MAX = 125


def close_name(code: Optional[int]) -> str:
    if code is None:
        return "no code"
    name = CLOSE_CODES.get(code)
    if name is None:
        name = "private" if code >= 4000 else "registered" if code >= 3000 else "reserved"
    return "%d %s" % (code, name)


@dataclass(frozen=True)
class Upgrade:
    head: wshttp.Head
    start: int
    end: int


class WsFrame(NamedTuple):
    fin: bool
    opcode: int
    masked: bool
    length: int
    enc: int                  # length encoding: 7, 16 or 64 (bits)
    rsv: int
    start: int
    end: int                  # stream offset after the payload
    problems: Tuple[str, ...]


class Control(NamedTuple):
    frame: WsFrame
    payload: bytes            # unmasked, at most 125 bytes kept
    code: Optional[int]       # close frames
    reason: str
    in_message: bool          # it came between the fragments of a message


class WsMessage(NamedTuple):
    """One SP message: ``length`` payload bytes over ``frames`` frames; ``head``: the first ``keep``."""

    length: int
    head: bytes
    start: int
    end: int
    frames: int
    masked: bool
    enc: int                  # the first frame's length encoding
    opcode: int


Item = Union[Upgrade, WsFrame, Control, WsMessage, framing.Claim, framing.Broken, framing.Cut]


@dataclass
class _Partial:
    """A message whose frames are still coming."""

    start: int
    masked: bool
    enc: int
    opcode: int
    length: int = 0
    frames: int = 0
    head: bytearray = field(default_factory=bytearray)


def unmask(data: bytes, key: bytes, at: int) -> bytes:
    """XOR ``data`` (payload bytes from offset ``at``) with the masking key."""
    if not key:
        return data
    k = (key * 2)[at % 4:at % 4 + 4]
    n = len(data)
    mask = int.from_bytes((k * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(data, "big") ^ mask).to_bytes(n, "big")


def parse_frame_head(buf: Union[bytes, bytearray]) -> Optional[Tuple[int, bool, int, bool, int, int, bytes, int]]:
    """(header size, fin, rsv, masked, opcode, length, mask key, length bits) if ``buf`` starts with a whole
    frame header, else None (need more bytes).  Pure: any bytes are some header."""
    if len(buf) < 2:
        return None
    b0, b1 = buf[0], buf[1]
    n, size, enc = b1 & 0x7F, 2, 7
    if n == 126:
        size, enc = 4, 16
    elif n == 127:
        size, enc = 10, 64
    masked = bool(b1 & 0x80)
    need = size + (4 if masked else 0)
    if len(buf) < need:
        return None
    length = n if enc == 7 else int.from_bytes(buf[2:size], "big")
    return need, bool(b0 & 0x80), (b0 >> 4) & 7, masked, b0 & 0x0F, length, bytes(buf[size:need]), enc


def judge_frame(fin: bool, rsv: int, masked: bool, opcode: int, length: int, enc: int, client: bool,
                in_message: bool) -> Tuple[str, ...]:
    """What NNG's ws transport refuses in this frame header, each with the close code it sends."""
    p: List[str] = []
    if rsv:
        p.append("RSV bits %d set without an extension: close 1002" % rsv)
    if opcode not in OPCODES:
        p.append("unknown opcode 0x%x: close 1002" % opcode)
    if client and not masked:
        p.append("a client frame must be masked: close 1002")
    if not client and masked:
        p.append("a server frame must not be masked: close 1002")
    if (enc == 16 and length < 126) or (enc == 64 and length < 1 << 16):
        p.append("%d bytes in a %d-bit length: not the minimal encoding, close 1002" % (length, enc))
    if enc == 64 and length >= 1 << 63:
        p.append("64-bit length with its top bit set: close 1002")
    if opcode >= 8 and (length > CONTROL_MAX or not fin):
        p.append("control frame %s: close 1002" % ("over 125 bytes" if length > CONTROL_MAX else "fragmented"))
    if opcode == 1:
        p.append("TEXT frame: NNG closes with 1003 (SP is binary)")
    if opcode == 0 and not in_message:
        p.append("continuation with no message in progress: close 1002")
    if opcode in (1, 2) and in_message:
        p.append("a new data frame inside a fragmented message: close 1002")
    if length > RXFRAME_MAX:
        p.append("frame of %d bytes over the default ws:rxframe-max 1 MiB: close 1009" % length)
    return tuple(p)


def _looks_like(raw: Union[bytes, bytearray]) -> str:
    if raw[:4] == b"\x00SP\x00":
        return " (an SP header: a tcp:// peer at a ws:// address)"
    if raw[:1] == b"\x16":
        return " (a TLS ClientHello: a wss:// peer at a ws:// address)"
    return ""


class WsDecoder:
    """One direction: ``client`` for what the dialer sends (the request, masked frames)."""

    def __init__(self, client: bool, keep: int = 256, limit: int = 0) -> None:
        self.client = client
        self.keep = keep
        self.limit = limit            # announce messages over this (0: only huge frames)
        self.offset = 0
        self._state = "http"          # http, frames, payload, dead
        self._buf = bytearray()       # head or frame header being collected
        self._frame: Optional[WsFrame] = None
        self._key = b""
        self._left = 0
        self._got = 0                 # payload bytes of this frame so far
        self._ctl = bytearray()
        self._msg: Optional[_Partial] = None

    def feed(self, data: Union[bytes, bytearray, memoryview]) -> List[Item]:
        out: List[Item] = []
        data = bytes(data)
        pos, n = 0, len(data)
        while pos < n:
            if self._state == "dead":
                self.offset += n - pos
                break
            if self._state == "http":
                pos += self._take_head(data, pos, out)
            elif self._state == "frames":
                pos += self._take_frame_head(data, pos, out)
            else:
                pos += self._take_payload(data, pos, out)
        return out

    def _take_head(self, data: bytes, pos: int, out: List[Item]) -> int:
        room = wshttp.HEAD_MAX - len(self._buf)
        chunk = data[pos:pos + room]
        seen = len(self._buf)
        self._buf += chunk
        if seen == 0 and not chr(self._buf[0]).isalpha():  # no HTTP head starts so: say so now, not at 8192
            out.append(framing.Broken("%s is no HTTP %s%s" % (
                bytes(self._buf[:8]).hex(" "), "request" if self.client else "response", _looks_like(self._buf)), 0))
            self._state = "dead"
            self.offset += len(chunk)
            return len(chunk)
        end = self._buf.find(b"\r\n\r\n", max(0, seen - 3))
        if end < 0:
            self.offset += len(chunk)
            if len(self._buf) >= wshttp.HEAD_MAX:
                out.append(framing.Broken("no end of the HTTP head within 8192 bytes: NNG closes, unanswered",
                                          self.offset - len(self._buf)))
                self._state = "dead"
            return len(chunk)
        used = end + 4 - seen
        raw = bytes(self._buf[:end])
        start = self.offset - seen
        self.offset += used
        self._buf.clear()
        head = wshttp.parse(raw, "request" if self.client else "response")
        out.append(Upgrade(head, start, self.offset))
        upgraded = not head.problems and (self.client or head.status == 101)
        self._state = "frames" if upgraded else "dead"
        if head.problems:
            out.append(framing.Broken("not an HTTP %s: %s" % (head.kind, "; ".join(head.problems)), start))
        return used

    def _take_frame_head(self, data: bytes, pos: int, out: List[Item]) -> int:
        seen = len(self._buf)
        self._buf += data[pos:pos + 14 - seen]
        parsed = parse_frame_head(self._buf)
        if parsed is None:
            self.offset += len(self._buf) - seen
            return len(self._buf) - seen
        size, fin, rsv, masked, opcode, length, key, enc = parsed
        used = size - seen
        start = self.offset - seen
        self.offset += used
        self._buf.clear()
        problems = judge_frame(fin, rsv, masked, opcode, length, enc, self.client, self._msg is not None)
        f = WsFrame(fin, opcode, masked, length, enc, rsv, start, self.offset + length, problems)
        out.append(f)
        if length >= framing.HUGE_CLAIM or (self.limit and length > self.limit):
            out.append(framing.Claim(length, start))
        self._frame, self._key, self._left, self._got = f, key, length, 0
        self._ctl.clear()
        if opcode < 8 and (self._msg is None or opcode in (1, 2)):
            self._msg = _Partial(start, masked, enc, opcode)
        self._state = "payload"
        if length == 0:
            self._frame_done(out)
        return used

    def _take_payload(self, data: bytes, pos: int, out: List[Item]) -> int:
        take = min(self._left, len(data) - pos)
        f = self._frame
        assert f is not None
        if f.opcode >= 8:
            room = CONTROL_MAX - len(self._ctl)
            if room > 0:
                self._ctl += unmask(data[pos:pos + min(room, take)], self._key, self._got)
        elif self._msg is not None:
            head = self._msg.head
            room = self.keep - len(head)
            if room > 0:
                head += unmask(data[pos:pos + min(room, take)], self._key, self._got)
        self._got += take
        self._left -= take
        self.offset += take
        if self._left == 0:
            self._frame_done(out)
        return take

    def _frame_done(self, out: List[Item]) -> None:
        f = self._frame
        assert f is not None
        self._state = "frames"
        if f.opcode >= 8:
            payload = bytes(self._ctl)
            code = int.from_bytes(payload[:2], "big") if f.opcode == 8 and len(payload) >= 2 else None
            reason = payload[2:].decode("utf-8", "replace") if code is not None else ""
            out.append(Control(f, payload, code, reason, self._msg is not None))
            return
        msg = self._msg
        if msg is None:
            return
        msg.length += f.length
        msg.frames += 1
        if f.fin:
            out.append(WsMessage(msg.length, bytes(msg.head), msg.start, self.offset, msg.frames, msg.masked,
                                 msg.enc, msg.opcode))
            self._msg = None

    def end(self) -> Optional[framing.Cut]:
        """The stream is over: was it cut in the middle of something?"""
        if self._state == "http" and self._buf:
            return framing.Cut("stream ended inside the HTTP head (%d bytes, no blank line)" % len(self._buf),
                               self.offset)
        if self._state == "frames" and self._buf:
            return framing.Cut("stream ended inside a frame header (%d bytes)" % len(self._buf), self.offset)
        if self._state == "payload" and self._frame is not None:
            return framing.Cut("stream ended inside a frame: %d of %d payload bytes" % (
                self._got, self._frame.length), self.offset)
        if self._msg is not None and self._state == "frames":
            return framing.Cut("stream ended inside a fragmented message (%d frames, no FIN)" % self._msg.frames,
                               self.offset)
        return None
