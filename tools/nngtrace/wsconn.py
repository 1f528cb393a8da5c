"""The ws layer of a traced connection: the upgrade's events and verdict, frames, closes, and messages.

``WsLayer`` turns the items of the two ``wsframes.WsDecoder`` of one
connection into events.  The SP protocols come from the subprotocol: the
dialer asks for its peer's name (``rep.sp.nanomsg.org`` from a REQ), so the
listener's protocol is the one named and the dialer's is its peer.  Frames
are reported on their own (``ws``/``frame``) only when they say more than
"one binary frame carried this message": control frames, fragments, and
frames NNG would refuse; every message event carries its frames' facts.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from . import protocols, wsframes, wshttp
from .events import Event, HandshakeEvent, WsEvent

if TYPE_CHECKING:
    from .conn import ConnDecoder

ENC = {7: "7-bit", 16: "16-bit", 64: "64-bit"}


class WsLayer:
    def __init__(self, dec: "ConnDecoder") -> None:
        self.dec = dec
        self.request: Optional[wshttp.Head] = None
        self.response: Optional[wshttp.Head] = None

    def item(self, d: str, item: Any, ts: float, out: List[Event]) -> None:
        if isinstance(item, wsframes.WsMessage):
            self._message(d, item, ts, out)
        elif isinstance(item, wsframes.WsFrame):
            if item.problems or item.opcode >= 8 or item.opcode == 0 or not item.fin:
                if item.opcode < 8:  # control frames are reported once, with their payload
                    self._frame(d, item, ts, out, None)
        elif isinstance(item, wsframes.Control):
            self._control(d, item, ts, out)
        elif isinstance(item, wsframes.Upgrade):
            self._upgrade(d, item, ts, out)

    def _event(self, ts: float, d: Optional[str], event: str, text: str, proto: Optional[str],
               data: Dict[str, Any]) -> WsEvent:
        return WsEvent(ts, self.dec.conn, d, "ws", event, text, proto, data)

    # --- the upgrade ------------------------------------------------------
    def _upgrade(self, d: str, up: wsframes.Upgrade, ts: float, out: List[Event]) -> None:
        h = up.head
        if h.kind == "request":
            self.request = h
            listener = wshttp.subprotocol_proto(h.get("Sec-WebSocket-Protocol"))
            if listener is not None:
                self.dec.set_proto("down", listener)
                dialer = protocols.peer_of(listener)
                if dialer is not None:
                    self.dec.set_proto("up", dialer)
            text = "%s %s %s Host: %s%s" % (h.method, h.target, h.version, h.get("Host"),
                                            _proto_text(h.get("Sec-WebSocket-Protocol")))
            data = {"method": h.method, "target": h.target, "version": h.version, "host": h.get("Host"),
                    "protocol": h.get("Sec-WebSocket-Protocol"), "problems": list(h.problems), "end": up.end}
            out.append(self._event(ts, d, "request", text, protocols.name(self.dec.proto(d)), data))
            return
        self.response = h
        text = "%s %d %s%s" % (h.version, h.status, h.reason, _proto_text(h.get("Sec-WebSocket-Protocol")))
        data = {"status": h.status, "reason": h.reason, "protocol": h.get("Sec-WebSocket-Protocol"),
                "problems": list(h.problems), "end": up.end}
        out.append(self._event(ts, d, "response", text, protocols.name(self.dec.proto(d)), data))
        out.append(self._verdict(h, ts))

    def _verdict(self, resp: wshttp.Head, ts: float) -> HandshakeEvent:
        opts = self.dec.opts
        if resp.problems:
            ok, text = False, "the listener's answer is not HTTP: NNG's dialer closes this connection"
        elif resp.status != 101:
            ok, text = False, wshttp.explain(self.request, resp, opts.ws_host, opts.ws_path)
        else:
            pair = "%s dialed %s over ws" % (protocols.display(self.dec.proto("up")),
                                             protocols.display(self.dec.proto("down")))
            bad = wshttp.dialer_objections(self.request, resp)
            ok = not bad
            text = pair + (": upgraded" if ok else ": NNG's dialer closes this connection: " + "; ".join(bad))
        return HandshakeEvent(ts, self.dec.conn, None, "sp", "verdict", text, None,
                              {"ok": ok, "status": resp.status}, ok=ok)

    # --- frames -----------------------------------------------------------
    def _frame(self, d: str, f: wsframes.WsFrame, ts: float, out: List[Event], end: Optional[int]) -> None:
        text = "%s%s%s len=%d (%s)" % (wsframes.OPCODES.get(f.opcode, "opcode 0x%x" % f.opcode),
                                       "" if f.fin else " no-fin", " masked" if f.masked else "", f.length,
                                       ENC[f.enc])
        if f.problems:
            text += " !! " + "; ".join(f.problems)
        data: Dict[str, Any] = {"opcode": f.opcode, "fin": f.fin, "masked": f.masked, "len": f.length,
                                "enc": f.enc, "rsv": f.rsv, "offset": f.start, "problems": list(f.problems)}
        if end is not None:
            data["end"] = end
        out.append(self._event(ts, d, "frame", text, protocols.name(self.dec.proto(d)), data))

    def _control(self, d: str, c: wsframes.Control, ts: float, out: List[Event]) -> None:
        f = c.frame
        end = None if c.in_message else f.end  # the fault gate passes a lone control frame on at once
        if f.opcode != 8:
            self._frame(d, f, ts, out, end)
            return
        text = "close %s" % wsframes.close_name(c.code) + (" %r" % c.reason if c.reason else "")
        if f.problems:
            text += " !! " + "; ".join(f.problems)
        data: Dict[str, Any] = {"code": c.code, "name": wsframes.CLOSE_CODES.get(c.code or 0), "reason": c.reason,
                                "masked": f.masked, "offset": f.start, "problems": list(f.problems)}
        if end is not None:
            data["end"] = end
        out.append(self._event(ts, d, "close", text, protocols.name(self.dec.proto(d)), data))

    def _message(self, d: str, m: wsframes.WsMessage, ts: float, out: List[Event]) -> None:
        ws = {"frames": m.frames, "masked": m.masked, "enc": m.enc, "opcode": m.opcode}
        self.dec.message(d, m.length, m.head, m.start, m.end, ts, out, {"ws": ws})


def _proto_text(value: Optional[str]) -> str:
    return ", no subprotocol" if value is None else ", protocol " + value
