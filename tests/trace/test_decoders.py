"""The tracer's pure decoders: handshake verdicts, tcp/ipc framing fed in any pieces, protocol headers.

Inputs are the wire examples of sp-wire-protocol.md (verified against NNG).
"""
from __future__ import annotations

import random

import pytest

from nngtrace import framing, handshake, headers
from nngtrace.conn import ConnDecoder, Options
from nngtrace.state import Tracker

REQ_HS = bytes.fromhex("0053500000300000")
REP_HS = bytes.fromhex("0053500000310000")
PUB_HS = bytes.fromhex("0053500000200000")


@pytest.mark.parametrize("dialer, listener, ok, text", [
    (REQ_HS, REP_HS, True, "REQ0 dialed REP0: compatible"),
    (REQ_HS, PUB_HS, False, "REQ0 dialed PUB0: NNG closes this connection (protocol mismatch)"),
    (bytes.fromhex("0053500000110000"), bytes.fromhex("0053500000100000"), False,
     "PAIR1 dialed PAIR0: NNG closes this connection (protocol mismatch)"),
    (bytes.fromhex("0053500000300000"), bytes.fromhex("005350000abc0000"), False,
     "REQ0 dialed protocol 0x0abc: NNG closes this connection (unknown protocol number)"),
    (b"GET / HT", REP_HS, False, "the dialer sent a bad SP header: bad magic 47 45 54, expected 00 53 50 "
     "(this looks like HTTP): NNG closes this connection"),
    (REQ_HS, bytes.fromhex("0053500000310001"), False,
     "the listener sent a bad SP header: reserved bytes 6-7 are 00 01, must be 00 00: NNG closes this connection"),
    (bytes.fromhex("0053500100300000"), REP_HS, False,
     "the dialer sent a bad SP header: version byte 1, expected 0: NNG closes this connection"),
])
def test_handshake_verdict_in_words(dialer: bytes, listener: bytes, ok: bool, text: str) -> None:
    v = handshake.verdict(handshake.parse(dialer), handshake.parse(listener))
    assert (v.ok, v.text) == (ok, text)


def test_handshake_truncated_and_missing() -> None:
    assert handshake.parse(b"\x00SP").problems == ("truncated header: 3 of 8 bytes",)
    assert handshake.verdict(handshake.parse(REQ_HS), None).text == "the listener sent no header: NNG closes this connection"


def _stream(ipc: bool, frames: list) -> bytes:
    out = bytearray(REQ_HS)
    for payload in frames:
        out += (b"\x01" if ipc else b"") + len(payload).to_bytes(8, "big") + payload
    return bytes(out)


def _feed_split(dec: framing.StreamDecoder, data: bytes, rng: random.Random) -> list:
    items, pos = [], 0
    while pos < len(data):
        n = rng.randint(0, 17)  # empty pieces included
        items += dec.feed(data[pos:pos + n])
        pos += n
    return items


@pytest.mark.parametrize("ipc", [False, True], ids=["tcp", "ipc"])
@pytest.mark.parametrize("seed", range(20))
def test_framing_is_independent_of_how_the_stream_is_split(ipc: bool, seed: int) -> None:
    rng = random.Random(seed)
    frames = [bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 4, 9, 300]))) for _ in range(12)]
    data = _stream(ipc, frames)
    whole = framing.StreamDecoder(ipc=ipc, keep=64).feed(data)
    pieces = _feed_split(framing.StreamDecoder(ipc=ipc, keep=64), data, rng)
    assert whole == pieces
    got = [i for i in pieces if isinstance(i, framing.Frame)]
    assert [f.length for f in got] == [len(p) for p in frames]
    assert [f.head for f in got] == [p[:64] for p in frames]
    assert got[-1].end == len(data)
    assert all(f.end - f.start == len(p) + (9 if ipc else 8) for f, p in zip(got, frames))


def test_the_ipc_example_of_the_wire_doc() -> None:
    data = REQ_HS + bytes.fromhex("01 000000000000000c 80000042") + b"over-ipc"
    frame = [i for i in framing.StreamDecoder(ipc=True).feed(data) if isinstance(i, framing.Frame)][0]
    hdr = headers.decode(0x30, frame.head, frame.length)
    assert (frame.length, hdr.kind, hdr.id, hdr.size, frame.head[hdr.size:]) == (12, "request", 0x80000042, 4,
                                                                               b"over-ipc")


