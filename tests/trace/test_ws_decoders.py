"""The ws decoders alone: the upgrade head, frames (opcode, FIN, mask, length encoding), closes by name,
messages reassembled, and bad input (garbage, truncation, huge claims) reported with bounded memory."""
from __future__ import annotations

import os
import random
import tracemalloc
from typing import Any, List, Optional

import pytest

from nngtrace import ConnDecoder, MessageEvent, Options
from nngtrace import framing, wsframes, wshttp
from nngtrace.events import Event

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's example key


def request(proto: Optional[str] = "rep.sp.nanomsg.org", path: str = "/sp", extra: str = "") -> bytes:
    lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:5555", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: " + KEY, "Sec-WebSocket-Version: 13"]
    if proto is not None:
        lines.append("Sec-WebSocket-Protocol: " + proto)
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


def response(status: str = "101 Switching Protocols", accept: str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
             upgrade: str = "websocket") -> bytes:
    return ("HTTP/1.1 %s\r\nConnection: Upgrade\r\nUpgrade: %s\r\nSec-WebSocket-Accept: %s\r\n"
            "Sec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n\r\n" % (status, upgrade, accept)).encode()


def frame(payload: bytes, mask: bytes = b"", op: int = 2, fin: bool = True, enc: int = 0) -> bytes:
    n = len(payload)
    enc = enc or (7 if n < 126 else 16 if n < 65536 else 64)
    b1 = 0x80 if mask else 0
    head = bytes([(0x80 if fin else 0) | op])
    head += bytes([b1 | n]) if enc == 7 else bytes([b1 | 126]) + n.to_bytes(2, "big") if enc == 16 else \
        bytes([b1 | 127]) + n.to_bytes(8, "big")
    return head + mask + wsframes.unmask(payload, mask, 0)


def upgraded() -> ConnDecoder:
    dec = ConnDecoder(1, Options(transport="ws", body="quoted", ws_host="127.0.0.1", ws_path="/sp"), None)
    assert [e.event for e in dec.feed("up", request(), 0.0) + dec.feed("down", response(), 0.0)] == [
        "request", "response", "verdict"]
    return dec


