"""Each protocol's header on the wire, byte by byte, against hand-built frames (§7, §8).

PAIR1 hop counts, survey ids, backtraces with hops, and the malformed
headers that must drop the message or close only that one pipe.  PUB, BUS
and pipeline frames carry no header; SUB sends nothing at all.
"""
from __future__ import annotations

import pytest

from tests.helpers.impl import nk
from tests.helpers.raw import PeerClosed, frame, word
from tests.helpers.rawproto import (BUS0, PAIR1, PUB0, PULL0, PUSH0, REP0, REQ0, RESPONDENT0, SUB0, SURVEYOR0, TOP,
                                    bytes_until_closed, hop, impl_dials_raw, raw_peer, split_word)
from tests.helpers.sync import wait_for

STREAMS = ["tcp", "ipc"]


def pair1_roundtrip(pair, url, body=b"check"):
    """A fresh raw PAIR1 peer proves the impl socket still accepts and answers."""
    with raw_peer(url, PAIR1, PAIR1) as c:
        c.send_frame(hop(1) + body)
        assert pair.recv() == body
        pair.send(body + b"-back")
        assert c.read_frame() == hop(1) + body + b"-back"


# -- PAIR1 ------------------------------------------------------------------

@pytest.mark.parametrize("scheme", STREAMS)
def test_pair1_cooked_send_has_hop_count_one(serve, scheme):
    pair, url = serve(nk.Pair1, scheme)
    with raw_peer(url, PAIR1, PAIR1) as c:
        c.send_frame(hop(1) + b"hello")  # the impl has taken this pipe once it delivers
        assert pair.recv() == b"hello"
        pair.send(b"from-impl")
        assert c.read_frame() == bytes.fromhex("00000001") + b"from-impl"
        pair.send(b"")
        assert c.read_frame() == bytes.fromhex("00000001")


@pytest.mark.parametrize("scheme", STREAMS)
@pytest.mark.parametrize("count", [0, 1, 7, 8])
def test_pair1_hop_counts_up_to_ttl_are_stripped_and_delivered(serve, scheme, count):
    pair, url = serve(nk.Pair1, scheme)
    with raw_peer(url, PAIR1, PAIR1) as c:
        c.send_frame(hop(count) + b"hops=%d" % count)
        assert pair.recv() == b"hops=%d" % count


@pytest.mark.parametrize("scheme", STREAMS)
@pytest.mark.parametrize("count", [9, 0xFF])
def test_pair1_hop_over_ttl_is_dropped_pipe_kept(serve, scheme, count):
    pair, url = serve(nk.Pair1, scheme)
    with raw_peer(url, PAIR1, PAIR1) as c:
        c.send_frame(hop(count) + b"too many hops")
        c.send_frame(hop(8) + b"within limit")
        assert pair.recv() == b"within limit"  # the first never arrives, the pipe stays
        pair.send(b"still here")
        assert c.read_frame() == hop(1) + b"still here"


@pytest.mark.parametrize("scheme", STREAMS)
def test_pair1_ttl_max_setting_is_the_limit(serve, scheme):
    pair, url = serve(nk.Pair1, scheme, ttl_max=3)
    with raw_peer(url, PAIR1, PAIR1) as c:
        c.send_frame(hop(4) + b"over 3")
        c.send_frame(hop(3) + b"at 3")
        assert pair.recv() == b"at 3"


MALFORMED_PAIR1 = {
    "empty": b"",
    "three-bytes": b"\x00\x00\x01",
    "hop-0x100": word(0x100) + b"x",
    "hop-0xffffffff": word(0xFFFFFFFF) + b"x",
}


