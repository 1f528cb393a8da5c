"""Incremental decoder for one direction of an SP byte stream (tcp or ipc).

Feed it whatever arrived, in any pieces; it returns what it recognised: the
8-byte connection header, then frames (ipc: a 01 type byte, then a u64
big-endian length, then the payload).  Memory is bounded: of each payload
only the first ``keep`` bytes are kept (enough for the protocol header and a
body preview); the rest is counted, never stored, so a claimed length costs
nothing.  After something NNG would close the connection for (a bad header,
a bad ipc type byte) it stops decoding and only counts bytes.

Mirrors the core's nki_framer_feed and nki_wire_hs_parse (csrc/core/wire.c,
fuzzed by csrc/fuzz/fuzz_framer.c and fuzz_handshake.c).  A transport with
another framing (ws: HTTP upgrade then WebSocket frames) is another class with
the same ``feed``/``end`` and the same items.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, NamedTuple, Optional, Union

from . import handshake

# A claim this large is announced when its prefix arrives, not when (if ever)
# its payload has: NNG 1.x (no limit by default) would try to allocate it.
HUGE_CLAIM = 1 << 32


@dataclass(frozen=True)
class HeaderSeen:
    header: handshake.Header
    start: int
    end: int


@dataclass(frozen=True)
class Claim:
    """A frame prefix announcing ``length`` bytes, reported before the payload."""

    length: int
    start: int


class Frame(NamedTuple):
    """One whole frame (a tuple: made for every message, so it must be cheap)."""

    length: int   # header + body bytes, as claimed by the prefix (and all received)
    head: bytes   # the first min(length, keep) of them
    start: int    # stream offset of the prefix
    end: int      # stream offset just after the payload


@dataclass(frozen=True)
class Broken:
    """Input NNG would close the connection for; decoding stops here."""

    reason: str
    offset: int


@dataclass(frozen=True)
class Cut:
    """The stream ended inside the header, a prefix or a payload."""

    reason: str
    offset: int


Item = Union[HeaderSeen, Claim, Frame, Broken, Cut]


class StreamDecoder:
    """One direction of an SP connection; ``ipc`` selects the 01 type byte."""

    def __init__(self, ipc: bool = False, keep: int = 256, limit: int = 0) -> None:
        self.ipc = ipc
        self.keep = keep
        self.limit = limit          # announce claims over this (0: only huge ones)
        self.offset = 0             # bytes consumed so far (absolute stream offset)
        self._state = "header"      # header, prefix, payload, dead
        self._buf = bytearray()     # header or prefix bytes being collected
        self._head = bytearray()
        self._length = 0
        self._left = 0
        self._start = 0

    @property
    def prefix_len(self) -> int:
        return 9 if self.ipc else 8

    def feed(self, data: Union[bytes, bytearray, memoryview]) -> List[Item]:
        out: List[Item] = []
        if not isinstance(data, bytes):
            data = bytes(data)
        view = memoryview(data)
        pos, n = 0, len(data)
        while pos < n:
            if self._state == "prefix" and not self._buf:
                pos = self._whole_frames(data, pos, out)
                if pos == n:
                    break
            if self._state == "dead":
                self.offset += n - pos
                break
            take = self._take_payload(view[pos:], out) if self._state == "payload" else self._take_fixed(view[pos:], out)
            pos += take
        return out

    def _whole_frames(self, data: bytes, pos: int, out: List[Item]) -> int:
        """The fast path: every frame that lies whole in ``data`` from ``pos``, without per-byte state.

        Stops (returning where) at anything else (a partial frame, an ipc type byte other than 01, a claim
        to announce, an empty frame), which the general path then takes byte by byte.
        """
        n, keep, ipc = len(data), self.keep, self.ipc
        limit = min(self.limit or HUGE_CLAIM - 1, HUGE_CLAIM - 1)  # a longer claim is announced first
        plen = 9 if ipc else 8
        base = self.offset - pos  # stream offset of data[0]
        from_bytes, append = int.from_bytes, out.append
        while pos + plen <= n:
            if ipc and data[pos] != 1:
                break
            length = from_bytes(data[pos + plen - 8:pos + plen], "big")
            body = pos + plen
            end = body + length
            if end > n or length == 0 or length > limit:
                break
            append(Frame(length, data[body:body + keep] if length > keep else data[body:end], base + pos, base + end))
            pos = end
        self.offset = base + pos
        return pos

    def _take_fixed(self, view: memoryview, out: List[Item]) -> int:
        size = handshake.HS_LEN if self._state == "header" else self.prefix_len
        take = min(size - len(self._buf), len(view))
        self._buf += view[:take]
        self.offset += take
        if len(self._buf) == size:
            raw = bytes(self._buf)
            self._buf.clear()
            if self._state == "header":
                self._header(raw, out)
            else:
                self._prefix(raw, out)
        return take

    def _header(self, raw: bytes, out: List[Item]) -> None:
        h = handshake.parse(raw)
        out.append(HeaderSeen(h, self.offset - len(raw), self.offset))
        self._state = "prefix" if h.ok else "dead"
        if not h.ok:
            out.append(Broken("; ".join(h.problems), 0))

    def _prefix(self, raw: bytes, out: List[Item]) -> None:
        start = self.offset - len(raw)
        if self.ipc and raw[0] != 1:
            out.append(Broken("ipc message type 0x%02x, NNG accepts only 0x01" % raw[0], start))
            self._state = "dead"
            return
        self._length = self._left = int.from_bytes(raw[-8:], "big")
        self._start = start
        self._head.clear()
        if self._length >= HUGE_CLAIM or (self.limit and self._length > self.limit):
            out.append(Claim(self._length, start))
        self._state = "payload"
        if self._length == 0:
            self._finish(out)

    def _take_payload(self, view: memoryview, out: List[Item]) -> int:
        take = min(self._left, len(view))
        room = self.keep - len(self._head)
        if room > 0:
            self._head += view[:min(room, take)]
        self._left -= take
        self.offset += take
        if self._left == 0:
            self._finish(out)
        return take

    def _finish(self, out: List[Item]) -> None:
        out.append(Frame(self._length, bytes(self._head), self._start, self.offset))
        self._state = "prefix"

    def end(self) -> Optional[Cut]:
        """The stream is over: was it cut in the middle of something?"""
        if self._state == "header" and self._buf:
            return Cut("stream ended inside the SP header (%d of 8 bytes)" % len(self._buf), self.offset)
        if self._state == "prefix" and self._buf:
            return Cut("stream ended inside a frame prefix (%d of %d bytes)" % (len(self._buf), self.prefix_len),
                       self.offset)
        if self._state == "payload":
            got = self._length - self._left
            return Cut("stream ended inside a frame: %d of %d bytes" % (got, self._length), self.offset)
        return None
