"""One traced connection: both directions' byte streams in, typed events out.

Shared by the proxy and the capture reader.  "up" is what the dialing side
(the client) sends, "down" what the listening side sends.  The transport
decoder is chosen by ``Options.transport`` (tcp or ipc today; ws and the TLS
variants add their decoders to ``DECODERS`` with the same items).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import body, framing, handshake, headers, protocols
from .events import ErrorEvent, Event, HandshakeEvent, MessageEvent, StateEvent
from .state import Tracker

DECODERS: Dict[str, Callable[..., framing.StreamDecoder]] = {
    "tcp": lambda **kw: framing.StreamDecoder(ipc=False, **kw),
    "ipc": lambda **kw: framing.StreamDecoder(ipc=True, **kw),
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


class ConnDecoder:
    def __init__(self, conn: int, opts: Options, tracker: Optional[Tracker]) -> None:
        """With tracker None no state events are made (the proxy tracks after its faults)."""
        self.conn = conn
        self.opts = opts
        self.tracker = tracker
        keep = max(headers.HEAD_NEEDED, headers.HEAD_NEEDED + opts.preview)
        make = DECODERS[opts.transport]
        self.decoders = {d: make(keep=keep, limit=opts.recv_max) for d in ("up", "down")}
        self.headers: Dict[str, Optional[handshake.Header]] = {"up": None, "down": None}
        self.verdict: Optional[handshake.Verdict] = None
        # per direction, from its header: the sender's protocol number, name, and name in sentences
        self._who: Dict[str, Tuple[Optional[int], Optional[str], str]] = {"up": (None, None, "?"),
                                                                           "down": (None, None, "?")}

    def proto(self, d: str) -> Optional[int]:
        h = self.headers[d]
        return h.proto if h is not None else None

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
        else:  # Broken
            out.append(ErrorEvent(ts, self.conn, d, "error", "broken", item.reason, protocols.name(self.proto(d)),
                                  {"offset": item.offset}))

    def _header(self, d: str, h: handshake.Header, ts: float, out: List[Event]) -> None:
        self.headers[d] = h
        if h.proto is not None:
            self._who[d] = (h.proto, protocols.name(h.proto), protocols.display(h.proto))
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
            out.append(ErrorEvent(ts, self.conn, d, "error", "claim", "frame prefix claims %d bytes: NNG 1.x with no"
                                  " recv-max tries to allocate that and closes when it cannot" % c.length, name,
                                  {"len": c.length, "offset": c.start}))

    def _frame(self, d: str, f: framing.Frame, ts: float, out: List[Event]) -> None:
        """One message event (this runs for every message: kept lean)."""
        sender, name, who = self._who[d]
        length, head, opts = f.length, f.head, self.opts
        hdr = headers.decode(sender, head, length, opts.ttl) if sender in protocols.HEADER else headers.NONE
        preview = None
        if opts.body:
            size = hdr.size
            preview = body.preview(head[size:size + opts.preview], length - size, opts.body)
        ev = MessageEvent(ts, self.conn, d, "msg", "message", _summary(who, hdr, length, preview), name,
                          {"offset": f.start}, length, hdr, preview, f.start, f.end)
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