def test_accept_is_rfc6455s_example() -> None:
    assert wshttp.accept_for(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_upgrade_verdict_and_protocols() -> None:
    dec = ConnDecoder(1, Options(transport="ws"), None)
    evs = dec.feed("up", request("pub.sp.nanomsg.org"), 0.0) + dec.feed("down", response(), 0.0)
    assert [(e.layer, e.event, e.proto) for e in evs] == [("ws", "request", "sub"), ("ws", "response", "pub"),
                                                          ("sp", "verdict", None)]
    # the answer echoed rep.sp.nanomsg.org where pub was asked for: NNG's dialer refuses it
    assert evs[2].data["ok"] is False and "is not the 'pub.sp.nanomsg.org' asked for" in evs[2].text


@pytest.mark.parametrize("resp, why", [
    (response(accept="AAAA"), "Sec-WebSocket-Accept does not match the key"),
    (response(upgrade="WebSocket"), "Upgrade is 'WebSocket', NNG wants exactly 'websocket'"),
])
def test_dialer_objections(resp: bytes, why: str) -> None:
    dec = ConnDecoder(1, Options(transport="ws"), None)
    evs = dec.feed("up", request(), 0.0) + dec.feed("down", resp, 0.0)
    assert evs[-1].event == "verdict" and not evs[-1].data["ok"] and why in evs[-1].text


@pytest.mark.parametrize("req, status, why", [
    (request(path="/sp/"), 0, ""),                          # NNG accepts one trailing slash
    (request(path="/sp?x=1"), 0, ""),                       # and drops the query
    (request(path="/sp/sub"), 404, "path /sp/sub is not the listener's path /sp"),
    (request(extra="Content-Length: 5\r\n"), 413, "the request has a body"),
    (request().replace(b"Version: 13", b"Version: 8"), 400, "Sec-WebSocket-Version '8', not 13"),
    (request().replace(KEY.encode(), b"short"), 400, "Sec-WebSocket-Key missing or not 16 bytes"),
    (request().replace(b"Host: 127.0.0.1", b"Host: localhost"), 404, "Host 'localhost:5555' is not"),
])
def test_listener_objections(req: bytes, status: int, why: str) -> None:
    head = wshttp.parse(req.split(b"\r\n\r\n")[0], "request")
    got = wshttp.listener_objections(head, "127.0.0.1", "/sp")
    assert ([(s, w[:len(why)]) for s, w in got] == [(status, why)]) if status else got == []


def test_frames_messages_and_closes() -> None:
    dec = upgraded()
    req = frame(b"\x80\x00\x00\x07ping", b"\x01\x02\x03\x04")
    evs: List[Event] = []
    for i in range(len(req)):  # one byte at a time
        evs += dec.feed("up", req[i:i + 1], 0.0)
    (msg,) = evs
    assert isinstance(msg, MessageEvent) and (msg.kind, msg.id, msg.length, msg.data["offset"]) == (
        "request", 0x80000007, 8, len(request()))
    assert msg.data["ws"] == {"frames": 1, "masked": True, "enc": 7, "opcode": 2}
    assert msg.body is not None and msg.body["text"] == '"ping"'
    down = frame(b"\x80\x00\x00\x07po", fin=False) + frame(b"\x03\xe9", op=8) + frame(b"ng", op=0) + \
        frame(b"\x03\xf1too big", op=8)
    evs = dec.feed("down", down, 0.0)
    assert [(e.layer, e.event) for e in evs] == [("ws", "frame"), ("ws", "close"), ("ws", "frame"),
                                                 ("msg", "message"), ("ws", "close")]
    assert (evs[0].data["fin"], evs[0].data["opcode"], evs[2].data["opcode"]) == (False, 2, 0)
    assert (evs[1].data["code"], evs[1].data["name"], "end" in evs[1].data) == (1001, "going away", False)
    assert evs[3].data["ws"]["frames"] == 2 and evs[3].body is not None and evs[3].body["text"] == '"pong"'
    assert (evs[4].data["code"], evs[4].data["reason"], evs[4].text) == (1009, "too big",
                                                                         "close 1009 message too big 'too big'")
    assert evs[4].data["end"] == len(response()) + len(down)


@pytest.mark.parametrize("data, client, problem", [
    (frame(b"abc"), True, "a client frame must be masked: close 1002"),
    (frame(b"abc", b"abcd"), False, "a server frame must not be masked: close 1002"),
    (frame(b"abc", op=1), False, "TEXT frame: NNG closes with 1003"),
    (frame(b"abcdefghi", enc=64), False, "9 bytes in a 64-bit length: not the minimal encoding, close 1002"),
    (frame(b"abc", enc=16), False, "3 bytes in a 16-bit length"),
    (frame(b"abc", op=0), False, "continuation with no message in progress: close 1002"),
    (frame(b"x" * 126, op=9), False, "control frame over 125 bytes: close 1002"),
    (frame(b"x", op=5), False, "unknown opcode 0x5: close 1002"),
    (bytes([0xc2, 0x00]), False, "RSV bits 4 set without an extension: close 1002"),
])
def test_frame_judged_as_nng(data: bytes, client: bool, problem: str) -> None:
    d = wsframes.WsDecoder(client=client)
    d.feed(request() if client else response())
    frames = [i for i in d.feed(data) if isinstance(i, wsframes.WsFrame)]
    assert any(p.startswith(problem) for p in frames[0].problems), frames[0].problems


def test_claim_of_2_62_bytes_costs_nothing() -> None:
    dec = upgraded()
    tracemalloc.start()
    try:
        evs = dec.feed("up", bytes([0x82, 0xff]) + (1 << 62).to_bytes(8, "big") + b"mask", 0.0)
        for _ in range(64):
            evs += dec.feed("up", os.urandom(65536), 0.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(e.layer, e.event) for e in evs] == [("ws", "frame"), ("error", "claim")]
    assert evs[1].data == {"len": 1 << 62, "offset": len(request())}
    assert "over the default ws:rxframe-max 1 MiB: close 1009" in evs[0].text
    assert peak < 2 * 65536 + 200_000  # the 4 MiB fed went by; only a chunk and the kept head were alive
    (cut,) = dec.end("up", 1.0)
    assert cut.event == "cut" and cut.text == "stream ended inside a frame: %d of %d payload bytes" % (
        64 * 65536, 1 << 62)


@pytest.mark.parametrize("data, cut", [
    (b"GET /sp HTTP/1.1\r\nHost: x", "stream ended inside the HTTP head"),
    (request() + b"\x82", "stream ended inside a frame header (1 bytes)"),
    (request() + frame(b"abc", b"abcd")[:-1], "stream ended inside a frame: 2 of 3 payload bytes"),
    (request() + frame(b"abc", b"abcd", fin=False), "stream ended inside a fragmented message (1 frames, no FIN)"),
])
def test_truncation_is_a_cut(data: bytes, cut: str) -> None:
    d = wsframes.WsDecoder(client=True)
    d.feed(data)
    end = d.end()
    assert end is not None and end.reason.startswith(cut) and end.offset == len(data)


def test_garbage_and_endless_heads() -> None:
    d = wsframes.WsDecoder(client=True)
    items = d.feed(b"\x00SP\x00\x00\x30\x00\x00")  # a tcp:// dialer at a ws:// port: said at once
    assert items == [framing.Broken("00 53 50 00 00 30 00 00 is no HTTP request (an SP header: a tcp:// peer at"
                                    " a ws:// address)", 0)]
    assert d.feed(b"x" * 100) == [] and d.offset == 108
    d = wsframes.WsDecoder(client=False)
    items = d.feed(b"HTTP/1.1 abc\r\n\r\n")
    assert isinstance(items[0], wsframes.Upgrade) and isinstance(items[1], framing.Broken)
    assert items[1].reason == "not an HTTP response: status line 'HTTP/1.1 abc' is not VERSION STATUS REASON"
    d = wsframes.WsDecoder(client=True)
    items = d.feed(b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 2000)
    assert [type(i) for i in items] == [framing.Broken] and "8192" in items[0].reason  # type: ignore[union-attr]
    assert len(d._buf) <= wshttp.HEAD_MAX


def test_random_bytes_never_raise() -> None:
    rng = random.Random(13)
    for i in range(300):
        dec = upgraded() if i % 2 else ConnDecoder(1, Options(transport="ws"), None)
        d = "up" if i % 3 else "down"
        blob = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 400)))
        evs: List[Any] = []
        for cut in range(0, len(blob), 37):
            evs += dec.feed(d, blob[cut:cut + 37], 0.0)
        evs += dec.end(d, 0.0)
        assert all(e.conn == 1 for e in evs)


