"""The tracing proxy: listen on one URL, dial another once per client, relay and decode.

``Proxy`` runs inside an asyncio loop (``start``/``close``); the command
line and ``Tracer`` drive it.  Every event goes to ``sink``; a sink that
also has a ``many`` method gets each read's events in one call, in order.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import time
from dataclasses import replace
from typing import Any, BinaryIO, Callable, Dict, List, Optional, Set

from . import bridge, endpoints, loops, tlsinfo
from .conn import Options
from .events import ConnEvent, Event
from .faults import FaultPlan, FaultSpec
from .relay import Relay
from .side import Side
from .state import Tracker
from .tlsinfo import TlsOptions
from .tlsside import TlsSide


class Proxy:
    def __init__(self, listen: str, forward: str, sink: Callable[[Event], None], opts: Optional[Options] = None,
                 faults: Optional[FaultSpec] = None, record: Optional[BinaryIO] = None,
                 tls: Optional[TlsOptions] = None) -> None:
        self.listen_addr = endpoints.parse(listen)
        self.forward_addr = endpoints.parse(forward)
        self.tls = tls or TlsOptions()
        self.transport = endpoints.TRANSPORTS[self.listen_addr.scheme]
        self.forward_transport = endpoints.TRANSPORTS[self.forward_addr.scheme]
        self.forward_url = self.forward_addr.url()
        fwd = self.forward_addr
        ws = self.forward_transport.decoder == "ws"
        self.opts = replace(opts or Options(), transport=self.transport.decoder, ws_host=fwd.host if ws else "",
                            ws_path=fwd.path.partition("?")[0] if ws else "")
        # the TLS contexts, made once (a bad --cert is an error at start, not at the first client)
        self.server_tls = tlsinfo.server_context(self.tls) if self.transport.tls else None
        self.client_tls = tlsinfo.client_context(self.tls) if self.forward_transport.tls else None
        self.tracker = Tracker(self.opts.survey_time)
        self.plan = FaultPlan(faults) if faults is not None and faults.active() else None
        # different framings on the two sides: messages are re-framed (bridge.py), not relayed as bytes
        self.bridging = self.transport.decoder != self.forward_transport.decoder
        if self.bridging:
            bridge.check(self, self.plan, record)
        self.sink = sink
        self.emit_many: Callable[[List[Event]], None] = getattr(sink, "many", None) or self._each
        self.recorder = None
        if record is not None:
            from .pcapwrite import PcapRecorder  # needs dpkt, which only --pcap and read use

            self.recorder = PcapRecorder(record)
        self.url = ""
        self.t0 = time.monotonic()
        self.t_wall = time.time()
        self._ids = itertools.count(1)
        self._server: Any = None
        self._relays: Set[Relay] = set()
        self.closed = asyncio.Event()

    def now(self) -> float:
        return time.monotonic() - self.t0

    def wall(self) -> float:
        """A capture timestamp for --pcap (wall clock at start + monotonic offset)."""
        return self.t_wall + self.now()

    def emit(self, ev: Event) -> None:
        self.sink(ev)

    def _each(self, events: List[Event]) -> None:
        for ev in events:
            self.sink(ev)

    async def start(self) -> str:
        """Listen; returns the bound URL (a tcp port 0 resolved)."""
        self._server, bound = await self.transport.listen(self.listen_addr, self._accept)
        self.url = bound.url()
        data: Dict[str, Any] = {"url": self.url, "forward": self.forward_url,
                                "loop": loops.name_of(asyncio.get_running_loop())}
        text = "listening at %s, forwarding to %s" % (self.url, self.forward_url)
        if self.bridging:
            data["bridge"] = True
            text += "; " + bridge.description(self)
        self.emit(ConnEvent(self.now(), 0, None, "conn", "listening", text, None, data))
        return self.url

    def side(self, relay: Relay, reads: str) -> Side:
        """A relay's socket: "up" reads the client, "down" the upstream; TLS ones where the URL says so."""
        if reads == "up" and self.server_tls is not None:
            return TlsSide(relay, reads, self.server_tls, True)
        if reads == "down" and self.client_tls is not None:
            return TlsSide(relay, reads, self.client_tls, False, self.forward_addr.host)
        return Side(relay, reads)

    def _accept(self) -> Side:
        """A client connected: its relay, and the socket's side of it."""
        relay = (bridge.BridgeRelay if self.bridging else Relay)(self, next(self._ids))
        self._relays.add(relay)
        relay.done.add_done_callback(lambda _: self._relays.discard(relay))
        return relay.client

    async def close(self) -> None:
        """Stop listening and end every relay (by closing its sockets, so each ends as on a hang-up)."""
        self.closed.set()
        if self._server is not None:
            self._server.close()
        relays = list(self._relays)
        for r in relays:
            r.abort()
        if relays:
            await asyncio.wait([r.done for r in relays], timeout=5)
        if self._server is not None:
            await self._server.wait_closed()
        if self.listen_addr.scheme == "ipc":
            try:
                os.unlink(self.listen_addr.path)
            except FileNotFoundError:
                pass
