"""A relay between two transports with different framings (listen ws, forward tcp; tcp to ipc...).

Bytes cannot be relayed as they are: each side's leg (legs.py) takes whole
SP messages out of what one socket sends and frames them for the other, and
the proxy speaks each side's opening itself (it answers a ws upgrade, sends
an SP header, or upgrades to a ws upstream) with the protocols it learns
from the other side.  Both wires are decoded as they are: the client's
connection in full (messages, state), the upstream's for its opening,
verdict, closes and errors (``"leg": "upstream"`` in their data).  A line
at each connection's start says the messages are re-framed.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from . import endpoints
from .conn import OTHER, ConnDecoder
from .events import ErrorEvent, Event
from .legs import StreamLeg, WsLeg
from .relay import Relay
from .side import Side

if TYPE_CHECKING:
    from .proxy import Proxy

UPSTREAM_LAYERS = ("sp", "ws", "error")


def make_leg(addr: endpoints.Address, transport: endpoints.Transport, server: bool) -> Any:
    if transport.decoder == "ws":
        return WsLeg(server, addr.host or "127.0.0.1", addr.port, addr.path)
    return StreamLeg(transport.decoder == "ipc")


def description(proxy: "Proxy") -> str:
    return ("bridging %s (clients) to %s (upstream): whole SP messages are re-framed, not relayed byte for byte"
            % (proxy.listen_addr.scheme, proxy.forward_addr.scheme))


class BridgeRelay(Relay):
    def __init__(self, proxy: "Proxy", conn: int) -> None:
        super().__init__(proxy, conn)
        p = proxy
        self.legs = {"up": make_leg(p.listen_addr, p.transport, True),       # by the direction each reads
                     "down": make_leg(p.forward_addr, p.forward_transport, False)}
        self.updec = ConnDecoder(conn, dataclasses.replace(p.opts, transport=p.forward_transport.decoder), None)
        self.held: Dict[str, List[bytes]] = {"up": [], "down": []}  # messages waiting for the other leg's opening
        self._out: List[Event] = []
        self._up: List[Event] = []

    def made(self, side: Side) -> None:
        super().made(side)
        if side is self.client:
            self._conn_event("bridge", description(self.proxy), listen=self.proxy.listen_addr.scheme,
                             forward=self.proxy.forward_addr.scheme)

    def _write(self, d: str, data: bytes) -> None:
        """Bytes to the socket that reads direction d (d "up": the client's), decoded as that wire's."""
        if not data:
            return
        self.sides[d].write(data)
        now = self.proxy.now()
        if d == "up":
            self._out.extend(self.dec.feed("down", data, now))
        else:
            self._up.extend(self.updec.feed("up", data, now))

    def data(self, d: str, chunk: bytes) -> None:
        if not self.ready:
            return super().data(d, chunk)  # held until upstream is there
        self.bytes[d] += len(chunk)
        now = self.proxy.now()
        if d == "up":
            self._out.extend(self.dec.feed("up", chunk, now))
        else:
            self._up.extend(self.updec.feed("down", chunk, now))
        for kind, value in self.legs[d].feed(chunk):
            self._item(d, kind, value)
        self._flush_held()
        self._emit()

    def _item(self, d: str, kind: str, value: Any) -> None:
        other = OTHER[d]
        if kind == "hdr":
            self._write(other, self.legs[other].hello(value))
        elif kind == "msg":
            self.held[d].append(value)
        elif kind == "reply":
            self._write(d, value)
        elif kind == "eof":
            self.sides[d].close()
            self.sides[other].close()
        else:  # bad
            self._out.append(ErrorEvent(self.proxy.now(), self.conn, d, "error", "bridge",
                                        "cannot bridge: %s; closing both sides" % value, None, {"reason": value}))
            self.sides[d].close()  # after any answer written to it
            self.sides[other].abort()

    def _flush_held(self) -> None:
        for d in ("up", "down"):
            leg = self.legs[OTHER[d]]
            if self.held[d] and leg.ready and not getattr(leg, "dead", False):
                msgs, self.held[d] = self.held[d], []
                self._write(OTHER[d], b"".join(leg.encode(m) for m in msgs))

    def _emit(self) -> None:
        for ev in self._up:
            if ev.layer in UPSTREAM_LAYERS:
                ev.data["leg"] = "upstream"
                ev.text = "upstream leg: " + ev.text
                self._out.append(ev)
        out = sorted(self._out, key=lambda e: e.ts) if self._up else self._out  # the two wires' events in time order
        self._out, self._up = [], []
        if out:
            self.emit_all(out, None)

    def eof(self, d: str) -> None:
        if not self.ready:
            return super().eof(d)
        self.sides[OTHER[d]].write_eof()
        self.ended(d)

    def ended(self, d: str) -> None:
        now = self.proxy.now()
        near, far = (self.dec, self.updec) if d == "up" else (self.updec, self.dec)
        (self._out if d == "up" else self._up).extend(near.end(d, now))
        (self._up if d == "up" else self._out).extend(far.end(d, now))
        self._emit()
        self._ended.add(d)
        if len(self._ended) == 2:
            for side in self.sides.values():
                side.close()


def check(proxy: "Proxy", faults: Optional[Any], record: Optional[Any]) -> None:
    """What a bridge cannot do: faults and --pcap work on one byte stream relayed as it is."""
    if faults is not None:
        raise ValueError(description(proxy) + ": fault injection needs the same transport on both sides")
    if record is not None:
        raise ValueError(description(proxy) + ": --pcap needs the same transport on both sides")

