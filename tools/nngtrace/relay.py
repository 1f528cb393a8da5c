"""One proxied connection: dial upstream, relay both directions byte for byte, decode what went by.

A chunk read from one socket is written to the other from the very callback
that read it, and only then decoded and its events emitted: decoding never
delays the forward write.  A direction with faults goes through the fault
gate instead (``Pump``), which holds bytes until their frame is whole.  An
end of stream is passed on as a half-close and both sockets are closed once
both directions have ended; an error or reset on either aborts both.
"""
from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Optional, Set, Tuple

from .conn import OTHER, ConnDecoder
from . import tlsinfo
from .events import ConnEvent, Event, MessageEvent, TlsEvent
from .gate import Gate
from .side import Side

if TYPE_CHECKING:
    from .proxy import Proxy
    from .tlsside import TlsSide

INBOX = 1 << 20  # bytes waiting for the fault gate before reading that direction pauses


class Relay:
    def __init__(self, proxy: "Proxy", conn: int) -> None:
        self.proxy, self.conn = proxy, conn
        self.client, self.upstream = proxy.side(self, "up"), proxy.side(self, "down")
        self.sides = {"up": self.client, "down": self.upstream}  # by the direction each one reads
        for side in self.sides.values():
            side.hold("dial")  # nothing is read before the other end is there
        self.dec = ConnDecoder(conn, proxy.opts, None)  # state is tracked here, after the faults
        self.bytes: Dict[str, int] = {"up": 0, "down": 0}
        self.pumps: Dict[str, Optional[Pump]] = {"up": None, "down": None}
        self.done: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()
        self._dial: Optional["asyncio.Task[None]"] = None
        self._ended: Set[str] = set()
        self._refused = False
        self._early: List[Tuple[str, Optional[bytes]]] = []  # read before upstream was there (None: eof)
        self.ready = False

    def emit(self, ev: Event) -> None:
        self.proxy.emit(ev)

    def _conn_event(self, name: str, text: str, **data: object) -> None:
        self.emit(ConnEvent(self.proxy.now(), self.conn, None, "conn", name, text, None, dict(data)))

    def peer(self, side: Side) -> Side:
        return self.upstream if side is self.client else self.client

    # --- from the sides -------------------------------------------------------
    def made(self, side: Side) -> None:
        if side is not self.client:
            return
        assert side.transport is not None
        peer = _fmt_peer(side.transport.get_extra_info("peername"))
        self._conn_event("open", "client %s, dialing %s" % (peer, self.proxy.forward_url),
                         client=peer, forward=self.proxy.forward_url)
        self._dial = asyncio.ensure_future(self._connect(side.transport.get_extra_info("peername")))
        self._dial.add_done_callback(lambda _: self._check_done())

    async def _connect(self, peer: Any) -> None:
        try:
            await self.proxy.forward_transport.dial(self.proxy.forward_addr, lambda: self.upstream)
        except OSError as e:
            self._refused = True
            self._conn_event("close", "upstream %s refused: %s; closing the client" % (self.proxy.forward_url, e),
                             reason="upstream-refused")
            self.client.abort()
            return
        if self.client.lost:
            self.upstream.abort()
            return
        rec = self.proxy.recorder
        if rec is not None:
            a = self.proxy.forward_addr
            rec.open(self.conn, self.proxy.wall(), _tcp_peer(peer), (a.host or "127.0.0.1", a.port))
        plan = self.proxy.plan
        for d in ("up", "down"):
            if plan is not None and plan.covers(d):
                self.pumps[d] = Pump(self, d, Gate(d, plan, self.sides[OTHER[d]], self.proxy.now))
        self.ready = True
        for d, chunk in self._early:  # an event loop may not have honoured the hold (uvloop)
            if chunk is None:
                self.eof(d)
            else:
                self.data(d, chunk)
        self._early.clear()
        for side in self.sides.values():
            side.release("dial")

    def data(self, d: str, chunk: bytes) -> None:
        if not self.ready:
            self._early.append((d, chunk))
            self.sides[d].hold("dial")  # again: the loop read although this side was held
            return
        self.bytes[d] += len(chunk)
        pump = self.pumps[d]
        if pump is not None:
            pump.put(chunk)
            return
        self.sides[OTHER[d]].write(chunk)  # relayed before anything else is done with it
        self.record(d, chunk)
        self.emit_all(self.dec.feed(d, chunk, self.proxy.now()), None)

    def eof(self, d: str) -> None:
        if not self.ready:
            self._early.append((d, None))
            return
        pump = self.pumps[d]
        if pump is not None:
            pump.put(None)
            return
        self.sides[OTHER[d]].write_eof()
        self.ended(d)

    def tls_ready(self, side: "TlsSide") -> None:
        facts = tlsinfo.session_facts(side.ssl, side.server_side, self.proxy.tls)
        self.emit(TlsEvent(self.proxy.now(), self.conn, side.reads, "tls", "session", tlsinfo.session_text(facts),
                           None, facts))

    def tls_failed(self, side: "TlsSide", e: BaseException) -> None:
        """A side's TLS failed (handshake or later): said, and both sides closed."""
        facts = tlsinfo.failure_facts(e, side.server_side)
        text = facts.pop("text")
        self.emit(TlsEvent(self.proxy.now(), self.conn, side.reads, "tls", "failed", text, None, facts))
        if side is self.upstream:
            self._refused = True
            self._conn_event("close", "upstream %s: TLS failed; closing the client" % self.proxy.forward_url,
                             reason="upstream-tls-failed")
        self.abort()

    def lost(self, side: Side, exc: Optional[Exception]) -> None:
        if exc is not None or not side.eof:
            self.abort()  # a reset, an error, or closed by us: the other side goes too
        self._check_done()

    # --- shared with the pumps ------------------------------------------------
    def record(self, d: str, chunk: bytes) -> None:
        rec = self.proxy.recorder
        if rec is not None:
            rec.data(self.conn, d, self.proxy.wall(), chunk)

    def ended(self, d: str) -> None:
        """Direction d reached its end of stream (and it was passed on)."""
        for ev in self.dec.end(d, self.proxy.now()):
            self.emit(ev)
        if self.proxy.recorder is not None:
            self.proxy.recorder.close(self.conn, d, self.proxy.wall())
        self._ended.add(d)
        if len(self._ended) == 2:
            for side in self.sides.values():
                side.close()

    def emit_all(self, events: List[Event], gate: Optional[Gate]) -> None:
        """Each message, the faults done to it, then what the state tracker makes of the copies relayed."""
        tracker = self.proxy.tracker
        out: List[Event] = []
        for ev in events:
            out.append(ev)
            if type(ev) is not MessageEvent:
                continue
            if gate is None:
                if ev.hdr.id is not None:
                    out.extend(tracker.on_message(ev))
                continue
            copies, delay = 1, 0.0
            if ev.start in gate.copies:
                out.extend(gate.faults[ev.start])
                copies, delay = gate.copies[ev.start], gate.delays.get(ev.start, 0.0)
            for _ in range(copies):
                out.extend(tracker.on_message(ev, ev.ts + delay))
        self.proxy.emit_many(out)

    def abort(self) -> None:
        self.client.abort()
        self.upstream.abort()
        if self._dial is not None:
            self._dial.cancel()

    def _check_done(self) -> None:
        dialing = self._dial is None or not self._dial.done()
        up_gone = self.upstream.lost or (self.upstream.transport is None and not dialing)
        if not (self.client.lost and up_gone) or self.done.done():
            return
        for pump in self.pumps.values():
            if pump is not None:
                pump.task.cancel()
        if not self._refused:
            self._conn_event("close", "closed after %d bytes up, %d down" % (self.bytes["up"], self.bytes["down"]),
                             bytes_up=self.bytes["up"], bytes_down=self.bytes["down"])
        self.done.set_result(None)