def test_ipc_type_byte_other_than_1_stops_decoding() -> None:
    dec = framing.StreamDecoder(ipc=True)
    items = dec.feed(REQ_HS + b"\x02" + bytes(8) + b"junk" * 100)
    assert isinstance(items[-1], framing.Broken) and "0x02" in items[-1].reason
    assert dec.feed(b"more") == [] and dec.offset == 8 + 9 + 400 + 4


def test_garbage_instead_of_a_header() -> None:
    dec = framing.StreamDecoder()
    items = dec.feed(b"HTTP/1.1 200 OK\r\n\r\n" * 1000)
    assert isinstance(items[0], framing.HeaderSeen) and not items[0].header.ok
    assert isinstance(items[1], framing.Broken) and len(items) == 2


def test_huge_claim_costs_nothing_and_is_reported_at_once() -> None:
    dec = framing.StreamDecoder(keep=64)
    items = dec.feed(REQ_HS + b"\xff" * 8 + b"x" * 1000)
    assert items == [items[0], framing.Claim(2**64 - 1, 8)]
    assert len(dec._head) == 64  # only the kept head, not the claim
    cut = dec.end()
    assert cut is not None and cut.reason == "stream ended inside a frame: 1000 of 18446744073709551615 bytes"


@pytest.mark.parametrize("data, reason", [
    (REQ_HS[:5], "stream ended inside the SP header (5 of 8 bytes)"),
    (REQ_HS + bytes(3), "stream ended inside a frame prefix (3 of 8 bytes)"),
    (REQ_HS + (9).to_bytes(8, "big") + b"abc", "stream ended inside a frame: 3 of 9 bytes"),
])
def test_truncated_streams_are_reported(data: bytes, reason: str) -> None:
    dec = framing.StreamDecoder()
    dec.feed(data)
    cut = dec.end()
    assert cut is not None and cut.reason == reason


def test_clean_end_is_no_cut() -> None:
    dec = framing.StreamDecoder()
    dec.feed(_stream(False, [b"", b"abcd"]))
    assert dec.end() is None


def test_limit_announces_claims_over_it() -> None:
    dec = framing.StreamDecoder(limit=1024)
    items = dec.feed(REQ_HS + (1025).to_bytes(8, "big"))
    assert items[-1] == framing.Claim(1025, 8)
    assert not [i for i in dec.feed((1024).to_bytes(8, "big")[:0]) if isinstance(i, framing.Claim)]


@pytest.mark.parametrize("sender, payload, expect", [
    (0x30, bytes.fromhex("d2a6637f") + b"hello", dict(kind="request", id=0xd2a6637f, size=4, hops=())),
    (0x31, bytes.fromhex("00000007 00001234 80000002") + b"hop-reply",
     dict(kind="reply", id=0x80000002, size=12, hops=(7, 0x1234))),
    (0x62, bytes.fromhex("80000abc") + b"who?", dict(kind="survey", id=0x80000abc, size=4)),
    (0x63, bytes.fromhex("80000abc") + b"me", dict(kind="response", id=0x80000abc, size=4)),
    (0x11, bytes.fromhex("00000001") + b"from-nng", dict(kind="pair1", hop_count=1, size=4, problem=None)),
    (0x20, b"alpha", dict(kind="none", size=0, id=None)),
])
def test_protocol_headers(sender: int, payload: bytes, expect: dict) -> None:
    hdr = headers.decode(sender, payload, len(payload))
    assert {k: getattr(hdr, k) for k in expect} == expect


