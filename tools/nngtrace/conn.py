"""One traced connection: both directions' byte streams in, typed events out.

Shared by the proxy and the capture reader.  "up" is what the dialing side
(the client) sends, "down" what the listening side sends.  The transport
decoder is chosen by ``Options.transport`` (tcp or ipc today; ws and the TLS
variants add their decoders to ``DECODERS`` with the same items).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import body, framing, handshake, headers, protocols, wsframes
from .events import ErrorEvent, Event, HandshakeEvent, MessageEvent, StateEvent
from .state import Tracker
from .wsconn import WsLayer

# by transport: (direction, keep=, limit=) -> a decoder with feed() and end()
DECODERS: Dict[str, Callable[..., Any]] = {
    "tcp": lambda d, **kw: framing.StreamDecoder(ipc=False, **kw),
    "ipc": lambda d, **kw: framing.StreamDecoder(ipc=True, **kw),
    "ws": lambda d, **kw: wsframes.WsDecoder(client=d == "up", **kw),
}
OTHER = {"up": "down", "down": "up"}


@dataclass
class Options:
    transport: str = "tcp"
    body: Optional[str] = "quoted"   # preview format (None: no preview)
    preview: int = 32                # body bytes shown
    ttl: int = 8                     # ttl-max assumed for the receiver's judgement
    recv_max: int = 0                # flag frames over this (0: off)
    survey_time: Optional[float] = None
    ws_host: str = ""                # the ws listener's host and path, to explain its refusals ("": unknown)
    ws_path: str = ""


class ConnDecoder:
    def __init__(self, conn: int, opts: Options, tracker: Optional[Tracker]) -> None:
        """With tracker None no state events are made (the proxy tracks after its faults)."""
        self.conn = conn
        self.opts = opts
        self.tracker = tracker
        keep = max(headers.HEAD_NEEDED, headers.HEAD_NEEDED + opts.preview)
        make = DECODERS[opts.transport]
        self.decoders = {d: make(d, keep=keep, limit=opts.recv_max) for d in ("up", "down")}
        self.headers: Dict[str, Optional[handshake.Header]] = {"up": None, "down": None}
        self.verdict: Optional[handshake.Verdict] = None
        # per direction, from its header: the sender's protocol number, name, and name in sentences
        self._who: Dict[str, Tuple[Optional[int], Optional[str], str]] = {"up": (None, None, "?"),
                                                                           "down": (None, None, "?")}
        self.ws: Optional[WsLayer] = WsLayer(self) if opts.transport == "ws" else None
        self._proto: Dict[str, Optional[int]] = {"up": None, "down": None}

    def proto(self, d: str) -> Optional[int]:
        """The protocol of direction d's sender (from its SP header, or the ws subprotocol)."""
        return self._proto[d]

    def set_proto(self, d: str, proto: int) -> None:
        self._proto[d] = proto
        self._who[d] = (proto, protocols.name(proto), protocols.display(proto))

    def feed(self, d: str, data: bytes, ts: float) -> List[Event]:
        out: List[Event] = []
        frame = framing.Frame
        for item in self.decoders[d].feed(data):
            if type(item) is frame:
                self._frame(d, item, ts, out)
            else:
                self._item(d, item, ts, out)
        return out

    def end(self, d: str, ts: float) -> List[Event]:
        """Direction d reached end of stream."""
        cut = self.decoders[d].end()
        if cut is None:
            return []
        return [ErrorEvent(ts, self.conn, d, "error", "cut", cut.reason, protocols.name(self.proto(d)),
                           {"offset": cut.offset})]

    def _item(self, d: str, item: framing.Item, ts: float, out: List[Event]) -> None:
        if isinstance(item, framing.Frame):
            self._frame(d, item, ts, out)
        elif isinstance(item, framing.HeaderSeen):
            self._header(d, item.header, ts, out)
        elif isinstance(item, framing.Claim):
            self._claim(d, item, ts, out)
        elif not isinstance(item, framing.Broken) and self.ws is not None:
            self.ws.item(d, item, ts, out)
        else:  # Broken
            out.append(ErrorEvent(ts, self.conn, d, "error", "broken", item.reason, protocols.name(self.proto(d)),
                                  {"offset": item.offset}))

    def _header(self, d: str, h: handshake.Header, ts: float, out: List[Event]) -> None:
        self.headers[d] = h
        if h.proto is not None:
            self.set_proto(d, h.proto)
        text = ("SP header %s (%s)" % (h.raw.hex(" "), protocols.display(h.proto)) if h.ok else
                "bad SP header %s: %s" % (h.raw.hex(" "), "; ".join(h.problems)))
        data = {"raw": h.raw.hex(), "problems": list(h.problems)}
        out.append(HandshakeEvent(ts, self.conn, d, "sp", "handshake", text, protocols.name(h.proto), data, ok=h.ok))
        other = self.headers[OTHER[d]]
        if self.verdict is None and (other is not None or not h.ok):
            v = self.verdict = handshake.verdict(self.headers["up"], self.headers["down"])
            out.append(HandshakeEvent(ts, self.conn, None, "sp", "verdict", v.text, None, {"ok": v.ok}, ok=v.ok))

    def _claim(self, d: str, c: framing.Claim, ts: float, out: List[Event]) -> None:
        name = protocols.name(self.proto(d))
        if self.opts.recv_max and c.length > self.opts.recv_max:
            out.append(StateEvent(ts, self.conn, d, "state", "over-recv-max",
                                  "frame of %d bytes over --recv-max %d: NNG closes this connection after the prefix"
                                  % (c.length, self.opts.recv_max), name, {"len": c.length}))
        if c.length >= framing.HUGE_CLAIM:
            what = ("ws frame header claims %d bytes: NNG closes with 1009 (over ws:rxframe-max) and allocates nothing"
                    if self.ws is not None else "frame prefix claims %d bytes: NNG 1.x with no recv-max tries to"
                    " allocate that and closes when it cannot")
            out.append(ErrorEvent(ts, self.conn, d, "error", "claim", what % c.length, name,
                                  {"len": c.length, "offset": c.start}))

    def _frame(self, d: str, f: framing.Frame, ts: float, out: List[Event]) -> None:
        self.message(d, f.length, f.head, f.start, f.end, ts, out, None)

    def message(self, d: str, length: int, head: bytes, start: int, end: int, ts: float, out: List[Event],
                extra: Optional[Dict[str, Any]]) -> None:
        """One message event (this runs for every message: kept lean); ``extra``: more data fields."""
        sender, name, who = self._who[d]
        opts = self.opts
        hdr = headers.decode(sender, head, length, opts.ttl) if sender in protocols.HEADER else headers.NONE
        preview = None
        if opts.body:
            size = hdr.size
            preview = body.preview(head[size:size + opts.preview], length - size, opts.body)
        data = {"offset": start}
        if extra:
            data.update(extra)
        ev = MessageEvent(ts, self.conn, d, "msg", "message", _summary(who, hdr, length, preview), name,
                          data, length, hdr, preview, start, end)
        out.append(ev)
        if self.tracker is not None and hdr.id is not None:
            out.extend(self.tracker.on_message(ev))


def _summary(who: str, hdr: headers.SPHeader, length: int, preview: Optional[Dict[str, Any]]) -> str:
    text = "%s len=%d" % (who, length)
    if hdr is not headers.NONE:
        text += " " + hdr.kind
        if hdr.hops:
            text += " hops=[%s]" % ",".join("0x%x" % h for h in hdr.hops)
        if hdr.id is not None:
            text += " id=0x%08x" % hdr.id
        if hdr.hop_count is not None:
            text += " hop=%d" % hdr.hop_count
    if preview is not None:
        text += " " + preview["text"] + ("..." if preview["shown"] < preview["len"] else "")
    if hdr.problem:
        text += " !! " + hdr.problem
    return text
