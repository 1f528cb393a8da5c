"""Each event's JSON line is exactly json.dumps of its to_json(): message events are formatted directly
(they are the bulk of a trace), so that path is checked against the general one on varied messages."""
from __future__ import annotations

import json
import random
from typing import List

import pytest

from nngtrace.conn import ConnDecoder, Options
from nngtrace.events import Event, MessageEvent
from nngtrace.headers import SPHeader
from nngtrace.state import Tracker

# (dialer header, listener header): REQ/REP, SURVEYOR/RESPONDENT, PAIR1, PUSH/PULL, an unknown protocol
PAIRS = [("0030", "0031"), ("0062", "0063"), ("0011", "0011"), ("0050", "0051"), ("0abc", "0031")]


def _frames(rng: random.Random, n: int) -> bytes:
    out = b""
    for _ in range(n):
        words = [rng.randrange(1 << 31) for _ in range(rng.randrange(0, 3))] + [rng.randrange(1 << 31, 1 << 32)]
        head = b"".join(w.to_bytes(4, "big") for w in words) if rng.random() < 0.8 else b""
        body = bytes(rng.randrange(256) if rng.random() < 0.3 else rng.randrange(0x20, 0x7f)
                     for _ in range(rng.randrange(0, 60)))
        payload = (head + body)[:rng.choice([1, 3, 1000])] if rng.random() < 0.1 else head + body
        out += len(payload).to_bytes(8, "big") + payload
    return out


def _general(ev: Event) -> str:
    return json.dumps(ev.to_json(), separators=(",", ":"))


@pytest.mark.parametrize("fmt", ["quoted", "hex", "ascii", "msgpack", None])
def test_message_lines_match_the_general_encoding(fmt: str) -> None:
    rng = random.Random(fmt)
    events: List[Event] = []
    for up, down in PAIRS:
        dec = ConnDecoder(7, Options(body=fmt, preview=rng.choice([0, 5, 32]), ttl=2), Tracker())
        events += dec.feed("up", bytes.fromhex("00535000%s0000" % up), 0.0)
        events += dec.feed("down", bytes.fromhex("00535000%s0000" % down), 0.0)
        for i in range(20):
            d = "up" if i % 2 else "down"
            events += dec.feed(d, _frames(rng, 3), rng.random() * 100)
    messages = [e for e in events if isinstance(e, MessageEvent)]
    assert len(messages) > 250 and {m.kind for m in messages} >= {"request", "reply", "pair1", "none"}
    assert any(m.hdr.problem for m in messages) and any(m.hdr.hops for m in messages)
    for ev in events:
        assert ev.json_line() == _general(ev)


def test_unusual_message_events_fall_back_to_the_general_encoding() -> None:
    hdr = SPHeader("request", 8, 0x80000001, (5,), problem='a "quoted" \u00e9 problem')
    for ev in (MessageEvent(1, 2, None, "msg", "message", "t\n\u2603", None, {"offset": 3, "extra": [1]}, 4, hdr),
               MessageEvent(0.1234567891, 2, "up", "msg", "message", "x", "req", {"offset": 3}, 4, hdr,
                            body={"text": "t", "fmt": "hex", "shown": 1, "len": 2}),
               MessageEvent(5, 1, "down", "msg", "message", "x", "req", {"offset": 3}, 4, hdr,
                            body={"fmt": "hex", "text": "\u00ff", "shown": 1, "len": 2})):
        assert ev.json_line() == _general(ev)