@pytest.mark.parametrize("scheme", STREAMS)
@pytest.mark.parametrize("payload", list(MALFORMED_PAIR1), ids=list(MALFORMED_PAIR1))
def test_pair1_malformed_hop_header_closes_the_pipe(serve, scheme, payload):
    pair, url = serve(nk.Pair1, scheme)
    with raw_peer(url, PAIR1, PAIR1) as c:
        c.send_frame(MALFORMED_PAIR1[payload])
        c.expect_closed(timeout=3.0)
    # the monogamous socket lets the next peer in once the old pipe is gone
    wait_for(lambda: _pair1_accepts(pair, url), timeout=5.0, what="PAIR1 to accept a new peer")


def _pair1_accepts(pair, url):
    """One attempt (the old pipe may still be held for a moment: then it is refused)."""
    saved, pair.recv_timeout = pair.recv_timeout, 300
    try:
        pair1_roundtrip(pair, url)
        return True
    except (nk.Timeout, PeerClosed, OSError):
        return False
    finally:
        pair.recv_timeout = saved


@pytest.mark.parametrize("scheme", STREAMS)
def test_pair1_second_peer_gets_header_then_close(serve, scheme):
    pair, url = serve(nk.Pair1, scheme)
    with raw_peer(url, PAIR1, PAIR1) as first:
        first.send_frame(hop(1) + b"I am the peer")
        assert pair.recv() == b"I am the peer"
        with raw_peer(url, PAIR1, PAIR1) as second:  # raw_peer checked the impl's header
            second.expect_closed(timeout=3.0)
        first.send_frame(hop(1) + b"still mine")
        assert pair.recv() == b"still mine"


@pytest.mark.parametrize("scheme", STREAMS)
def test_pair1_polyamorous_uses_the_same_header(serve, scheme):
    pair, url = serve(lambda: nk.Pair1(polyamorous=True), scheme)
    with raw_peer(url, PAIR1, PAIR1) as a, raw_peer(url, PAIR1, PAIR1) as b:
        a.send_frame(hop(1) + b"a")
        b.send_frame(hop(2) + b"b")
        got = {m.bytes: m.pipe for m in (pair.recv_msg(), pair.recv_msg())}
        got[b"b"].send(b"to b")
        assert b.read_frame() == hop(1) + b"to b"


@pytest.mark.nngkit_only  # raw sockets (NNG 1.11 does the same: header 3 -> wire 4)
@pytest.mark.parametrize("scheme", STREAMS)
def test_pair1_raw_increments_the_hop_count_it_is_given(serve, scheme):
    pair, url = serve(lambda: nk.Pair1(raw=True), scheme)
    with raw_peer(url, PAIR1, PAIR1) as c:
        c.send_frame(hop(5) + b"in")
        m = pair.recv_msg()
        assert (m.header, m.bytes) == (hop(5), b"in")  # as received, not incremented
        pair.send_msg(nk.Message(b"fwd", header=hop(3)))
        assert c.read_frame() == hop(4) + b"fwd"
        pair.send_msg(nk.Message(b"edge", header=hop(0xFE)))
        assert c.read_frame() == hop(0xFF) + b"edge"


# -- SURVEYOR0 / RESPONDENT0 ------------------------------------------------

@pytest.mark.parametrize("scheme", STREAMS)
def test_survey_id_has_top_bit_and_increments(sockets, scheme):
    sv = sockets(nk.Surveyor0, recv_timeout=5000, survey_time=5000)
    ids = []
    with impl_dials_raw(sv, scheme, RESPONDENT0, SURVEYOR0) as c:
        for i in range(5):
            sv.send(b"s%d" % i)
            sid, body = split_word(c.read_frame())
            assert body == b"s%d" % i
            assert sid & TOP, f"survey id {sid:#010x} lacks the top bit"
            ids.append(sid)
            c.send_frame(word(sid) + b"a%d" % i)
            assert sv.recv() == b"a%d" % i
    for prev, nxt in zip(ids, ids[1:]):
        assert nxt == (prev + 1 if prev != 0xFFFFFFFF else TOP), [hex(i) for i in ids]


