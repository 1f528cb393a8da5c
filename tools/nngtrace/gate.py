"""The fault gate: message-level relay of one direction, for when faults are asked for.

Without faults the proxy relays each chunk as it arrives.  With faults, a
direction's bytes are held until the decoder has seen the whole frame they
belong to; then the frame is forwarded, dropped, delayed, duplicated or
corrupted, in stream order (a delayed frame holds back the ones after it).
The connection header (ws: the HTTP head, and control frames between
messages) and anything after undecodable input pass unchanged.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple

from .events import ErrorEvent, Event, FaultEvent, HandshakeEvent, MessageEvent, WsEvent
from .faults import FaultPlan

if TYPE_CHECKING:
    from .side import Side

QUEUE = 256


class Gate:
    def __init__(self, d: str, plan: FaultPlan, writer: "Side", now: Callable[[], float]) -> None:
        self.d, self.plan, self.writer, self.now = d, plan, writer, now
        self.buf = bytearray()
        self.base = 0            # stream offset of buf[0]
        self.passthrough = False
        self.stalled = False
        self.closing = False
        # per frame start offset: fault events, and how many copies went on (0: dropped)
        self.faults: Dict[int, List[FaultEvent]] = {}
        self.copies: Dict[int, int] = {}
        self.delays: Dict[int, float] = {}  # seconds added before the frame goes on
        self._release = 0.0      # loop time of the last scheduled write (keeps order)
        self._q: "asyncio.Queue[Optional[Tuple[float, bytes]]]" = asyncio.Queue(QUEUE)
        self._task = asyncio.ensure_future(self._writer())

    async def push(self, chunk: bytes, events: List[Event]) -> None:
        """Take a chunk and the events decoded from it; afterwards ``faults``/``copies`` describe its frames."""
        self.buf += chunk
        self.faults.clear()
        self.copies.clear()
        self.delays.clear()
        for ev in events:
            if ev.dir != self.d or self.stalled or self.closing:
                continue
            if isinstance(ev, HandshakeEvent) and ev.event == "handshake":
                await self._forward(self._cut(8), 0.0)
            elif isinstance(ev, WsEvent) and "end" in ev.data:  # an HTTP head, a lone control frame
                await self._forward(self._cut(ev.data["end"]), 0.0)
                self.passthrough |= ev.event == "response" and ev.data["status"] != 101
            elif isinstance(ev, MessageEvent):
                await self._message(ev)
            elif isinstance(ev, ErrorEvent) and ev.event == "broken":
                self.passthrough = True
        if self.passthrough and not self.stalled and not self.closing:
            await self._forward(self._cut(self.base + len(self.buf)), 0.0)

    def _cut(self, end: int) -> bytes:
        n = end - self.base
        out = bytes(self.buf[:n])
        del self.buf[:n]
        self.base = end
        return out

    async def _message(self, ev: MessageEvent) -> None:
        frame = self._cut(ev.end)
        decision = self.plan.decide(self.d, ev)
        self.faults[ev.start] = [self._report(ev, kind, decision.delay) for kind in decision.faults]
        self.copies[ev.start] = 0
        if "stall" in decision.faults:
            self.stalled = True
            return
        if "close" in decision.faults:
            self.closing = True
            return
        if "drop" in decision.faults:
            return
        self.copies[ev.start] = 2 if "dup" in decision.faults else 1
        self.delays[ev.start] = decision.delay
        if "corrupt-header" in decision.faults and len(frame) > ev.end - ev.start - ev.length:
            at = ev.end - ev.start - ev.length  # first payload byte
            frame = frame[:at] + bytes([frame[at] ^ 0xFF]) + frame[at + 1:]
        await self._forward(frame, decision.delay)
        if "dup" in decision.faults:
            await self._forward(frame, decision.delay)

    def _report(self, ev: MessageEvent, kind: str, delay: float) -> FaultEvent:
        what = "delayed %.1f ms" % (delay * 1e3) if kind == "delay" else {
            "drop": "dropped", "dup": "duplicated", "corrupt-header": "first header byte XOR 0xff",
            "close": "closing both sides instead of relaying", "stall": "stalled: this direction is no longer read",
        }[kind]
        ident = " id=0x%08x" % ev.hdr.id if ev.hdr.id is not None else ""
        return FaultEvent(self.now(), ev.conn, self.d, "fault", kind, "%s%s: %s" % (ev.hdr.kind, ident, what),
                          ev.proto, {"id": ev.hdr.id, "msg_offset": ev.start, "delay": round(delay, 6)})

    async def _forward(self, data: bytes, delay: float) -> None:
        if not data:
            return
        loop = asyncio.get_running_loop()
        self._release = max(self._release, loop.time() + delay)
        await self._q.put((self._release, data))

    async def _writer(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            item = await self._q.get()
            if item is None:
                return
            when, data = item
            if when > loop.time():
                await asyncio.sleep(when - loop.time())  # the injected delay itself
            self.writer.write(data)
            await self.writer.drain()

    async def finish(self) -> None:
        """Everything queued is written (the stream ended)."""
        await self._q.put(None)
        await self._task

    def cancel(self) -> None:
        self._task.cancel()
