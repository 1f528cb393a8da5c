"""A golden JSON trace of a fixed REQ/REP + PUB/SUB exchange (nngkit on both sides, tcp).

Masked: times, round-trip times, ports and addresses, and ids (numbered in
order of appearance, so "the reply carries the request's id" is still
checked).  The two connection headers cross on the wire, so their order is
normalised (up first).  Regenerate with NNGTRACE_REGEN=1 after a deliberate
schema change, and review the diff.
"""
from __future__ import annotations

import json
import os
import re
import threading
from typing import Any, Dict, List

import nngkit
from nngtrace import Tracer

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "reqrep_pubsub.jsonl")
HEX_ID = re.compile(r"0x[0-9a-f]{8}")


class Masker:
    def __init__(self) -> None:
        self.ids: Dict[int, str] = {}

    def ident(self, value: int) -> str:
        return self.ids.setdefault(value, "ID%d" % (len(self.ids) + 1))

    def event(self, obj: Dict[str, Any]) -> Dict[str, Any]:
        obj = dict(obj, ts="T")
        for key in ("rtt", "after"):
            if key in obj:
                obj[key] = "T"
        for key in ("url", "forward", "client"):
            if key in obj:
                obj[key] = "ADDR"
        if obj.get("id") is not None:
            obj["id"] = self.ident(obj["id"])
        if "hdr" in obj and "id" in obj["hdr"]:
            obj["hdr"] = dict(obj["hdr"], id=self.ident(obj["hdr"]["id"]))
        text = HEX_ID.sub(lambda m: self.ident(int(m.group(0), 16)), obj["text"])
        text = re.sub(r"tcp://[0-9.:]+|[0-9.]+:\d+", "ADDR", text)
        obj["text"] = re.sub(r"\d+\.\d+ ms", "T ms", text)
        return obj


def _ordered(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    hs = sorted([e for e in events if e["event"] == "handshake"], key=lambda e: e["dir"] != "up")
    out, it = [], iter(hs)
    for e in events:
        out.append(next(it) if e["event"] == "handshake" else e)
    return out


def _reqrep(sockets: Any) -> List[Dict[str, Any]]:
    rep = sockets(nngkit.Rep0, recv_timeout=5000)
    with Tracer("tcp://127.0.0.1:0", str(rep.listen("tcp://127.0.0.1:0").url)) as t:
        req = sockets(nngkit.Req0, recv_timeout=5000)
        req.dial(t.url, block=True)
        for body in (b"ping", b"\x00\x01bin\xff"):
            req.send(body)
            rep.send(b"re:" + rep.recv())
            assert req.recv() == b"re:" + body
        req.close()  # the proxy's "close" comes after everything it relayed was decoded
        t.wait_for(lambda e: e.event == "close")
    return _ordered([e.to_json() for e in t.events])


def _pubsub(sockets: Any) -> List[Dict[str, Any]]:
    pub = sockets(nngkit.Pub0)
    connected = threading.Event()
    pub.add_post_pipe_connect_cb(lambda pipe: connected.set())
    with Tracer("tcp://127.0.0.1:0", str(pub.listen("tcp://127.0.0.1:0").url)) as t:
        sub = sockets(nngkit.Sub0, recv_timeout=5000, topics=b"")
        sub.dial(t.url, block=True)
        assert connected.wait(5)
        for body in (b"news", b""):
            pub.send(body)
            assert sub.recv() == body
        sub.close()
        t.wait_for(lambda e: e.event == "close")
    return _ordered([e.to_json() for e in t.events])


def test_golden_trace(sockets: Any) -> None:
    m = Masker()
    got = [m.event(e) for e in _reqrep(sockets) + _pubsub(sockets)]
    text = "".join(json.dumps(e, sort_keys=True) + "\n" for e in got)
    if os.environ.get("NNGTRACE_REGEN") == "1":
        with open(GOLDEN, "w", encoding="utf-8") as f:
            f.write(text)
    with open(GOLDEN, encoding="utf-8") as f:
        assert text == f.read()