@pytest.mark.parametrize("scheme", STREAMS)
def test_survey_goes_to_every_respondent_with_one_id(sockets, scheme):
    sv = sockets(nk.Surveyor0, recv_timeout=5000, survey_time=5000)
    with impl_dials_raw(sv, scheme, RESPONDENT0, SURVEYOR0) as a, \
            impl_dials_raw(sv, scheme, RESPONDENT0, SURVEYOR0) as b:
        sv.send(b"everyone")
        fa, fb = a.read_frame(), b.read_frame()
        assert fa == fb and fa[4:] == b"everyone"


@pytest.mark.parametrize("scheme", STREAMS)
def test_surveyor_contexts_have_distinct_ids_and_get_their_own_answers(sockets, scheme):
    sv = sockets(nk.Surveyor0, recv_timeout=5000, survey_time=5000)
    ctxs = [sockets.track(sv.new_context()) for _ in range(2)]
    with impl_dials_raw(sv, scheme, RESPONDENT0, SURVEYOR0) as c:
        for i, ctx in enumerate(ctxs):
            ctx.send(b"ctx%d" % i)
        frames = [split_word(c.read_frame()) for _ in ctxs]
        assert [body for _, body in frames] == [b"ctx0", b"ctx1"]
        ids = [sid for sid, _ in frames]
        assert ids[0] != ids[1] and all(sid & TOP for sid in ids), [hex(i) for i in ids]
        for sid, body in reversed(frames):
            c.send_frame(word(sid) + b"re:" + body)
        assert [ctx.recv() for ctx in ctxs] == [b"re:ctx0", b"re:ctx1"]


@pytest.mark.parametrize("scheme", STREAMS)
def test_surveyor_drops_responses_with_other_ids(sockets, scheme):
    sv = sockets(nk.Surveyor0, recv_timeout=5000, survey_time=5000)
    with impl_dials_raw(sv, scheme, RESPONDENT0, SURVEYOR0) as c:
        sv.send(b"q")
        sid, _ = split_word(c.read_frame())
        c.send_frame(word(sid ^ 0x1234) + b"wrong id")
        c.send_frame(word(sid - 1 if sid > TOP else sid + 1) + b"neighbour id")
        c.send_frame(word(sid) + b"right id")
        assert sv.recv() == b"right id"


@pytest.mark.parametrize("scheme", STREAMS)
def test_respondent_echoes_backtrace_with_hops_verbatim(serve, scheme):
    resp, url = serve(nk.Respondent0, scheme)
    bt = bytes.fromhex("00000007 00001234 80000abc")
    with raw_peer(url, SURVEYOR0, RESPONDENT0) as c:
        c.send_frame(bt + b"who?")
        assert resp.recv() == b"who?"
        resp.send(b"me")
        assert c.read_frame() == bt + b"me"
        c.send_frame(bytes.fromhex("80000abd") + b"again?")
        assert resp.recv() == b"again?"
        resp.send(b"yes")
        assert c.read_frame() == bytes.fromhex("80000abd") + b"yes"


@pytest.mark.parametrize("scheme", STREAMS)
def test_respondent_accepts_ttl_words_and_drops_longer(serve, scheme):
    resp, url = serve(nk.Respondent0, scheme)
    with raw_peer(url, SURVEYOR0, RESPONDENT0) as c:
        nine = b"".join(word(h) for h in range(1, 9)) + word(0x80000009)
        eight = b"".join(word(h) for h in range(1, 8)) + word(0x80000008)
        c.send_frame(nine + b"too far")
        c.send_frame(eight + b"just fits")
        assert resp.recv() == b"just fits"
        resp.send(b"ok")
        assert c.read_frame() == eight + b"ok"


MALFORMED_BT = {
    "no-end-bit": bytes.fromhex("00000007 00000008"),
    "partial-word": bytes.fromhex("00000007") + b"hi",
    "three-bytes": b"\x80\x00\x00",
    "empty": b"",
}


