"""One proxied connection: dial upstream, relay both directions byte for byte, decode copies.

Each direction is a pump: read what arrived, write it on unchanged (or hand
it to the fault gate), then decode it and emit the events.  An end of stream
is passed on as a half-close; an error or a "close" fault aborts both sides.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Dict, List, Optional

from .conn import ConnDecoder
from .events import ConnEvent, Event, MessageEvent
from .gate import Gate

if TYPE_CHECKING:
    from .proxy import Proxy

READ = 1 << 18


class Relay:
    def __init__(self, proxy: "Proxy", conn: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.proxy, self.conn = proxy, conn
        self.client = (reader, writer)
        self.dec = ConnDecoder(conn, proxy.opts, None)  # state is tracked here, after the faults
        self.bytes: Dict[str, int] = {"up": 0, "down": 0}
        self.gates: Dict[str, Optional[Gate]] = {"up": None, "down": None}
        self.upstream_writer: Optional[asyncio.StreamWriter] = None

    def emit(self, ev: Event) -> None:
        self.proxy.emit(ev)

    def _conn_event(self, name: str, text: str, **data: object) -> None:
        self.emit(ConnEvent(self.proxy.now(), self.conn, None, "conn", name, text, None, dict(data)))

    async def run(self) -> None:
        reader, writer = self.client
        peer = writer.get_extra_info("peername") or "local"
        self._conn_event("open", "client %s, dialing %s" % (_fmt_peer(peer), self.proxy.forward_url),
                         client=_fmt_peer(peer), forward=self.proxy.forward_url)
        try:
            up_r, up_w = await self.proxy.transport.dial(self.proxy.forward_addr)
        except OSError as e:
            self._conn_event("close", "upstream %s refused: %s; closing the client" % (self.proxy.forward_url, e),
                             reason="upstream-refused")
            writer.transport.abort()
            return
        self.upstream_writer = up_w
        rec = self.proxy.recorder
        if rec is not None:
            a = self.proxy.forward_addr
            rec.open(self.conn, self.proxy.wall(), _tcp_peer(peer), (a.host or "127.0.0.1", a.port))
        pumps = [asyncio.ensure_future(self._pump("up", reader, up_w)),
                 asyncio.ensure_future(self._pump("down", up_r, writer))]
        try:
            await asyncio.gather(*pumps)
        finally:
            for p in pumps:
                p.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for w in (writer, up_w):
                w.transport.abort()
            self._conn_event("close", "closed after %d bytes up, %d down" % (self.bytes["up"], self.bytes["down"]),
                             bytes_up=self.bytes["up"], bytes_down=self.bytes["down"])

    async def _pump(self, d: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        plan = self.proxy.plan
        gate = self.gates[d] = Gate(d, plan, writer, self.proxy.now) if plan and plan.covers(d) else None
        try:
            await self._relay(d, reader, writer, gate)
        except (ConnectionError, OSError):
            self.abort()
        finally:
            if gate is not None:
                gate.cancel()

    async def _relay(self, d: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     gate: Optional[Gate]) -> None:
        while True:
            chunk = await reader.read(READ)
            if not chunk:
                break
            self.bytes[d] += len(chunk)
            if self.proxy.recorder is not None:
                self.proxy.recorder.data(self.conn, d, self.proxy.wall(), chunk)
            if gate is None:
                writer.write(chunk)
            events = self.dec.feed(d, chunk, self.proxy.now())
            if gate is not None:
                await gate.push(chunk, events)
            self._emit_all(events, gate)
            if gate is not None and (gate.closing or gate.stalled):
                return await self._after_fault(gate)
            await writer.drain()
        for ev in self.dec.end(d, self.proxy.now()):
            self.emit(ev)
        if self.proxy.recorder is not None:
            self.proxy.recorder.close(self.conn, d, self.proxy.wall())
        if gate is not None:
            await gate.finish()
        if writer.can_write_eof() and not writer.is_closing():
            writer.write_eof()

    def _emit_all(self, events: List[Event], gate: Optional[Gate]) -> None:
        """Each message, the faults done to it, then what the state tracker makes of the copies relayed."""
        for ev in events:
            self.emit(ev)
            if not isinstance(ev, MessageEvent):
                continue
            copies, delay = 1, 0.0
            if gate is not None and ev.start in gate.copies:
                for fault in gate.faults[ev.start]:
                    self.emit(fault)
                copies, delay = gate.copies[ev.start], gate.delays.get(ev.start, 0.0)
            for _ in range(copies):
                for state in self.proxy.tracker.on_message(ev, ev.ts + delay):
                    self.emit(state)

    async def _after_fault(self, gate: Gate) -> None:
        if gate.closing:
            await gate.finish()
            self.abort()
            return
        await self.proxy.closed.wait()  # stalled: never read this direction again

    def abort(self) -> None:
        self.client[1].transport.abort()
        if self.upstream_writer is not None:
            self.upstream_writer.transport.abort()


def _tcp_peer(peer: object) -> "tuple[str, int]":
    if isinstance(peer, tuple) and len(peer) >= 2:
        return str(peer[0]), int(peer[1])
    return "127.0.0.1", 0  # ipc: the recorder makes up a port


def _fmt_peer(peer: object) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return "%s:%s" % (peer[0], peer[1])
    return str(peer) if peer else "local"