@pytest.mark.parametrize("sender, payload, problem", [
    (0x31, b"\x00\x00", "2 bytes, shorter than a request id: NNG closes this connection"),
    (0x30, bytes.fromhex("00000001 00000002") + b"x",
     "backtrace without an end word (no word with the top bit set): NNG closes this connection"),
    (0x30, bytes(4 * 8) + bytes.fromhex("80000001"), "backtrace of 9 words exceeds ttl-max 8: NNG drops the message"),
    (0x30, bytes(4 * 20), "no end word in the first 16 words: NNG drops the message (over any ttl-max)"),
    (0x11, b"\x00\x01", "2 bytes, shorter than the PAIR1 hop count: NNG closes this connection"),
    (0x11, bytes.fromhex("00000100"), "hop count 256 > 255: NNG closes this connection"),
    (0x11, bytes.fromhex("00000009"), "hop count 9 > ttl-max 8: NNG drops the message"),
])
def test_header_problems_say_what_nng_does(sender: int, payload: bytes, problem: str) -> None:
    assert headers.decode(sender, payload, len(payload)).problem == problem


def _conn() -> ConnDecoder:
    c = ConnDecoder(1, Options(survey_time=1.0), Tracker(survey_time=1.0))
    c.feed("up", REQ_HS, 0.0)
    c.feed("down", REP_HS, 0.0)
    return c


def _frame(ident: int, body: bytes) -> bytes:
    payload = ident.to_bytes(4, "big") + body
    return len(payload).to_bytes(8, "big") + payload


def test_state_match_resend_unknown_and_superseded() -> None:
    c = _conn()
    evs = c.feed("up", _frame(0x80000001, b"a"), 1.0) + c.feed("up", _frame(0x80000001, b"a"), 1.2)
    evs += c.feed("down", _frame(0x80000001, b"r"), 1.25) + c.feed("down", _frame(0x80000001, b"r"), 1.3)
    evs += c.feed("down", _frame(0x80000777, b"r"), 1.4)
    evs += c.feed("up", _frame(0x80000002, b"b"), 2.0) + c.feed("up", _frame(0x80000003, b"c"), 2.1)
    evs += c.feed("down", _frame(0x80000002, b"late"), 2.2)
    states = [(e.event, e.data.get("id")) for e in evs if e.layer == "state"]
    assert states == [("resend", 0x80000001), ("match", 0x80000001), ("unknown-id", 0x80000001),
                      ("unknown-id", 0x80000777), ("stale", 0x80000002)]
    resend = [e for e in evs if e.event == "resend"][0]
    match = [e for e in evs if e.event == "match"][0]
    assert resend.data["after"] == pytest.approx(0.2) and match.data["rtt"] == pytest.approx(0.05)
    assert match.data["sends"] == 2


def test_state_late_survey_response() -> None:
    c = ConnDecoder(1, Options(), Tracker(survey_time=1.0))
    c.feed("up", bytes.fromhex("0053500000620000"), 0.0)
    c.feed("down", bytes.fromhex("0053500000630000"), 0.0)
    c.feed("up", _frame(0x80000010, b"who?"), 1.0)
    early = c.feed("down", _frame(0x80000010, b"me"), 1.5)
    late = c.feed("down", _frame(0x80000010, b"me too"), 2.25)
    assert [e.event for e in early if e.layer == "state"] == ["match"]
    assert [e.event for e in late if e.layer == "state"] == ["match", "late"]
    assert late[-1].data["after"] == pytest.approx(1.25)


@pytest.mark.parametrize("ipc", [False, True], ids=["tcp", "ipc"])
@pytest.mark.parametrize("seed", range(30))
def test_random_bytes_never_crash_and_memory_stays_bounded(ipc: bool, seed: int) -> None:
    """Garbage after a good header (so the framer is exercised), in random pieces."""
    rng = random.Random(1000 + seed)
    dec = framing.StreamDecoder(ipc=ipc, keep=64)
    c = _conn()
    data = REQ_HS + bytes(rng.randrange(256) if rng.random() < 0.7 else 0 for _ in range(4000))
    pos = 0
    while pos < len(data):
        n = rng.randint(1, 300)
        dec.feed(data[pos:pos + n])
        if pos + n > 8:  # the whole-connection decoder already has the header
            c.feed("up", data[max(pos, 8):pos + n], 0.0)
        assert len(dec._head) <= 64 and len(dec._buf) <= 9
        pos += n
    assert dec.offset == len(data) and c.decoders["up"].offset == len(data)
    c.end("up", 0.0)