def test_any_split_of_the_stream_decodes_the_same() -> None:
    """The incremental decoder gives the same events whatever pieces the bytes arrive in."""
    rng = random.Random(7)
    up = request() + frame(b"\x80\x00\x00\x09" + bytes(300), b"abcd") + frame(b"\x80\x00", b"wxyz", fin=False) + \
        frame(b"\x00\x0a", b"mask", op=9) + frame(b"\x00\x0atail", b"1234", op=0) + frame(b"\x03\xe8", b"zzzz", op=8)
    down = response() + frame(b"\x80\x00\x00\x09" + bytes(70_000)) + frame(b"\x03\xe8bye", op=8)

    def run(pieces: int) -> List[str]:
        dec = ConnDecoder(1, Options(transport="ws"), None)
        out: List[Any] = []
        for d, data in (("up", up), ("down", down)):
            cuts = sorted(rng.sample(range(1, len(data)), pieces)) if pieces else []
            for a, b in zip([0] + cuts, cuts + [len(data)]):
                out += dec.feed(d, data[a:b], 0.0)
            out += dec.end(d, 0.0)
        return [e.json_line() for e in out]

    whole = run(0)
    assert len(whole) == 11 and not [line for line in whole if '"layer":"error"' in line]
    for _ in range(30):
        assert run(rng.randrange(1, 60)) == whole