@pytest.mark.parametrize("scheme", STREAMS)
@pytest.mark.parametrize("payload", list(MALFORMED_BT), ids=list(MALFORMED_BT))
def test_respondent_malformed_backtrace_closes_only_that_pipe(serve, scheme, payload):
    resp, url = serve(nk.Respondent0, scheme)
    with raw_peer(url, SURVEYOR0, RESPONDENT0) as good, raw_peer(url, SURVEYOR0, RESPONDENT0) as bad:
        bad.send_frame(MALFORMED_BT[payload])
        bad.expect_closed(timeout=3.0)
        good.send_frame(word(0x80000001) + b"still fine?")
        assert resp.recv() == b"still fine?"
        resp.send(b"yes")
        assert good.read_frame() == word(0x80000001) + b"yes"


# -- headerless protocols ---------------------------------------------------

@pytest.mark.parametrize("scheme", STREAMS)
def test_pub_frames_have_no_header(sockets, scheme):
    pub = sockets(nk.Pub0)
    with impl_dials_raw(pub, scheme, SUB0, PUB0) as c:
        pub.send(b"alpha")
        pub.send(b"")
        expected = frame(b"alpha", c.ipc) + frame(b"", c.ipc)
        assert c.read_exact(len(expected)) == expected


@pytest.mark.parametrize("scheme", STREAMS)
def test_sub_sends_nothing_and_filters_locally(sockets, scheme):
    sub = sockets(nk.Sub0, recv_timeout=5000)
    with impl_dials_raw(sub, scheme, PUB0, SUB0) as c:
        sub.subscribe(b"a")
        sub.subscribe(b"")
        sub.unsubscribe(b"")
        for body in (b"xyz", b"Abc", b"", b"abc"):
            c.send_frame(body)
        assert sub.recv() == b"abc"
        sub.close()
        assert bytes_until_closed(c) == b"", "SUB wrote bytes after its header"


@pytest.mark.parametrize("scheme", STREAMS)
def test_bus_frames_have_no_header_and_are_not_forwarded(serve, scheme):
    bus, url = serve(nk.Bus0, scheme)
    with raw_peer(url, BUS0, BUS0) as a, raw_peer(url, BUS0, BUS0) as b:
        a.send_frame(b"from a")
        b.send_frame(b"from b")
        assert sorted([bus.recv(), bus.recv()]) == [b"from a", b"from b"]
        bus.send(b"to all")
        assert a.read_frame() == b"to all"  # not b's message first: no forwarding
        assert b.read_frame() == b"to all"


@pytest.mark.parametrize("scheme", STREAMS)
def test_push_and_pull_frames_have_no_header(sockets, scheme):
    push, pull = sockets(nk.Push0, send_timeout=5000), sockets(nk.Pull0, recv_timeout=5000)
    with impl_dials_raw(push, scheme, PULL0, PUSH0) as c:
        push.send(b"work")
        assert c.read_frame() == b"work"
    with impl_dials_raw(pull, scheme, PUSH0, PULL0) as c:
        c.send_frame(b"\x80\x00\x00\x01job")  # no header: even this is all body
        assert pull.recv() == b"\x80\x00\x00\x01job"


# -- ttl-max on the backtrace protocols --------------------------------------

@pytest.mark.parametrize("scheme", STREAMS)
@pytest.mark.parametrize("cls,ours,theirs", [(nk.Rep0, REQ0, REP0), (nk.Respondent0, SURVEYOR0, RESPONDENT0)],
                         ids=["rep0", "respondent0"])
def test_ttl_max_setting_limits_backtrace_words(serve, scheme, cls, ours, theirs):
    s, url = serve(cls, scheme, ttl_max=3)
    assert s.ttl_max == 3
    with raw_peer(url, ours, theirs) as c:
        four = word(1) + word(2) + word(3) + word(0x80000004)
        three = word(1) + word(2) + word(0x80000003)
        c.send_frame(four + b"over")
        c.send_frame(three + b"within")
        assert s.recv() == b"within"
        s.send(b"ok")
        assert c.read_frame() == three + b"ok"