class Pump:
    """A direction with faults: its chunks go through the fault gate in order, in a task of their own."""

    def __init__(self, relay: Relay, d: str, gate: Gate) -> None:
        self.relay, self.d, self.gate = relay, d, gate
        self.inbox: Deque[Optional[bytes]] = deque()  # None: end of stream
        self.waiting = 0
        self._wake = asyncio.Event()
        self.task = asyncio.ensure_future(self._run())

    def put(self, chunk: Optional[bytes]) -> None:
        self.inbox.append(chunk)
        self.waiting += len(chunk or b"")
        if self.waiting > INBOX:
            self.relay.sides[self.d].hold("gate")
        self._wake.set()

    async def _run(self) -> None:
        try:
            while True:
                while not self.inbox:
                    self._wake.clear()
                    await self._wake.wait()
                chunk = self.inbox.popleft()
                if chunk is None:
                    return await self._end()
                self.waiting -= len(chunk)
                if self.waiting <= INBOX // 2:
                    self.relay.sides[self.d].release("gate")
                if not await self._one(chunk):
                    return
        except (ConnectionError, OSError):
            self.relay.abort()
        finally:
            self.gate.cancel()

    async def _one(self, chunk: bytes) -> bool:
        """Through the gate; False once a fault has ended this direction (stalled or closing)."""
        relay, gate = self.relay, self.gate
        relay.record(self.d, chunk)
        events = relay.dec.feed(self.d, chunk, relay.proxy.now())
        await gate.push(chunk, events)
        relay.emit_all(events, gate)
        if gate.closing:
            await gate.finish()
            relay.abort()
            return False
        if gate.stalled:
            relay.sides[self.d].hold("stall")  # never read this direction again
            self.inbox.clear()
            await gate.finish()  # what went before the stall is still written
            return False
        return True

    async def _end(self) -> None:
        relay = self.relay
        await self.gate.finish()
        relay.sides[OTHER[self.d]].write_eof()
        relay.ended(self.d)


def _tcp_peer(peer: object) -> Tuple[str, int]:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return str(peer[0]), int(peer[1])
    return "127.0.0.1", 0  # ipc: the recorder makes up a port


def _fmt_peer(peer: object) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return "%s:%s" % (peer[0], peer[1])
    return str(peer) if peer else "local"
