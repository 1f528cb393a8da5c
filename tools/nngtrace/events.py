"""Typed trace events, and their JSON Lines form (schema "v": 1, docs/nngtrace.md).

Every event has: ts (seconds since the trace started), conn (connection id,
from 1), dir ("up": client to server, "down": server to client, None for the
connection as a whole), layer, event, and a one-line human summary (text).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

from .headers import SPHeader, json_str

SCHEMA_VERSION = 1
ARROWS = {"up": "->", "down": "<-", None: "--"}
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
BODY_KEYS = ("fmt", "text", "shown", "len")


@dataclass
class Event:
    ts: float
    conn: int
    dir: Optional[str]
    layer: str   # conn, sp, ws, tls, msg, state, fault, error
    event: str
    text: str
    proto: Optional[str] = None
    data: Dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"v": SCHEMA_VERSION, "ts": round(self.ts, 6), "conn": self.conn, "dir": self.dir,
                               "layer": self.layer, "event": self.event}
        if self.proto is not None:
            out["proto"] = self.proto
        out.update(self.data)
        out["text"] = self.text
        return out

    def json_line(self) -> str:
        """``to_json()`` as compact JSON text, without the newline."""
        return _ENCODE(self.to_json())


@dataclass
class ConnEvent(Event):
    """A connection opened ("open") or closed ("close")."""


@dataclass
class HandshakeEvent(Event):
    """One side's 8-byte SP header ("handshake") or the verdict on both ("verdict")."""

    ok: bool = True


@dataclass
class WsEvent(Event):
    """The ws layer: the upgrade "request" and "response", a "frame" worth its own line, a "close"."""


@dataclass
class TlsEvent(Event):
    """The tls layer of a terminated side: the "session" established, or why it "failed"."""


@dataclass
class MessageEvent(Event):
    """One SP message (one frame): its length, protocol header and body preview."""

    length: int = 0
    hdr: SPHeader = field(default_factory=lambda: SPHeader("none"))
    body: Optional[Dict[str, Any]] = None
    start: int = 0   # stream offsets of the frame (prefix included), for the proxy's fault gate
    end: int = 0

    @property
    def id(self) -> Optional[int]:
        return self.hdr.id

    @property
    def kind(self) -> str:
        return self.hdr.kind

    def to_json(self) -> Dict[str, Any]:
        out = super().to_json()
        text = out.pop("text")
        out["len"] = self.length
        out["hdr"] = self.hdr.to_json()
        if self.body is not None:
            out["body"] = self.body
        out["text"] = text
        return out

    def json_line(self) -> str:
        """The same text as the general path, formatted directly: one is written for every message."""
        data, body = self.data, self.body
        if len(data) != 1 or type(data.get("offset")) is not int or (body is not None and tuple(body) != BODY_KEYS):
            return super().json_line()
        key = (self.ts, self.conn, self.dir, self.layer, self.event, self.proto)
        last = _last_start
        start = last[1] if last[0] == key else _start(key)  # the messages of one read share it
        hdr = self.hdr.json_text()
        if body is None:
            return '%s,"offset":%d,"len":%d,"hdr":%s,"text":%s}' % (
                start, data["offset"], self.length, hdr, json_str(self.text))
        return '%s,"offset":%d,"len":%d,"hdr":%s,"body":{"fmt":%s,"text":%s,"shown":%d,"len":%d},"text":%s}' % (
            start, data["offset"], self.length, hdr, json_str(body["fmt"]), json_str(body["text"]), body["shown"],
            body["len"], json_str(self.text))


_Key = Tuple[float, int, Optional[str], str, str, Optional[str]]
_last_start: Tuple[Optional[_Key], str] = (None, "")


def _start(key: _Key) -> str:
    """The line up to the proto field, remembered for the next message (one tuple: threads see whole ones)."""
    global _last_start
    ts, conn, d, layer, event, proto = key
    start = '{"v":%d,"ts":%r,"conn":%d,"dir":%s,"layer":%s,"event":%s' % (
        SCHEMA_VERSION, round(ts, 6), conn, "null" if d is None else json_str(d), json_str(layer), json_str(event))
    if proto is not None:
        start += ',"proto":' + json_str(proto)
    _last_start = (key, start)
    return start


@dataclass
class StateEvent(Event):
    """Across messages: "match" (reply to request, rtt), "resend", "unknown-id", "late", "over-recv-max"."""

    id: Optional[int] = None


@dataclass
class FaultEvent(Event):
    """A fault injected by the proxy ("drop", "delay", "dup", "corrupt-header", "close", "stall")."""


@dataclass
class ErrorEvent(Event):
    """Input NNG would not accept ("broken"), a stream cut mid-frame ("cut"), a huge length claim ("claim")."""
